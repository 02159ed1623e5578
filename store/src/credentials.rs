//! The store's credentials: one key pair, drawn at random at each start, so
//! that URLs signed by an earlier run stop working while the objects stay.

/// The alphabet of access key ids (AWS's look: upper case and digits).
const ACCESS_KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The alphabet of secret keys (AWS's look: base64 characters).
const SECRET_KEY_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// One run's key pair.
pub(crate) struct KeyPair {
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
}

impl KeyPair {
    /// A fresh pair: `VD` and 18 random characters, and 40 random ones
    /// (90 and 240 bits).
    pub(crate) fn generate() -> Result<KeyPair, getrandom::Error> {
        Ok(KeyPair {
            access_key: format!("VD{}", random_text(18, ACCESS_KEY_ALPHABET)?),
            secret_key: random_text(40, SECRET_KEY_ALPHABET)?,
        })
    }
}

/// `len` characters drawn from `alphabet` (whose length divides 256, so each
/// is equally likely).
fn random_text(len: usize, alphabet: &[u8]) -> Result<String, getrandom::Error> {
    debug_assert_eq!(256 % alphabet.len(), 0);
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect())
}

/// The first four characters of a key id, for logs.
pub(crate) fn redact(access_key: &str) -> String {
    let shown: String = access_key.chars().take(4).collect();
    format!("{shown}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_text_uses_the_alphabet() {
        let text = random_text(64, b"ab").unwrap();
        assert_eq!(text.len(), 64);
        assert!(text.chars().all(|c| c == 'a' || c == 'b'));
        assert_ne!(
            random_text(40, b"0123").unwrap(),
            random_text(40, b"0123").unwrap()
        );
    }

    #[test]
    fn key_pairs_look_like_aws_ones_and_differ() {
        let one = KeyPair::generate().unwrap();
        let two = KeyPair::generate().unwrap();
        assert_eq!(one.access_key.len(), 20);
        assert!(one.access_key.starts_with("VD"));
        assert_eq!(one.secret_key.len(), 40);
        assert_ne!(one.access_key, two.access_key);
        assert_ne!(one.secret_key, two.secret_key);
    }

    #[test]
    fn redaction_keeps_four_characters() {
        assert_eq!(redact("VDABCDEFGH"), "VDAB…");
        assert_eq!(redact("VD"), "VD…");
    }
}
