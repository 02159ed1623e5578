//! [`CheckedStore`]: the `S3` implementation the embedded store serves —
//! s3s-fs's [`FileSystem`], with what it lacks added in front, so that the
//! store behaves like AWS S3 for every call Vidrop makes.
//!
//! Added so far: a `PutObject` whose body does not match its signed
//! `x-amz-checksum-sha256` is refused *before* the object is written. (s3s-fs
//! compares checksums only after moving the new file into place, so a bad
//! body would replace the object while the client is told `BadDigest`.)
//! Every other operation s3s-fs implements is passed through unchanged.

use bytes::Bytes;
use futures::Stream;
use s3s::checksum::ChecksumHasher;
use s3s::dto::*;
use s3s::stream::{ByteStream, RemainingLength};
use s3s::{S3, S3Request, S3Response, S3Result, StdError, s3_error};
use s3s_fs::FileSystem;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// s3s-fs plus the checks it lacks.
#[derive(Debug)]
pub(crate) struct CheckedStore {
    inner: FileSystem,
}

impl CheckedStore {
    pub(crate) fn new(inner: FileSystem) -> CheckedStore {
        CheckedStore { inner }
    }
}

/// `impl S3 for CheckedStore`: the operations listed after `pass_through` go
/// straight to the file system; the methods that follow are ours. (A macro
/// around the whole impl, so that `async_trait` sees the expanded methods.)
macro_rules! impl_s3 {
    (
        pass_through { $($operation:ident($input:ty) -> $output:ty;)* }
        $($own:tt)*
    ) => {
        #[async_trait::async_trait]
        impl S3 for CheckedStore {
            $(
                async fn $operation(
                    &self,
                    req: S3Request<$input>,
                ) -> S3Result<S3Response<$output>> {
                    self.inner.$operation(req).await
                }
            )*
            $($own)*
        }
    };
}

impl_s3! {
    pass_through {
        create_bucket(CreateBucketInput) -> CreateBucketOutput;
        delete_bucket(DeleteBucketInput) -> DeleteBucketOutput;
        head_bucket(HeadBucketInput) -> HeadBucketOutput;
        get_bucket_location(GetBucketLocationInput) -> GetBucketLocationOutput;
        list_buckets(ListBucketsInput) -> ListBucketsOutput;
        list_objects(ListObjectsInput) -> ListObjectsOutput;
        list_objects_v2(ListObjectsV2Input) -> ListObjectsV2Output;
        get_object(GetObjectInput) -> GetObjectOutput;
        head_object(HeadObjectInput) -> HeadObjectOutput;
        copy_object(CopyObjectInput) -> CopyObjectOutput;
        delete_object(DeleteObjectInput) -> DeleteObjectOutput;
        delete_objects(DeleteObjectsInput) -> DeleteObjectsOutput;
        create_multipart_upload(CreateMultipartUploadInput) -> CreateMultipartUploadOutput;
        upload_part(UploadPartInput) -> UploadPartOutput;
        upload_part_copy(UploadPartCopyInput) -> UploadPartCopyOutput;
        list_parts(ListPartsInput) -> ListPartsOutput;
        complete_multipart_upload(CompleteMultipartUploadInput) -> CompleteMultipartUploadOutput;
        abort_multipart_upload(AbortMultipartUploadInput) -> AbortMultipartUploadOutput;
    }

    async fn put_object(
        &self,
        mut req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let Some(expected) = req.input.checksum_sha256.clone() else {
            return self.inner.put_object(req).await;
        };
        let Some(body) = req.input.body.take() else {
            return self.inner.put_object(req).await;
        };
        let mismatch = Arc::new(AtomicBool::new(false));
        req.input.body = Some(StreamingBlob::new(Sha256Checked::new(
            body,
            expected,
            Arc::clone(&mismatch),
        )));
        match self.inner.put_object(req).await {
            Err(_) if mismatch.load(Ordering::SeqCst) => Err(s3_error!(
                BadDigest,
                "The SHA-256 you specified did not match the calculated checksum."
            )),
            result => result,
        }
    }
}

/// A body that fails at its end, instead of ending, when its SHA-256 is not
/// the one expected: the writer never commits it.
struct Sha256Checked {
    inner: StreamingBlob,
    hasher: Option<ChecksumHasher>,
    expected: String,
    mismatch: Arc<AtomicBool>,
}

impl Sha256Checked {
    fn new(inner: StreamingBlob, expected: String, mismatch: Arc<AtomicBool>) -> Sha256Checked {
        let hasher = ChecksumHasher {
            sha256: Some(Default::default()),
            ..Default::default()
        };
        Sha256Checked {
            inner,
            hasher: Some(hasher),
            expected,
            mismatch,
        }
    }
}

impl Stream for Sha256Checked {
    type Item = Result<Bytes, StdError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                if let Some(hasher) = self.hasher.as_mut() {
                    hasher.update(&bytes);
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(None) => {
                let Some(hasher) = self.hasher.take() else {
                    return Poll::Ready(None);
                };
                let actual = hasher.finalize().checksum_sha256;
                if actual.as_deref() == Some(self.expected.as_str()) {
                    Poll::Ready(None)
                } else {
                    self.mismatch.store(true, Ordering::SeqCst);
                    Poll::Ready(Some(Err(
                        "the body does not match x-amz-checksum-sha256".into()
                    )))
                }
            }
            other => other,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ByteStream for Sha256Checked {
    fn remaining_length(&self) -> RemainingLength {
        self.inner.remaining_length()
    }
}
