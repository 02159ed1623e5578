//! `POST /api/tokens`: an API key holder (the host site's backend) asks for
//! an upload token for one of its users. The request is checked against the
//! server's own limits: a token never allows more than the server does.

use crate::access::tokens::{Grant, TokenSigner};
use std::time::{Duration, SystemTime};
use vidrop_shared::api::TokenRequest;
use vidrop_shared::keys::check_prefix;
use vidrop_shared::policy::check_upload;

/// A token's lifetime unless the request names one (one hour).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The most uploads one token may allow (its quota markers are counted with
/// one listing page).
pub const MAX_UPLOADS_PER_TOKEN: u32 = 1000;

/// The server's limits a token request is checked against.
#[derive(Debug, Clone, Copy)]
pub struct MintLimits {
    pub max_size: u64,
    pub max_lifetime: Duration,
}

/// Why a token request is refused; `Display` says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    #[error("{0}")]
    Invalid(String),
    #[error("The token could not be signed.")]
    Signing(String),
}

/// Checks `request` against `limits` and mints its token; answers the token
/// and when it expires.
pub fn mint_token(
    signer: &TokenSigner,
    limits: MintLimits,
    request: TokenRequest,
    now: SystemTime,
) -> Result<(String, SystemTime), MintError> {
    let invalid = |message: String| Err(MintError::Invalid(message));
    if let Err(err) = check_prefix(&request.prefix) {
        return invalid(format!("\"prefix\": {err}"));
    }
    let max_size = request.max_size.unwrap_or(limits.max_size);
    if max_size == 0 || max_size > limits.max_size {
        return invalid(format!(
            "\"max_size\" must be between 1 and this server's largest upload, {} bytes.",
            limits.max_size
        ));
    }
    let content_types = match request.content_types {
        Some(types) if types.is_empty() => {
            return invalid(
                "\"content_types\" names no type; leave it out to allow any video.".into(),
            );
        }
        Some(types) => {
            let mut checked = Vec::with_capacity(types.len());
            for ty in &types {
                match check_upload(ty, 1, u64::MAX) {
                    Ok(normal) => checked.push(normal),
                    Err(err) => return invalid(format!("\"content_types\": {err}")),
                }
            }
            Some(checked)
        }
        None => None,
    };
    if let Some(max) = request.max_uploads
        && !(1..=MAX_UPLOADS_PER_TOKEN).contains(&max)
    {
        return invalid(format!(
            "\"max_uploads\" must be between 1 and {MAX_UPLOADS_PER_TOKEN}."
        ));
    }
    let lifetime = match request.expires_in {
        None => DEFAULT_TOKEN_LIFETIME.min(limits.max_lifetime),
        Some(secs) if secs >= 1 && secs <= limits.max_lifetime.as_secs() => {
            Duration::from_secs(secs)
        }
        Some(_) => {
            return invalid(format!(
                "\"expires_in\" must be between 1 and {} seconds.",
                limits.max_lifetime.as_secs()
            ));
        }
    };
    let grant = Grant {
        prefix: request.prefix,
        max_size,
        content_types,
        max_uploads: request.max_uploads,
    };
    signer
        .mint(grant, now, lifetime)
        .map_err(MintError::Signing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: MintLimits = MintLimits {
        max_size: 1000,
        max_lifetime: Duration::from_secs(600),
    };

    fn request(prefix: &str) -> TokenRequest {
        TokenRequest {
            prefix: prefix.into(),
            max_size: None,
            content_types: None,
            max_uploads: None,
            expires_in: None,
        }
    }

    #[test]
    fn defaults_come_from_the_server() {
        let signer = TokenSigner::new(&[1; 32]).unwrap();
        let now = SystemTime::now();
        let (token, expires_at) = mint_token(&signer, LIMITS, request("u/1/"), now).unwrap();
        let verified = signer.verify(&token).unwrap();
        assert_eq!(verified.grant.max_size, 1000);
        assert_eq!(verified.grant.prefix, "u/1/");
        let lifetime = expires_at.duration_since(now).unwrap().as_secs();
        assert!((599..=600).contains(&lifetime), "{lifetime}");
    }

    #[test]
    fn requests_beyond_the_server_are_refused() {
        let signer = TokenSigner::new(&[1; 32]).unwrap();
        let now = SystemTime::now();
        let refused = |change: fn(&mut TokenRequest)| {
            let mut asked = request("u/1/");
            change(&mut asked);
            mint_token(&signer, LIMITS, asked, now).unwrap_err()
        };
        for error in [
            refused(|r| r.prefix = "../".into()),
            refused(|r| r.prefix = "u".into()),
            refused(|r| r.max_size = Some(1001)),
            refused(|r| r.max_size = Some(0)),
            refused(|r| r.content_types = Some(vec!["text/html".into()])),
            refused(|r| r.content_types = Some(vec![])),
            refused(|r| r.max_uploads = Some(0)),
            refused(|r| r.max_uploads = Some(MAX_UPLOADS_PER_TOKEN + 1)),
            refused(|r| r.expires_in = Some(0)),
            refused(|r| r.expires_in = Some(601)),
        ] {
            assert!(matches!(error, MintError::Invalid(_)), "{error:?}");
        }
        let mut typed = request("u/1/");
        typed.content_types = Some(vec!["Video/WebM".into()]);
        let (token, _) = mint_token(&signer, LIMITS, typed, now).unwrap();
        let grant = signer.verify(&token).unwrap().grant;
        assert_eq!(grant.content_types, Some(vec!["video/webm".into()]));
    }
}
