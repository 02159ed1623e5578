//! Request and response bodies of the HTTP API (the v1 contract in
//! `DESIGN.md`). Field names are the wire names; the backend serialises these
//! types and the widget deserialises the same ones.

use crate::checksum::Sha256Checksum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `"ok"` when the server answers.
    pub status: String,
    pub storage: StorageKind,
    pub bucket: String,
}

/// Where the backend keeps objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// The S3 API the backend runs in-process on a loopback port.
    Embedded,
    /// A bucket on AWS S3 or an S3-compatible store.
    S3,
}

/// `POST /api/uploads`: what the browser wants to upload (the v1 body; the
/// backend reads it as part of an [`UploadRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUpload {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the whole file, bound into the signature when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Checksum>,
}

/// What the browser read of a video before uploading it (a `<video>`'s
/// `duration`, `videoWidth` and `videoHeight`), each fact optional. Checked
/// by [`crate::media::check_media`], bound into the upload's signature as
/// the video's S3 metadata, and answered with the video (`null` when
/// unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaInfo {
    /// Seconds.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Pixels.
    #[serde(default)]
    pub width: Option<u32>,
    /// Pixels.
    #[serde(default)]
    pub height: Option<u32>,
}

impl MediaInfo {
    /// Whether no fact is known.
    pub fn is_empty(&self) -> bool {
        *self == MediaInfo::default()
    }
}

/// The poster the browser will send beside its video, `"poster":
/// {"size": N}`: a JPEG of one frame, at most
/// [`crate::media::MAX_POSTER_SIZE`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PosterRequest {
    pub size: u64,
}

/// `POST /api/uploads` in full, as the backend reads it: the fields of
/// [`CreateUpload`] and, beside them on the wire, what the browser read of
/// the video and the poster it will send. All of these are optional, so a
/// v1 body is one:
/// `{"filename","content_type","size"[,"sha256"][,"duration"][,"width"][,"height"][,"poster":{"size"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadRequest {
    #[serde(flatten)]
    pub upload: CreateUpload,
    #[serde(flatten)]
    pub media: MediaInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<PosterRequest>,
}

impl From<CreateUpload> for UploadRequest {
    /// A v1 body: nothing read of the video, no poster.
    fn from(upload: CreateUpload) -> UploadRequest {
        UploadRequest {
            upload,
            media: MediaInfo::default(),
            poster: None,
        }
    }
}

/// `201` answer to `POST /api/uploads`, tagged by `"strategy"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "strategy", rename_all = "lowercase")]
pub enum UploadPlan {
    /// One presigned PUT of the whole file.
    Single(SingleUpload),
    /// A multipart upload: parts are presigned through `/api/uploads/{id}/parts`.
    Multipart(MultipartUpload),
}

/// One presigned PUT: send exactly `headers` (less those a browser sets itself,
/// such as `content-length`) with the whole file as the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SingleUpload {
    pub id: String,
    pub key: String,
    pub url: String,
    pub method: HttpMethod,
    /// Header names in lower case, as signed.
    pub headers: BTreeMap<String, String>,
    /// RFC 3339 time after which S3 refuses `url`.
    pub expires_at: String,
    /// Where to PUT the poster, when the request announced one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<PosterUpload>,
}

/// A presigned PUT of a video's poster, for the caller that planned the
/// upload only: send exactly `headers` (less `content-length`, which
/// browsers set themselves) with the JPEG of the announced size as the
/// body. It creates the poster or fails (`If-None-Match: *` is signed), so
/// a poster, once stored, is never replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PosterUpload {
    pub url: String,
    pub method: HttpMethod,
    /// Header names in lower case, as signed: `content-length`,
    /// `content-type: image/jpeg`, `if-none-match: *`.
    pub headers: BTreeMap<String, String>,
    /// RFC 3339 time after which S3 refuses `url`.
    pub expires_at: String,
}

