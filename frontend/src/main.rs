//! Entry point of the widget's WebAssembly: mounts [`App`] into
//! `#vidrop-root` (taking its settings from that element's attributes) or, on
//! a page without one, at the end of `<body>`.

use leptos::prelude::*;
use vidrop_frontend::{App, Settings};
use wasm_bindgen::JsCast;

fn main() {
    console_error_panic_hook::set_once();
    match document().get_element_by_id("vidrop-root") {
        Some(element) => {
            let settings = Settings::from_element(&element);
            leptos::mount::mount_to(element.unchecked_into(), move || view! { <App settings /> })
                .forget();
        }
        None => leptos::mount::mount_to_body(|| view! { <App /> }),
    }
}
