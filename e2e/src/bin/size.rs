//! Prints the size of the widget built into `dist/` as a Markdown table:
//! every file a host page downloads from `/widget/` (loader, wasm-bindgen JS,
//! element snippet, wasm), raw and gzipped, and the CSS compiled into the
//! wasm, then whether the total keeps within the budget (`BUDGET_GZIP`). `cargo run -p vidrop-e2e --bin size [-- <dist> [<widget.css>]]`;
//! `cargo xtask bench` puts it into `BENCHMARKS.md`. With `VIDROP_UPPY_PAGE`
//! (the folder of `benches/uppy/` built, as `cargo xtask bench` sets it),
//! Uppy's bundles follow as the reference, measured the same way.

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
    let size = match vidrop_e2e::size::measure(&dist, &css) {
        Ok(size) => size,
        Err(error) => {
            eprintln!("size: {error} (build the widget first: cargo xtask build)");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", size.markdown());
    println!("\n{}", vidrop_e2e::size::budget_line(&size.total()));
    let Some(uppy) = std::env::var_os("VIDROP_UPPY_PAGE") else {
        return ExitCode::SUCCESS;
    };
    let reference = match vidrop_e2e::size::measure_reference(&PathBuf::from(uppy)) {
        Ok(reference) => reference,
        Err(error) => {
            eprintln!("size: {error} (build the Uppy page: cargo xtask bench does)");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "\nThe reference, in the same run: Uppy's bundles from `benches/uppy/` \
         (esbuild `--minify`), each compressed by the same tools.\n"
    );
    print!("{}", vidrop_e2e::size::reference_markdown(&reference));
    let widget = size.total();
    let dashboard = vidrop_e2e::size::dashboard_total(&reference);
    println!(
        "\n**Widget / Uppy with its Dashboard: {:.2}× gzip -9, {:.2}× brotli** \
         (below 1.00, the widget is smaller).",
        widget.gzip as f64 / dashboard.gzip as f64,
        widget.served_brotli as f64 / dashboard.served_brotli as f64
    );
    ExitCode::SUCCESS
}
