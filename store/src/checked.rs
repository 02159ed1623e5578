//! [`CheckedStore`]: the `S3` implementation the store serves — s3s-fs's
//! [`FileSystem`], with what it lacks added in front, so that the store
//! behaves like AWS S3 for the operations it answers, and answers
//! `501 NotImplemented` for every other one.
//!
//! The operations, and what each adds to s3s-fs 0.14.1, are listed in the
//! crate's documentation (`lib.rs`). The work is split by kind:
//! `objects.rs` (PutObject, reads and deletes), `multipart.rs` (the
//! multipart operations), `body.rs` and `checksum.rs` (checking a body as
//! it streams), `uploads.rs` (s3s-fs's multipart records, read and
//! annotated), `layout.rs` (where s3s-fs puts a key).
//!
//! Errors of the operations are logged here, refusals at debug level and
//! failures at error level (s3s serialises them without a word).

mod body;
mod checksum;
mod layout;
mod locks;
mod multipart;
mod objects;
mod uploads;

use crate::keys::KeyRefusal;
use locks::{Held, Locks};
use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};
use s3s_fs::FileSystem;
use std::path::{Path, PathBuf};
use uploads::UploadDir;

/// s3s-fs plus the checks it lacks.
#[derive(Debug)]
pub(crate) struct CheckedStore {
    inner: FileSystem,
    /// The folder given to [`FileSystem::new`]: buckets are folders in it.
    root: PathBuf,
    uploads: UploadDir,
    /// One lock per upload being completed: a second completion waits for
    /// the first, then finds the upload gone and the object in place (S3's
    /// completion is atomic; s3s-fs's is not).
    completions: Locks,
    /// One lock per key being committed (PutObject once its body is in, a
    /// completion): s3s-fs checks `If-None-Match: *` before it reads the body
    /// and renames the file over whatever is there after, so two create-only
    /// writes could both succeed; under the lock the store checks again.
    writes: Locks,
}

impl CheckedStore {
    /// Wraps the file system rooted at `root` (the folder given to
    /// [`FileSystem::new`], whose files this reads).
    pub(crate) fn new(inner: FileSystem, root: &Path) -> CheckedStore {
        CheckedStore {
            inner,
            root: root.to_owned(),
            uploads: UploadDir::new(root),
            completions: Locks::default(),
            writes: Locks::default(),
        }
    }

    /// Holds the write lock of `key` in `bucket`.
    async fn hold_key(&self, bucket: &str, key: &str) -> Held {
        self.commit_gate(bucket, key, false)
            .await
            .expect("a gate without a condition opens")
    }

    /// Waits for the write lock of `key` in `bucket` and holds it, unless
    /// the write may only create the object (`create_only`) and an object is
    /// there by then: `None`.
    fn commit_gate(&self, bucket: &str, key: &str, create_only: bool) -> body::Gate {
        let writes = self.writes.clone();
        let name = format!("{bucket}/{key}");
        let bucket_dir = self.bucket_dir(bucket);
        let key = key.to_owned();
        Box::pin(async move {
            let held = writes.hold(name).await;
            // A store that cannot tell refuses rather than replaces.
            let taken = create_only && layout::is_object(&bucket_dir, &key).await.unwrap_or(true);
            (!taken).then_some(held)
        })
    }

    /// The folder of `bucket` (a name s3s has validated: no `/`, no `..`).
    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }
}

/// `impl S3 for CheckedStore`: the operations listed in `pass_through` go
/// straight to the file system, those in `own` to the method named after
/// `=>`; every error is logged by [`logged`]. Every operation not listed
/// keeps the `S3` trait's default: `501 NotImplemented`, before the body is
/// read. (A macro around the whole impl, so that `async_trait` sees the
/// expanded methods.)
macro_rules! impl_s3 {
    (
        pass_through { $($operation:ident($input:ty) -> $output:ty;)* }
        own { $($own:ident($own_input:ty) -> $own_output:ty => $method:ident;)* }
    ) => {
        #[async_trait::async_trait]
        impl S3 for CheckedStore {
            $(
                async fn $operation(
                    &self,
                    req: S3Request<$input>,
                ) -> S3Result<S3Response<$output>> {
                    logged(stringify!($operation), self.inner.$operation(req).await)
                }
            )*
            $(
                async fn $own(
                    &self,
                    req: S3Request<$own_input>,
                ) -> S3Result<S3Response<$own_output>> {
                    logged(stringify!($own), self.$method(req).await)
                }
            )*
        }
    };
}

impl_s3! {
    pass_through {
        create_bucket(CreateBucketInput) -> CreateBucketOutput;
        head_bucket(HeadBucketInput) -> HeadBucketOutput;
        get_bucket_location(GetBucketLocationInput) -> GetBucketLocationOutput;
        list_buckets(ListBucketsInput) -> ListBucketsOutput;
        list_objects(ListObjectsInput) -> ListObjectsOutput;
        list_objects_v2(ListObjectsV2Input) -> ListObjectsV2Output;
    }
    own {
        put_object(PutObjectInput) -> PutObjectOutput => checked_put_object;
        get_object(GetObjectInput) -> GetObjectOutput => checked_get_object;
        head_object(HeadObjectInput) -> HeadObjectOutput => checked_head_object;
        delete_object(DeleteObjectInput) -> DeleteObjectOutput => checked_delete_object;
        delete_objects(DeleteObjectsInput) -> DeleteObjectsOutput => checked_delete_objects;
        create_multipart_upload(CreateMultipartUploadInput) -> CreateMultipartUploadOutput
            => checked_create_multipart_upload;
        upload_part(UploadPartInput) -> UploadPartOutput => checked_upload_part;
        list_parts(ListPartsInput) -> ListPartsOutput => checked_list_parts;
        complete_multipart_upload(CompleteMultipartUploadInput) -> CompleteMultipartUploadOutput
            => checked_complete_multipart_upload;
        abort_multipart_upload(AbortMultipartUploadInput) -> AbortMultipartUploadOutput
            => checked_abort_multipart_upload;
        list_multipart_uploads(ListMultipartUploadsInput) -> ListMultipartUploadsOutput
            => checked_list_multipart_uploads;
    }
}

