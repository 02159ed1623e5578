// What the browser reads of a video file before it goes up: its duration
// and frame size from a detached, muted <video>, and one frame drawn on a
// canvas as the JPEG poster. Nothing here is sent anywhere; `probe.rs` reads
// the answer.

// Resolves on `ok`, rejects with `reason` on `fail` or after `ms`.
function once(target, ok, fail, ms) {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      target.removeEventListener(ok, onOk);
      target.removeEventListener(fail, onFail);
    };
    const onOk = () => { done(); resolve(); };
    const onFail = () => { done(); reject(new Error('error')); };
    const timer = setTimeout(() => { done(); reject(new Error('timeout')); }, ms);
    target.addEventListener(ok, onOk);
    target.addEventListener(fail, onFail);
  });
}

// Answers `{readable, timedOut, duration, width, height, poster, head}`:
// `readable` false when the browser cannot read the file as media at all;
// `head` its first `sniffBytes` bytes, for the container check;
// `timedOut` when it said nothing in `ms`; `poster` a JPEG `Blob` at most
// `posterWidth` pixels wide (or null when no frame could be drawn).
export async function probeVideo(file, posterWidth, quality, ms, sniffBytes) {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  // `metadata`, not `auto`: with `auto` Chromium buffers ahead through the
  // file, and a seek to the poster's frame waited behind that (10 s, the
  // timeout, on a 1 GiB file; 27 ms with `metadata`).
  video.preload = 'metadata';
  const answer = { readable: true, timedOut: false, duration: null, width: null, height: null, poster: null };
  answer.head = new Uint8Array(await file.slice(0, sniffBytes).arrayBuffer());
  try {
    const loaded = once(video, 'loadedmetadata', 'error', ms);
    video.src = url;
    try {
      await loaded;
    } catch (e) {
      answer.readable = e.message !== 'error';
      answer.timedOut = e.message === 'timeout';
      return answer;
    }
    if (video.duration === Infinity) {
      // A WebM written live has no duration in its header; the browser
      // finds it once asked to seek to the end.
      const found = once(video, 'seeked', 'error', ms);
      video.currentTime = Number.MAX_SAFE_INTEGER;
      await found.catch(() => {});
    }
    if (Number.isFinite(video.duration) && video.duration > 0) {
      answer.duration = video.duration;
    }
    if (video.videoWidth > 0 && video.videoHeight > 0) {
      answer.width = video.videoWidth;
      answer.height = video.videoHeight;
    }
    if (answer.width === null) {
      return answer;
    }
    // A frame a little way in: the first is often black.
    const seeked = once(video, 'seeked', 'error', ms);
    video.currentTime = Math.min(1, (answer.duration || 0) / 10);
    try {
      await seeked;
      if (video.readyState < 2) {
        await once(video, 'loadeddata', 'error', ms);
      }
      const width = Math.min(posterWidth, answer.width);
      const height = Math.max(1, Math.round(width * answer.height / answer.width));
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      canvas.getContext('2d').drawImage(video, 0, 0, width, height);
      answer.poster = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    } catch (e) {
      // No frame: the video goes up without a poster.
    }
    return answer;
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
