//! The widget's JavaScript minified in `dist/`, after Trunk: wasm-bindgen's
//! glue and the crate's snippets (`element.js`, `probe.js`, `sha256.js`,
//! `xhr.js`) ship as written, comments and all, and Trunk's own minifier
//! (minify-js) fails on wasm-bindgen's glue and leaves it whole. esbuild ([`tools::esbuild`],
//! npm's, pinned) minifies each file in place; the file keeps its name, and
//! `index.html`'s `integrity` for it is replaced by the new file's, so the
//! page's Subresource Integrity still holds. A file `index.html` does not
//! name with its old hash is an error: Trunk changed how it writes them.

use crate::tools;
use crate::{Result, output_of};
use std::path::{Path, PathBuf};

/// Minifies every `.js` file under `dist` and rewrites `dist/index.html`'s
/// integrity attributes to match.
pub fn minify_widget_js(dist: &Path) -> Result {
    let index_path = dist.join("index.html");
    let mut index = std::fs::read_to_string(&index_path)
        .map_err(|e| format!("{}: {e}", index_path.display()))?;
    let esbuild = tools::esbuild()?;
    let scripts = js_files(dist)?;
    let before = integrities(&scripts)?;
    for (script, integrity) in scripts.iter().zip(&before) {
        if !index.contains(integrity.as_str()) {
            return Err(format!(
                "{} names {} without its integrity {integrity}",
                index_path.display(),
                script.display()
            ));
        }
        crate::run(
            tools::command(&esbuild)
                .arg(script)
                .args([
                    "--minify",
                    "--format=esm",
                    "--log-level=warning",
                    "--allow-overwrite",
                ])
                .arg(format!("--outfile={}", script.display())),
        )?;
    }
    for (old, new) in before.iter().zip(integrities(&scripts)?) {
        index = index.replace(old.as_str(), &new);
    }
    std::fs::write(&index_path, index).map_err(|e| format!("{}: {e}", index_path.display()))
}

/// The `.js` files under `dir`, at any depth (the snippets are in folders).
fn js_files(dir: &Path) -> Result<Vec<PathBuf>> {
    files_with_extensions(dir, &["js"])
}

/// The files under `dir`, at any depth, whose extension is one of
/// `extensions`, sorted.
pub fn files_with_extensions(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            found.extend(files_with_extensions(&path, extensions)?);
        } else if path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| extensions.contains(&ext))
        {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Each file's `sha384-<base64>`, a Subresource Integrity value as Trunk
/// writes it, computed by Node.js (which every widget build has, for
/// binaryen), since the crate uses only `std`.
pub fn integrities(files: &[PathBuf]) -> Result<Vec<String>> {
    const SCRIPT: &str = "for (const f of process.argv.slice(1)) console.log('sha384-' + \
        require('crypto').createHash('sha384').update(require('fs').readFileSync(f)).digest('base64'));";
    let mut node = tools::command("node");
    node.args(["-e", SCRIPT]).args(files);
    let printed = output_of(&mut node)?;
    let found: Vec<String> = printed.lines().map(str::to_owned).collect();
    if found.len() != files.len() {
        return Err(format!(
            "node hashed {} files of {}",
            found.len(),
            files.len()
        ));
    }
    Ok(found)
}
