//! The widget's files compressed ahead of time in `dist/`, after minifying:
//! beside each `.wasm`, `.js`, `.css` and `.html`, a `.gz` made by zopfli
//! (gzip's format, about 5 % smaller than `gzip -9`) and a `.br` made by
//! brotli at quality 11. The backend's `/widget/` and `/` serve them
//! (tower-http's `ServeDir`, `precompressed_br` and `precompressed_gzip`) to
//! a browser that accepts that encoding, so a page downloads the wasm as
//! about a third of its bytes, with no compression work per request. Both
//! are Debian's (`tools::COMPRESSORS`). Trunk empties `dist/` on every build,
//! so no compressed file outlives the file it was made from.

use crate::Result;
use crate::tools;
use std::path::{Path, PathBuf};

/// The extensions compressed: what a browser fetches and compresses well.
const COMPRESSED: &[&str] = &["wasm", "js", "css", "html"];

/// Writes `<file>.gz` and `<file>.br` beside every file of `dist` (at any
/// depth) whose extension is in [`COMPRESSED`].
pub fn precompress_widget(dist: &Path) -> Result {
    let files = crate::minify::files_with_extensions(dist, COMPRESSED)?;
    if files.is_empty() {
        return Err(format!("{} has nothing to compress", dist.display()));
    }
    // zopfli and brotli take many files each, and keep the originals.
    crate::run(tools::command("zopfli").arg("--gzip").args(&files))?;
    crate::run(
        tools::command("brotli")
            .args(["--quality=11", "--keep", "--force"])
            .args(&files),
    )?;
    for file in &files {
        for suffix in ["gz", "br"] {
            let compressed = with_suffix(file, suffix);
            if !compressed.is_file() {
                return Err(format!("{} was not written", compressed.display()));
            }
        }
    }
    Ok(())
}

/// `file` with `.suffix` added after its whole name.
fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compressed_file_keeps_the_whole_name() {
        assert_eq!(
            with_suffix(Path::new("dist/a-1f_bg.wasm"), "br"),
            PathBuf::from("dist/a-1f_bg.wasm.br")
        );
    }
}
