//! `GET /presign/{*key}?method=GET|PUT&contentLength=N`: the AWS SDK for Go
//! presigned-URL example's protocol. The rules live in [`crate::presign`].

use crate::access::Mode;
use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::presign::{self, PresignRules};
use crate::state::AppState;
use axum::extract::{OriginalUri, State};
use vidrop_shared::api::{PresignQuery, PresignResponse};

/// Presigns a GetObject or a PutObject of exactly `contentLength` bytes.
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
