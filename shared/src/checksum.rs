//! How a SHA-256 checksum travels: standard padded base64 of the 32-byte
//! digest, as S3's `x-amz-checksum-sha256` header carries it.
//! [`Sha256Checksum`] is the only way a checksum enters a wire type, so a
//! malformed one fails when the JSON is read, once, on either side.

use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A SHA-256 digest written as S3 writes it: padded standard base64 of its 32
/// bytes (44 characters). Surrounding white space is dropped when parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, format = Byte, example = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
)]
pub struct Sha256Checksum(String);

/// Why a text is not a [`Sha256Checksum`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidChecksum;

impl InvalidChecksum {
    /// The sentence every refusal of a checksum reads (also how a JSON
    /// error caused by one is recognised).
    pub const MESSAGE: &'static str =
        "\"sha256\" must be the base64 encoding of a 32-byte SHA-256 digest.";
}

impl fmt::Display for InvalidChecksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(InvalidChecksum::MESSAGE)
    }
}

impl std::error::Error for InvalidChecksum {}

impl Sha256Checksum {
    /// Checks `value` (white space around it is ignored).
    pub fn parse(value: &str) -> Result<Sha256Checksum, InvalidChecksum> {
        let value = value.trim();
        if is_base64_sha256(value) {
            Ok(Sha256Checksum(value.to_owned()))
        } else {
            Err(InvalidChecksum)
        }
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Checksum {
    type Error = InvalidChecksum;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sha256Checksum::parse(&value)
    }
}

impl From<Sha256Checksum> for String {
    fn from(checksum: Sha256Checksum) -> String {
        checksum.0
    }
}

impl fmt::Display for Sha256Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Sha256Checksum {
    type Err = InvalidChecksum;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Sha256Checksum::parse(value)
    }
}

/// Whether `value` is standard base64 (padded) of exactly 32 bytes. A syntax
/// rule, not a decoder: the digits and the padding a 32-byte value has.
fn is_base64_sha256(value: &str) -> bool {
    // 256 bits = 42 full digits + 4 bits: the 43rd digit's low 2 bits are 0.
    const LAST_DIGITS: &[u8] = b"AEIMQUYcgkosw048";
    let bytes = value.as_bytes();
    bytes.len() == 44
        && bytes[..42].iter().all(|b| ALPHABET.contains(b))
        && LAST_DIGITS.contains(&bytes[42])
        && bytes[43] == b'='
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_encode_as_s3_expects() {
        // The widget encodes digests with the browser's `btoa` (its tests
        // check these encodings); these are what they look like.
        assert!(is_base64_sha256(
            "//////////////////////////////////////////8="
        ));
        assert!(is_base64_sha256(
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        ));
    }

    #[test]
    fn checksums_parse_trimmed_and_refuse_anything_else() {
        let good = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let parsed = Sha256Checksum::parse(&format!("  {good}\n")).unwrap();
        assert_eq!(parsed.as_str(), good);
        let json: Sha256Checksum = serde_json::from_str(&format!("\"{good}\"")).unwrap();
        assert_eq!(json, parsed);
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            format!("\"{good}\"")
        );
        let error = serde_json::from_str::<Sha256Checksum>("\"abc\"").unwrap_err();
        assert!(
            error.to_string().contains(InvalidChecksum::MESSAGE),
            "{error}"
        );
        assert_eq!(Sha256Checksum::parse(""), Err(InvalidChecksum));
    }

    #[test]
    fn only_32_bytes_of_padded_base64_pass() {
        assert!(is_base64_sha256(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        ));
        assert!(!is_base64_sha256(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="
        ));
        assert!(!is_base64_sha256(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        ));
        assert!(!is_base64_sha256(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(!is_base64_sha256(""));
    }
}