/// The method of a presigned request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Put,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
        }
    }

    /// The method named `name`, in any case; `None` for any other method.
    pub fn from_name(name: &str) -> Option<HttpMethod> {
        [HttpMethod::Get, HttpMethod::Put]
            .into_iter()
            .find(|method| method.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A multipart upload S3 has started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MultipartUpload {
    pub id: String,
    pub key: String,
    pub upload_id: String,
    pub part_size: u64,
    pub part_count: u32,
    /// RFC 3339 time after which the server may abort the upload as
    /// abandoned (`--abandon-after` from its start).
    pub expires_at: String,
    /// Where to PUT the poster, when the request announced one (its URL
    /// expires sooner than the upload: send the poster first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<PosterUpload>,
    /// The upload's approved facts, sealed by the server (opaque to
    /// clients; valid until `expires_at`): sent back with each batch of
    /// parts and with the completion, it spares the server reading them
    /// from the store. Only the caller's credential grants anything; a
    /// handle the server cannot use is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

/// `POST /api/uploads/{id}/parts`: part numbers to presign, in one batch of at
/// most [`crate::parts::MAX_PARTS_PER_REQUEST`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignParts {
    pub upload_id: String,
    pub parts: Vec<PartToSign>,
    /// The plan's [`MultipartUpload::handle`], if the client has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

/// A part to presign; its `sha256` (base64, see [`crate::checksum`]) is bound
/// into the URL so the store refuses any other bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartToSign {
    pub part_number: u32,
    /// Required by the backend (`400 missing_checksum` without it): multipart
    /// uploads are created with SHA-256 checksums, and S3 then refuses any
    /// part sent without its `x-amz-checksum-sha256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Checksum>,
}

/// `200` answer to `POST /api/uploads/{id}/parts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedParts {
    pub parts: Vec<SignedPart>,
    pub expires_at: String,
}

/// One presigned `UploadPart`: PUT the part's bytes to `url` with `headers`
/// (less those a browser sets itself, such as `content-length`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedPart {
    pub part_number: u32,
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// `GET /api/uploads/{id}/parts?upload_id=…`: the parts the store already has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredParts {
    pub parts: Vec<StoredPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredPart {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
    /// The checksum the store verified for this part, when it was sent with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Checksum>,
}

/// The query of the routes that name a multipart upload in progress
/// (`GET /api/uploads/{id}/parts`, `DELETE /api/uploads/{id}`): `?upload_id=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UploadQuery {
    pub upload_id: String,
}

/// `POST /api/uploads/{id}/complete`. Without `upload_id` it confirms a single
/// PUT; with it, it completes the multipart upload from `parts`. Answers the
/// [`Video`]; repeating it after success answers the same video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteUpload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    #[serde(default)]
    pub parts: Vec<CompletedPart>,
    /// The plan's [`MultipartUpload::handle`], if the client has it. With
    /// it, the server does not read the upload's manifest, and the
    /// answer's `poster_url` is that of the poster the plan announced,
    /// taken as sent without a check: a client whose poster PUT failed
    /// should not show it (or should leave `handle` out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
    /// The part's SHA-256 as sent with it; when left out, the backend takes
    /// the one the store reports for the part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Checksum>,
}

/// One video, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoSummary {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// RFC 3339 time the object was stored.
    pub uploaded_at: String,
}

/// One video as `GET /api/videos` lists it, in full: the fields of
/// [`VideoSummary`] and, beside them, what the browser read of it at upload
/// (`null` when unknown) and `poster_url`, a presigned GET of its poster
/// signed as [`VideoDetails::url`] is (`null` when it has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedVideo {
    #[serde(flatten)]
    pub summary: VideoSummary,
    #[serde(flatten)]
    pub media: MediaInfo,
    pub poster_url: Option<String>,
}

/// `GET /api/videos`: one page of the videos the caller may see, newest
/// first (the v1 fields; [`VideoPage`] reads the whole answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoList {
    pub videos: Vec<VideoSummary>,
    /// Pass as `?cursor=` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /api/videos` in full: one page of [`ListedVideo`]s, newest first.
/// A page may hold fewer than `?limit=` videos and still have a next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoPage {
    pub videos: Vec<ListedVideo>,
    /// Pass as `?cursor=` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /api/videos`: `?limit=` (1 to 1000, default 100) and the
