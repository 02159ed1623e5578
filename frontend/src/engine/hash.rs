//! SHA-256 of a `Blob` in the browser, behind one interface with two
//! backends:
//!
//! - [`Sha256Backend::WebCrypto`]: the browser's `crypto.subtle.digest`,
//!   native code, run from a dedicated Worker (`sha256.js`, a wasm-bindgen
//!   snippet), or on the page where a Content-Security-Policy lets no worker
//!   start. Only in a secure context (HTTPS, or `localhost`/`127.0.0.1`).
//! - `Sha256Backend::Wasm` (cargo feature `wasm-sha256`): the `sha2`
//!   crate compiled into the widget, on the main thread, fed 1 MiB at a time
//!   so the wasm heap (which never shrinks) does not grow by a whole part.
//!
//! Measured with `bench_part_checksums` (`tests/benches.rs`: 64 MiB in 8 MiB
//! parts, reading each part included) in headless Chromium: WebCrypto is
//! faster (figures in `BENCHMARKS.md`), and it does not block the main
//! thread (where XHR progress events and the page run), so it is the
//! default and the shipped widget leaves `sha2` out.
//!
//! WebCrypto cannot digest a stream: each part is read whole into one
//! buffer, the one the last part used, so hashing holds one part's bytes
//! however large the file. The worker that reads them is replaced every
//! 128 MiB: reading a byte stream leaves garbage per chunk that the browser
//! collects only now and then, and a renderer that read every part itself
//! grew by about 20 MiB per GiB (`sha256.js` has the figures).

use js_sys::{Reflect, Uint8Array};
use vidrop_shared::checksum::Sha256Checksum;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
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
        match self {
            Sha256Backend::WebCrypto => webcrypto_digest(blob).await,
            #[cfg(feature = "wasm-sha256")]
            Sha256Backend::Wasm => {
                let read = read_reusing(blob).await?;
                let digest = wasm_digest(&read.bytes());
                read.done();
                Ok(digest)
            }
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

#[wasm_bindgen(module = "/src/engine/sha256.js")]
extern "C" {
    /// The SHA-256 of a blob, in a worker; `null` where none can start.
    #[wasm_bindgen(js_name = sha256InWorker, catch)]
    async fn sha256_in_worker(blob: &Blob) -> Result<JsValue, JsValue>;

    /// The SHA-256 of a blob, on the page.
    #[wasm_bindgen(js_name = sha256OnPage, catch)]
    async fn sha256_on_page(blob: &Blob) -> Result<JsValue, JsValue>;

    /// How many hashing workers have started on this page.
    #[wasm_bindgen(js_name = sha256WorkersStarted)]
    pub fn sha256_workers_started() -> u32;
}

/// WebCrypto's SHA-256 of `blob`, in a worker where one can start.
async fn webcrypto_digest(blob: &Blob) -> Result<[u8; 32], HashError> {
    if subtle_crypto().is_none() {
        return Err(HashError::Unavailable);
    }
    let read_error = |e: JsValue| HashError::Read(js_message(&e));
    let mut digest = sha256_in_worker(blob).await.map_err(read_error)?;
    if digest.is_null() {
        digest = sha256_on_page(blob).await.map_err(read_error)?;
    }
    digest_bytes(&digest)
}

/// The 32 bytes of a digest `ArrayBuffer`.
fn digest_bytes(digest: &JsValue) -> Result<[u8; 32], HashError> {
    let bytes = Uint8Array::new(digest);
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

#[cfg(feature = "wasm-sha256")]
#[wasm_bindgen(module = "/src/engine/sha256.js")]
extern "C" {
    #[wasm_bindgen(js_name = readOnPage, catch)]
    async fn read_on_page(blob: &Blob) -> Result<Uint8Array, JsValue>;

    #[wasm_bindgen(js_name = keepForNextRead)]
    fn keep_for_next_read(bytes: &Uint8Array);
}

/// A blob's bytes, read on the page into a buffer.
#[cfg(feature = "wasm-sha256")]
pub struct ReadBytes(Uint8Array);

#[cfg(feature = "wasm-sha256")]
impl ReadBytes {
    /// The bytes read.
    pub fn bytes(&self) -> Uint8Array {
        self.0.clone()
    }

    /// The bytes are no longer needed: the buffer is kept for the next read.
    pub fn done(self) {
        keep_for_next_read(&self.0);
    }
}

/// Reads all of `blob` on the page, into the buffer the last read used when
/// it is large enough, as the worker reads parts (`sha256.js`, `readPart`).
#[cfg(feature = "wasm-sha256")]
pub async fn read_reusing(blob: &Blob) -> Result<ReadBytes, HashError> {
    read_on_page(blob)
        .await
        .map(ReadBytes)
        .map_err(|e| HashError::Read(js_message(&e)))
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

/// Bytes copied into wasm memory at a time by the wasm backend.
#[cfg(feature = "wasm-sha256")]
const WASM_CHUNK: u32 = 1024 * 1024;

#[cfg(feature = "wasm-sha256")]
fn wasm_digest(bytes: &Uint8Array) -> [u8; 32] {
    use sha2::Digest;
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
