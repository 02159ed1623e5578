//! Prints the size of the widget built into `dist/` as a Markdown table:
//! every file a host page downloads from `/widget/` (loader, wasm-bindgen JS,
//! element snippet, wasm), raw and gzipped, and the CSS compiled into the
//! wasm. `cargo run -p vidrop-e2e --bin size [-- <dist> [<widget.css>]]`;
//! `cargo xtask bench` puts it into `BENCHMARKS.md`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("e2e lives one folder below the workspace root")
        .to_path_buf();
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let dist = args.next().unwrap_or_else(|| root.join("dist"));
    let css = args
        .next()
        .unwrap_or_else(|| root.join("frontend/widget.css"));
    match vidrop_e2e::size::measure(&dist, &css) {
        Ok(size) => {
            print!("{}", size.markdown());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("size: {error} (build the widget first: cargo xtask build)");
            ExitCode::FAILURE
        }
    }
}
