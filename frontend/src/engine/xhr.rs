//! A thin `XMLHttpRequest` PUT: the one browser API that reports upload
//! progress (`fetch` does not).
//!
//! The body is a `Blob` (a `File` is one), which the browser streams from disk:
//! the file is never read into wasm memory. Every listener this module adds is
//! removed again when the [`XhrPut`] is dropped, so no closure outlives the
//! request, and dropping an unfinished request aborts it.

use futures_channel::oneshot;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Blob, Event, EventTarget, ProgressEvent, XmlHttpRequest};

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

/// A running PUT. Await [`XhrPut::response`] for its outcome.
pub struct XhrPut {
    xhr: XmlHttpRequest,
    done: oneshot::Receiver<Result<XhrResponse, XhrError>>,
    finished: bool,
    // Held only to be dropped: dropping removes the listeners.
    _listeners: Vec<Listener>,
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
    let browser = |e: wasm_bindgen::JsValue| XhrError::Browser(js_message(&e));
    let xhr = XmlHttpRequest::new().map_err(browser)?;
    xhr.open("PUT", url).map_err(browser)?;
    for (name, value) in headers {
        if !is_forbidden_header(name) {
            xhr.set_request_header(name, value).map_err(browser)?;
        }
    }

    let (sender, receiver) = oneshot::channel();
    let sender = Rc::new(RefCell::new(Some(sender)));
    let mut listeners = Vec::with_capacity(5);
    let target: &EventTarget = xhr.as_ref();
    for kind in ["load", "error", "abort", "timeout"] {
        let (sender, request) = (sender.clone(), xhr.clone());
        let listener = Listener::add(target, kind, move |_| {
            let outcome = match kind {
                "load" => Ok(read_response(&request)),
                "abort" => Err(XhrError::Aborted),
                "timeout" => Err(XhrError::Timeout),
                _ => Err(XhrError::Network),
            };
            // A status of 0 on `load` is how some browsers report a CORS
            // failure: no answer the page may read.
            let outcome = outcome.and_then(|r| r.ok_or(XhrError::Network));
            if let Some(sender) = sender.borrow_mut().take() {
                let _ = sender.send(outcome);
            }
        })
        .map_err(browser)?;
        listeners.push(listener);
    }
    let upload = xhr.upload().map_err(browser)?;
    listeners.push(
        Listener::add(upload.as_ref(), "progress", move |event| {
            if let Some(event) = event.dyn_ref::<ProgressEvent>() {
                on_progress(event.loaded() as u64);
            }
        })
        .map_err(browser)?,
    );

    xhr.send_with_opt_blob(Some(body)).map_err(browser)?;
    Ok(XhrPut {
        xhr,
        done: receiver,
        finished: false,
        _listeners: listeners,
    })
}

impl XhrPut {
    /// A handle that stops this request from anywhere (a Cancel button).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle(self.xhr.clone())
    }

    /// Waits for the answer, or for the reason there is none.
    pub async fn response(mut self) -> Result<XhrResponse, XhrError> {
        // The sender lives in the listeners, which live in `self` until the
        // end of this function: it can only be dropped unsent if the page
        // goes away.
        let outcome = (&mut self.done).await.unwrap_or(Err(XhrError::Aborted));
        self.finished = true;
        outcome
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

fn read_response(xhr: &XmlHttpRequest) -> Option<XhrResponse> {
    let status = xhr.status().ok().filter(|s| *s != 0)?;
    Some(XhrResponse {
        status,
        etag: xhr.get_response_header("ETag").ok().flatten(),
        body: xhr.response_text().ok().flatten().unwrap_or_default(),
    })
}

/// An event listener that removes itself when dropped.
struct Listener {
    target: EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut(Event)>,
}

impl Listener {
    fn add(
        target: &EventTarget,
        kind: &'static str,
        handler: impl FnMut(Event) + 'static,
    ) -> Result<Listener, wasm_bindgen::JsValue> {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref())?;
        Ok(Listener {
            target: target.clone(),
            kind,
            closure,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
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
