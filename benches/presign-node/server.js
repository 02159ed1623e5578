// The reference for the presign benchmark (`cargo xtask bench`): the AWS SDK
// for JavaScript's presigner behind Node's own HTTP server, answering
// `GET /presign/<key>?method=GET|PUT&contentLength=N` as Vidrop's /presign
// does (a presigned URL, in JSON), for the same store and bucket.
//
// Environment: S3_ENDPOINT, S3_BUCKET, S3_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY. Prints `listening on <port>` once it listens on
// 127.0.0.1 (a port of the system's choosing).
'use strict';
const http = require('node:http');
const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');

const client = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  region: process.env.S3_REGION,
  forcePathStyle: true,
  // As Vidrop's client: no checksum of an empty body in presigned PUTs.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  },
});
const Bucket = process.env.S3_BUCKET;

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (!url.pathname.startsWith('/presign/')) {
    res.writeHead(404).end();
    return;
  }
  const Key = decodeURIComponent(url.pathname.slice('/presign/'.length));
  const method = url.searchParams.get('method') || 'GET';
  const command = method === 'PUT'
    ? new PutObjectCommand({ Bucket, Key, ContentLength: Number(url.searchParams.get('contentLength')), IfNoneMatch: '*' })
    : new GetObjectCommand({ Bucket, Key });
  try {
    const signed = await getSignedUrl(client, command, { expiresIn: 3600 });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ URL: signed, Method: method }));
  } catch (error) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: String(error) }));
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
