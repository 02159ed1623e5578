//! The widget's wasm imports renamed short in `dist/`, after Trunk and before
//! the JavaScript is minified. wasm-bindgen names each import for what it
//! binds plus a hash of 16 hex digits (`__wbg_setAttribute_3c9f6d0d1e2a4b5c`),
//! all from one module (`./vidrop-frontend_bg.js`): the wasm's import section
//! and the glue's import object both spell each of them out, and hex digits
//! are what gzip cannot shrink. esbuild cannot rename them, as they are the
//! keys the wasm looks its imports up by. Here each import becomes `a`, `b`,
//! … `Z`, `ab`, … and the module `a`, in the wasm and in the glue alike, as
//! emscripten does with binaryen's `--minify-imports-and-exports`. That is
//! 5.0 KB of the gzipped widget (2.9 the wasm's, 2.1 the glue's; measured on
//! 2026-12-02 with 167 imports).
//!
//! The glue must name each import once, as an object key (`name:`), and its
//! module once (`"module":`): otherwise wasm-bindgen changed how it writes
//! its glue, and this fails rather than ship a widget that cannot start.

use crate::Result;
use std::path::{Path, PathBuf};

/// Renames the imports of the one `*_bg.wasm` in `dist` and of its glue
/// (the `.js` of the same name without `_bg`), and rewrites `index.html`'s
/// integrity attributes for both.
pub fn shorten_widget_imports(dist: &Path) -> Result {
    let wasm_path = only_wasm(dist)?;
    let stem = wasm_path
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_suffix("_bg.wasm"))
        .ok_or_else(|| format!("{}: not a wasm-bindgen module", wasm_path.display()))?;
    let glue_path = dist.join(format!("{stem}.js"));
    let files = [wasm_path.clone(), glue_path.clone()];
    let before = crate::minify::integrities(&files)?;

    let wasm = read(&wasm_path)?;
    let glue = String::from_utf8(read(&glue_path)?)
        .map_err(|e| format!("{}: {e}", glue_path.display()))?;
    let (wasm, renames) = rename_imports(&wasm)?;
    let glue =
        rename_in_glue(&glue, &renames).map_err(|e| format!("{}: {e}", glue_path.display()))?;
    write(&wasm_path, &wasm)?;
    write(&glue_path, glue.as_bytes())?;

    let index_path = dist.join("index.html");
    let mut index = String::from_utf8(read(&index_path)?).map_err(|e| e.to_string())?;
    for ((old, new), file) in before
        .iter()
        .zip(crate::minify::integrities(&files)?)
        .zip(&files)
    {
        if !index.contains(old.as_str()) {
            return Err(format!(
                "{} names {} without its integrity {old}",
                index_path.display(),
                file.display()
            ));
        }
        index = index.replace(old.as_str(), &new);
    }
    write(&index_path, index.as_bytes())
}

/// The old and new names of what [`rename_imports`] renamed: modules first,
/// then fields.
#[derive(Debug, Default, PartialEq)]
pub struct Renames {
    pub modules: Vec<(String, String)>,
    pub fields: Vec<(String, String)>,
}

/// Where wasm-bindgen's JavaScript snippets are: a module whose name starts
/// so is a snippet, whose fields are its export names.
const SNIPPETS: &str = "./snippets/";

