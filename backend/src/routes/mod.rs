//! The HTTP routes: the v1 API under `/api` (uploads, their parts, videos),
//! the AWS SDK for Go example's `/presign` protocol, and (with
//! `--static-dir`) the built widget at `/`. One file per resource; handlers
//! are named `resource_action`.

pub mod health;
pub mod parts;
pub mod presign;
pub mod uploads;
pub mod videos;

use crate::error::{method_not_allowed, route_not_found};
use crate::server::request_span;
use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post};
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The whole application. Unknown `/api/*` paths answer a JSON 404 whether
/// or not a widget is served.
pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let api = Router::new()
        .route("/health", get(health::health_show))
        .route("/uploads", post(uploads::uploads_create))
        .route("/uploads/{id}", delete(uploads::uploads_destroy))
        .route(
            "/uploads/{id}/parts",
            post(parts::parts_create).get(parts::parts_index),
        )
        .route("/uploads/{id}/complete", post(uploads::uploads_complete))
        .route("/videos", get(videos::videos_index))
        .route("/videos/{id}", get(videos::videos_show))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed);

    let app = Router::new()
        .nest("/api", api)
        .route("/presign/{*key}", get(presign::presign_show))
        .method_not_allowed_fallback(method_not_allowed);

    let app = match static_dir {
        Some(dir) => app
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => app.fallback(route_not_found),
    };

    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(request_span)
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
    .with_state(state)
}
