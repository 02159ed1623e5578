//! Upload handles: what a plan approved for a multipart upload (its
//! [`Manifest`]) sealed by the server into an opaque string that the plan
//! answers (`MultipartUpload::handle`) and the client sends back with each
//! batch of parts and with the completion, so that neither reads the
//! manifest from S3: a batch of parts then costs no S3 call at all, and the
//! backend still keeps nothing between requests.
//!
//! A handle is `<payload>.<tag>`, both base64url without padding: the
//! payload is the manifest and an expiry as JSON, the tag its HMAC-SHA256
//! under a key derived from the token secret (`--token-secret-file`;
//! [`HandleKey::derive`]), so every instance that honours the same tokens
//! honours the same handles. A server without a secret (local development)
//! takes a random key ([`HandleKey::random`]): its handles die with it. The
//! tag is compared in constant time before a byte of the payload is read,
//! and a handle expires with its upload: the plan seals it until `expires_at`
//! (`--abandon-after` from the start), when the sweep gives the upload up.
//!
//! **A handle grants nothing by itself.** It only stands for the manifest
//! read, so the services honour one only where the manifest would have
//! said the same: the handle's upload must be the one the path and
//! `upload_id` name, and its key inside the caller's
//! [`Scope`](crate::access::Scope), the rule the manifest path applies
//! (`uploads::pending`). What the caller may do is still decided by its
//! credential on every request, which is why a handle names no credential:
//! another credential of the same scope may read the manifest anyway.

use crate::manifest::Manifest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// What the token secret is keyed with to make the handle key, so that a
/// handle's tag is never a token's signature (nor the other way round).
const KEY_LABEL: &[u8] = b"vidrop upload handle v1";

/// The longest handle read. A handle is a few hundred bytes; the longest
/// manifest (a 1 KiB key, a 255-byte file name, S3's upload id) stays far
/// below this.
pub const MAX_HANDLE_BYTES: usize = 8 * 1024;

/// The key that seals and opens handles.
#[derive(Clone)]
pub struct HandleKey([u8; 32]);

impl fmt::Debug for HandleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandleKey(<secret>)")
    }
}

/// Why a handle is not honoured. Every case means the same to the caller:
/// the handle is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleError {
    /// Not a handle at all (or longer than [`MAX_HANDLE_BYTES`]).
    Malformed,
    /// Its tag is not this key's: forged, altered, or sealed by a server
    /// with another key.
    Forged,
    /// Past its expiry.
    Expired,
}

/// What a handle carries (as sealed).
#[derive(Serialize)]
struct SealedRef<'a> {
    /// Expiry, seconds since the Unix epoch.
    exp: u64,
    upload: &'a Manifest,
}

/// What a handle carries (as opened).
#[derive(Deserialize)]
struct Sealed {
    exp: u64,
    upload: Manifest,
}

impl HandleKey {
    /// The handle key of a server whose token secret is `secret`.
    pub fn derive(secret: &[u8]) -> HandleKey {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(KEY_LABEL);
        HandleKey(mac.finalize().into_bytes().into())
    }