/// `wasm` with every import renamed: each module becomes the short name of
/// its rank among the modules, and the `n`th field renamed becomes
/// [`short_name`]`(n)` (all but a snippet's, see [`SNIPPETS`]). Every other
/// section is copied as it is.
pub fn rename_imports(wasm: &[u8]) -> Result<(Vec<u8>, Renames)> {
    const HEADER: &[u8] = b"\0asm\x01\0\0\0";
    if !wasm.starts_with(HEADER) {
        return Err("not a wasm module (version 1)".into());
    }
    let mut out = HEADER.to_vec();
    let mut renames = Renames::default();
    let mut reader = Reader {
        bytes: wasm,
        at: HEADER.len(),
    };
    while !reader.done() {
        let id = reader.byte()?;
        let size = reader.leb()? as usize;
        let payload = reader.take(size)?;
        if id != IMPORT_SECTION {
            out.push(id);
            write_leb(&mut out, size as u64);
            out.extend_from_slice(payload);
            continue;
        }
        let mut section = Reader {
            bytes: payload,
            at: 0,
        };
        let count = section.leb()?;
        let mut body = Vec::new();
        write_leb(&mut body, count);
        for _ in 0..count {
            let module = section.name()?;
            let field = section.name()?;
            let description = section.import_description()?;
            let snippet = module.starts_with(SNIPPETS);
            let position = match renames.modules.iter().position(|(old, _)| *old == module) {
                Some(position) => position,
                None => {
                    let short = short_name(renames.modules.len());
                    renames.modules.push((module, short));
                    renames.modules.len() - 1
                }
            };
            write_name(&mut body, &renames.modules[position].1);
            if snippet {
                // The glue imports a snippet whole (`import * as import1`):
                // its fields are the snippet's exports, which keep their names.
                write_name(&mut body, &field);
            } else {
                let new_field = short_name(renames.fields.len());
                write_name(&mut body, &new_field);
                renames.fields.push((field, new_field));
            }
            body.extend_from_slice(description);
        }
        if !section.done() {
            return Err("bytes left after the import section's entries".into());
        }
        out.push(IMPORT_SECTION);
        write_leb(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
    }
    Ok((out, renames))
}

/// `glue` with the keys of its import object renamed as `renames` says. Each
/// key is found in the glue as written, so a new name is never taken for an
/// old one.
pub fn rename_in_glue(glue: &str, renames: &Renames) -> Result<String> {
    let keys = renames
        .modules
        .iter()
        .map(|(old, new)| (format!("\"{old}\":"), format!("\"{new}\":")))
        .chain(
            renames
                .fields
                .iter()
                .map(|(old, new)| (format!("{old}:"), format!("{new}:"))),
        );
    let mut found = Vec::new();
    for (old, new) in keys {
        let at: Vec<usize> = glue.match_indices(old.as_str()).map(|(at, _)| at).collect();
        let [at] = at[..] else {
            return Err(format!(
                "the import key {old} is there {} times, not once",
                at.len()
            ));
        };
        found.push((at, old.len(), new));
    }
    found.sort();
    let mut renamed = String::with_capacity(glue.len());
    let mut copied = 0;
    for (at, length, new) in found {
        if at < copied {
            return Err(format!("the import key {new} overlaps another"));
        }
        renamed.push_str(&glue[copied..at]);
        renamed.push_str(&new);
        copied = at + length;
    }
    renamed.push_str(&glue[copied..]);
    Ok(renamed)
}

/// The `n`th short name: `a` … `z`, `A` … `Z`, then `ab`, `bb`, …: a JavaScript
/// identifier, distinct for each `n`, and never `__proto__`, which the glue's
/// import objects also set.
pub fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = String::new();
    loop {
        name.push(LETTERS[n % LETTERS.len()] as char);
        n /= LETTERS.len();
        if n == 0 {
            return name;
        }
    }
}

const IMPORT_SECTION: u8 = 2;

/// Reads a wasm module's bytes in order.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or("the wasm ends early")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    /// An unsigned LEB128 number.
    fn leb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a LEB128 number longer than 64 bits".into())
    }

    fn name(&mut self) -> Result<String> {
        let length = self.leb()? as usize;
        String::from_utf8(self.take(length)?.to_vec()).map_err(|e| e.to_string())
    }

    /// What an import is (a function, table, memory, global or tag, with its
    /// type), as its bytes.
    fn import_description(&mut self) -> Result<&'a [u8]> {
        let start = self.at;
        match self.byte()? {
            // A function or a tag (attribute 0) of a type index.
            0x00 => {
                self.leb()?;
            }
            0x04 => {
                self.byte()?;
                self.leb()?;
            }
            // A table: a reference type, then limits.
            0x01 => {
                self.byte()?;
                self.limits()?;
            }
            0x02 => self.limits()?,
            // A global: its value type, and whether it is mutable.
            0x03 => {
                self.take(2)?;
            }
            kind => return Err(format!("an import of unknown kind {kind:#x}")),
        }
        Ok(&self.bytes[start..self.at])
    }

    fn limits(&mut self) -> Result {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Ok(())
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_leb(out, name.len() as u64);
    out.extend_from_slice(name.as_bytes());
}

