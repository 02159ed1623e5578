//! `GET /api/openapi.json`: the API described in OpenAPI 3.1, made from the
//! handlers' `#[utoipa::path]` annotations and the wire types of `shared/`
//! by the same router that mounts the handlers (`utoipa-axum`), so a route
//! cannot exist undocumented nor a documented one be missing.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Where the document is served, under `/api`.
pub const API_PATH: &str = "/openapi.json";

/// What the document says besides its paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vidrop",
        description = "Presigned S3 uploads and playback for the Vidrop widget. \
                       The backend signs; the video goes between the browser and S3.",
    ),
    modifiers(&Credentials),
    tags(
        (name = "uploads", description = "Plan, sign parts, complete, give up"),
        (name = "videos", description = "What the caller may watch"),
        (name = "access", description = "Upload tokens for pages"),
        (name = "presign", description = "The AWS SDK for Go example's protocol"),
        (name = "service", description = "Health and metrics"),
    )
)]
struct Base;

/// The two bearer credentials: a site's API key and an upload token.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme(
            "api_key",
            bearer("A host site's API key (--api-keys-file); operators' too"),
        );
        components.add_security_scheme(
            "upload_token",
            bearer("An upload token from POST /api/tokens, limited in scope and time"),
        );
    }
}

/// The whole document: [`Base`] with the mounted routes' paths. A catch-all
/// segment (axum's `{*key}`) is written as OpenAPI's `{key}`.
pub fn document(paths: Document) -> Document {
    let mut document = Base::openapi().merge_from(paths);
    document.paths.paths = std::mem::take(&mut document.paths.paths)
        .into_iter()
        .map(|(path, item)| (path.replace("{*", "{"), item))
        .collect();
    document
}

/// The route serving `document`, written once.
pub fn route<S: Clone + Send + Sync + 'static>(document: &Document) -> MethodRouter<S> {
    let json = document.to_json().expect("the OpenAPI document serialises");
    get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json).into_response() })
}
