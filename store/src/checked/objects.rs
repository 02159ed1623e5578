//! The object operations of [`CheckedStore`]: PutObject, which checks the
//! key, its place and the body before s3s-fs commits anything; and the
//! reads and deletes, which answer as S3 does for keys that name no stored
//! object (a folder, or a key no file can have) instead of letting s3s-fs
//! read a folder or fail on it; GetObject's body is read in large chunks.

use super::body::CheckedBody;
use super::checksum::Expected;
use super::{
    CheckedStore, content_md5, declared, internal, layout, refuse_copy_source, refused_key,
};
use crate::keys::{check_key_in, check_key_syntax};
use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

impl CheckedStore {
    pub(super) async fn checked_put_object(
        &self,
        mut req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        refuse_copy_source(&req.headers)?;
        let input = &req.input;
        let expected = Expected::of_request(
            declared!(input),
            &req.headers,
            req.trailing_headers.as_ref(),
        )?;
        let md5 = content_md5(input.content_md5.as_deref())?;
        // Last of the checks: it may clear an empty folder for the object.
        self.check_writable(&input.bucket, &input.key).await?;
        // The key's write lock is taken once the body is in (a slow client
        // holds up nobody), and `If-None-Match: *` checked again under it.
        let create_only = input.if_none_match.as_ref().is_some_and(|c| c.is_any());
        let gate = self.commit_gate(&input.bucket, &input.key, create_only);

        // s3s-fs hashes the algorithms named here and stores the result with
        // the object (for GetObject and HeadObject): name the one checked,
        // so that a trailer's checksum is kept too.
        req.input.checksum_algorithm = expected.as_ref().map(|e| e.algorithm.to_s3());
        // `aws-chunked` describes this request's body, not the object: S3
        // drops it from the stored Content-Encoding.
        req.input.content_encoding = req
            .input
            .content_encoding
            .take()
            .and_then(|encoding| without_aws_chunked(&encoding));
        let outcome = CheckedBody::wrap(&mut req.input.body, expected, md5, Some(gate));
        let result = self.inner.put_object(req).await;
        outcome.release();
        result.map_err(|err| outcome.explain().unwrap_or(err))
    }

    pub(super) async fn checked_get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        if !self.is_object(&req.input.bucket, &req.input.key).await? {
            return Err(self.no_such_key(&req.input.bucket).await);
        }
        // Opened before s3s-fs opens its own, and used only if it is the
        // file s3s-fs then describes (see `large_chunk_body`).
        let path = layout::object_path(&self.bucket_dir(&req.input.bucket), &req.input.key);
        let file = tokio::fs::File::open(&path).await.ok();
        let mut response = self.inner.get_object(req).await?;
        if let Some(file) = file
            && let Some(body) = large_chunk_body(&response.output, file).await
        {
            response.output.body = Some(body);
        }
        Ok(response)
    }

    pub(super) async fn checked_head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        if !self.is_object(&req.input.bucket, &req.input.key).await? {
            return Err(self.no_such_key(&req.input.bucket).await);
        }
        self.inner.head_object(req).await
    }

    pub(super) async fn checked_delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        if !self.uploads.bucket_exists(&req.input.bucket).await {
            return Err(S3Error::new(S3ErrorCode::NoSuchBucket));
        }
        // Deleting what is not there succeeds, as on S3, and touches nothing
        // (s3s-fs would remove an empty folder, or fail on a full one).
        if !self.is_object(&req.input.bucket, &req.input.key).await? {
            return Ok(S3Response::new(DeleteObjectOutput::default()));
        }
        self.inner.delete_object(req).await
    }

    pub(super) async fn checked_delete_objects(
        &self,
        mut req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let bucket = req.input.bucket.clone();
        if !self.uploads.bucket_exists(&bucket).await {
            return Err(S3Error::new(S3ErrorCode::NoSuchBucket));
        }
        let mut stored = Vec::new();
        let mut absent = Vec::new();
        for object in std::mem::take(&mut req.input.delete.objects) {
            if self.is_object(&bucket, &object.key).await? {
                stored.push(object);
            } else {
                absent.push(DeletedObject {
                    key: Some(object.key),
                    version_id: object.version_id,
                    ..Default::default()
                });
            }
        }
        req.input.delete.objects = stored;
        let mut response = self.inner.delete_objects(req).await?;
        response
            .output
            .deleted
            .get_or_insert_with(Vec::new)
            .extend(absent);
        Ok(response)
    }

    /// Refuses, before anything is written, a key the store cannot hold in
    /// `bucket`: by its text, or by what is stored (see `layout.rs`, which
    /// also removes an empty folder left at the key's place).
    pub(super) async fn check_writable(&self, bucket: &str, key: &str) -> S3Result<()> {
        check_key_in(bucket, key).map_err(|refusal| refused_key(&refusal))?;
        let bucket_dir = self.bucket_dir(bucket);
        // s3s-fs would make the bucket's folder for the object.
        if !self.uploads.bucket_exists(bucket).await {
            return Err(S3Error::new(S3ErrorCode::NoSuchBucket));
        }
        if let Err(conflict) = layout::make_room(&bucket_dir, key)
            .await
            .map_err(internal)?
        {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidRequest,
                conflict.message(key),
            ));
        }
        Ok(())
    }

    /// Whether an object is stored under `key` in `bucket`.
    pub(super) async fn is_object(&self, bucket: &str, key: &str) -> S3Result<bool> {
        if check_key_syntax(key).is_err() {
            return Ok(false);
        }
        layout::is_object(&self.bucket_dir(bucket), key)
            .await
            .map_err(internal)
    }

    /// S3's answer for a read of a key with no object in `bucket`.
    async fn no_such_key(&self, bucket: &str) -> S3Error {
        if self.uploads.bucket_exists(bucket).await {
            s3_error!(NoSuchKey, "The specified key does not exist.")
        } else {
            S3Error::new(S3ErrorCode::NoSuchBucket)
        }
    }
}

