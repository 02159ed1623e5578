//! `GET /presign/{*key}?method=GET|PUT&contentLength=N`: the AWS SDK for Go
//! presigned-URL example's protocol. The rules live in [`crate::presign`].

use crate::access::Mode;
use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::presign::{self, PresignRules};
use crate::state::AppState;
use axum::extract::{OriginalUri, State};
use vidrop_shared::api::{ErrorBody, PresignQuery, PresignResponse};

/// Presigns a GetObject or a PutObject of exactly `contentLength` bytes.
#[utoipa::path(get, path = "/presign/{*key}", tag = "presign",
    params(("key" = String, Path, description = "The object key (may contain `/`)"), PresignQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A presigned URL for the key (the AWS SDK for Go example's protocol)", body = PresignResponse),
        (status = "4XX", description = "Refused", body = ErrorBody),
    ))]
pub async fn presign_show(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(key): AppPath<String>,
    AppQuery(query): AppQuery<PresignQuery>,
    OriginalUri(uri): OriginalUri,
) -> Result<AppJson<PresignResponse>, AppError> {
    presign::check_percent_encoding(uri.path())?;
    let rules = PresignRules {
        prefix: state.presign_prefix.as_deref(),
        open: state.access.mode == Mode::Open,
    };
    let scope = caller.scope(state.max_size);
    let answer = presign::presign_key(&state.storage, rules, &scope, &key, query).await?;
    Ok(AppJson(answer))
}
