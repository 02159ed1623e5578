//! The multipart operations of [`CheckedStore`]. s3s-fs 0.14.1 keeps an
//! upload's parts as files and completes them into the object; this adds:
//! - CreateMultipartUpload refuses a key the store cannot hold (as
//!   PutObject does) and keeps the upload's checksum algorithm.
//! - UploadPart takes a part with any checksum S3 knows (header or trailer)
//!   when the upload was created without an algorithm, as AWS does, and
//!   only the upload's algorithm otherwise (`400 InvalidRequest`); it checks
//!   the checksum and `Content-MD5` before the part is committed (`400
//!   BadDigest`) and keeps the checksum and the ETag.
//! - UploadPart, ListParts, CompleteMultipartUpload and
//!   AbortMultipartUpload answer `404 NoSuchUpload` for an upload that is
//!   not in progress on that key (s3s-fs: `403 AccessDenied`, or for
//!   ListParts an empty list), and work on uploads started before a restart
//!   (s3s-fs ties an upload to the access key that created it, and the
//!   store draws new keys at each start).
//! - CompleteMultipartUpload is the store's own (`uploads/join.rs`), not
//!   s3s-fs's (which checks no ETag, checksum, order or size, forgets the
//!   upload before it copies a byte, then reads and hashes every part
//!   again). Every part's ETag (and checksum), order and size, the key's
//!   place and `If-None-Match` / `If-Match` are checked first: a wrong one
//!   answers `400 InvalidPart` / `InvalidPartOrder` / `EntityTooSmall` /
//!   `InvalidRequest` / `412 PreconditionFailed` and the upload stays as it
//!   was, so the client can retry. The kernel then joins the parts
//!   (`copy_file_range`) and the ETag is made from the parts' recorded
//!   ETags. With an algorithm, each part must repeat its checksum and the
//!   object answers S3's composite checksum (`<checksum of checksums>-<n>`),
//!   at completion and on reads; without one, part checksums may be
//!   repeated or not, and the object has no checksum. Completions of one
//!   upload run one at a time.
//! - ListParts answers each part's ETag and checksum, sorted, paginated by
//!   `max-parts` and `part-number-marker`.
//! - ListMultipartUploads (s3s-fs has none), from s3s-fs's upload files:
//!   prefix, `key-marker` / `upload-id-marker`, `max-uploads`, and the start
//!   time of each upload as `Initiated`.
//!
//! One known difference from AWS: the store completes only parts numbered 1,
//! 2, 3, … without gaps (AWS allows gaps); a list with gaps answers
//! `501 NotImplemented` here, before anything changes.

use super::body::CheckedBody;
use super::checksum::{Algorithm, Expected};
use super::layout;
use super::uploads::join::multipart_etag;
use super::uploads::{PartRecord, Upload};
use super::{CheckedStore, checksum_field, content_md5, declared, internal, refuse_copy_source};
use s3s::auth::Credentials;
use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};
use vidrop_shared::limits::{MAX_PARTS, MIN_PART_SIZE};

/// The most parts or uploads one listing answers (S3's default and maximum).
const MAX_LISTED: usize = 1000;

/// AWS's message for a part that is not there or whose ETag differs.
const INVALID_PART: &str = "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.";

impl CheckedStore {
    pub(super) async fn checked_create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let input = &req.input;
        let algorithm = match &input.checksum_algorithm {
            Some(name) => Some(Algorithm::from_name(name.as_str()).ok_or_else(|| {
                s3_error!(
                    InvalidArgument,
                    "Value for x-amz-checksum-algorithm header is invalid."
                )
            })?),
            None => None,
        };
        if input
            .checksum_type
            .as_ref()
            .is_some_and(|ty| ty.as_str() == ChecksumType::FULL_OBJECT)
        {
            return Err(s3_error!(
                NotImplemented,
                "The embedded store keeps COMPOSITE multipart checksums only."
            ));
        }
        self.check_writable(&input.bucket, &input.key).await?;
        let (bucket, key) = (input.bucket.clone(), input.key.clone());

