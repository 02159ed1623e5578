//! The widget's calls to the Vidrop backend: small JSON requests made with
//! the browser's `fetch` (video bytes never go through here; they go
//! straight to S3).
//!
//! Every failure becomes an [`ApiError`] whose `Display` is a sentence the
//! widget can show as it is: the backend's own `message` when it sent one.

use crate::json::{self, FromJson};
use std::cell::RefCell;
use std::rc::Rc;
use vidrop_shared::api::{
    CompleteUpload, ErrorBody, ListedVideo, SignParts, UploadRequest, VideoDetails, VideoPage,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// Why a call to the backend failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No answer at all (server down, wrong address, network gone), or a
    /// gateway's answer that the server is not there.
    #[error(
        "The Vidrop server could not be reached. Check your connection, or that the server is running, and try again."
    )]
    Unreachable,
    /// The backend refused, and said why.
    #[error("{message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// An error status with a body that is not the backend's error format.
    #[error("The Vidrop server answered with an error (HTTP {status}).")]
    Unexplained { status: u16 },
    /// A success status whose body is not what the contract says.
    #[error("The Vidrop server sent an answer this page does not understand ({0}).")]
    BadAnswer(String),
}

impl From<json::Unreadable> for ApiError {
    fn from(unreadable: json::Unreadable) -> ApiError {
        ApiError::BadAnswer(unreadable.0)
    }
}

impl ApiError {
    /// Builds the error for an answer with a status outside 2xx.
    pub fn from_answer(status: u16, body: &str) -> ApiError {
        match ErrorBody::from_json(body) {
            Ok(ErrorBody { error }) => ApiError::Refused {
                status,
                code: error.code,
                message: error.message,
            },
            // A proxy in front (Trunk's, a load balancer) answers for a backend
            // that is down.
            Err(_) if matches!(status, 502..=504) => ApiError::Unreachable,
            Err(_) => ApiError::Unexplained { status },
        }
    }

    /// The backend's machine code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// A stable code for host pages: the backend's own when it sent one.
    pub fn kind(&self) -> &str {
        match self {
            ApiError::Refused { code, .. } => code,
            ApiError::Unreachable => "unreachable",
            ApiError::Unexplained { .. } => "server_error",
            ApiError::BadAnswer(_) => "bad_answer",
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Refused { status, .. } | ApiError::Unexplained { status } => Some(*status),
            _ => None,
        }
    }

    /// Whether the backend says the upload no longer exists (completed,
    /// aborted, or aborted by the backend's sweep once it expired): `404`,
    /// normally with code `upload_not_found`.
    pub fn is_upload_gone(&self) -> bool {
        self.status() == Some(404)
    }
}

/// The upload token sent with every call, shared by every [`Api`] made with
/// it: a token the host page replaces reaches the calls of an upload already
/// under way (a long upload can outlive a short-lived token).
#[derive(Debug, Clone, Default)]
pub struct Credential(Rc<RefCell<Option<String>>>);

impl Credential {
    /// Replaces the token (`None`: send none).
    pub fn set(&self, token: Option<String>) {
        *self.0.borrow_mut() = token;
    }

    /// The `Authorization` header's value, when there is a token.
    pub fn authorization(&self) -> Option<String> {
        self.0
            .borrow()
            .as_ref()
            .map(|token| format!("Bearer {token}"))
    }
}

/// The backend's HTTP API, at a base URL (empty: the page's own origin),
/// with the page's upload token.
#[derive(Debug, Clone, Default)]
pub struct Api {
    base: String,
    credential: Credential,
}

impl Api {
    /// `base` is prefixed to `/api/…`; a trailing slash is ignored.
    pub fn new(base: impl Into<String>) -> Self {
        Api::with_credential(base, Credential::default())
    }

    /// An API at `base` that sends `credential`'s token, whatever it becomes.
    pub fn with_credential(base: impl Into<String>, credential: Credential) -> Self {
        let base = base.into();
        Api {
            base: base.trim_end_matches('/').to_owned(),
            credential,
        }
    }

    /// The URL of an API path such as `/api/videos`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /api/uploads`: asks where and how to upload a file; answers an
    /// [`UploadPlan`](vidrop_shared::api::UploadPlan).
    pub fn create_upload(&self, body: &UploadRequest) -> ApiCall {
        self.post("/api/uploads", json::upload_request(body))
    }

    /// `POST /api/uploads/{id}/parts`: presigned URLs for a batch of parts;
    /// answers [`SignedParts`](vidrop_shared::api::SignedParts).
    pub fn sign_parts(&self, id: &str, body: &SignParts) -> ApiCall {
        let path = format!("/api/uploads/{}/parts", path_segment(id));
        self.post(&path, json::sign_parts(body))
    }

    /// `GET /api/uploads/{id}/parts?upload_id=…`: the parts the store
    /// holds; answers [`StoredParts`](vidrop_shared::api::StoredParts).
    pub fn list_parts(&self, id: &str, upload_id: &str) -> ApiCall {
        self.without_body(
            "GET",
            &format!(
                "/api/uploads/{}/parts?upload_id={}",
                path_segment(id),
                path_segment(upload_id)
            ),
        )
    }

    /// `POST /api/uploads/{id}/complete`: completes a multipart upload (or,
    /// without `upload_id`, confirms a single PUT); answers the
    /// [`VideoDetails`]. Safe to repeat.
    pub fn complete_upload(&self, id: &str, body: &CompleteUpload) -> ApiCall {
        let path = format!("/api/uploads/{}/complete", path_segment(id));
        self.post(&path, json::complete_upload(body))
    }

