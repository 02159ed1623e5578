// SHA-256 of file parts with WebCrypto, in a dedicated Worker that is
// replaced every `RECYCLE_AFTER_BYTES` of parts; `hash.rs` calls it.
//
// Why a worker, and why replace it: reading a part from the file's byte
// stream leaves a little garbage per chunk (promises, views, the stream's
// own objects: about 100 KB per 8 MiB part in Chromium), which the browser
// collects only now and then. Measured in headless Chromium, reading and
// hashing 4 GiB in 8 MiB parts (no upload), the renderer grew by: 74 MiB
// on the page, 95 MiB in one worker for the whole file, 18 MiB with a new
// worker every 128 MiB (a terminated worker's heap goes with it, garbage
// and all). It also keeps the hashing off the page's thread.
//
// Where no worker can start (a Content-Security-Policy without
// `worker-src blob:`), `sha256OnPage` does the same on the page.

const RECYCLE_AFTER_BYTES = 128 * 1024 * 1024;

// A worker left with nothing to hash this long ends, with its buffer (a
// part's size) and its heap; the next part starts a new one.
const IDLE_MS = 3000;

// The largest buffer kept for the next part (a part is 8 MiB but for files
// over 80 GiB; a single PUT's whole file is up to 64 MiB).
const MAX_SPARE_BYTES = 64 * 1024 * 1024;

// Reads `blob` into `spare` when it is large enough (else a new buffer);
// answers a view of the bytes read, over the buffer for the next part. A
// byte stream (Chromium's and Firefox's `blob.stream()`) fills the buffer
// itself through a BYOB reader; a stream that is not one (WebKitGTK's) has
// each chunk copied in. Self-contained: it is also in the worker's source.
async function readPart(blob, spare) {
  const len = blob.size;
  let buffer = spare && spare.byteLength >= len ? spare : new ArrayBuffer(Math.max(len, 1));
  const stream = blob.stream();
  let filled = 0;
  let reader = null;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch (_) {
    reader = null;
  }
  if (reader) {
    while (filled < len) {
      const read = await reader.read(new Uint8Array(buffer, filled, len - filled));
      if (!read.value) throw new Error("the file's stream lost its buffer");
      buffer = read.value.buffer;
      filled += read.value.byteLength;
      if (read.done) break;
    }
    reader.releaseLock();
  } else {
    const chunks = stream.getReader();
    const target = new Uint8Array(buffer);
    for (;;) {
      const read = await chunks.read();
      if (read.done) break;
      if (filled + read.value.byteLength > len) {
        filled += read.value.byteLength;
        break;
      }
      target.set(read.value, filled);
      filled += read.value.byteLength;
    }
    chunks.releaseLock();
  }
  if (filled !== len) {
    throw new Error(`read ${filled} bytes of a ${len}-byte part; the file changed`);
  }
  return new Uint8Array(buffer, 0, len);
}

// The SHA-256 of `blob`, read into `spare`; answers `[digest, buffer]`, the
// buffer to keep for the next part (`null` when over `maxSpare` bytes).
async function readAndDigest(blob, spare, maxSpare) {
  const bytes = await readPart(blob, spare);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [digest, bytes.buffer.byteLength <= maxSpare ? bytes.buffer : null];
}

// The worker: one part at a time, in the order asked; answers `{id, digest}`
// or `{id, error}`. The two functions go in as their own declarations and
// are called by `.name`: the shipped widget is minified (`cargo xtask
// build`), which renames them and the call of one in the other alike.
const WORKER_SOURCE = `${readPart}
${readAndDigest}
let spare = null;
let queue = Promise.resolve();
onmessage = (event) => {
  const { id, blob } = event.data;
  queue = queue
    .then(() => ${readAndDigest.name}(blob, spare, ${MAX_SPARE_BYTES}))
    .then(([digest, buffer]) => {
      spare = buffer;
      postMessage({ id, digest }, [digest]);
    }, (error) => {
      postMessage({ id, error: String((error && error.message) || error) });
    });
};`;

let workerUrl = null;
// Set once a worker could not start or failed: then parts are hashed on
// the page, as the answer `null` tells `hash.rs`.
let noWorkers = false;
// The worker new parts go to: `{ worker, bytes, pending, idle }` (`bytes`
// given to it so far; `idle`, the timer that ends it when left idle).
let current = null;
let nextId = 0;
let started = 0;

function startWorker() {
  workerUrl = workerUrl || URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const entry = { worker: new Worker(workerUrl), bytes: 0, pending: new Map(), idle: undefined };
  started += 1;
  entry.worker.onmessage = (event) => {
    const { id, digest, error } = event.data;
    const waiting = entry.pending.get(id);
    entry.pending.delete(id);
    if (waiting) {
      if (error === undefined) waiting.resolve(digest);
      else waiting.reject(new Error(error));
    }
    retireIfDone(entry);
    if (entry === current && entry.pending.size === 0) {
      entry.idle = setTimeout(() => {
        if (current === entry && entry.pending.size === 0) {
          entry.worker.terminate();
          current = null;
        }
      }, IDLE_MS);
    }
  };
  entry.worker.onerror = (event) => {
    event.preventDefault();
    noWorkers = true;
    entry.worker.terminate();
    if (current === entry) current = null;
    for (const waiting of entry.pending.values()) waiting.resolve(null);
    entry.pending.clear();
  };
  return entry;
}

// A replaced worker ends once it has answered every part it was given.
function retireIfDone(entry) {
  if (entry !== current && entry.pending.size === 0) entry.worker.terminate();
}

// Resolves to the SHA-256 (an ArrayBuffer) of `blob`, computed in a
// worker, or to `null` when no worker can run here (then hash on the page);
// rejects when the file cannot be read.
export function sha256InWorker(blob) {
  if (noWorkers || typeof Worker === 'undefined') return Promise.resolve(null);
  try {
    if (!current || current.bytes >= RECYCLE_AFTER_BYTES) {
      const replaced = current;
      current = startWorker();
      if (replaced) retireIfDone(replaced);
    }
  } catch (_) {
    noWorkers = true;
    return Promise.resolve(null);
  }
  const entry = current;
  clearTimeout(entry.idle);
  const id = nextId++;
  entry.bytes += blob.size;
  return new Promise((resolve, reject) => {
    entry.pending.set(id, { resolve, reject });
    entry.worker.postMessage({ id, blob });
  });
}

let pageSpare = null;

// The same, on the page.
export async function sha256OnPage(blob) {
  const spare = pageSpare;
  pageSpare = null;
  const [digest, buffer] = await readAndDigest(blob, spare, MAX_SPARE_BYTES);
  pageSpare = buffer;
  return digest;
}

// A part's bytes read on the page into the buffer the last read used, for
// the `sha2` backend and the checksum benchmark (`hash.rs`, feature
// `wasm-sha256`); hand them back to `keepForNextRead` once done with them.
export function readOnPage(blob) {
  const spare = pageSpare;
  pageSpare = null;
  return readPart(blob, spare);
}

export function keepForNextRead(bytes) {
  if (bytes.buffer.byteLength <= MAX_SPARE_BYTES) pageSpare = bytes.buffer;
}

// How many workers have started on this page (for the tests).
export function sha256WorkersStarted() {
  return started;
}
