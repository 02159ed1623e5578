//! Entry point of the widget's WebAssembly: defines the `<vidrop-uploader>`
//! element ([`vidrop_frontend::element`]). Every such element in the page,
//! present or added later, then mounts a widget into its shadow root.

fn main() {
    console_error_panic_hook::set_once();
    vidrop_frontend::element::define();
}
