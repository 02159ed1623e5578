//! The widget's elements: the components write what a region of the view
//! should look like into a [`Tree`], and `patch` (in `element.js`) makes
//! the page's elements match it in place (same tag at the same place: the
//! element stays, and only what differs is written).
//!
//! Not Leptos's `view!`: its renderer (tachys) gives each element tree its
//! own types, and the wasm held their code; for some forty elements, the
//! widget's gzipped wasm was 19.5 KB larger with it (see `BENCHMARKS.md`).
//! A tree written as data costs the wasm the calls that write it and one
//! function that applies any tree. Leptos's signals and effects still
//! decide when a region is written again.

use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, Node};

#[wasm_bindgen(module = "/src/element.js")]
extern "C" {
    /// Makes `parent`'s children from `from` on match `json`, a list of
    /// nodes; with `trim`, those after them go.
    #[wasm_bindgen(js_name = patch)]
    fn patch_json(parent: &Node, from: u32, json: &str, trim: bool);

    /// Calls `act` with the action, the event and the element of each
    /// event on an element with an action inside `root` (from the target
    /// up, until `act` takes it); returns what stops listening.
    #[wasm_bindgen(js_name = listen)]
    fn listen_js(
        root: &Node,
        act: &Closure<dyn Fn(String, Event, Element) -> bool>,
    ) -> js_sys::Function;
}

/// Makes `parent`'s children from index `from` on what `tree` describes;
/// with `trim`, any children after those are removed.
pub fn patch(parent: &Node, from: u32, tree: Tree, trim: bool) {
    patch_json(parent, from, &tree.into_json(), trim);
}

/// Hands each event inside `root` to `act`, with the action of an element
/// it happened on or in (see [`Tree::on`]) and that element: the nearest
/// first, then those around it, until `act` returns true (it took the
/// event). Until the returned value is dropped.
pub fn listen(root: &Node, act: impl Fn(String, Event, Element) -> bool + 'static) -> Listening {
    let act = Closure::<dyn Fn(String, Event, Element) -> bool>::new(act);
    let stop = listen_js(root, &act);
    Listening { stop, _act: act }
}

/// Events being handed to the wasm; dropping it stops them.
pub struct Listening {
    stop: js_sys::Function,
    _act: Closure<dyn Fn(String, Event, Element) -> bool>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.stop.call0(&JsValue::NULL);
    }
}

/// A list of nodes, written in order: [`Tree::open`] an element, give its
/// attributes, then its children (elements or [`Tree::text`]), then
/// [`Tree::close`] it.
pub struct Tree {
    /// The JSON so far: `[` and the nodes written, the last maybe open.
    json: String,
    /// Whether the element opened last still takes attributes.
    attributes_open: bool,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            json: String::from("["),
            attributes_open: false,
        }
    }

    /// Starts element `tag`; its attributes come next.
    pub fn open(&mut self, tag: &str) -> &mut Tree {
        self.next_node();
        self.json.push('[');
        self.string(tag);
        self.json.push_str(",{");
        self.attributes_open = true;
        self
    }

    /// Attribute `name` of the element just opened.
    pub fn attr(&mut self, name: &str, value: &str) -> &mut Tree {
        debug_assert!(self.attributes_open, "attribute {name} after a child");
        if !self.json.ends_with('{') {
            self.json.push(',');
        }
        self.string(name);
        self.json.push(':');
        self.string(value);
        self
    }

    /// Attribute `name`, when there is a value.
    pub fn opt(&mut self, name: &str, value: Option<&str>) -> &mut Tree {
        match value {
            Some(value) => self.attr(name, value),
            None => self,
        }
    }

    /// Boolean attribute `name` (`hidden`, `disabled`): present or not.
    pub fn flag(&mut self, name: &str, on: bool) -> &mut Tree {
        self.opt(name, on.then_some(""))
    }

    /// The element's action: what it hands to [`listen`]'s callback with
    /// its events.
    pub fn on(&mut self, action: &str) -> &mut Tree {
        self.attr("on", action)
    }

    /// A text node.
    pub fn text(&mut self, text: &str) -> &mut Tree {
        self.next_node();
        self.string(text);
        self
    }

    /// Ends the element opened last.
    pub fn close(&mut self) -> &mut Tree {
        self.end_attributes();
        self.json.push(']');
        self
    }

    /// An element with only a text in it (and no attributes).
    pub fn leaf(&mut self, tag: &str, text: &str) -> &mut Tree {
        self.open(tag).text(text).close()
    }

    /// The JSON of the nodes written, as `element.js` reads it.
    pub fn into_json(mut self) -> String {
        self.end_attributes();
        self.json.push(']');
        self.json
    }

    fn next_node(&mut self) {
        self.end_attributes();
        if !self.json.ends_with('[') {
            self.json.push(',');
        }
    }

    fn end_attributes(&mut self) {
        if std::mem::take(&mut self.attributes_open) {
            self.json.push('}');
        }
    }

    /// `text` as a JSON string.
    fn string(&mut self, text: &str) {
        let json = &mut self.json;
        json.push('"');
        for c in text.chars() {
            match c {
                '"' => json.push_str("\\\""),
                '\\' => json.push_str("\\\\"),
                c if c < ' ' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    json.push_str("\\u00");
                    json.push(HEX[c as usize >> 4] as char);
                    json.push(HEX[c as usize & 15] as char);
                }
                c => json.push(c),
            }
        }
        json.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::Tree;

    #[test]
    fn a_tree_is_written_as_nested_lists() {
        let mut tree = Tree::new();
        tree.open("p")
            .attr("class", "a")
            .flag("hidden", true)
            .flag("disabled", false)
            .opt("title", None)
            .text("one")
            .open("b")
            .close()
            .close();
        tree.leaf("i", "two").text("three");
        assert_eq!(
            tree.into_json(),
            r#"[["p",{"class":"a","hidden":""},"one",["b",{}]],["i",{},"two"],"three"]"#
        );
        assert_eq!(Tree::new().into_json(), "[]");
    }

    #[test]
    fn text_cannot_break_out_of_its_string() {
        let mut tree = Tree::new();
        tree.open("p")
            .attr("title", "a\"b\\")
            .text("\n\u{1}</p>")
            .close();
        assert_eq!(
            tree.into_json(),
            r#"[["p",{"title":"a\"b\\"},"\u000a\u0001</p>"]]"#
        );
    }
}
