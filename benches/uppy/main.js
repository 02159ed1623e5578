// Uppy uploading to Vidrop, as an integrator who picked Uppy would write it:
// `@uppy/core` with `@uppy/aws-s3` in multipart mode, its multipart callbacks
// calling Vidrop's HTTP API (docs/openapi.json). The reference the widget is
// benchmarked against (`e2e/src/bin/bench.rs`, `cargo xtask bench`).
//
// - The plan: `POST /api/uploads` answers the part size the backend will
//   accept parts of. Uppy asks for the part size (`getChunkSize`) before it
//   calls `createMultipartUpload`, so a preprocessor asks for the plan first
//   and `createMultipartUpload` answers from it: the upload is created once,
//   and Uppy cuts the file at the plan's boundaries.
// - Each part: `signPart` hashes the part with WebCrypto (SHA-256, as the
//   widget does; the backend binds it into the URL and the store checks it),
//   then `POST /api/uploads/{id}/parts` signs that one part.
// - `completeMultipartUpload`: `POST /api/uploads/{id}/complete` with the
//   parts' ETags and SHA-256s; `abortMultipartUpload`: `DELETE
//   /api/uploads/{id}?upload_id=…`; `listParts`: `GET
//   /api/uploads/{id}/parts?upload_id=…`.
//
// The page's query: `endpoint` (the backend; default: this page's origin),
// `token` (an upload token, sent as `Authorization: Bearer`, as a host page
// gives the widget one; none on a server open for local development),
// `limit` (Uppy's requests at once; default 4, the widget's concurrency; note
// that Uppy counts signing requests in it too).
//
// What the harness reads: `window.__uppyBench`, `{state, error, id, took_ms,
// parts}`, `state` one of `idle`, `uploading`, `done`, `error`.

import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';

const query = new URLSearchParams(location.search);
const endpoint = (query.get('endpoint') || location.origin).replace(/\/+$/, '');
const token = query.get('token');
const limit = Number(query.get('limit') || 4);

const bench = {
  state: 'idle',
  error: null,
  id: null,
  took_ms: null,
  parts: 0,
  limit,
};
window.__uppyBench = bench;

function fail(error) {
  bench.state = 'error';
  bench.error = String(error?.message ?? error);
  if (error?.source?.status) bench.error += ` (HTTP ${error.source.status})`;
  console.error('uppy bench:', error);
}

/** One call of Vidrop's API; a refusal throws with the server's sentence. */
async function api(method, path, body, signal) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(endpoint + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    let detail = '';
    try {
      const { error } = await response.json();
      detail = ` ${error.code}: ${error.message}`;
    } catch {
      // Not Vidrop's JSON error: the status says enough.
    }
    throw new Error(`${method} ${path}: ${response.status}${detail}`);
  }
  return response.status === 204 ? null : response.json();
}

/** Base64 of bytes, as S3 and Vidrop write a SHA-256. */
function base64(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// The plan of each file, by its Blob (what `getChunkSize` is given).
const planning = new WeakMap(); // Blob -> Promise<plan>
const planned = new WeakMap(); // Blob -> plan, once answered
const uploads = new Map(); // upload_id -> { plan, sha256: Map<part, base64> }

function planFor(file) {
  let plan = planning.get(file.data);
  if (!plan) {
    plan = api('POST', '/api/uploads', {
      filename: file.name,
      content_type: file.data.type || file.type,
      size: file.size,
    });
    planning.set(file.data, plan);
  }
  return plan;
}

const uppy = new Uppy({ autoProceed: false });

uppy.addPreProcessor(async (fileIDs) => {
  for (const id of fileIDs) {
    const file = uppy.getFile(id);
    const plan = await planFor(file);
    if (plan.strategy !== 'multipart') {
      throw new Error(`the backend planned a ${plan.strategy} upload; this page sends multipart only`);
    }
    planned.set(file.data, plan);
  }
});

uppy.use(AwsS3, {
  shouldUseMultipart: true,
  limit,
  getChunkSize(blob) {
    return planned.get(blob).part_size;
  },

  async createMultipartUpload(file) {
    const plan = await planFor(file);
    uploads.set(plan.upload_id, { plan, sha256: new Map() });
    return { uploadId: plan.upload_id, key: plan.key };
  },

  async signPart(file, { uploadId, partNumber, body, signal }) {
    const upload = uploads.get(uploadId);
    const sha256 = base64(await crypto.subtle.digest('SHA-256', await body.arrayBuffer()));
    upload.sha256.set(partNumber, sha256);
    const signed = await api(
      'POST',
      `/api/uploads/${upload.plan.id}/parts`,
      { upload_id: uploadId, parts: [{ part_number: partNumber, sha256 }] },
      signal,
    );
    const part = signed.parts.find((p) => p.part_number === partNumber);
    // The signed headers less those a browser sets itself.
    const headers = {};
    for (const [name, value] of Object.entries(part.headers)) {
      if (name !== 'content-length' && name !== 'host') headers[name] = value;
    }
    return { method: 'PUT', url: part.url, headers };
  },

  async listParts(file, { uploadId, signal }) {
    const { plan } = uploads.get(uploadId);
    const stored = await api(
      'GET',
      `/api/uploads/${plan.id}/parts?upload_id=${encodeURIComponent(uploadId)}`,
      undefined,
      signal,
    );
    return stored.parts.map((p) => ({ PartNumber: p.part_number, ETag: p.etag, Size: p.size }));
  },

  async completeMultipartUpload(file, { uploadId, parts, signal }) {
    const upload = uploads.get(uploadId);
    const video = await api(
      'POST',
      `/api/uploads/${upload.plan.id}/complete`,
      {
        upload_id: uploadId,
        parts: parts.map((p) => ({
          part_number: p.PartNumber,
          etag: p.ETag,
          sha256: upload.sha256.get(p.PartNumber),
        })),
      },
      signal,
    );
    bench.id = video.id;
    bench.parts = parts.length;
    return { location: video.url };
  },

  async abortMultipartUpload(file, { uploadId }) {
    const { plan } = uploads.get(uploadId);
    await api('DELETE', `/api/uploads/${plan.id}?upload_id=${encodeURIComponent(uploadId)}`);
  },
});

uppy.on('upload-error', (file, error) => fail(error));

document.getElementById('file').addEventListener('change', async (event) => {
  const [chosen] = event.target.files;
  if (!chosen) return;
  const started = performance.now();
  bench.state = 'uploading';
  try {
    uppy.addFile({ name: chosen.name, type: chosen.type, data: chosen, source: 'Local' });
    const result = await uppy.upload();
    if (bench.state === 'error') return;
    if (!result || result.failed?.length || !result.successful?.length) {
      fail(new Error(`Uppy reports ${result?.failed?.length ?? '?'} failed upload(s)`));
      return;
    }
    bench.took_ms = performance.now() - started;
    bench.state = 'done';
  } catch (error) {
    fail(error);
  }
});
