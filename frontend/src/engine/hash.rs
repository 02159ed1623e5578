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
//! Measured with `bench_part_checksums` (`tests/hash.rs`: 64 MiB in 8 MiB
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
#[cfg(feature = "wasm-sha256")]
use {
    js_sys::ArrayBuffer,
    std::cell::RefCell,
    wasm_bindgen_futures::JsFuture,
    web_sys::{ReadableStream, ReadableStreamByobReader, ReadableStreamDefaultReader},
};

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
thread_local! {
    /// The buffer the last part was read into, for the next one.
    static SPARE: RefCell<Option<ArrayBuffer>> = const { RefCell::new(None) };
}

#[cfg(feature = "wasm-sha256")]
/// The largest buffer kept for the next read (a part is 8 MiB but for
/// files over 80 GiB; a single PUT's whole file is up to 64 MiB).
const MAX_SPARE_BYTES: u32 = 64 * 1024 * 1024;

#[cfg(feature = "wasm-sha256")]
/// A blob's bytes, read into a buffer.
pub struct ReadBytes {
    buffer: ArrayBuffer,
    len: u32,
}

#[cfg(feature = "wasm-sha256")]
impl ReadBytes {
    /// The bytes read.
    pub fn bytes(&self) -> Uint8Array {
        Uint8Array::new_with_byte_offset_and_length(&self.buffer, 0, self.len)
    }

    /// The bytes are no longer needed: the buffer is kept for the next read.
    pub fn done(self) {
        if self.buffer.byte_length() <= MAX_SPARE_BYTES {
            SPARE.with(|spare| *spare.borrow_mut() = Some(self.buffer));
        }
    }
}

#[cfg(feature = "wasm-sha256")]
/// Reads all of `blob` into a buffer, the one the last read used when it
/// is large enough. A new `ArrayBuffer` for every part (`blob.arrayBuffer()`)
/// would be left to the garbage collector, and over a large upload the
/// renderer would grow by hundreds of MiB before it ran. A byte stream
/// (Chromium's and Firefox's `blob.stream()`) fills the buffer itself
/// through a BYOB reader; where `Blob` streams are not byte streams
/// (WebKitGTK here), each chunk is copied in, so only a chunk at a time is
/// left to the collector.
pub async fn read_reusing(blob: &Blob) -> Result<ReadBytes, HashError> {
    let len = u32::try_from(blob.size() as u64)
        .map_err(|_| HashError::Read("a part over 4 GiB".into()))?;
    let mut buffer = SPARE
        .with(|spare| spare.borrow_mut().take())
        .filter(|buffer| buffer.byte_length() >= len)
        .unwrap_or_else(|| ArrayBuffer::new(len.max(1)));
    let stream = blob.stream();
    let filled = match ReadableStreamByobReader::new(&stream) {
        Ok(reader) => fill_from_byte_stream(&reader, &mut buffer, len).await?,
        Err(_) => fill_from_chunks(&stream, &buffer, len).await?,
    };
    if filled != len {
        return Err(HashError::Read(format!(
            "read {filled} bytes of a {len}-byte part; the file changed"
        )));
    }
    Ok(ReadBytes { buffer, len })
}

#[cfg(feature = "wasm-sha256")]
/// Fills `buffer` with up to `len` bytes from a byte stream; answers how
/// many. Each read lends the buffer to the stream, which hands it back
/// (as a new `ArrayBuffer` object over the same memory) with the bytes in.
async fn fill_from_byte_stream(
    reader: &ReadableStreamByobReader,
    buffer: &mut ArrayBuffer,
    len: u32,
) -> Result<u32, HashError> {
    let mut filled = 0;
    while filled < len {
        let view = Uint8Array::new_with_byte_offset_and_length(buffer, filled, len - filled);
        let result = JsFuture::from(reader.read_with_array_buffer_view(&view))
            .await
            .map_err(|e| HashError::Read(js_message(&e)))?;
        let Some(chunk) = field(&result, "value").and_then(|v| v.dyn_into::<Uint8Array>().ok())
        else {
            return Err(HashError::Read("the file's stream lost its buffer".into()));
        };
        *buffer = chunk.buffer();
        filled += chunk.byte_length();
        if is_done(&result) {
            break;
        }
    }
    reader.release_lock();
    Ok(filled)
}

#[cfg(feature = "wasm-sha256")]
/// Fills `buffer` with the chunks of a stream that is not a byte stream;
/// answers how many bytes came (more than `len`: the file grew).
async fn fill_from_chunks(
    stream: &ReadableStream,
    buffer: &ArrayBuffer,
    len: u32,
) -> Result<u32, HashError> {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let target = Uint8Array::new(buffer);
    let mut filled: u32 = 0;
    loop {
        let result = JsFuture::from(reader.read())
            .await
            .map_err(|e| HashError::Read(js_message(&e)))?;
        if is_done(&result) {
            break;
        }
        let Some(chunk) = field(&result, "value").and_then(|v| v.dyn_into::<Uint8Array>().ok())
        else {
            return Err(HashError::Read("the file's stream gave no bytes".into()));
        };
        let end = filled.saturating_add(chunk.byte_length());
        if end > len {
            return Ok(end);
        }
        target.set(&chunk, filled);
        filled = end;
    }
    reader.release_lock();
    Ok(filled)
}

#[cfg(feature = "wasm-sha256")]
fn field(object: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(name)).ok()
}

/// Whether a stream read's result says the stream ended.
#[cfg(feature = "wasm-sha256")]
fn is_done(result: &JsValue) -> bool {
    field(result, "done")
        .and_then(|done| done.as_bool())
        .unwrap_or(true)
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