    /// A random key: handles sealed with it die with the process (a server
    /// without a token secret, in local development).
    pub fn random() -> Result<HandleKey, String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|err| err.to_string())?;
        Ok(HandleKey(key))
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// The handle of `manifest`, valid until `expires_at`.
    pub fn seal(&self, manifest: &Manifest, expires_at: SystemTime) -> String {
        let sealed = SealedRef {
            exp: unix_secs(expires_at),
            upload: manifest,
        };
        let json = serde_json::to_vec(&sealed).expect("a manifest is JSON");
        let payload = URL_SAFE_NO_PAD.encode(json);
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The manifest `handle` carries, if this key sealed it and it has not
    /// expired at `now`. Nothing of the payload is read before its tag is
    /// found to be this key's.
    pub fn open(&self, handle: &str, now: SystemTime) -> Result<Manifest, HandleError> {
        if handle.len() > MAX_HANDLE_BYTES {
            return Err(HandleError::Malformed);
        }
        let (payload, tag) = handle.split_once('.').ok_or(HandleError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| HandleError::Malformed)?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        // Constant time, and a tag of any other length fails.
        mac.verify_slice(&tag).map_err(|_| HandleError::Forged)?;
        let sealed: Sealed = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(HandleError::Malformed)?;
        if unix_secs(now) > sealed.exp {
            return Err(HandleError::Expired);
        }
        Ok(sealed.upload)
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use vidrop_shared::api::MediaInfo;
    use vidrop_shared::parts::PartPlan;

    fn manifest() -> Manifest {
        let plan = PartPlan::for_size(17 * 1024 * 1024);
        Manifest {
            id: "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG".into(),
            key: "videos/u/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.webm".into(),
            upload_id: Some("an-upload-id".into()),
            filename: "Été.webm".into(),
            content_type: "video/webm".into(),
            size: plan.size,
            sha256: None,
            part_size: plan.part_size,
            part_count: plan.part_count,
            created_at: "2026-11-23T16:00:00Z".into(),
            media: MediaInfo {
                duration: Some(4.5),
                width: Some(640),
                height: Some(360),
            },
            poster_size: Some(1000),
        }
    }

    #[test]
    fn a_handle_opens_to_what_was_sealed_until_it_expires() {
        let key = HandleKey::derive(b"a token secret of at least 32 bytes");
        let now = SystemTime::now();
        let handle = key.seal(&manifest(), now + Duration::from_secs(60));
        assert!(handle.len() < 1024, "{} bytes", handle.len());
        assert!(
            handle
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{handle}"
        );
        assert_eq!(key.open(&handle, now), Ok(manifest()));
        assert_eq!(
            key.open(&handle, now + Duration::from_secs(59)),
            Ok(manifest())
        );
        assert_eq!(
            key.open(&handle, now + Duration::from_secs(61)),
            Err(HandleError::Expired)
        );
    }

    #[test]
    fn only_the_key_that_sealed_a_handle_opens_it() {
        let key = HandleKey::derive(b"a token secret of at least 32 bytes");
        let now = SystemTime::now();
        let handle = key.seal(&manifest(), now + Duration::from_secs(60));
        let other = HandleKey::derive(b"another token secret, 32 bytes too");
        assert_eq!(other.open(&handle, now), Err(HandleError::Forged));
        assert_eq!(
            HandleKey::random().unwrap().open(&handle, now),
            Err(HandleError::Forged)
        );
        // Same secret, same key: another instance opens it.
        let again = HandleKey::derive(b"a token secret of at least 32 bytes");
        assert_eq!(again.open(&handle, now), Ok(manifest()));
    }

    #[test]
    fn an_altered_handle_is_refused() {
        let key = HandleKey::derive(b"a token secret of at least 32 bytes");
        let now = SystemTime::now();
        let handle = key.seal(&manifest(), now + Duration::from_secs(60));
        let (payload, tag) = handle.split_once('.').unwrap();

        // Another key in the payload, under the original tag.
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let moved = json.replace("videos/u/", "videos/v/");
        assert_ne!(moved, json);
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(moved));
        assert_eq!(key.open(&forged, now), Err(HandleError::Forged));

        // One character changed anywhere.
        for at in [0, payload.len() / 2, payload.len() + 1, handle.len() - 1] {
            let mut bytes = handle.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).unwrap();
            assert!(key.open(&altered, now).is_err(), "changed at {at}");
        }
        // A tag cut short, or none at all.
        let short = &handle[..handle.len() - 2];
        assert!(key.open(short, now).is_err());
        assert_eq!(key.open(payload, now), Err(HandleError::Malformed));
        assert_eq!(
            key.open(&format!("{payload}."), now),
            Err(HandleError::Forged)
        );
        assert_eq!(key.open("", now), Err(HandleError::Malformed));
        let long = "A".repeat(MAX_HANDLE_BYTES + 1);
        assert_eq!(key.open(&long, now), Err(HandleError::Malformed));
    }
}