        let mut response = self.inner.create_multipart_upload(req).await?;
        let upload_id = response
            .output
            .upload_id
            .clone()
            .ok_or_else(|| s3_error!(InternalError, "s3s-fs named no upload id"))?;
        self.uploads
            .record_upload(&upload_id, &bucket, &key, algorithm.map(Algorithm::name))
            .await
            .map_err(internal)?;
        if let Some(algorithm) = algorithm {
            response.output.checksum_algorithm = Some(algorithm.to_s3());
            response.output.checksum_type =
                Some(ChecksumType::from_static(ChecksumType::COMPOSITE));
        }
        Ok(response)
    }

    pub(super) async fn checked_upload_part(
        &self,
        mut req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        refuse_copy_source(&req.headers)?;
        let input = &req.input;
        let upload = self
            .upload_of(
                &input.bucket,
                &input.key,
                &input.upload_id,
                req.credentials.as_ref(),
            )
            .await?;
        let number = input.part_number;
        if !(1..=MAX_PARTS).contains(&u64::try_from(number).unwrap_or(0)) {
            return Err(s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive"
            ));
        }
        let expected = Expected::of_request(
            declared!(input),
            &req.headers,
            req.trailing_headers.as_ref(),
        )?;
        let md5 = content_md5(input.content_md5.as_deref())?;
        // An upload created with an algorithm takes parts with that checksum
        // only; one created without takes any (AWS SDKs add a CRC32 to every
        // part by default).
        if let Some(wanted) = upload_algorithm(&upload) {
            let given = expected.as_ref().map(|e| e.algorithm);
            if given != Some(wanted) {
                return Err(s3_error!(
                    InvalidRequest,
                    "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                    wanted.name().to_ascii_lowercase(),
                    given.map_or("null".to_owned(), |a| a.name().to_ascii_lowercase())
                ));
            }
        }

        let outcome = CheckedBody::wrap(&mut req.input.body, expected, md5, None);
        let upload_id = upload.upload_id.clone();
        let mut response = self
            .inner
            .upload_part(req)
            .await
            .map_err(|err| outcome.explain().unwrap_or(err))?;
        let etag = response
            .output
            .e_tag
            .as_ref()
            .map(|etag| etag.value().to_owned())
            .ok_or_else(|| s3_error!(InternalError, "s3s-fs gave the part no ETag"))?;
        let verified = outcome.verified();
        let record = PartRecord {
            etag,
            checksum: verified.as_ref().map(|(_, value)| value.clone()),
            checksum_algorithm: verified
                .as_ref()
                .map(|(algorithm, _)| algorithm.name().to_owned()),
        };
        self.uploads
            .record_part(&upload_id, number, &record)
            .await
            .map_err(internal)?;
        if let Some((algorithm, value)) = verified {
            *checksum_field!(&mut response.output, algorithm) = Some(value);
        }
        Ok(response)
    }

    pub(super) async fn checked_list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let input = req.input;
        let upload = self
            .upload_of(
                &input.bucket,
                &input.key,
                &input.upload_id,
                req.credentials.as_ref(),
            )
            .await?;
        let algorithm = upload_algorithm(&upload);
        let max_parts = page_size(input.max_parts);
        let marker = input.part_number_marker.unwrap_or(0);

        let mut after: Vec<_> = self
            .uploads
            .parts(&upload.upload_id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|part| part.number > marker)
            .collect();
        let is_truncated = after.len() > max_parts;
        after.truncate(max_parts);
        let next_part_number_marker = after.last().map(|part| part.number);
        let parts = after
            .into_iter()
            .map(|stored| {
                let mut part = Part {
                    e_tag: Some(ETag::Strong(stored.etag.clone())),
                    last_modified: Some(Timestamp::from(stored.last_modified)),
                    part_number: Some(stored.number),
                    size: i64::try_from(stored.size).ok(),
                    ..Default::default()
                };
                if let Some((algorithm, value)) = stored.checksum(algorithm) {
                    *checksum_field!(&mut part, algorithm) = Some(value.to_owned());
                }
                part
            })
            .collect();

        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(upload.upload_id),
            checksum_algorithm: algorithm.map(Algorithm::to_s3),
            checksum_type: algorithm.map(|_| ChecksumType::from_static(ChecksumType::COMPOSITE)),
            max_parts: i32::try_from(max_parts).ok(),
            part_number_marker: input.part_number_marker,
            next_part_number_marker,
            is_truncated: Some(is_truncated),
            parts: Some(parts),
            storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
            ..Default::default()
        }))
    }

    pub(super) async fn checked_complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let _completing = self.completions.hold(req.input.upload_id.clone()).await;
        let _writing = self.hold_key(&req.input.bucket, &req.input.key).await;
        self.complete_one_at_a_time(req).await
    }

    async fn complete_one_at_a_time(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = &req.input;
        let upload = self
            .upload_of(
                &input.bucket,
                &input.key,
                &input.upload_id,
                req.credentials.as_ref(),
            )
            .await?;
        let algorithm = upload_algorithm(&upload);
        let parts = input
            .multipart_upload
            .as_ref()
            .and_then(|upload| upload.parts.as_deref())
            .filter(|parts| !parts.is_empty())
            .ok_or_else(|| {
                s3_error!(
                    MalformedXML,
                    "The XML you provided was not well-formed or did not validate against our published schema."
                )
            })?;

        let mut previous = 0;
        let mut part_checksums = Vec::with_capacity(parts.len());
        let mut stored_parts = Vec::with_capacity(parts.len());
        for (index, part) in parts.iter().enumerate() {
            let number = part
                .part_number
                .ok_or_else(|| s3_error!(InvalidPart, "{INVALID_PART}"))?;
            if number <= previous {
                return Err(s3_error!(
                    InvalidPartOrder,
                    "The list of parts was not in ascending order. The parts list must be specified in order by part number."
                ));
            }
            previous = number;
            let stored = self
                .uploads
                .part(&upload.upload_id, number)
                .await
                .map_err(internal)?
                .ok_or_else(|| s3_error!(InvalidPart, "{INVALID_PART}"))?;
            if part.e_tag.as_ref().map(ETag::value) != Some(stored.etag.as_str()) {
                return Err(s3_error!(InvalidPart, "{INVALID_PART}"));
            }
            let stored_checksum = stored.checksum(algorithm);
            match algorithm {
                Some(algorithm) => {
                    let Some(given) = checksum_field!(&part, algorithm).clone() else {
                        return Err(s3_error!(
                            InvalidRequest,
                            "The upload was created using a {} checksum. The complete request must include the checksum for each part. It was missing for part {number} in the request.",
                            algorithm.name().to_ascii_lowercase()
                        ));
                    };
                    if Some(given.as_str()) != stored_checksum.map(|(_, value)| value) {
                        return Err(s3_error!(InvalidPart, "{INVALID_PART}"));
                    }
                    part_checksums.push(given);
                }
                // Without an algorithm, a part's checksum may be repeated
                // (some SDKs echo what UploadPart answered) or not; one
                // repeated must be the part's.
                None => {
                    if let Some((algorithm, value)) = stored_checksum
                        && checksum_field!(&part, algorithm)
                            .as_deref()
                            .is_some_and(|given| given != value)
                    {
                        return Err(s3_error!(InvalidPart, "{INVALID_PART}"));
                    }
                }
            }
            if index + 1 < parts.len() && stored.size < MIN_PART_SIZE {
                return Err(s3_error!(
                    EntityTooSmall,
                    "Your proposed upload is smaller than the minimum allowed object size."
                ));
            }
            if usize::try_from(number).ok() != Some(index + 1) {
                return Err(s3_error!(
                    NotImplemented,
                    "The embedded store completes only parts numbered 1, 2, 3, … without gaps."
                ));
            }
            stored_parts.push(stored);
        }
        // What is stored may have changed since the upload was created (an
        // object `a` beside an upload to `a/b`).
        self.check_writable(&input.bucket, &input.key).await?;
        let composite = algorithm.and_then(|algorithm| {
            algorithm
                .composite(&part_checksums)
                .map(|sum| (algorithm, sum))
        });

        self.check_conditions(&input.bucket, &input.key, input)
            .await?;
        let etag = multipart_etag(stored_parts.iter().map(|part| part.etag.as_str()))
            .ok_or_else(|| s3_error!(InternalError, "a part's recorded ETag is not an MD5"))?;
        let object = layout::object_path(&self.bucket_dir(&input.bucket), &input.key);
        let checksum = composite
            .as_ref()
            .map(|(algorithm, sum)| (*algorithm, sum.as_str()));
        self.uploads
            .complete(&upload, &stored_parts, &object, &etag, checksum)
            .await
            .map_err(internal)?;

        let mut output = CompleteMultipartUploadOutput {
            bucket: Some(input.bucket.clone()),
            key: Some(input.key.clone()),
            e_tag: Some(ETag::Strong(etag)),
            ..Default::default()
        };
        if let Some((algorithm, sum)) = composite {
            *checksum_field!(&mut output, algorithm) = Some(sum);
            output.checksum_type = Some(ChecksumType::from_static(ChecksumType::COMPOSITE));
        }
        Ok(S3Response::new(output))
    }

    /// A completion's `If-None-Match: *` (no object may be there) and
    /// `If-Match` (the object there, or the one with that ETag, must be):
    /// `412 PreconditionFailed` otherwise. Checked under the key's lock.
    async fn check_conditions(
        &self,
        bucket: &str,
        key: &str,
        input: &CompleteMultipartUploadInput,
    ) -> S3Result<()> {
        let failed = || {
            s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            )
        };
        if input
            .if_none_match
            .as_ref()
            .is_some_and(ETagCondition::is_any)
            && self.is_object(bucket, key).await?
        {
            return Err(failed());
        }
        if let Some(condition) = &input.if_match {
            if !self.is_object(bucket, key).await? {
                return Err(failed());
            }
            if let Some(wanted) = condition.as_etag() {
                let current = self
                    .uploads
                    .object_etag(bucket, key)
                    .await
                    .map_err(internal)?;
                if current.as_deref() != Some(wanted.value()) {
                    return Err(failed());
                }
            }
        }
        Ok(())
    }

    pub(super) async fn checked_abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = &req.input;
        self.upload_of(
            &input.bucket,
            &input.key,
            &input.upload_id,
            req.credentials.as_ref(),
        )
        .await?;
        self.inner.abort_multipart_upload(req).await
    }

    pub(super) async fn checked_list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let input = req.input;
        if !self.uploads.bucket_exists(&input.bucket).await {
            return Err(S3Error::new(S3ErrorCode::NoSuchBucket));
        }
        if input.delimiter.as_ref().is_some_and(|d| !d.is_empty()) {
            return Err(s3_error!(
                NotImplemented,
                "The embedded store lists multipart uploads without a delimiter only."
            ));
        }
        let prefix = input.prefix.clone().unwrap_or_default();
        let max_uploads = page_size(input.max_uploads);

        let mut uploads: Vec<Upload> = self
            .uploads
            .all()
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|upload| upload.bucket == input.bucket && upload.key.starts_with(&prefix))
            .collect();
        // S3's order: by key, then by start time.
        uploads.sort_by(|a, b| {
            (&a.key, a.initiated, &a.upload_id).cmp(&(&b.key, b.initiated, &b.upload_id))
        });
        let start = first_after_markers(
            &uploads,
            input.key_marker.as_deref(),
            input.upload_id_marker.as_deref(),
        );
        let mut page: Vec<Upload> = uploads.into_iter().skip(start).collect();
        let is_truncated = page.len() > max_uploads;
        page.truncate(max_uploads);
        let (next_key_marker, next_upload_id_marker) = match page.last() {
            Some(last) if is_truncated => (Some(last.key.clone()), Some(last.upload_id.clone())),
            _ => (None, None),
        };
        let listed = page
            .into_iter()
            .map(|upload| {
                let algorithm = upload_algorithm(&upload);
                MultipartUpload {
                    checksum_type: algorithm
                        .map(|_| ChecksumType::from_static(ChecksumType::COMPOSITE)),
                    checksum_algorithm: algorithm.map(Algorithm::to_s3),
                    initiated: Some(Timestamp::from(upload.initiated)),
                    key: Some(upload.key),
                    upload_id: Some(upload.upload_id),
                    storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
                    ..Default::default()
                }
            })
            .collect();

        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: input.prefix,
            key_marker: input.key_marker,
            upload_id_marker: input.upload_id_marker,
            max_uploads: i32::try_from(max_uploads).ok(),
            is_truncated: Some(is_truncated),
            next_key_marker,
            next_upload_id_marker,
            uploads: Some(listed),
            ..Default::default()
        }))
    }

    /// The upload in progress with this id on this bucket and key, or S3's
    /// `NoSuchUpload`; adopted by the caller's access key (the store has one
    /// user, whose key changes at each start).
    async fn upload_of(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        credentials: Option<&Credentials>,
    ) -> S3Result<Upload> {
        match self.uploads.find(upload_id).await.map_err(internal)? {
            Some(upload) if upload.bucket == bucket && upload.key == key => {
                let access_key = credentials.map(|c| c.access_key.as_str());
                self.uploads
                    .adopt(upload_id, access_key)
                    .await
                    .map_err(internal)?;
                Ok(upload)
            }
            _ => Err(no_such_upload()),
        }
    }
}

