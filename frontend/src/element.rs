//! `<vidrop-uploader>`: the custom element a host page embeds.
//!
//! A small JavaScript class (`element.js`, a wasm-bindgen snippet served
//! beside the widget's JS) defines the element and hands each step of its
//! life to the hooks here:
//!
//! - **connected**: [`mount`] mounts a [`Widget`] into a container in the
//!   element's open shadow root (whose stylesheet, [`STYLESHEET`], the class
//!   adopted as a constructed stylesheet), with [`Settings`] read from the
//!   element's attributes, and keeps it under a numeric id;
//! - **an observed attribute changed** ([`ATTRIBUTES`]): the settings are
//!   read again and handed to the widget, which applies them in place;
//! - **disconnected** (and not put back in the same task): the upload under
//!   way is cancelled, the view unmounted, the id forgotten;
//! - **methods**: `element.cancel()`, `element.upload(file)`.
//!
//! Every element has its own widget and reactive owner, so several widgets
//! on one page work independently. Events go to the element itself (see
//! [`crate::events`]).

use crate::settings::{ATTRIBUTES, Settings};
use crate::{MountedWidget, Widget};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use web_sys::{Element, EventTarget, File, HtmlElement, ShadowRoot};

/// The element's name.
pub const ELEMENT_NAME: &str = "vidrop-uploader";

/// The widget's styles, adopted by every element's shadow root:
/// `widget.css` without its comments and layout (see `build.rs`).
pub const STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

#[wasm_bindgen(module = "/src/element.js")]
extern "C" {
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        name: &str,
        attributes: js_sys::Array,
        css: &str,
        hooks: &js_sys::Object,
    ) -> bool;
}

/// A widget in an element of the page.
struct Mounted {
    host: HtmlElement,
    /// The origin the widget's script came from: the default `endpoint`.
    script_origin: String,
    widget: MountedWidget,
    /// What the view is mounted into, inside the shadow root.
    container: Element,
}

thread_local! {
    /// The mounted widgets by id (a page has a few: a list beats a map in
    /// code size).
    static MOUNTED: RefCell<Vec<(u32, Mounted)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Defines `<vidrop-uploader>` in this page, unless something already
/// defined that name; returns whether this call defined it.
pub fn define() -> bool {
    let hooks = js_sys::Object::new();
    let set = |name: &str, hook: JsValue| {
        let _ = js_sys::Reflect::set(&hooks, &JsValue::from_str(name), &hook);
    };
    // The closures live as long as the page: the element class keeps them.
    set(
        "mount",
        Closure::<dyn Fn(HtmlElement, ShadowRoot, String) -> u32>::new(mount).into_js_value(),
    );
    set(
        "changed",
        Closure::<dyn Fn(u32)>::new(changed).into_js_value(),
    );
    set(
        "unmount",
        Closure::<dyn Fn(u32)>::new(unmount).into_js_value(),
    );
    set(
        "cancel",
        Closure::<dyn Fn(u32)>::new(|id| {
            if let Some((widget, ..)) = find(id) {
                widget.cancel();
            }
        })
        .into_js_value(),
    );
    set(
        "upload",
        Closure::<dyn Fn(u32, File)>::new(|id, file| {
            if let Some((widget, ..)) = find(id) {
                widget.upload(file);
            }
        })
        .into_js_value(),
    );
    let attributes: js_sys::Array = ATTRIBUTES.iter().map(|a| JsValue::from_str(a)).collect();
    define_element(ELEMENT_NAME, attributes, STYLESHEET, &hooks)
}

/// How many widgets are mounted in the page now.
pub fn mounted_widgets() -> usize {
    MOUNTED.with(|mounted| mounted.borrow().len())
}

/// The settings `host`'s attributes give; without an `endpoint`, the
/// backend is the origin the script came from.
pub fn settings_of(host: &Element, script_origin: &str) -> Settings {
    Settings::from_attributes(|name| {
        let value = host.get_attribute(name);
        if name == "endpoint" && value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Some(script_origin.to_owned());
        }
        value
    })
}

fn mount(host: HtmlElement, shadow: ShadowRoot, script_origin: String) -> u32 {
    let settings = settings_of(&host, &script_origin);
    let container = document()
        .create_element("div")
        .expect("a document can always create a div");
    let _ = shadow.append_child(&container);
    let widget = crate::mount(&container, settings, Some(EventTarget::from(host.clone())));
    let id = NEXT_ID.with(|next| next.replace(next.get() + 1));
    let mounted = Mounted {
        host,
        script_origin,
        widget,
        container,
    };
    MOUNTED.with(|all| all.borrow_mut().push((id, mounted)));
    id
}

/// The widget, element and script origin mounted under `id`, copied out so
/// that nothing stays borrowed while the widget runs.
fn find(id: u32) -> Option<(Widget, HtmlElement, String)> {
    MOUNTED.with(|all| {
        all.borrow()
            .iter()
            .find(|(mounted, _)| *mounted == id)
            .map(|(_, m)| (m.widget.widget(), m.host.clone(), m.script_origin.clone()))
    })
}

fn changed(id: u32) {
    if let Some((widget, host, script_origin)) = find(id) {
        widget.configure(settings_of(&host, &script_origin));
    }
}

fn unmount(id: u32) {
    let removed = MOUNTED.with(|all| {
        let mut all = all.borrow_mut();
        let index = all.iter().position(|(mounted, _)| *mounted == id)?;
        Some(all.swap_remove(index).1)
    });
    let Some(mounted) = removed else {
        return;
    };
    mounted.widget.widget().unmount();
    mounted.container.remove();
    // The widget's reactive owner goes with it, or when the last of its
    // tasks (the cancelled upload) ends.
    drop(mounted);
}

#[cfg(test)]
mod tests {
    use super::STYLESHEET;

    /// `build.rs` takes out comments and white space, and nothing else.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_stylesheet_ships_without_comments_and_nothing_else_lost() {
        let source = include_str!("../widget.css");
        let mut uncommented = String::new();
        let mut rest = source;
        while let Some((before, after)) = rest.split_once("/*") {
            uncommented.push_str(before);
            rest = after.split_once("*/").map_or("", |(_, after)| after);
        }
        uncommented.push_str(rest);
        let solid = |css: &str| css.split_whitespace().collect::<String>();
        assert!(!STYLESHEET.contains("/*"));
        assert!(STYLESHEET.len() < uncommented.len());
        assert_eq!(solid(STYLESHEET), solid(&uncommented));
    }
}
