//! The API keys of host sites' own backends: read from `--api-keys-file` (one
//! per line, `#` starts a comment) and `VIDROP_API_KEYS` (comma-separated),
//! and compared in constant time, so that a caller cannot learn a key from
//! how long a refusal takes.

use std::fmt;
use std::path::Path;
use subtle::ConstantTimeEq;

/// The shortest API key accepted, in bytes.
pub const MIN_API_KEY_BYTES: usize = 16;

/// The configured keys. Never printed.
#[derive(Clone, Default)]
pub struct ApiKeys(Vec<Vec<u8>>);

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeys({} keys)", self.0.len())
    }
}

impl ApiKeys {
    /// Keys from a file's text (one per line, `#` comments, blank lines
    /// ignored) and from a comma-separated list.
    pub fn parse(file_text: Option<&str>, list: &[String]) -> Result<ApiKeys, String> {
        let from_file = file_text
            .into_iter()
            .flat_map(str::lines)
            .map(|line| line.split('#').next().unwrap_or_default());
        let from_list = list.iter().map(String::as_str);
        let mut keys = Vec::new();
        for key in from_file.chain(from_list).map(str::trim) {
            if key.is_empty() {
                continue;
            }
            if key.len() < MIN_API_KEY_BYTES {
                return Err(format!(
                    "an API key is {} bytes long; each must have at least {MIN_API_KEY_BYTES}",
                    key.len()
                ));
            }
            if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err("an API key contains white space or a control character".into());
            }
            keys.push(key.as_bytes().to_vec());
        }
        Ok(ApiKeys(keys))
    }

    /// Reads `--api-keys-file` (if given) and adds the listed keys.
    pub fn load(file: Option<&Path>, list: &[String]) -> Result<ApiKeys, String> {
        let text =
            match file {
                Some(path) => Some(std::fs::read_to_string(path).map_err(|err| {
                    format!("cannot read --api-keys-file {}: {err}", path.display())
                })?),
                None => None,
            };
        ApiKeys::parse(text.as_deref(), list)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `given` is one of the keys. Every key is compared, each in
    /// constant time, whichever matches.
    pub fn contains(&self, given: &str) -> bool {
        let given = given.as_bytes();
        self.0
            .iter()
            .fold(subtle::Choice::from(0), |found, key| {
                found | key.as_slice().ct_eq(given)
            })
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_file_lines_and_the_list() {
        let keys = ApiKeys::parse(
            Some("# host site A\nkey-aaaaaaaaaaaaaaaa  # prod\n\n  key-bbbbbbbbbbbbbbbb\n"),
            &["key-cccccccccccccccc".into()],
        )
        .unwrap();
        assert_eq!(keys.len(), 3);
        assert!(keys.contains("key-aaaaaaaaaaaaaaaa"));
        assert!(keys.contains("key-cccccccccccccccc"));
        assert!(
            !keys.contains("key-aaaaaaaaaaaaaaab"),
            "wrong by one character"
        );
        assert!(!keys.contains("key-aaaaaaaaaaaaaaa"), "one character short");
        assert!(!keys.contains(""));
        assert!(!format!("{keys:?}").contains("key-"));
    }

    #[test]
    fn short_or_spaced_keys_are_refused() {
        assert!(ApiKeys::parse(None, &["short".into()]).is_err());
        assert!(ApiKeys::parse(Some("a b c d e f g h i j k l\n"), &[]).is_err());
        assert!(ApiKeys::parse(None, &[]).unwrap().is_empty());
    }
}
