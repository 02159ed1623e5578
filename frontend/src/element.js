// <vidrop-uploader>: the custom element that holds the Vidrop widget in an
// open shadow root. The widget's wasm (src/element.rs) calls
// `defineElement` once it has started; the class only keeps the element's
// lifecycle and hands each step to the wasm through `hooks`:
//
//   hooks.mount(element, shadowRoot, scriptOrigin) -> id   when it enters the page
//   hooks.changed(id)                                      an observed attribute changed
//   hooks.unmount(id)                                      it left the page
//   hooks.cancel(id), hooks.upload(id, file)               its methods
//
// Wasm-bindgen emits this file as a snippet beside the widget's JS, so it is
// the same under Trunk's dev page and under the backend's /widget/vidrop.js.
// Below the element, `patch` and `listen` draw the widget's elements and
// hand their events to the wasm (see `src/dom.rs`).

// Where the widget was loaded from: the default `endpoint`.
const scriptOrigin = new URL(import.meta.url).origin;

// Defines the element `name` unless the page already has one of that name
// (a second copy of the script); returns whether it defined it.
export function defineElement(name, attributes, css, hooks) {
  if (customElements.get(name)) {
    return false;
  }
  // One constructed stylesheet, adopted by every element's shadow root: no
  // <style> element and no style attribute, so a strict `style-src` holds.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);

  class VidropUploader extends HTMLElement {
    static observedAttributes = attributes;

    // The mounted widget's id while the element is in the page.
    #id = null;

    constructor() {
      super();
      this.attachShadow({ mode: "open" }).adoptedStyleSheets = [sheet];
    }

    connectedCallback() {
      if (this.#id === null) {
        this.#id = hooks.mount(this, this.shadowRoot, scriptOrigin);
      }
    }

    disconnectedCallback() {
      // An element moved within the page leaves and enters it again in the
      // same task: only one still out of the page afterwards is unmounted.
      queueMicrotask(() => {
        if (!this.isConnected && this.#id !== null) {
          const id = this.#id;
          this.#id = null;
          hooks.unmount(id);
        }
      });
    }

    attributeChangedCallback(_name, before, now) {
      if (this.#id !== null && before !== now) {
        hooks.changed(this.#id);
      }
    }

    // Cancels the upload under way, if there is one (`vidrop:cancel`).
    cancel() {
      if (this.#id !== null) {
        hooks.cancel(this.#id);
      }
    }

    // Uploads `file` as if the user had chosen it.
    upload(file) {
      if (!(file instanceof File)) {
        throw new TypeError("vidrop-uploader: upload() takes a File");
      }
      if (this.#id === null) {
        throw new Error("vidrop-uploader: the element is not in the page");
      }
      hooks.upload(this.#id, file);
    }
  }

  customElements.define(name, VidropUploader);
  return true;
}

// The widget's elements, brought to what `src/dom.rs` describes (here
// rather than in a file of their own: a module fewer to fetch). The wasm writes
// what a region should look like as JSON (a node is a string, for text, or
// `[tag, attributes, ...children]`); `patch` makes the region's elements
// match it, in place: an element whose tag is the same at the same place
// stays (focus, a playing <video>, a screen reader's position stay with it),
// and only the attributes and texts that differ are written (so the same
// `src` is never set again, and a page's MutationObserver sees only changes).
// No HTML is parsed: elements are made with createElement, so nothing in a
// file name can become markup, and a strict CSP holds.
//
// `on` in a description's attributes is not an attribute: it names the
// element's action, which `listen` hands to the wasm with the event.

const SVG = "http://www.w3.org/2000/svg";

// Makes `parent`'s children from index `from` match the JSON list `json`;
// with `trim`, children after them are removed.
export function patch(parent, from, json, trim) {
  const nodes = JSON.parse(json);
  nodes.forEach((node, i) => place(parent, from + i, node, false));
  if (trim) {
    while (parent.childNodes.length > from + nodes.length) parent.lastChild.remove();
  }
}

function place(parent, index, node, svg) {
  let here = parent.childNodes[index];
  if (typeof node === "string") {
    if (here && here.nodeType === 3) {
      if (here.data !== node) here.data = node;
    } else {
      put(parent, document.createTextNode(node), here);
    }
    return;
  }
  const [tag, attributes] = node;
  svg = svg || tag === "svg";
  if (!here || here.localName !== tag) {
    here = put(parent, svg ? document.createElementNS(SVG, tag) : document.createElement(tag), here);
  }
  for (const { name } of [...here.attributes]) {
    if (!(name in attributes)) here.removeAttribute(name);
  }
  here.vidropAction = attributes.on;
  for (const name in attributes) {
    const value = attributes[name];
    if (name !== "on" && here.getAttribute(name) !== value) here.setAttribute(name, value);
  }
  for (let i = 2; i < node.length; i++) place(here, i - 2, node[i], svg);
  while (here.childNodes.length > node.length - 2) here.lastChild.remove();
}

function put(parent, made, instead) {
  if (instead) instead.replaceWith(made);
  else parent.append(made);
  return made;
}

// The events the widget's elements act on. Media events do not bubble:
// listening in the capture phase sees them all the same.
const EVENTS = ["click", "change", "dragenter", "dragover", "dragleave", "drop", "paste", "loadedmetadata", "error"];

// Calls `act(action, event, element)` for each of those events inside
// `root` with the elements that have an action, from the event's target up,
// until one returns true (it took the event, as a listener that stops its
// propagation); returns what stops listening.
export function listen(root, act) {
  const handle = (event) => {
    for (let at = event.target; at && at !== root; at = at.parentNode) {
      if (at.vidropAction && act(at.vidropAction, event, at)) return;
    }
  };
  EVENTS.forEach((type) => root.addEventListener(type, handle, true));
  return () => EVENTS.forEach((type) => root.removeEventListener(type, handle, true));
}
