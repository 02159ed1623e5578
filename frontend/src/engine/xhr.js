// The XMLHttpRequest under `engine/xhr.rs`: one PUT of a Blob, with the
// upload's progress. Its outcome is a promise that always resolves, with
// `[status, etag, body]` for an HTTP answer, or why there is none:
// "network" (a status of 0 included: how browsers report a CORS failure),
// "abort" or "timeout". A request that ends fires no more events, so the
// progress callback is never called after it.
export function putBlob(url, headers, body, onProgress) {
  const xhr = new XMLHttpRequest();
  xhr.open("PUT", url);
  for (let i = 0; i < headers.length; i += 2) xhr.setRequestHeader(headers[i], headers[i + 1]);
  const done = new Promise((resolve) => {
    xhr.onload = () =>
      resolve(xhr.status ? [xhr.status, xhr.getResponseHeader("ETag"), xhr.responseText] : "network");
    xhr.onerror = () => resolve("network");
    xhr.onabort = () => resolve("abort");
    xhr.ontimeout = () => resolve("timeout");
  });
  xhr.upload.onprogress = (event) => onProgress(event.loaded);
  xhr.send(body);
  return [xhr, done];
}