/// The one `*_bg.wasm` in `dist`.
fn only_wasm(dist: &Path) -> Result<PathBuf> {
    let found = crate::minify::files_with_extensions(dist, &["wasm"])?;
    match found.as_slice() {
        [wasm] => Ok(wasm.clone()),
        _ => Err(format!(
            "{}: {} wasm files, not one",
            dist.display(),
            found.len()
        )),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: [(&str, &str); 3] = [
        ("./app_bg.js", "__wbg_log_0123456789abcdef"),
        ("./app_bg.js", "__wbg_memory_fedcba9876543210"),
        ("env", "abort"),
    ];

    /// A module importing a function and a memory from its first module and
    /// a function from its second, named as `names` says, with a type
    /// section before and a custom section after, as a wasm-bindgen module
    /// has.
    fn module(names: [(&str, &str); 3]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // One type: () -> ().
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        let mut imports = vec![3];
        let descriptions: [&[u8]; 3] = [&[0, 0], &[2, 1, 17, 200, 1], &[0, 0]];
        for ((module, field), description) in names.into_iter().zip(descriptions) {
            write_name(&mut imports, module);
            write_name(&mut imports, field);
            imports.extend_from_slice(description);
        }
        wasm.push(IMPORT_SECTION);
        write_leb(&mut wasm, imports.len() as u64);
        wasm.extend_from_slice(&imports);
        let mut custom = Vec::new();
        write_name(&mut custom, "producers");
        custom.extend_from_slice(b"kept");
        wasm.push(0);
        write_leb(&mut wasm, custom.len() as u64);
        wasm.extend_from_slice(&custom);
        wasm
    }

    #[test]
    fn imports_get_short_names_and_the_rest_is_kept() {
        let (renamed, renames) = rename_imports(&module(ORIGINAL)).unwrap();
        assert_eq!(
            renames,
            Renames {
                modules: vec![
                    ("./app_bg.js".into(), "a".into()),
                    ("env".into(), "b".into()),
                ],
                fields: vec![
                    ("__wbg_log_0123456789abcdef".into(), "a".into()),
                    ("__wbg_memory_fedcba9876543210".into(), "b".into()),
                    ("abort".into(), "c".into()),
                ],
            }
        );
        // Only the names change: the same kinds, types and limits in the
        // same order, and the other sections as they were.
        assert_eq!(renamed, module([("a", "a"), ("a", "b"), ("b", "c")]));
    }

    #[test]
    fn a_snippets_exports_keep_their_names() {
        let snippet = "./snippets/app-0123456789abcdef/src/dom.js";
        let original = [ORIGINAL[0], ORIGINAL[1], (snippet, "listen")];
        let (renamed, renames) = rename_imports(&module(original)).unwrap();
        assert_eq!(renamed, module([("a", "a"), ("a", "b"), ("b", "listen")]));
        assert_eq!(renames.modules[1], (snippet.into(), "b".into()));
        assert_eq!(renames.fields.len(), 2, "{renames:?}");
        let glue = format!(
            r#"{{"./app_bg.js":{{__wbg_log_0123456789abcdef:f,__wbg_memory_fedcba9876543210:m}},"{snippet}":import1}}"#
        );
        assert_eq!(
            rename_in_glue(&glue, &renames).unwrap(),
            r#"{"a":{a:f,b:m},"b":import1}"#
        );
    }

    #[test]
    fn the_glue_is_renamed_key_by_key() {
        let (_, renames) = rename_imports(&module(ORIGINAL)).unwrap();
        let glue = r#"function imports(){return{__proto__:null,"./app_bg.js":{__proto__:null,__wbg_log_0123456789abcdef:function(e){console.log(e)},__wbg_memory_fedcba9876543210:m},"env":{abort:function(){throw 1}}}}"#;
        assert_eq!(
            rename_in_glue(glue, &renames).unwrap(),
            r#"function imports(){return{__proto__:null,"a":{__proto__:null,a:function(e){console.log(e)},b:m},"b":{c:function(){throw 1}}}}"#
        );
    }

    #[test]
    fn names_are_swapped_not_renamed_twice() {
        let swap = Renames {
            modules: vec![],
            fields: vec![("b".into(), "a".into()), ("a".into(), "b".into())],
        };
        assert_eq!(rename_in_glue("{a:1,b:2}", &swap).unwrap(), "{b:1,a:2}");
    }

    #[test]
    fn glue_that_does_not_name_each_import_once_is_refused() {
        let (_, renames) = rename_imports(&module(ORIGINAL)).unwrap();
        let missing = r#"{"./app_bg.js":{__wbg_log_0123456789abcdef:f},"env":{abort:g}}"#;
        let error = rename_in_glue(missing, &renames).unwrap_err();
        assert!(
            error.contains("__wbg_memory_fedcba9876543210: is there 0 times"),
            "{error}"
        );
        let twice = r#"{"./app_bg.js":{__wbg_log_0123456789abcdef:f,__wbg_memory_fedcba9876543210:m,x:{__wbg_log_0123456789abcdef:f}},"env":{abort:g}}"#;
        assert!(rename_in_glue(twice, &renames).is_err());
    }

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        assert_eq!(&names[..3], ["a", "b", "c"]);
        assert_eq!(names[52], "ab");
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(
            names
                .iter()
                .all(|name| name.chars().all(|c| c.is_ascii_alphabetic()))
        );
    }

    #[test]
    fn a_truncated_module_is_an_error_not_a_panic() {
        let wasm = module(ORIGINAL);
        for end in 9..wasm.len() {
            let _ = rename_imports(&wasm[..end]);
        }
        assert!(rename_imports(&wasm[..wasm.len() - 1]).is_err());
        assert!(rename_imports(b"not wasm").is_err());
    }
}
