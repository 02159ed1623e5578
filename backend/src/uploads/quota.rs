//! How many uploads an upload token may start. The count lives in S3 as
//! marker objects, `.vidrop/quota/<token id>/<n>`, each created with
//! `If-None-Match: *`: of two instances claiming the same number, one gets
//! `412` and tries the next, so a token never starts more than its
//! `max_uploads`, whatever instance each request reaches. One listing counts
//! them (a token allows at most 1,000).

use crate::access::Scope;
use crate::error::AppError;
use crate::storage::Storage;
use vidrop_shared::keys::QUOTA_PREFIX;

/// Claims one of the uploads the caller's token allows; nothing to claim
/// when its scope has no quota.
pub(super) async fn claim_upload(storage: &Storage, scope: &Scope) -> Result<(), AppError> {
    let Some((token_id, max)) = &scope.upload_quota else {
        return Ok(());
    };
    let prefix = format!("{QUOTA_PREFIX}{token_id}/");
    let taken = storage.list(&prefix).await?.len();
    let first = u32::try_from(taken).unwrap_or(u32::MAX).saturating_add(1);
    for number in first..=*max {
        let key = format!("{prefix}{number:04}");
        if storage
            .put_bytes_if_absent(&key, Vec::new(), "application/octet-stream")
            .await?
        {
            return Ok(());
        }
    }
    Err(AppError::QuotaExceeded(*max))
}