/// `cursor` of the previous page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct VideoListQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `POST /api/tokens` (with an API key): what an upload token allows. Only
/// `prefix` is required; the rest default to the server's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The key prefix (a user or tenant) its uploads go under and whose
    /// videos it may read: `""`, or segments ending in `/` (`"users/42/"`).
    pub prefix: String,
    /// The largest upload, in bytes (default and cap: the server's
    /// `--max-size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// The video content types it may upload (default: any the server takes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_types: Option<Vec<String>>,
    /// How many uploads it may start (default: no limit of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uploads: Option<u32>,
    /// Seconds it lives (default one hour; at most `--max-token-lifetime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

/// `201` answer to `POST /api/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339 time after which it is refused.
    pub expires_at: String,
}

/// `GET /api/videos/{id}` (and the answer to a completed upload): the video
/// with a presigned GET to play it from S3 (the v1 fields; [`VideoDetails`]
/// reads the whole answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Video {
    #[serde(flatten)]
    pub summary: VideoSummary,
    pub url: String,
    pub expires_at: String,
}

/// `GET /api/videos/{id}` (and the answer to a completed upload) in full: the
/// video as listed ([`ListedVideo`]: with what was read of it and its
/// `poster_url`) and a presigned GET `url` that plays it from S3.
///
/// Playback URLs (`url`, `poster_url`) are signed from the start of a time
/// window of half `--presign-expiry`, so the same video asked for twice in a
/// window gets byte-identical URLs and the browser's cache serves it again.
/// Both stop working at `expires_at`, at least half the expiry ahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoDetails {
    #[serde(flatten)]
    pub listed: ListedVideo,
    pub url: String,
    pub expires_at: String,
}

/// The body of every error answer: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable machine code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

/// Query of `GET /presign/{*key}`, the protocol of the AWS SDK for Go's
/// presigned-URL example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PresignQuery {
    /// `GET` or `PUT`.
    pub method: Option<String>,
    /// For `PUT`: the exact body length, bound into the signature.
    #[serde(rename = "contentLength")]
    pub content_length: Option<u64>,
}

