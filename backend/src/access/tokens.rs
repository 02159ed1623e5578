//! Upload tokens: short-lived, scoped JWTs (HS256, the `jsonwebtoken` crate)
//! that the host site's backend mints through `POST /api/tokens` with its API
//! key, and that the widget sends on every call.
//!
//! A token names what its bearer may do ([`Grant`]): a key prefix (a user or
//! tenant) under which it uploads and whose videos it may list and play, the
//! largest upload, the content types, how many uploads, and until when. The
//! secret is shared by every instance (`--token-secret-file`), so a token
//! minted by one backend is honoured by all of them.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The shortest secret accepted, in bytes: HS256 wants at least its own
/// output size.
pub const MIN_SECRET_BYTES: usize = 32;

/// How late a token may still be used, for clocks of instances that differ
/// slightly.
const CLOCK_LEEWAY_SECS: u64 = 5;

/// The audience every Vidrop token names, so that a JWT minted for something
/// else with the same secret is not taken for one.
const AUDIENCE: &str = "vidrop";

/// What a token lets its bearer do. Every field is checked on every call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The key prefix (`""` or segments ending in `/`) under `videos/` where
    /// its uploads go and whose videos it may read.
    pub prefix: String,
    /// The largest upload, in bytes.
    pub max_size: u64,
    /// The content types it may upload; `None`: any video type the server
    /// takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_types: Option<Vec<String>>,
    /// How many uploads it may start; `None`: no limit of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uploads: Option<u32>,
}

/// The claims of a token: the grant plus the registered JWT claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    grant: Grant,
    /// Expiry, seconds since the Unix epoch.
    exp: u64,
    /// Issue time, seconds since the Unix epoch.
    iat: u64,
    /// The token's id: its uploads are counted under it.
    jti: String,
    aud: String,
}

/// A token that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub grant: Grant,
    /// Its id, unique per minted token.
    pub id: String,
    pub expires_at: SystemTime,
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("The upload token has expired; ask the page for a new one.")]
    Expired,
    #[error("The upload token is not valid.")]
    Invalid,
}

/// Mints and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSigner(<secret>)")
    }
}

impl TokenSigner {
    /// A signer with `secret`, which must be at least [`MIN_SECRET_BYTES`].
    pub fn new(secret: &[u8]) -> Result<TokenSigner, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the token secret is {} bytes; at least {MIN_SECRET_BYTES} are needed",
                secret.len()
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = CLOCK_LEEWAY_SECS;
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        Ok(TokenSigner {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }

    /// A signer with a random secret: tokens it mints die with the process
    /// (local development only).
    pub fn random() -> Result<TokenSigner, String> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|err| err.to_string())?;
        TokenSigner::new(&secret)
    }

    /// A token for `grant` that lives `lifetime` from `now`.
    pub fn mint(
        &self,
        grant: Grant,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<(String, SystemTime), String> {
        let iat = unix_secs(now);
        let exp = iat + lifetime.as_secs();
        let claims = Claims {
            grant,
            exp,
            iat,
            jti: ulid::Ulid::generate().to_string(),
            aud: AUDIENCE.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| err.to_string())?;
        Ok((token, UNIX_EPOCH + Duration::from_secs(exp)))
    }

    /// Checks `token`'s signature, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        // The id names the token's quota markers: a ULID, as minted here.
        if vidrop_shared::keys::check_prefix(&claims.grant.prefix).is_err()
            || !vidrop_shared::keys::is_video_id(&claims.jti)
        {
            return Err(TokenError::Invalid);
        }
        Ok(VerifiedToken {
            grant: claims.grant,
            id: claims.jti,
            expires_at: UNIX_EPOCH + Duration::from_secs(claims.exp),
        })
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            prefix: "users/42/".into(),
            max_size: 1000,
            content_types: Some(vec!["video/webm".into()]),
            max_uploads: Some(2),
        }
    }

    #[test]
    fn a_minted_token_verifies_with_its_grant() {
        let signer = TokenSigner::new(&[7; 32]).unwrap();
        let (token, expires_at) = signer
            .mint(grant(), SystemTime::now(), Duration::from_secs(60))
            .unwrap();
        let verified = signer.verify(&token).unwrap();
        assert_eq!(verified.grant, grant());
        assert_eq!(verified.expires_at, expires_at);
        assert!(!verified.id.is_empty());
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let signer = TokenSigner::new(&[7; 32]).unwrap();
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        let (old, _) = signer
            .mint(grant(), long_ago, Duration::from_secs(60))
            .unwrap();
        assert_eq!(signer.verify(&old), Err(TokenError::Expired));

        let (token, _) = signer
            .mint(grant(), SystemTime::now(), Duration::from_secs(60))
            .unwrap();
        let other = TokenSigner::new(&[8; 32]).unwrap();
        assert_eq!(other.verify(&token), Err(TokenError::Invalid));

        let mut tampered = token.into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(signer.verify(&tampered), Err(TokenError::Invalid));
        assert_eq!(signer.verify("not.a.token"), Err(TokenError::Invalid));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenSigner::new(&[1; 31]).is_err());
        assert!(TokenSigner::random().is_ok());
    }
}
