//! Writes `widget.css` as the wasm carries it (`element::STYLESHEET`): its
//! comments and layout removed, since every byte of it ships in the wasm.
//! The source keeps them for people.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=widget.css");
    let css = std::fs::read_to_string("widget.css").expect("frontend/widget.css");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("widget.min.css"), minify(&css)).expect("OUT_DIR is writable");
}

/// `css` without comments, with each run of white space made one space, and
/// none beside `{`, `}`, `;` and `,`. (No space is removed around `:` or
/// `>`: in a selector it may be a descendant combinator. The stylesheet has
/// no string holding `/*` or a run of spaces.)
fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    let mut space = false;
    while let Some(c) = rest.chars().next() {
        if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
            space = true;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let tight = |c: char| matches!(c, '{' | '}' | ';' | ',');
        if space && !tight(c) && !out.ends_with(tight) && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}