/// The checksum algorithm the upload was created with.
fn upload_algorithm(upload: &Upload) -> Option<Algorithm> {
    upload
        .checksum_algorithm
        .as_deref()
        .and_then(Algorithm::from_name)
}

/// A listing's page size: what was asked, between 1 and [`MAX_LISTED`].
fn page_size(asked: Option<i32>) -> usize {
    asked
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(MAX_LISTED)
        .clamp(1, MAX_LISTED)
}

/// Where a listing of `uploads` (sorted as S3 sorts them) resumes: after the
/// upload named by both markers, or else at the first key after `key_marker`.
fn first_after_markers(
    uploads: &[Upload],
    key_marker: Option<&str>,
    upload_id_marker: Option<&str>,
) -> usize {
    let Some(key_marker) = key_marker.filter(|marker| !marker.is_empty()) else {
        return 0;
    };
    let after_key = || {
        uploads
            .iter()
            .position(|upload| upload.key.as_str() > key_marker)
            .unwrap_or(uploads.len())
    };
    match upload_id_marker.filter(|marker| !marker.is_empty()) {
        Some(upload_id_marker) => uploads
            .iter()
            .position(|upload| upload.key == key_marker && upload.upload_id == upload_id_marker)
            .map_or_else(after_key, |found| found + 1),
        None => after_key(),
    }
}

