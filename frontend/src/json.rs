//! JSON in and out of the widget through the browser's own `JSON.parse` and
//! `JSON.stringify` and plain JavaScript objects, not `serde_json`.
//!
//! The wire types are `vidrop-shared`'s, which the backend (de)serialises
//! with serde. In the widget serde's generated code, `serde_json` and the
//! buffering that `flatten` and internally tagged enums need came to 107 KB
//! of the wasm (a fifth of it, measured with `twiggy` on an unstripped
//! build), for a dozen small bodies the browser parses natively anyway. So
//! [`FromJson`] reads each type the widget receives field by field from a
//! parsed object, and [`Written`] builds each body it sends; both keep the
//! wire names and the `Option` rules of the serde attributes in
//! `vidrop_shared::api` (an absent field and `null` both read as `None`; a
//! field serde skips when `None` is left out, one it does not is `null`).
//! The wasm tests in this file check every type against `serde_json`.

use js_sys::{Array, JSON, Object, Reflect};
use std::collections::BTreeMap;
use vidrop_shared::api::{
    CompleteUpload, ErrorBody, ErrorDetail, HttpMethod, ListedVideo, MediaInfo, MultipartUpload,
    PosterUpload, SignParts, SignedPart, SignedParts, SingleUpload, StoredPart, StoredParts,
    UploadPlan, UploadRequest, VideoDetails, VideoPage, VideoSummary,
};
use vidrop_shared::checksum::Sha256Checksum;
use wasm_bindgen::{JsCast, JsValue};

/// Why a body could not be read as the type asked for: what people read
/// after "The Vidrop server sent an answer this page does not understand".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

type Read<T> = Result<T, Unreadable>;

/// A type read from a parsed JSON object.
pub trait FromJson: Sized {
    fn read(fields: &Fields) -> Read<Self>;

    /// `text` parsed as this type.
    fn from_json(text: &str) -> Read<Self> {
        Self::read(&Fields::parse(text)?)
    }
}

/// One parsed JSON object, read a field at a time.
pub struct Fields(JsValue);

impl Fields {
    /// `text` as a JSON object.
    pub fn parse(text: &str) -> Read<Fields> {
        let value = JSON::parse(text).map_err(|_| Unreadable("not JSON".into()))?;
        Fields::of(value, "the answer")
    }

    fn of(value: JsValue, what: &str) -> Read<Fields> {
        if value.is_object() && !Array::is_array(&value) {
            Ok(Fields(value))
        } else {
            Err(Unreadable(format!("{what} is not an object")))
        }
    }

    /// The field's value; `None` when absent or `null`.
    fn get(&self, name: &str) -> Option<JsValue> {
        Reflect::get(&self.0, &JsValue::from_str(name))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }

    fn wrong(name: &str, expected: &str) -> Unreadable {
        Unreadable(format!("`{name}` is missing or not {expected}"))
    }

    pub fn string(&self, name: &str) -> Read<String> {
        self.opt_string(name)?
            .ok_or_else(|| Fields::wrong(name, "a string"))
    }

    pub fn opt_string(&self, name: &str) -> Read<Option<String>> {
        self.get(name)
            .map(|value| {
                value
                    .as_string()
                    .ok_or_else(|| Fields::wrong(name, "a string"))
            })
            .transpose()
    }

    pub fn opt_number(&self, name: &str) -> Read<Option<f64>> {
        self.get(name)
            .map(|value| {
                value
                    .as_f64()
                    .ok_or_else(|| Fields::wrong(name, "a number"))
            })
            .transpose()
    }

    /// A whole number that fits `T` (`u32`, `u64`, `i64`).
    pub fn opt_integer<T: TryFrom<i64>>(&self, name: &str) -> Read<Option<T>> {
        self.opt_number(name)?
            .map(|n| {
                // Beyond 2^53 a JavaScript number is no longer exact.
                let exact = n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0;
                exact
                    .then_some(n as i64)
                    .and_then(|n| T::try_from(n).ok())
                    .ok_or_else(|| Fields::wrong(name, "a whole number in range"))
            })
            .transpose()
    }