    /// The base URL given to [`Api::new`], without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `DELETE /api/uploads/{id}?upload_id=…`: gives up a multipart upload.
    pub fn abort_upload(&self, id: &str, upload_id: &str) -> ApiCall {
        self.without_body(
            "DELETE",
            &format!(
                "/api/uploads/{}?upload_id={}",
                path_segment(id),
                path_segment(upload_id)
            ),
        )
    }

    /// `GET /api/videos`: the stored videos (the first page), newest first,
    /// each with what the browser read of it and its poster's URL.
    pub async fn list_videos(&self) -> Result<Vec<ListedVideo>, ApiError> {
        let call = self.without_body("GET", "/api/videos");
        let page: VideoPage = read_json(&self.send(&call).await?)?;
        Ok(page.videos)
    }

    /// `GET /api/videos/{id}`: one video with a fresh presigned URL to play.
    pub async fn video(&self, id: &str) -> Result<VideoDetails, ApiError> {
        let call = self.without_body("GET", &format!("/api/videos/{}", path_segment(id)));
        read_json(&self.send(&call).await?)
    }

    fn post(&self, path: &str, body: String) -> ApiCall {
        ApiCall {
            method: "POST",
            url: self.url(path),
            body: Some(body),
        }
    }

    fn without_body(&self, method: &'static str, path: &str) -> ApiCall {
        ApiCall {
            method,
            url: self.url(path),
            body: None,
        }
    }

    /// Makes `call` with the token; the body of a successful answer. Not
    /// generic: every call goes through this one future (and its retries
    /// through one `retry_api`), so the wasm holds it once rather than once
    /// per kind of answer. [`read_json`] reads the answer after.
    pub async fn send(&self, call: &ApiCall) -> Result<String, ApiError> {
        // `fetch` rejects only when no HTTP answer came back at all.
        let response = self.fetch(call).await.ok_or(ApiError::Unreachable)?;
        let text = text_of(&response).await;
        if response.ok() {
            text.ok_or(ApiError::Unreachable)
        } else {
            let body = text.unwrap_or_default();
            Err(ApiError::from_answer(response.status(), &body))
        }
    }

    /// The browser's `fetch`; `None` when it fails.
    async fn fetch(&self, call: &ApiCall) -> Option<Response> {
        let headers = Headers::new().ok()?;
        if let Some(value) = self.credential.authorization() {
            headers.set("Authorization", &value).ok()?;
        }
        let init = RequestInit::new();
        init.set_method(call.method);
        if let Some(body) = &call.body {
            headers.set("Content-Type", "application/json").ok()?;
            init.set_body(&JsValue::from_str(body));
        }
        init.set_headers(&headers);
        let promise = web_sys::window()?.fetch_with_str_and_init(&call.url, &init);
        JsFuture::from(promise).await.ok()?.dyn_into().ok()
    }
}

/// One call to the backend, ready to make (and to make again): its method,
/// URL and JSON body. [`Api::send`] makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    method: &'static str,
    url: String,
    body: Option<String>,
}

/// A response's body as text, or `None` when it cannot be read.
async fn text_of(response: &Response) -> Option<String> {
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

/// `value` encoded for one segment (or query value) of a URL, by the
/// browser's own `encodeURIComponent`.
fn path_segment(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// A successful answer's body as `T`.
pub fn read_json<T: FromJson>(text: &str) -> Result<T, ApiError> {
    Ok(T::from_json(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Error bodies are parsed by the browser's JSON: in the browser only.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_backend_message_is_what_people_read() {
        let body = r#"{"error":{"code":"too_large","message":"This file is 6 GiB; the largest upload allowed is 5 GiB."}}"#;
        let error = ApiError::from_answer(413, body);
        assert_eq!(error.code(), Some("too_large"));
        assert_eq!(
            error.to_string(),
            "This file is 6 GiB; the largest upload allowed is 5 GiB."
        );
    }

    // Error bodies are parsed by the browser's JSON: in the browser only.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn a_gateway_error_means_the_backend_is_not_there() {
        assert_eq!(ApiError::from_answer(502, ""), ApiError::Unreachable);
        assert_eq!(
            ApiError::from_answer(504, "<html>Gateway Timeout</html>"),
            ApiError::Unreachable
        );
        assert_eq!(
            ApiError::from_answer(404, "Not Found"),
            ApiError::Unexplained { status: 404 }
        );
        assert!(
            ApiError::Unreachable
                .to_string()
                .contains("could not be reached")
        );
    }

    // Error bodies are parsed by the browser's JSON: in the browser only.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn every_api_made_with_a_credential_sends_its_latest_token() {
        let credential = Credential::default();
        let api = Api::with_credential("https://vidrop.example", credential.clone());
        let copy = api.clone();
        assert_eq!(api.credential.authorization(), None);
        credential.set(Some("t0ken".into()));
        assert_eq!(
            copy.credential.authorization().as_deref(),
            Some("Bearer t0ken")
        );
        credential.set(None);
        assert_eq!(api.credential.authorization(), None);
        assert_eq!(ApiError::Unreachable.kind(), "unreachable");
        assert_eq!(
            ApiError::from_answer(
                401,
                r#"{"error":{"code":"token_expired","message":"The upload token has expired."}}"#
            )
            .kind(),
            "token_expired"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn urls_are_built_on_the_base() {
        assert_eq!(Api::new("").url("/api/videos"), "/api/videos");
        assert_eq!(
            Api::new("https://vidrop.example/").url("/api/videos"),
            "https://vidrop.example/api/videos"
        );
    }
}
