//! A thin `XMLHttpRequest` PUT: the one browser API that reports upload
//! progress (`fetch` does not).
//!
//! The body is a `Blob` (a `File` is one), which the browser streams from disk:
//! the file is never read into wasm memory. The request is made by the
//! `xhr.js` snippet, whose one promise tells how it ended: wiring its five
//! listeners from here through `web-sys` cost the gzipped widget 0.9 KB more
//! (1.2 KB of wasm and glue, against the snippet's 0.3 KB).
//! The progress callback lives as long as the [`XhrPut`], and a request fires
//! no event once it has ended; dropping an unfinished request aborts it.

use std::collections::BTreeMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, XmlHttpRequest};

/// What storage answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XhrResponse {
    /// The HTTP status (never 0: that is [`XhrError::Network`]).
    pub status: u16,
    /// The `ETag` header, when the answer carries one and CORS exposes it.
    pub etag: Option<String>,
    /// The body as text (S3 errors are XML).
    pub body: String,
}

impl XhrResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no HTTP answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XhrError {
    /// The connection failed or was cut, or CORS hid the answer.
    #[error("the connection failed")]
    Network,
    /// [`AbortHandle::abort`] was called.
    #[error("the request was aborted")]
    Aborted,
    /// The request took longer than its timeout.
    #[error("the request timed out")]
    Timeout,
    /// The browser refused to start the request (a bad URL or header).
    #[error("{0}")]
    Browser(String),
}

/// Headers a page may not set on a request: the browser computes them
/// (`content-length`, `host`, …) and throws or ignores them if a script tries.
/// Fetch standard, "forbidden request-header".
pub fn is_forbidden_header(name: &str) -> bool {
    const FORBIDDEN: &[&str] = &[
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    let name = name.trim().to_ascii_lowercase();
    FORBIDDEN.contains(&name.as_str()) || name.starts_with("proxy-") || name.starts_with("sec-")
}

/// Stops a running request; the request then ends with [`XhrError::Aborted`].
#[derive(Debug, Clone)]
pub struct AbortHandle(XmlHttpRequest);

impl AbortHandle {
    pub fn abort(&self) {
        // Aborting a request that has already finished is a no-op; the
        // method only throws for documents being torn down.
        let _ = self.0.abort();
    }
}

#[wasm_bindgen(module = "/src/engine/xhr.js")]
extern "C" {
    /// Starts the PUT; `[request, promise of its outcome]` (see `xhr.js`).
    #[wasm_bindgen(js_name = putBlob, catch)]
    fn put_blob(
        url: &str,
        headers: js_sys::Array,
        body: &Blob,
        on_progress: &Closure<dyn FnMut(f64)>,
    ) -> Result<js_sys::Array, JsValue>;
}

/// A running PUT. Await [`XhrPut::response`] for its outcome.
pub struct XhrPut {
    xhr: XmlHttpRequest,
    done: js_sys::Promise,
    finished: bool,
    // Held until the request ends: it fires no progress after that.
    _on_progress: Closure<dyn FnMut(f64)>,
}

/// Starts `PUT body` to `url` with `headers` (those a browser forbids are
/// left out: it sets them itself). `on_progress` is called with the bytes
/// sent so far, as the browser reports them. (Boxed, not generic: one copy of
/// this function in the wasm serves parts and posters.)
pub fn put(
    url: &str,
    headers: &BTreeMap<String, String>,
    body: &Blob,
    mut on_progress: Box<dyn FnMut(u64)>,
) -> Result<XhrPut, XhrError> {
    let names_and_values = js_sys::Array::new();
    for (name, value) in headers {
        if !is_forbidden_header(name) {
            names_and_values.push(&JsValue::from_str(name));
            names_and_values.push(&JsValue::from_str(value));
        }
    }
    let on_progress = Closure::<dyn FnMut(f64)>::new(move |sent: f64| on_progress(sent as u64));
    let started = put_blob(url, names_and_values, body, &on_progress)
        .map_err(|e| XhrError::Browser(js_message(&e)))?;
    Ok(XhrPut {
        xhr: started.get(0).unchecked_into(),
        done: started.get(1).unchecked_into(),
        finished: false,
        _on_progress: on_progress,
    })
}

impl XhrPut {
    /// A handle that stops this request from anywhere (a Cancel button).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle(self.xhr.clone())
    }

    /// Waits for the answer, or for the reason there is none.
    pub async fn response(mut self) -> Result<XhrResponse, XhrError> {
        let outcome = JsFuture::from(self.done.clone()).await;
        self.finished = true;
        // The promise never rejects; were it to, there was no answer.
        let Ok(outcome) = outcome else {
            return Err(XhrError::Network);
        };
        match outcome.as_string().as_deref() {
            Some("abort") => Err(XhrError::Aborted),
            Some("timeout") => Err(XhrError::Timeout),
            Some(_) => Err(XhrError::Network),
            None => {
                let answer: js_sys::Array = outcome.unchecked_into();
                Ok(XhrResponse {
                    status: answer.get(0).as_f64().unwrap_or_default() as u16,
                    etag: answer.get(1).as_string(),
                    body: answer.get(2).as_string().unwrap_or_default(),
                })
            }
        }
    }
}

impl Drop for XhrPut {
    fn drop(&mut self) {
        // Dropped before its answer (the future awaiting it was dropped):
        // nobody will read the outcome, so stop sending bytes.
        if !self.finished {
            let _ = self.xhr.abort();
        }
    }
}

/// The message of a JavaScript exception, for people.
pub(crate) fn js_message(value: &wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .or_else(|| js_sys::JSON::stringify(value).ok()?.as_string())
        .unwrap_or_else(|| "an unknown error".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_browser_sets_length_and_host_itself() {
        for name in [
            "content-length",
            "Host",
            "Sec-Fetch-Mode",
            "proxy-authorization",
        ] {
            assert!(is_forbidden_header(name), "{name}");
        }
        for name in [
            "content-type",
            "x-amz-checksum-sha256",
            "x-amz-meta-filename",
        ] {
            assert!(!is_forbidden_header(name), "{name}");
        }
    }
}