    pub fn integer<T: TryFrom<i64>>(&self, name: &str) -> Read<T> {
        self.opt_integer(name)?
            .ok_or_else(|| Fields::wrong(name, "a whole number"))
    }

    pub fn opt_object(&self, name: &str) -> Read<Option<Fields>> {
        self.get(name)
            .map(|value| Fields::of(value, &format!("`{name}`")))
            .transpose()
    }

    pub fn object(&self, name: &str) -> Read<Fields> {
        self.opt_object(name)?
            .ok_or_else(|| Fields::wrong(name, "an object"))
    }

    /// An array of objects, each read as `T`.
    pub fn list<T: FromJson>(&self, name: &str) -> Read<Vec<T>> {
        // A loop: `collect` into a `Result` costs the wasm an adapter per
        // type of item.
        let mut items = Vec::new();
        for fields in self.objects(name)? {
            items.push(T::read(&fields)?);
        }
        Ok(items)
    }

    /// A list of objects: [`Fields::list`]'s reading, in the wasm once
    /// rather than once per type of item.
    fn objects(&self, name: &str) -> Read<Vec<Fields>> {
        let value = self
            .get(name)
            .ok_or_else(|| Fields::wrong(name, "a list"))?;
        let array: Array = value
            .dyn_into()
            .map_err(|_| Fields::wrong(name, "a list"))?;
        let mut items = Vec::new();
        for item in array.iter() {
            items.push(Fields::of(item, &format!("an item of `{name}`"))?);
        }
        Ok(items)
    }

    /// An object of strings (headers).
    pub fn string_map(&self, name: &str) -> Read<BTreeMap<String, String>> {
        let map = self.object(name)?;
        let mut read = BTreeMap::new();
        // Inserted one by one: `collect` into a `BTreeMap` sorts first, and
        // a stable sort's code would cost the wasm more than the loop.
        for key in Object::keys(map.0.unchecked_ref::<Object>()).iter() {
            if let Some(key) = key.as_string() {
                let value = map.string(&key)?;
                read.insert(key, value);
            }
        }
        Ok(read)
    }

    pub fn opt_checksum(&self, name: &str) -> Read<Option<Sha256Checksum>> {
        self.opt_string(name)?
            .map(|text| {
                Sha256Checksum::parse(&text).map_err(|_| Fields::wrong(name, "a SHA-256 checksum"))
            })
            .transpose()
    }

    /// A method by its wire name, exactly as serde reads it (not
    /// `HttpMethod::from_name`, which also takes other cases).
    pub fn method(&self, name: &str) -> Read<HttpMethod> {
        let text = self.string(name)?;
        [HttpMethod::Get, HttpMethod::Put]
            .into_iter()
            .find(|method| method.as_str() == text)
            .ok_or_else(|| Fields::wrong(name, "GET or PUT"))
    }
}

/// A JSON object being written, field by field in order.
pub struct Written(Object);

impl Written {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Written {
        Written(Object::new())
    }

    /// Sets `name` to `value`; `None` (which wasm-bindgen makes
    /// `undefined`, a value JSON does not have) is written `null`.
    pub fn field(self, name: &str, value: impl Into<JsValue>) -> Written {
        let value = value.into();
        let value = if value.is_undefined() {
            JsValue::NULL
        } else {
            value
        };
        let _ = Reflect::set(&self.0, &JsValue::from_str(name), &value);
        self
    }

    /// Sets `name` when there is a value, else leaves it out (serde's
    /// `skip_serializing_if = "Option::is_none"`).
    pub fn some(self, name: &str, value: Option<impl Into<JsValue>>) -> Written {
        match value {
            Some(value) => self.field(name, value),
            None => self,
        }
    }

    /// The object as a JavaScript value (an event's `detail`).
    pub fn value(self) -> JsValue {
        self.0.into()
    }

    /// The object as JSON text (a request's body).
    pub fn text(self) -> String {
        JSON::stringify(&self.0)
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default()
    }
}

/// A list of written objects.
pub fn list<T>(items: &[T], write: impl Fn(&T) -> Written) -> JsValue {
    items
        .iter()
        .map(|item| write(item).value())
        .collect::<Array>()
        .into()
}