/// Answer of `GET /presign/{*key}`: Go's `PresignResp` (`http.Header` is a map
/// of canonical names to lists of values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresignResponse {
    #[serde(rename = "Method")]
    pub method: String,
    #[serde(rename = "URL")]
    pub url: String,
    #[serde(rename = "Header")]
    pub header: BTreeMap<String, Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_single_plan_is_tagged_with_its_strategy() {
        let plan = UploadPlan::Single(SingleUpload {
            id: "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG".into(),
            key: "videos/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.webm".into(),
            url: "http://s3/x".into(),
            method: HttpMethod::Put,
            headers: BTreeMap::from([("content-type".into(), "video/webm".into())]),
            expires_at: "2026-11-23T16:00:00Z".into(),
            poster: None,
        });
        let value = serde_json::to_value(&plan).unwrap();
        assert_eq!(value["strategy"], "single");
        assert_eq!(value["method"], "PUT");
        assert_eq!(value["headers"]["content-type"], "video/webm");
        assert_eq!(serde_json::from_value::<UploadPlan>(value).unwrap(), plan);
    }

    #[test]
    fn a_multipart_plan_reads_from_the_wire() {
        let value = json!({"strategy":"multipart","id":"I","key":"K","upload_id":"U",
            "part_size":8388608,"part_count":3,"expires_at":"T"});
        let UploadPlan::Multipart(plan) = serde_json::from_value(value).unwrap() else {
            panic!("not multipart")
        };
        assert_eq!((plan.part_size, plan.part_count), (8_388_608, 3));
    }

    #[test]
    fn a_video_is_its_summary_plus_a_url() {
        let video = Video {
            summary: VideoSummary {
                id: "I".into(),
                filename: "a.webm".into(),
                content_type: "video/webm".into(),
                size: 3,
                uploaded_at: "T".into(),
            },
            url: "http://s3/a".into(),
            expires_at: "T2".into(),
        };
        let value = serde_json::to_value(&video).unwrap();
        assert_eq!(value["filename"], "a.webm");
        assert_eq!(value["url"], "http://s3/a");
        assert_eq!(serde_json::from_value::<Video>(value).unwrap(), video);
    }

    #[test]
    fn errors_and_presign_answers_use_the_contract_names() {
        let error = serde_json::to_value(ErrorBody::new("too_large", "Too big.")).unwrap();
        assert_eq!(
            error,
            json!({"error":{"code":"too_large","message":"Too big."}})
        );

        let presign = PresignResponse {
            method: "PUT".into(),
            url: "http://s3/k".into(),
            header: BTreeMap::from([("Content-Length".into(), vec!["1024".into()])]),
        };
        assert_eq!(
            serde_json::to_value(&presign).unwrap(),
            json!({"Method":"PUT","URL":"http://s3/k","Header":{"Content-Length":["1024"]}})
        );
        let query: PresignQuery =
            serde_json::from_value(json!({"method":"PUT","contentLength":1024})).unwrap();
        assert_eq!(query.content_length, Some(1024));
    }

    #[test]
    fn multipart_bodies_use_the_contract_names() {
        const SUM: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let sign: SignParts = serde_json::from_value(
            json!({"upload_id":"U","parts":[{"part_number":1,"sha256":SUM},{"part_number":2}]}),
        )
        .unwrap();
        assert_eq!(sign.parts[0].sha256.as_ref().map(|s| s.as_str()), Some(SUM));
        assert!(
            serde_json::from_value::<SignParts>(
                json!({"upload_id":"U","parts":[{"part_number":1,"sha256":"S"}]})
            )
            .is_err(),
            "a malformed checksum fails as the JSON is read"
        );
        assert_eq!(sign.parts[1].sha256, None);
        let complete: CompleteUpload =
            serde_json::from_value(json!({"parts":[{"part_number":1,"etag":"\"e\""}]})).unwrap();
        assert_eq!(complete.upload_id, None);
        assert_eq!(complete.parts[0].etag, "\"e\"");
        // The handle is optional both ways, and left out when absent.
        assert_eq!((&sign.handle, &complete.handle), (&None, &None));
        assert!(
            serde_json::to_value(&complete)
                .unwrap()
                .get("handle")
                .is_none()
        );
        let sign: SignParts =
            serde_json::from_value(json!({"upload_id":"U","parts":[],"handle":"h.m"})).unwrap();
        assert_eq!(sign.handle.as_deref(), Some("h.m"));
        let stored = StoredParts {
            parts: vec![StoredPart {
                part_number: 3,
                etag: "E".into(),
                size: 5,
                sha256: None,
            }],
        };
        assert_eq!(
            serde_json::to_value(&stored).unwrap(),
            json!({"parts":[{"part_number":3,"etag":"E","size":5}]})
        );
    }

    #[test]
    fn methods_are_upper_case_on_the_wire() {
        assert_eq!(serde_json::to_value(HttpMethod::Put).unwrap(), json!("PUT"));
        assert_eq!(HttpMethod::from_name("get"), Some(HttpMethod::Get));
        assert_eq!(HttpMethod::from_name("DELETE"), None);
        assert!(serde_json::from_value::<HttpMethod>(json!("POST")).is_err());
    }

    #[test]
    fn an_upload_request_is_the_v1_body_with_optional_facts_beside_it() {
        let v1 = json!({"filename":"a.webm","content_type":"video/webm","size":10});
        let request: UploadRequest = serde_json::from_value(v1).unwrap();
        assert_eq!(request.upload.size, 10);
        assert!(request.media.is_empty());
        assert_eq!(request.poster, None);

        let full = json!({"filename":"a.webm","content_type":"video/webm","size":10,
            "sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "duration":12.5,"width":1280,"height":720,"poster":{"size":3000}});
        let request: UploadRequest = serde_json::from_value(full.clone()).unwrap();
        assert_eq!(
            request.media,
            MediaInfo {
                duration: Some(12.5),
                width: Some(1280),
                height: Some(720)
            }
        );
        assert_eq!(request.poster, Some(PosterRequest { size: 3000 }));
        assert!(request.upload.sha256.is_some());
        assert_eq!(serde_json::to_value(&request).unwrap(), full);

        let duration_only: UploadRequest = serde_json::from_value(
            json!({"filename":"a","content_type":"video/mp4","size":1,"duration":3}),
        )
        .unwrap();
        assert_eq!(duration_only.media.duration, Some(3.0));
        assert_eq!(duration_only.media.width, None);

        // A malformed checksum still fails with its own sentence, which the
        // backend recognises.
        let err = serde_json::from_value::<UploadRequest>(
            json!({"filename":"a","content_type":"video/mp4","size":1,"sha256":"x"}),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains(crate::checksum::InvalidChecksum::MESSAGE),
            "{err}"
        );
        for wrong in [
            json!({"filename":"a","content_type":"video/mp4","size":1,"width":-1}),
            json!({"filename":"a","content_type":"video/mp4","size":1,"duration":"long"}),
            json!({"filename":"a","content_type":"video/mp4","size":1,"poster":{}}),
        ] {
            assert!(
                serde_json::from_value::<UploadRequest>(wrong.clone()).is_err(),
                "{wrong}"
            );
        }
        let twice = r#"{"filename":"a","content_type":"video/mp4","size":1,"size":2}"#;
        assert!(serde_json::from_str::<UploadRequest>(twice).is_err());
    }

    #[test]
    fn plans_name_the_poster_put_only_when_one_was_announced() {
        let poster = PosterUpload {
            url: "http://s3/p".into(),
            method: HttpMethod::Put,
            headers: BTreeMap::from([("content-type".into(), "image/jpeg".into())]),
            expires_at: "T".into(),
        };
        let value = json!({"strategy":"multipart","id":"I","key":"K","upload_id":"U",
            "part_size":8388608,"part_count":3,"expires_at":"T"});
        let UploadPlan::Multipart(mut plan) = serde_json::from_value(value.clone()).unwrap() else {
            panic!("not multipart")
        };
        assert_eq!(plan.poster, None);
        assert_eq!(
            serde_json::to_value(UploadPlan::Multipart(plan.clone())).unwrap(),
            value
        );
        plan.poster = Some(poster);
        let value = serde_json::to_value(UploadPlan::Multipart(plan)).unwrap();
        assert_eq!(
            value["poster"],
            json!({"url":"http://s3/p","method":"PUT",
                "headers":{"content-type":"image/jpeg"},"expires_at":"T"})
        );
    }

    #[test]
    fn videos_answer_their_facts_and_poster_and_read_as_v1_videos() {
        let listed = ListedVideo {
            summary: VideoSummary {
                id: "I".into(),
                filename: "a.webm".into(),
                content_type: "video/webm".into(),
                size: 3,
                uploaded_at: "T".into(),
            },
            media: MediaInfo {
                duration: Some(1.5),
                width: None,
                height: None,
            },
            poster_url: None,
        };
        let page = VideoPage {
            videos: vec![listed.clone()],
            next_cursor: None,
        };
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            json!({"videos":[{"id":"I","filename":"a.webm","content_type":"video/webm",
                "size":3,"uploaded_at":"T","duration":1.5,"width":null,"height":null,
                "poster_url":null}]})
        );
        let v1: VideoList = serde_json::from_value(serde_json::to_value(&page).unwrap()).unwrap();
        assert_eq!(v1.videos[0], listed.summary);

        let details = VideoDetails {
            listed: ListedVideo {
                poster_url: Some("http://s3/p".into()),
                ..listed
            },
            url: "http://s3/a".into(),
            expires_at: "T2".into(),
        };
        let value = serde_json::to_value(&details).unwrap();
        assert_eq!(value["poster_url"], "http://s3/p");
        assert_eq!(value["duration"], 1.5);
        assert_eq!(value["width"], Value::Null);
        assert_eq!(value["url"], "http://s3/a");
        assert_eq!(
            serde_json::from_value::<VideoDetails>(value.clone()).unwrap(),
            details
        );
        let v1: Video = serde_json::from_value(value).unwrap();
        assert_eq!(v1.url, "http://s3/a");
        assert_eq!(v1.summary.filename, "a.webm");
    }

    #[test]
    fn create_upload_omits_an_absent_checksum() {
        let body = CreateUpload {
            filename: "a.webm".into(),
            content_type: "video/webm".into(),
            size: 1,
            sha256: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"filename":"a.webm","content_type":"video/webm","size":1})
        );
    }
}