/// S3's answer for an upload that is not in progress.
fn no_such_upload() -> S3Error {
    s3_error!(
        NoSuchUpload,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn upload(key: &str, id: &str, secs: u64) -> Upload {
        Upload {
            upload_id: id.into(),
            bucket: "b".into(),
            key: key.into(),
            checksum_algorithm: None,
            initiated: UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    #[test]
    fn listings_resume_after_their_markers() {
        let uploads = [
            upload("a", "1", 1),
            upload("b", "2", 1),
            upload("b", "3", 2),
        ];
        assert_eq!(first_after_markers(&uploads, None, None), 0);
        assert_eq!(first_after_markers(&uploads, Some("a"), None), 1);
        assert_eq!(first_after_markers(&uploads, Some("b"), Some("2")), 2);
        assert_eq!(first_after_markers(&uploads, Some("b"), Some("3")), 3);
        assert_eq!(first_after_markers(&uploads, Some("b"), Some("gone")), 3);
        assert_eq!(first_after_markers(&uploads, Some("0"), None), 0);
    }

    #[test]
    fn page_sizes_stay_within_s3s_limits() {
        assert_eq!(page_size(None), 1000);
        assert_eq!(page_size(Some(2)), 2);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(-5)), 1000);
        assert_eq!(page_size(Some(5000)), 1000);
    }
}
