//! How a SHA-256 checksum travels: standard padded base64 of the 32-byte
//! digest, as S3's `x-amz-checksum-sha256` header carries it. The widget
//! encodes with [`sha256_base64`]; the backend checks with [`is_base64_sha256`]
//! before it binds a value into a signature.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Whether `value` is standard base64 (padded) of exactly 32 bytes.
pub fn is_base64_sha256(value: &str) -> bool {
    // 256 bits = 42 full digits + 4 bits: the 43rd digit's low 2 bits are 0.
    const LAST_DIGITS: &[u8] = b"AEIMQUYcgkosw048";
    let bytes = value.as_bytes();
    bytes.len() == 44
        && bytes[..42].iter().all(|b| ALPHABET.contains(b))
        && LAST_DIGITS.contains(&bytes[42])
        && bytes[43] == b'='
}

/// The header value of a 32-byte digest.
pub fn sha256_base64(digest: &[u8; 32]) -> String {
    let mut out = String::with_capacity(44);
    for chunk in digest.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let digits = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, digit) in digits.iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[*digit as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: [u8; 32] = [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ];

    #[test]
    fn digests_encode_as_s3_expects() {
        assert_eq!(
            sha256_base64(&EMPTY_SHA256),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            sha256_base64(&[0xff; 32]),
            "//////////////////////////////////////////8="
        );
        assert!(is_base64_sha256(&sha256_base64(&[0xff; 32])));
        assert!(is_base64_sha256(&sha256_base64(&[0; 32])));
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
