//! Who may do what. The server is open only in local development (embedded
//! store, loopback listener, no API key configured); anywhere else it starts
//! only with API keys and a token secret, and every signing, listing and
//! playback route needs a credential:
//!
//! - an **API key** (`Authorization: Bearer <key>`), held by the host site's
//!   own backend: everything, and minting upload tokens;
//! - an **upload token** (`Authorization: Bearer <token>`), minted with an API
//!   key and handed to the widget by its host page: uploads and reads inside
//!   its [`Grant`]'s prefix, within its size, types, count and lifetime.
//!
//! # Layout
//! - [`api_keys`]: [`ApiKeys`], loaded from a file and the environment,
//!   compared in constant time.
//! - [`tokens`]: [`TokenSigner`], minting and checking upload tokens (JWT).
//! - [`mint`]: [`mint_token`], a token request checked against the server's
//!   limits.
//! - [`scope`]: [`Caller`] and [`Scope`]: what one request may touch.

pub mod api_keys;
pub mod mint;
pub mod scope;
pub mod tokens;

pub use api_keys::ApiKeys;
pub use mint::{MintError, MintLimits, mint_token};
pub use scope::{Caller, Scope};
pub use tokens::{Grant, TokenError, TokenSigner, VerifiedToken};

use crate::handle::HandleKey;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// Whether credentials are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Local development: requests without credentials may do everything.
    Open,
    /// Every signing, listing and playback route needs an API key or a token.
    Closed,
}

/// The access settings of a running server.
#[derive(Debug, Clone)]
pub struct Access {
    pub mode: Mode,
    pub api_keys: ApiKeys,
    pub tokens: TokenSigner,
    /// Seals the approved facts of multipart uploads (see
    /// [`crate::handle`]); derived from the token secret, so shared by the
    /// instances that share it.
    pub handles: HandleKey,
}

/// Why a request's credentials are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "This server needs credentials: send an upload token (or an API key) as \"Authorization: Bearer …\"."
    )]
    MissingCredentials,
    #[error("The Authorization header must read \"Bearer <token>\".")]
    MalformedAuthorization,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("Only an API key may do this, not an upload token.")]
    ApiKeyRequired,
}

impl Access {
    /// Who is calling, from the `Authorization` header.
    pub fn caller(&self, headers: &HeaderMap) -> Result<Caller, AccessError> {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return match self.mode {
                Mode::Open => Ok(Caller::Open),
                Mode::Closed => Err(AccessError::MissingCredentials),
            };
        };
        // The scheme's name is case-insensitive (RFC 9110).
        let credential = value
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
            .map(|(_, credential)| credential.trim())
            .filter(|credential| !credential.is_empty())
            .ok_or(AccessError::MalformedAuthorization)?;
        if self.api_keys.contains(credential) {
            return Ok(Caller::ApiKey);
        }
        Ok(Caller::Token(self.tokens.verify(credential)?))
    }

    /// Refuses a caller who may not act as the site's operator (mint tokens,
    /// read the metrics): only an API key may, or anyone on a server open for
    /// local development; never an upload token.
    pub fn require_operator(&self, caller: &Caller) -> Result<(), AccessError> {
        let allowed = match caller {
            Caller::ApiKey => true,
            Caller::Open => self.mode == Mode::Open,
            Caller::Token(_) => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(AccessError::ApiKeyRequired)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::time::{Duration, SystemTime};

    fn access(mode: Mode) -> Access {
        Access {
            mode,
            api_keys: ApiKeys::parse(None, &["host-key-0123456789".into()]).unwrap(),
            tokens: TokenSigner::new(&[3; 32]).unwrap(),
            handles: HandleKey::derive(&[3; 32]),
        }
    }

    fn bearer(credential: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {credential}")).unwrap(),
        );
        headers
    }

    #[test]
    fn callers_are_told_apart_by_their_credential() {
        let closed = access(Mode::Closed);
        assert_eq!(
            closed.caller(&HeaderMap::new()),
            Err(AccessError::MissingCredentials)
        );
        assert_eq!(
            access(Mode::Open).caller(&HeaderMap::new()),
            Ok(Caller::Open)
        );
        assert_eq!(
            closed.caller(&bearer("host-key-0123456789")),
            Ok(Caller::ApiKey)
        );
        assert_eq!(
            closed.caller(&bearer("host-key-0123456788")),
            Err(AccessError::Token(TokenError::Invalid))
        );
        let grant = Grant {
            prefix: "t/".into(),
            max_size: 5,
            content_types: None,
            max_uploads: None,
        };
        let (token, _) = closed
            .tokens
            .mint(grant.clone(), SystemTime::now(), Duration::from_secs(60))
            .unwrap();
        let Ok(Caller::Token(verified)) = closed.caller(&bearer(&token)) else {
            panic!("a fresh token is a token caller");
        };
        assert_eq!(verified.grant, grant);
        let mut lower = HeaderMap::new();
        lower.insert(
            AUTHORIZATION,
            HeaderValue::from_static("bearer host-key-0123456789"),
        );
        assert_eq!(closed.caller(&lower), Ok(Caller::ApiKey));
        let mut basic = HeaderMap::new();
        basic.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(
            closed.caller(&basic),
            Err(AccessError::MalformedAuthorization)
        );
    }
}