/// A Content-Encoding without its `aws-chunked` coding, `None` when nothing
/// else is left.
fn without_aws_chunked(encoding: &str) -> Option<String> {
    let rest: Vec<&str> = encoding
        .split(',')
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("aws-chunked"))
        .collect();
    (!rest.is_empty()).then(|| rest.join(", "))
}

/// How much of an object one read of a GetObject body takes from its file.
const READ_CHUNK: usize = 256 * 1024;

/// A body for `output` (s3s-fs's answer to a GetObject) that reads the
/// same bytes from `file` in [`READ_CHUNK`]s. s3s-fs reads 4 KiB at a time,
/// each read a blocking task of its own: serving 5 GiB took 87 s of both
/// cores (59 MB/s). `None`, and s3s-fs's body stays, unless `file`'s length
/// and time are those s3s-fs answered with, i.e. no write replaced the
/// object between the two opens.
async fn large_chunk_body(
    output: &GetObjectOutput,
    mut file: tokio::fs::File,
) -> Option<StreamingBlob> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let metadata = file.metadata().await.ok()?;
    let modified = Timestamp::from(metadata.modified().ok()?);
    let length = u64::try_from(output.content_length?).ok()?;
    let (start, total) = match &output.content_range {
        None => (0, length),
        Some(range) => parse_content_range(range)?,
    };
    if total != metadata.len() || output.last_modified.as_ref() != Some(&modified) {
        return None;
    }
    file.seek(std::io::SeekFrom::Start(start)).await.ok()?;
    Some(StreamingBlob::wrap(
        tokio_util::io::ReaderStream::with_capacity(file.take(length), READ_CHUNK),
    ))
}

/// The first byte and the object's length in a `Content-Range` as s3s-fs
/// writes it: `bytes <first>-<last>/<length>`.
fn parse_content_range(range: &str) -> Option<(u64, u64)> {
    let (span, total) = range.strip_prefix("bytes ")?.split_once('/')?;
    let (first, _) = span.split_once('-')?;
    Some((first.parse().ok()?, total.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_chunked_is_not_stored_as_an_encoding() {
        assert_eq!(without_aws_chunked("aws-chunked"), None);
        assert_eq!(
            without_aws_chunked("aws-chunked, gzip"),
            Some("gzip".into())
        );
        assert_eq!(without_aws_chunked("gzip,aws-chunked"), Some("gzip".into()));
        assert_eq!(without_aws_chunked("gzip"), Some("gzip".into()));
        assert_eq!(without_aws_chunked(""), None);
    }

    #[test]
    fn content_ranges_give_their_first_byte_and_length() {
        assert_eq!(parse_content_range("bytes 0-99/1000"), Some((0, 1000)));
        assert_eq!(parse_content_range("bytes 900-999/1000"), Some((900, 1000)));
        assert_eq!(parse_content_range("bytes */1000"), None);
        assert_eq!(parse_content_range("items 0-9/10"), None);
    }
}
