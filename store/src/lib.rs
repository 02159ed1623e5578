//! `vidrop-store`: Vidrop's embedded S3 store. A real S3 API served
//! in-process on a loopback port, with its data in a local folder, so that
//! Vidrop runs with no bucket configured and nothing else installed; the
//! backend and the browser talk to it exactly as to AWS S3 (SigV4,
//! presigned URLs).
//!
//! [`start`] serves it on `127.0.0.1:0` with fresh random credentials
//! (URLs signed by an earlier run stop working; objects and multipart
//! uploads in progress stay), creating its bucket ([`EMBEDDED_BUCKET`]) if
//! missing; [`RunningStore::stop`] ends it. [`check_key`] tells which keys
//! it can hold ([`MAX_KEY_BYTES`] and a few shapes of key), so that a caller
//! refuses the others before signing anything.
//!
//! `s3s` 0.14.1 speaks the protocol and verifies signatures (presigned URLs
//! included: signature, signed headers, expiry; aws-chunked bodies with
//! signed chunks and trailers); `s3s-fs` 0.14.1 keeps the bucket as a
//! folder, one file per object, and its records beside it. Our
//! `CheckedStore` wraps s3s-fs and answers only the operations below, each
//! as AWS S3 does for what Vidrop and standard S3 clients send.
//!
//! # Layout
//!
//! - `store.rs`: [`start`], [`StoreConfig`], [`EmbeddedStore`],
//!   [`RunningStore`], [`StoreError`]: the data folder, the bucket, the
//!   listener.
//! - `service.rs`: the s3s service over `CheckedStore` with SigV4, in an
//!   axum router behind tower-http's CORS layer (s3s has no bucket CORS).
//! - `serving.rs`: serving that router until stopped, with a grace period
//!   after which the connections left are dropped.
//! - `credentials.rs`: the random key pair, and redaction for logs.
//! - `keys.rs`: [`check_key`], [`KeyRefusal`], [`MAX_KEY_BYTES`].
//! - `checked.rs`: `CheckedStore`, the `S3` implementation: which
//!   operations are answered, and how. In `checked/`: `objects.rs`
//!   (PutObject, reads, deletes), `multipart.rs` (multipart operations),
//!   `body.rs` (a body that checks its checksum before it is committed),
//!   `checksum.rs` (algorithms, header and trailer checksums), `uploads.rs`
//!   (s3s-fs's multipart records, read and annotated; `uploads/join.rs`
//!   completes an upload), `layout.rs` (where
//!   s3s-fs puts a key and what may be in the way).
//!
//! # S3 operations
//!
//! Answered, and how each differs from s3s-fs 0.14.1:
//!
//! - **CreateBucket, HeadBucket, GetBucketLocation, ListBuckets,
//!   ListObjects (V1), ListObjectsV2**: s3s-fs's, unchanged.
//! - **PutObject**: refuses with `400`, before reading the body, a key the
//!   store cannot hold ([`check_key`]; or a key that is a folder of other
//!   objects, or lies inside an object: `InvalidRequest`), a bucket that does
//!   not exist (s3s-fs would create it), and a request with
//!   `x-amz-copy-source`. Checks the body's checksum (any of CRC32, CRC32C,
//!   CRC64NVME, SHA-1, SHA-256, in a header or an aws-chunked trailer) and
//!   its `Content-MD5` as it streams, and fails it *before* the file is
//!   committed (`400 BadDigest`; s3s-fs checks only after replacing the
//!   object). A body the client broke off answers `400 IncompleteBody`.
//!   Keeps a trailer's checksum with the object, and drops `aws-chunked`
//!   from the stored Content-Encoding.
//! - **GetObject, HeadObject** (Range, `response-content-disposition` and
//!   the other overrides are s3s's): `404 NoSuchKey` for a key that names a
//!   folder or no possible file (s3s-fs answers a folder's size, or fails
//!   reading it, and maps `a/../b` to `b`). GetObject reads the file in
//!   256 KiB chunks where s3s-fs reads 4 KiB, one blocking task each: a
//!   1 GiB object is served at about 1.8 GB/s instead of 150 MB/s.
//! - **DeleteObject, DeleteObjects**: a key with no object is deleted
//!   without touching anything (s3s-fs fails on a folder, or removes it
//!   when empty); `NoSuchBucket` for a missing bucket.
//! - **CreateMultipartUpload, UploadPart, ListParts,
//!   CompleteMultipartUpload, AbortMultipartUpload**: the key checks of
//!   PutObject at creation and again at completion; parts checked like
//!   PutObject bodies, with any checksum when the upload was created
//!   without an algorithm (as AWS; s3s-fs checks none), else only the
//!   upload's; `404 NoSuchUpload` for an unknown upload (s3s-fs: `403`);
//!   uploads survive a restart; parts' ETags, checksums, order and sizes
//!   checked before anything changes; completion is the store's own (the
//!   kernel joins the parts with `copy_file_range`, the ETag is made from
//!   the parts' recorded ETags: no byte read or hashed again, where s3s-fs
//!   reads and hashes every part); composite checksums, also on reads, and
//!   never the checksum or attributes of the object a completion replaces;
//!   part listings with ETags and checksums, paginated. Details in
//!   `checked/multipart.rs`.
//! - **ListMultipartUploads**: ours (s3s-fs has none).
//!
//! Every other operation (CopyObject, UploadPartCopy, object tagging,
//! ACLs, DeleteBucket, bucket CORS, versioning, …) answers `501
//! NotImplemented` without reading the body or changing anything. s3s
//! routes a PUT carrying `x-amz-copy-source` to CopyObject (or
//! UploadPartCopy) even when that header was not signed, for instance added
//! to a presigned PUT URL: it is refused so, and nothing is written.

mod checked;
mod credentials;
mod keys;
mod region;
mod service;
mod serving;
mod store;

pub use keys::{EMBEDDED_BUCKET, KeyRefusal, MAX_KEY_BYTES, check_key};
pub use region::BUCKET_REGION_HEADER;
pub use store::{EMBEDDED_REGION, EmbeddedStore, RunningStore, StoreConfig, StoreError, start};
