//! A stand-in for the `wasm-streams` crate, patched into this workspace
//! (`[patch.crates-io]` in the root `Cargo.toml`).
//!
//! Leptos always builds the browser client of its server functions
//! (`server_fn`'s `browser` feature), and that client names
//! `wasm_streams::ReadableStream` for streaming request and response
//! bodies. The real crate exports three classes to JavaScript
//! (`IntoUnderlyingSource`, `IntoUnderlyingByteSource`,
//! `IntoUnderlyingSink`): every export is kept by the linker, and the
//! futures behind their methods stay in the wasm's function table even once
//! wasm-opt removes the exports. The widget has no server functions (it
//! calls the backend's JSON API itself, see `frontend/src/api.rs`), so all
//! of that is dead weight: 4.8 KB of the widget's gzipped wasm and 0.7 KB
//! of its JavaScript (`BENCHMARKS.md`).
//!
//! This crate keeps the names `server_fn` uses and none of the classes. A
//! streaming server function would panic here, saying so;
//! `backend/tests/workspace_architecture.rs` checks the widget defines none.

use futures_util::stream::{Empty, Stream};
use wasm_bindgen::JsValue;

/// Why the streaming calls of this stand-in panic.
const UNUSED: &str = "Vidrop patches out wasm-streams: a streaming server function needs the real crate (see stubs/wasm-streams)";

/// A browser `ReadableStream`, as `server_fn` names it.
pub struct ReadableStream(web_sys::ReadableStream);

impl ReadableStream {
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        ReadableStream(raw)
    }

    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.0
    }

    /// Panics: a Rust stream as a request body is what a streaming server
    /// function sends, and the widget has none.
    pub fn from_stream<St>(_stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        panic!("{UNUSED}")
    }

    /// Panics: a response body read as a stream is what a streaming server
    /// function receives, and the widget has none.
    pub fn into_stream(self) -> Empty<Result<JsValue, JsValue>> {
        panic!("{UNUSED}")
    }
}
