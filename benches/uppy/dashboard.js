// The size reference for the widget (`cargo xtask bench`, "Widget size"):
// Uppy with the UI that matches the widget's, as an integrator would ship
// it: `@uppy/core`, `@uppy/dashboard` (drop zone, file list with progress,
// pause, cancel and retry) and `@uppy/aws-s3`, with their stylesheets.
// Bundled and minified by esbuild like the throughput page (`main.js`), into
// `out/dashboard.js` and `out/dashboard.css`; `out/dashboard.html` shows it.
// Only its bytes are measured: nothing uploads with it.

import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import AwsS3 from '@uppy/aws-s3';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const endpoint = new URLSearchParams(location.search).get('endpoint') ?? location.origin;

window.__uppyDashboard = new Uppy({ restrictions: { allowedFileTypes: ['video/*'] } })
  .use(Dashboard, { inline: true, target: '#uppy', proudlyDisplayPoweredByUppy: false })
  .use(AwsS3, { endpoint, shouldUseMultipart: true });