/// A `u64` as a JavaScript number (exact up to 2^53: sizes up to 8 PiB).
pub fn number(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

fn checksum(sum: &Option<Sha256Checksum>) -> Option<&str> {
    sum.as_ref().map(Sha256Checksum::as_str)
}

/// The body of `POST /api/uploads`.
pub fn upload_request(request: &UploadRequest) -> String {
    let UploadRequest {
        upload,
        media,
        poster,
    } = request;
    Written::new()
        .field("filename", upload.filename.as_str())
        .field("content_type", upload.content_type.as_str())
        .field("size", number(upload.size))
        .some("sha256", checksum(&upload.sha256))
        .field("duration", media.duration)
        .field("width", media.width)
        .field("height", media.height)
        .some(
            "poster",
            poster.map(|poster| Written::new().field("size", number(poster.size)).value()),
        )
        .text()
}

/// The body of `POST /api/uploads/{id}/parts`.
pub fn sign_parts(request: &SignParts) -> String {
    Written::new()
        .field("upload_id", request.upload_id.as_str())
        .field(
            "parts",
            list(&request.parts, |part| {
                Written::new()
                    .field("part_number", part.part_number)
                    .some("sha256", checksum(&part.sha256))
            }),
        )
        .some("handle", request.handle.as_deref())
        .text()
}

/// The body of `POST /api/uploads/{id}/complete`.
pub fn complete_upload(request: &CompleteUpload) -> String {
    Written::new()
        .some("upload_id", request.upload_id.as_deref())
        .field(
            "parts",
            list(&request.parts, |part| {
                Written::new()
                    .field("part_number", part.part_number)
                    .field("etag", part.etag.as_str())
                    .some("sha256", checksum(&part.sha256))
            }),
        )
        .some("handle", request.handle.as_deref())
        .text()
}

impl FromJson for ErrorBody {
    fn read(fields: &Fields) -> Read<Self> {
        let error = fields.object("error")?;
        Ok(ErrorBody {
            error: ErrorDetail {
                code: error.string("code")?,
                message: error.string("message")?,
            },
        })
    }
}

impl FromJson for PosterUpload {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(PosterUpload {
            url: fields.string("url")?,
            method: fields.method("method")?,
            headers: fields.string_map("headers")?,
            expires_at: fields.string("expires_at")?,
        })
    }
}

fn opt_poster(fields: &Fields) -> Read<Option<PosterUpload>> {
    fields
        .opt_object("poster")?
        .map(|poster| PosterUpload::read(&poster))
        .transpose()
}

impl FromJson for UploadPlan {
    fn read(fields: &Fields) -> Read<Self> {
        match fields.string("strategy")?.as_str() {
            "single" => Ok(UploadPlan::Single(SingleUpload {
                id: fields.string("id")?,
                key: fields.string("key")?,
                url: fields.string("url")?,
                method: fields.method("method")?,
                headers: fields.string_map("headers")?,
                expires_at: fields.string("expires_at")?,
                poster: opt_poster(fields)?,
            })),
            "multipart" => Ok(UploadPlan::Multipart(MultipartUpload {
                id: fields.string("id")?,
                key: fields.string("key")?,
                upload_id: fields.string("upload_id")?,
                part_size: fields.integer("part_size")?,
                part_count: fields.integer("part_count")?,
                expires_at: fields.string("expires_at")?,
                poster: opt_poster(fields)?,
                handle: fields.opt_string("handle")?,
            })),
            _ => Err(Fields::wrong("strategy", "single or multipart")),
        }
    }
}

impl FromJson for SignedPart {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(SignedPart {
            part_number: fields.integer("part_number")?,
            url: fields.string("url")?,
            headers: fields.string_map("headers")?,
        })
    }
}

impl FromJson for SignedParts {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(SignedParts {
            parts: fields.list("parts")?,
            expires_at: fields.string("expires_at")?,
        })
    }
}

impl FromJson for StoredPart {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(StoredPart {
            part_number: fields.integer("part_number")?,
            etag: fields.string("etag")?,
            size: fields.integer("size")?,
            sha256: fields.opt_checksum("sha256")?,
        })
    }
}

