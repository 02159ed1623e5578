//! SHA-256 of a `Blob` in the browser, behind one interface with two
//! backends:
//!
//! - [`Sha256Backend::WebCrypto`]: the browser's `crypto.subtle.digest`,
//!   native code off the main thread. Only in a secure context (HTTPS, or
//!   `localhost`/`127.0.0.1`).
//! - `Sha256Backend::Wasm` (cargo feature `wasm-sha256`): the `sha2`
//!   crate compiled into the widget, on the main thread, fed 1 MiB at a time
//!   so the wasm heap (which never shrinks) does not grow by a whole part.
//!
//! Measured with `bench_sha256` (`tests/hash.rs`: 64 MiB in 8 MiB parts,
//! reading each part included) in headless Chromium on this project's 2-core
//! machine, release build: WebCrypto 226–326 MB/s, wasm 151–191 MB/s over
//! six runs. WebCrypto is faster, and it does not block the main thread
//! (where XHR progress events and the page run), so it is the default and
//! the shipped widget leaves `sha2` out (it would add about 10 KB of wasm,
//! 4 KB gzipped).
//!
//! Both read the whole `Blob` into one `ArrayBuffer` first (WebCrypto cannot
//! digest a stream); callers hash one part at a time, so that is one part in
//! memory, dropped as soon as the digest is known.

use js_sys::{ArrayBuffer, Promise, Reflect, Uint8Array};
use vidrop_shared::checksum::Sha256Checksum;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, SubtleCrypto};

use crate::engine::xhr::js_message;

/// Why a digest could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The browser could not read the file (moved, changed, permissions).
    #[error("{0}")]
    Read(String),
    /// This backend is not available on this page.
    #[error("SHA-256 is not available here")]
    Unavailable,
    /// The digest itself failed.
    #[error("{0}")]
    Digest(String),
}

/// A way to compute SHA-256 in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sha256Backend {
    /// `crypto.subtle.digest("SHA-256", …)`.
    WebCrypto,
    /// The `sha2` crate, compiled to wasm.
    #[cfg(feature = "wasm-sha256")]
    Wasm,
}

impl Sha256Backend {
    /// Every backend compiled in.
    pub const ALL: &'static [Sha256Backend] = &[
        Sha256Backend::WebCrypto,
        #[cfg(feature = "wasm-sha256")]
        Sha256Backend::Wasm,
    ];

    /// The backend the widget uses: the fastest one available on this page
    /// (WebCrypto, measured faster), else `None`, and parts go unchecked.
    pub fn preferred() -> Option<Sha256Backend> {
        Sha256Backend::ALL
            .iter()
            .copied()
            .find(|backend| backend.is_available())
    }

    /// `webcrypto` or `wasm`.
    pub fn name(self) -> &'static str {
        match self {
            Sha256Backend::WebCrypto => "webcrypto",
            #[cfg(feature = "wasm-sha256")]
            Sha256Backend::Wasm => "wasm",
        }
    }

    /// Whether this backend works on this page.
    pub fn is_available(self) -> bool {
        match self {
            Sha256Backend::WebCrypto => subtle_crypto().is_some(),
            #[cfg(feature = "wasm-sha256")]
            Sha256Backend::Wasm => true,
        }
    }

    /// The SHA-256 of `blob`'s bytes.
    pub async fn digest(self, blob: &Blob) -> Result<[u8; 32], HashError> {
        let buffer = read(blob).await?;
        self.digest_buffer(&buffer).await
    }

    /// The SHA-256 of bytes already read.
    pub async fn digest_buffer(self, buffer: &ArrayBuffer) -> Result<[u8; 32], HashError> {
        match self {
            Sha256Backend::WebCrypto => webcrypto_digest(buffer).await,
            #[cfg(feature = "wasm-sha256")]
            Sha256Backend::Wasm => Ok(wasm_digest(buffer)),
        }
    }

    /// The SHA-256 of `blob`, as the `x-amz-checksum-sha256` header writes it.
    pub async fn checksum(self, blob: &Blob) -> Result<Sha256Checksum, HashError> {
        Ok(digest_checksum(&self.digest(blob).await?))
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `btoa` (a page's and a worker's alike): base64 of a
    /// string whose characters stand for bytes. It throws only for a
    /// character above U+00FF, which [`digest_checksum`] never passes.
    fn btoa(bytes: &str) -> String;
}

/// A digest as the `x-amz-checksum-sha256` header writes it: base64, by the
/// browser's `btoa`.
pub fn digest_checksum(digest: &[u8; 32]) -> Sha256Checksum {
    // Each byte as the character of the same number: what `btoa` encodes.
    let bytes: String = digest.iter().copied().map(char::from).collect();
    Sha256Checksum::parse(&btoa(&bytes)).expect("base64 of 32 bytes is a valid checksum")
}

/// Reads all of `blob` into an `ArrayBuffer`.
pub async fn read(blob: &Blob) -> Result<ArrayBuffer, HashError> {
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| HashError::Read(js_message(&e)))?;
    buffer
        .dyn_into::<ArrayBuffer>()
        .map_err(|_| HashError::Read("not an ArrayBuffer".into()))
}

/// `crypto.subtle`, when the page may use it (a secure context). Read from
/// the global object, so it works in a worker too.
fn subtle_crypto() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    if crypto.is_undefined() || crypto.is_null() {
        return None;
    }
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    if subtle.is_undefined() || subtle.is_null() {
        return None;
    }
    subtle.dyn_into().ok()
}

async fn webcrypto_digest(buffer: &ArrayBuffer) -> Result<[u8; 32], HashError> {
    let subtle = subtle_crypto().ok_or(HashError::Unavailable)?;
    let promise: Promise = subtle
        .digest_with_str_and_buffer_source("SHA-256", buffer)
        .map_err(|e| HashError::Digest(js_message(&e)))?;
    let digest = JsFuture::from(promise)
        .await
        .map_err(|e| HashError::Digest(js_message(&e)))?;
    let bytes = Uint8Array::new(&digest);
    let mut out = [0u8; 32];
    if bytes.length() != 32 {
        return Err(HashError::Digest(format!(
            "a digest of {} bytes",
            bytes.length()
        )));
    }
    bytes.copy_to(&mut out);
    Ok(out)
}

/// Bytes copied into wasm memory at a time by the wasm backend.
#[cfg(feature = "wasm-sha256")]
const WASM_CHUNK: u32 = 1024 * 1024;

#[cfg(feature = "wasm-sha256")]
fn wasm_digest(buffer: &ArrayBuffer) -> [u8; 32] {
    use sha2::Digest;
    let bytes = Uint8Array::new(buffer);
    let len = bytes.length();
    let mut hasher = sha2::Sha256::new();
    let mut chunk = vec![0u8; WASM_CHUNK.min(len) as usize];
    let mut start = 0;
    while start < len {
        let end = start.saturating_add(WASM_CHUNK).min(len);
        let piece = &mut chunk[..(end - start) as usize];
        bytes.subarray(start, end).copy_to(piece);
        hasher.update(&*piece);
        start = end;
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}
