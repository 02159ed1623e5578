//! The HTTP routes: the v1 API under `/api` (uploads, their parts, videos),
//! the AWS SDK for Go example's `/presign` protocol, and (with
//! `--static-dir`) the built widget: its page at `/`, and at `/widget/` the
//! files other origins embed (`widget`). One file per resource; handlers
//! are named `resource_action`, and each only extracts, calls one function
//! of a service module (`uploads`, `videos`, `presign`) and answers. No
//! route module uses another.

pub mod health;
pub mod metrics;
pub mod openapi;
pub mod parts;
pub mod presign;
pub mod relay;
pub mod tokens;
pub mod uploads;
pub mod videos;
pub mod widget;

use crate::error::{method_not_allowed, route_not_found};
use crate::guard::{AllowedOrigins, Guards, guard};
use crate::http_log::request_span;
use crate::metrics::Metrics;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use vidrop_shared::limits::MAX_PARTS;

/// The largest JSON body the API reads; its bodies are a few hundred bytes,
/// but for a completion's.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The largest completion body: it lists every part with its ETag and
/// SHA-256, about 125 bytes each, and an upload may have S3's 10,000 parts
/// (an 8 MiB-part upload of 5 GiB already has 640, over [`MAX_BODY_BYTES`]).
pub const MAX_COMPLETE_BODY_BYTES: usize = MAX_PARTS as usize * 256;

/// How long browsers may cache the API's CORS preflight answers.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The whole application. Unknown `/api/*` paths answer a JSON 404 whether
/// or not a widget is served. The API and `/presign` answer CORS for the
/// embedding origins and sit behind the [`guard`]s.
pub fn router(
    state: AppState,
    guards: Arc<Guards>,
    origins: &AllowedOrigins,
    static_dir: Option<&Path>,
) -> Router {
    // The API's routes and their OpenAPI paths come from the same
    // `routes!`, so the two cannot differ.
    let (api, api_paths) = OpenApiRouter::new()
        .routes(routes!(health::health_show))
        .routes(routes!(tokens::tokens_create))
        .routes(routes!(uploads::uploads_create))
        .routes(routes!(uploads::uploads_destroy))
        .routes(routes!(parts::parts_create, parts::parts_index))
        .routes(
            routes!(uploads::uploads_complete)
                .layer(DefaultBodyLimit::max(MAX_COMPLETE_BODY_BYTES)),
        )
        .routes(routes!(videos::videos_index))
        .routes(routes!(videos::videos_show))
        .routes(routes!(relay::relay_create))
        .routes(routes!(relay::relay_cache_destroy))
        .routes(routes!(relay::relay_show))
        .split_for_parts();
    let (outside, outside_paths) = OpenApiRouter::new()
        .routes(routes!(presign::presign_show))
        .routes(routes!(metrics::metrics_show))
        .split_for_parts();
    let document = openapi::document(
        utoipa::openapi::OpenApi::default()
            .nest("/api", api_paths)
            .merge_from(outside_paths),
    );
    let api = api
        .route(openapi::API_PATH, openapi::route(&document))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed);

    // Layers cover the routes above them, not the fallback set after: the
    // widget's static files are neither guarded nor limited.
    let app = Router::new()
        .nest("/api", api)
        .merge(outside)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(guards, guard))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(api_cors(origins))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            count_request,
        ));

    let app = match static_dir {
        Some(dir) => app
            .nest_service(widget::PREFIX, widget::router(dir))
            .fallback_service(
                // Compressed ahead of time as for `/widget/` (see there).
                ServeDir::new(dir)
                    .precompressed_br()
                    .precompressed_gzip()
                    .fallback(
                        ServeFile::new(dir.join("index.html"))
                            .precompressed_br()
                            .precompressed_gzip(),
                    ),
            ),
        None => app.fallback(route_not_found),
    };

    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(request_span)
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
    .with_state(state)
}

/// Counts each request in the metrics by its route's template (an unknown
/// path is `unmatched`), status and time taken.
async fn count_request(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics.request(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// CORS of the API for the embedding origins: the widget's calls carry a
/// JSON body and an `Authorization` header, so browsers ask first.
fn api_cors(origins: &AllowedOrigins) -> CorsLayer {
    let allow_origin = match origins {
        AllowedOrigins::Any => AllowOrigin::any(),
        AllowedOrigins::List(list) => AllowOrigin::list(list.clone()),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            // Relay mode's uploads and ranged downloads.
            HeaderName::from_static(crate::relay::upload::FILENAME_HEADER),
            header::RANGE,
            header::IF_NONE_MATCH,
            header::IF_RANGE,
        ])
        .expose_headers([
            header::CONTENT_RANGE,
            header::ACCEPT_RANGES,
            header::CONTENT_LENGTH,
            header::ETAG,
            header::LAST_MODIFIED,
        ])
        .max_age(PREFLIGHT_MAX_AGE)
}