impl FromJson for StoredParts {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(StoredParts {
            parts: fields.list("parts")?,
        })
    }
}

impl FromJson for ListedVideo {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(ListedVideo {
            summary: VideoSummary {
                id: fields.string("id")?,
                filename: fields.string("filename")?,
                content_type: fields.string("content_type")?,
                size: fields.integer("size")?,
                uploaded_at: fields.string("uploaded_at")?,
            },
            media: MediaInfo {
                duration: fields.opt_number("duration")?,
                width: fields.opt_integer("width")?,
                height: fields.opt_integer("height")?,
            },
            poster_url: fields.opt_string("poster_url")?,
        })
    }
}

impl FromJson for VideoPage {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(VideoPage {
            videos: fields.list("videos")?,
            next_cursor: fields.opt_string("next_cursor")?,
        })
    }
}

impl FromJson for VideoDetails {
    fn read(fields: &Fields) -> Read<Self> {
        Ok(VideoDetails {
            listed: ListedVideo::read(fields)?,
            url: fields.string("url")?,
            expires_at: fields.string("expires_at")?,
        })
    }
}

// Each body the widget reads or writes, against serde_json with the
// backend's derives: the same values, in the browser's JSON.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use vidrop_shared::api::{CompletedPart, CreateUpload, PartToSign, PosterRequest};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn sum(seed: char) -> Sha256Checksum {
        // Base64 whose last character before `=` ends in zero bits.
        Sha256Checksum::parse(&format!("{}A=", seed.to_string().repeat(42))).unwrap()
    }

    fn headers() -> BTreeMap<String, String> {
        [
            ("content-type", "video/webm"),
            ("x-amz-checksum-sha256", "abc="),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// `value` sent by the backend's serde and read here.
    fn read_back<T>(value: &T) -> T
    where
        T: FromJson + serde::Serialize + std::fmt::Debug,
    {
        let text = serde_json::to_string(value).unwrap();
        T::from_json(&text).unwrap_or_else(|e| panic!("{e:?} reading {text}"))
    }

    fn listed(n: u8, media: MediaInfo, poster_url: Option<&str>) -> ListedVideo {
        ListedVideo {
            summary: VideoSummary {
                id: format!("01KA{n}"),
                filename: format!("clip \"{n}\" ☃.webm"),
                content_type: "video/webm".into(),
                size: 5 * 1024 * 1024 * 1024 * 1024,
                uploaded_at: "2026-11-30T10:00:00Z".into(),
            },
            media,
            poster_url: poster_url.map(str::to_owned),
        }
    }

    #[wasm_bindgen_test]
    fn answers_read_as_serde_wrote_them() {
        let poster = PosterUpload {
            url: "http://s3/poster".into(),
            method: HttpMethod::Put,
            headers: headers(),
            expires_at: "2026-11-30T11:00:00Z".into(),
        };
        let single = UploadPlan::Single(SingleUpload {
            id: "01A".into(),
            key: "videos/01A.webm".into(),
            url: "http://s3/v?X-Amz-Signature=1".into(),
            method: HttpMethod::Put,
            headers: headers(),
            expires_at: "2026-11-30T11:00:00Z".into(),
            poster: Some(poster.clone()),
        });
        assert_eq!(read_back(&single), single);
        for (poster, handle) in [(None, None), (Some(poster), Some("h.mac".to_owned()))] {
            let multipart = UploadPlan::Multipart(MultipartUpload {
                id: "01B".into(),
                key: "videos/01B.mp4".into(),
                upload_id: "up+/=".into(),
                part_size: 8 * 1024 * 1024,
                part_count: 10_000,
                expires_at: "2026-12-01T10:00:00Z".into(),
                poster,
                handle,
            });
            assert_eq!(read_back(&multipart), multipart);
        }
        let signed = SignedParts {
            parts: vec![
                SignedPart {
                    part_number: 1,
                    url: "http://s3/1".into(),
                    headers: headers(),
                },
                SignedPart {
                    part_number: 10_000,
                    url: "http://s3/2".into(),
                    headers: BTreeMap::new(),
                },
            ],
            expires_at: "2026-11-30T11:00:00Z".into(),
        };
        assert_eq!(read_back(&signed), signed);
        let stored = StoredParts {
            parts: vec![
                StoredPart {
                    part_number: 2,
                    etag: "\"e2\"".into(),
                    size: 8 << 20,
                    sha256: Some(sum('b')),
                },
                StoredPart {
                    part_number: 3,
                    etag: "\"e3\"".into(),
                    size: 1,
                    sha256: None,
                },
            ],
        };
        assert_eq!(read_back(&stored), stored);
        let full = MediaInfo {
            duration: Some(12.345),
            width: Some(1920),
            height: Some(1080),
        };
        let page = VideoPage {
            videos: vec![
                listed(1, full, Some("http://s3/p1")),
                listed(2, MediaInfo::default(), None),
            ],
            next_cursor: Some("c".into()),
        };
        assert_eq!(read_back(&page), page);
        let details = VideoDetails {
            listed: listed(3, full, None),
            url: "http://s3/v3".into(),
            expires_at: "2026-11-30T11:00:00Z".into(),
        };
        assert_eq!(read_back(&details), details);
        let error = ErrorBody::new("too_large", "Too big.");
        assert_eq!(read_back(&error), error);
    }

    #[wasm_bindgen_test]
    fn answers_that_break_the_contract_say_which_field() {
        let bad = |text: &str| UploadPlan::from_json(text).unwrap_err().0;
        assert_eq!(bad("<html>"), "not JSON");
        assert_eq!(bad("[1]"), "the answer is not an object");
        assert_eq!(
            bad(r#"{"strategy":"other"}"#),
            "`strategy` is missing or not single or multipart"
        );
        assert_eq!(
            bad(r#"{"strategy":"multipart","id":"a","key":"k","upload_id":"u","part_size":1.5}"#),
            "`part_size` is missing or not a whole number in range"
        );
        assert_eq!(
            bad(r#"{"strategy":"single","id":"a","key":"k","url":7}"#),
            "`url` is missing or not a string"
        );
        assert_eq!(
            bad(r#"{"strategy":"single","id":"a","key":"k","url":"u","method":"put"}"#),
            "`method` is missing or not GET or PUT",
            "wire names are exact, as serde reads them"
        );
        let negative = r#"{"parts":[{"part_number":-1,"etag":"e","size":1}]}"#;
        assert!(StoredParts::from_json(negative).is_err());
        assert!(VideoPage::from_json(r#"{"videos":[1]}"#).is_err());
    }

    #[wasm_bindgen_test]
    fn requests_are_written_as_serde_writes_them() {
        let request = UploadRequest {
            upload: CreateUpload {
                filename: "a \"b\" ☃.webm".into(),
                content_type: "video/webm".into(),
                size: 5 * 1024 * 1024 * 1024 * 1024,
                sha256: Some(sum('a')),
            },
            media: MediaInfo {
                duration: Some(2.5),
                width: Some(640),
                height: Some(360),
            },
            poster: Some(PosterRequest { size: 12_345 }),
        };
        let bare = UploadRequest::from(CreateUpload {
            sha256: None,
            ..request.upload.clone()
        });
        for request in [request, bare] {
            assert_eq!(
                upload_request(&request),
                serde_json::to_string(&request).unwrap()
            );
        }
        let sign = SignParts {
            upload_id: "u".into(),
            parts: vec![
                PartToSign {
                    part_number: 1,
                    sha256: Some(sum('c')),
                },
                PartToSign {
                    part_number: 2,
                    sha256: None,
                },
            ],
            handle: Some("h.mac".into()),
        };
        assert_eq!(sign_parts(&sign), serde_json::to_string(&sign).unwrap());
        let complete = CompleteUpload {
            upload_id: Some("u".into()),
            parts: vec![CompletedPart {
                part_number: 1,
                etag: "\"e\"".into(),
                sha256: Some(sum('d')),
            }],
            handle: None,
        };
        assert_eq!(
            complete_upload(&complete),
            serde_json::to_string(&complete).unwrap()
        );
        let single = CompleteUpload {
            upload_id: None,
            parts: Vec::new(),
            handle: None,
        };
        assert_eq!(complete_upload(&single), r#"{"parts":[]}"#);
    }
}
