//! What one request may touch: the [`Caller`] (who it is) gives a [`Scope`]
//! (where and how much). Every upload, part, completion, abort, listing and
//! playback route checks the scope before it reads or signs anything, and
//! answers "not found" for what lies outside it, so that a caller learns
//! nothing of other prefixes.

use crate::access::tokens::VerifiedToken;
use vidrop_shared::keys::VIDEO_PREFIX;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credential, on a server open for local development.
    Open,
    /// A host site's backend, with an API key.
    ApiKey,
    /// A widget, with an upload token.
    Token(VerifiedToken),
}

/// Where and how much a caller may upload and read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Key prefix under `videos/`: `""` (everything) or segments ending in `/`.
    pub prefix: String,
    /// The largest upload, in bytes (the server's and the token's limit).
    pub max_size: u64,
    /// The content types allowed beyond the server's policy; `None`: any.
    pub content_types: Option<Vec<String>>,
    /// The token's id and how many uploads it may start, when limited.
    pub upload_quota: Option<(String, u32)>,
}

impl Caller {
    /// The scope of this caller on a server that takes uploads up to
    /// `server_max_size` bytes.
    pub fn scope(&self, server_max_size: u64) -> Scope {
        match self {
            Caller::Open | Caller::ApiKey => Scope {
                prefix: String::new(),
                max_size: server_max_size,
                content_types: None,
                upload_quota: None,
            },
            Caller::Token(token) => Scope {
                prefix: token.grant.prefix.clone(),
                max_size: token.grant.max_size.min(server_max_size),
                content_types: token.grant.content_types.clone(),
                upload_quota: token.grant.max_uploads.map(|max| (token.id.clone(), max)),
            },
        }
    }

    /// Whether this caller holds an API key (needed to mint tokens).
    pub fn is_api_key(&self) -> bool {
        matches!(self, Caller::ApiKey)
    }
}

impl Scope {
    /// The key prefix of the videos in this scope: `videos/<prefix>`.
    pub fn video_prefix(&self) -> String {
        format!("{VIDEO_PREFIX}{}", self.prefix)
    }

    /// Whether the video object `key` lies in this scope.
    pub fn owns_key(&self, key: &str) -> bool {
        key.strip_prefix(VIDEO_PREFIX)
            .is_some_and(|rest| rest.starts_with(&self.prefix))
    }

    /// Whether `content_type` (normalised) is one this scope may upload.
    pub fn allows_type(&self, content_type: &str) -> bool {
        self.content_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|allowed| allowed == content_type))
    }
}