/// A reference (`&` or `&mut`) to the `checksum_<algorithm>` field of any S3
/// type that has them all (parts, completed parts, operation outputs).
macro_rules! checksum_field {
    (&mut $value:expr, $algorithm:expr) => {
        match $algorithm {
            Algorithm::Crc32 => &mut $value.checksum_crc32,
            Algorithm::Crc32c => &mut $value.checksum_crc32c,
            Algorithm::Crc64Nvme => &mut $value.checksum_crc64nvme,
            Algorithm::Sha1 => &mut $value.checksum_sha1,
            Algorithm::Sha256 => &mut $value.checksum_sha256,
        }
    };
    (&$value:expr, $algorithm:expr) => {
        match $algorithm {
            Algorithm::Crc32 => &$value.checksum_crc32,
            Algorithm::Crc32c => &$value.checksum_crc32c,
            Algorithm::Crc64Nvme => &$value.checksum_crc64nvme,
            Algorithm::Sha1 => &$value.checksum_sha1,
            Algorithm::Sha256 => &$value.checksum_sha256,
        }
    };
}
use checksum_field;

/// The checksum headers of an operation's input (`PutObjectInput`,
/// `UploadPartInput`), as [`checksum::Declared`].
macro_rules! declared {
    ($input:expr) => {
        $crate::checked::checksum::Declared {
            values: [
                $input.checksum_crc32.as_deref(),
                $input.checksum_crc32c.as_deref(),
                $input.checksum_crc64nvme.as_deref(),
                $input.checksum_sha1.as_deref(),
                $input.checksum_sha256.as_deref(),
            ],
            sdk_algorithm: $input.checksum_algorithm.as_ref().map(|a| a.as_str()),
        }
    };
}
use declared;

/// The S3 error for a key the store cannot hold.
fn refused_key(refusal: &KeyRefusal) -> S3Error {
    let code =
        S3ErrorCode::from_bytes(refusal.code().as_bytes()).unwrap_or(S3ErrorCode::InvalidArgument);
    S3Error::with_message(code, refusal.to_string())
}

/// Refuses a request routed to a write that carries `x-amz-copy-source`: a
/// copy, which the store does not do. (s3s 0.14.1 routes such requests to
/// CopyObject and UploadPartCopy, which answer `501` unread; this keeps it
/// so, whatever the routing.)
fn refuse_copy_source(headers: &axum::http::HeaderMap) -> S3Result<()> {
    if headers.contains_key("x-amz-copy-source") {
        return Err(s3_error!(
            NotImplemented,
            "The embedded store does not copy objects (x-amz-copy-source)."
        ));
    }
    Ok(())
}

/// The binary MD5 of a `Content-MD5` header (base64), or S3's refusal.
fn content_md5(header: Option<&str>) -> S3Result<Option<[u8; 16]>> {
    use base64::Engine;
    let Some(text) = header else {
        return Ok(None);
    };
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
        .map(Some)
        .ok_or_else(|| s3_error!(InvalidDigest, "The Content-MD5 you specified is not valid."))
}

/// An I/O failure of the store itself.
fn internal(err: std::io::Error) -> S3Error {
    S3Error::with_source(S3ErrorCode::InternalError, Box::new(err))
}

/// Logs an operation's error: a refusal (4xx, the client's doing) at debug
/// level, a failure of the store at error level. Neither names credentials
/// or a query string.
fn logged<T>(operation: &'static str, result: S3Result<T>) -> S3Result<T> {
    if let Err(err) = &result {
        let status = err.status_code().map_or(500, |status| status.as_u16());
        if status >= 500 && *err.code() != S3ErrorCode::NotImplemented {
            tracing::error!(
                operation,
                code = err.code().as_str(),
                message = err.message().unwrap_or_default(),
                source = ?err.source(),
                "embedded S3 store failed"
            );
        } else {
            tracing::debug!(
                operation,
                status,
                code = err.code().as_str(),
                message = err.message().unwrap_or_default(),
                "embedded S3 store refused a request"
            );
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_refusals_answer_400_with_their_code() {
        let err = refused_key(&KeyRefusal::TooLong {
            bytes: 200,
            max: 129,
        });
        assert_eq!(*err.code(), S3ErrorCode::KeyTooLongError);
        assert_eq!(err.status_code().unwrap().as_u16(), 400);
        let err = refused_key(&KeyRefusal::Backslash);
        assert_eq!(*err.code(), S3ErrorCode::InvalidArgument);
        assert_eq!(err.status_code().unwrap().as_u16(), 400);
    }

    #[test]
    fn content_md5_must_be_sixteen_bytes_of_base64() {
        assert_eq!(content_md5(None).unwrap(), None);
        assert_eq!(
            content_md5(Some("kAFQmDzST7DWlj99KOF/cg==")).unwrap(),
            Some([
                0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0, 0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1,
                0x7f, 0x72
            ])
        );
        assert!(content_md5(Some("abc")).is_err());
        assert!(content_md5(Some("%%%")).is_err());
    }
}
