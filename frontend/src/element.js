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
