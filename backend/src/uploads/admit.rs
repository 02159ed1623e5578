//! Admitting an upload, whichever way its bytes travel (a presigned PUT or
//! parts, or relayed through the server): the policy (a video type, 1 byte
//! to the scope's largest size), the types the caller's token allows, and
//! one of the uploads its quota grants. Nothing is stored for a refusal
//! but the quota claim, made last.

use super::quota::claim_upload;
use crate::access::Scope;
use crate::error::AppError;
use crate::storage::Storage;
use vidrop_shared::policy::check_upload;

/// Checks an upload of `size` bytes of `content_type` against the policy
/// and `scope`, then claims one of the scope's uploads; answers the
/// normalised content type.
pub async fn admit_upload(
    storage: &Storage,
    scope: &Scope,
    content_type: &str,
    size: u64,
) -> Result<String, AppError> {
    let content_type = check_upload(content_type, size, scope.max_size)?;
    if let Some(allowed) = scope
        .content_types
        .as_ref()
        .filter(|_| !scope.allows_type(&content_type))
    {
        return Err(AppError::TypeNotAllowed {
            content_type,
            allowed: allowed.join(", "),
        });
    }
    claim_upload(storage, scope).await?;
    Ok(content_type)
}
