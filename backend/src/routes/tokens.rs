//! `POST /api/tokens`: the host site's backend, with its API key, mints an
//! upload token for one of its users (`201 {"token","expires_at"}`). The
//! rules live in [`crate::access::mint`].

use crate::access::mint_token;
use crate::error::{AppError, AppJson, Authorized};
use crate::state::AppState;
use crate::storage::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use std::time::SystemTime;
use vidrop_shared::api::{ErrorBody, IssuedToken, TokenRequest};

/// Mints an upload token; needs an API key (or, on a server open for local
/// development, nothing).
#[utoipa::path(post, path = "/tokens", tag = "access",
    request_body = TokenRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "An upload token for the page", body = IssuedToken),
        (status = "4XX", description = "Refused: no or a bad API key, a bad request", body = ErrorBody),
    ))]
pub async fn tokens_create(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppJson(request): AppJson<TokenRequest>,
) -> Result<(StatusCode, AppJson<IssuedToken>), AppError> {
    state.access.require_operator(&caller)?;
    let (token, expires_at) = mint_token(
        &state.access.tokens,
        state.mint_limits(),
        request,
        SystemTime::now(),
    )?;
    Ok((
        StatusCode::CREATED,
        AppJson(IssuedToken {
            token,
            expires_at: rfc3339(expires_at),
        }),
    ))
}
