//! The sweep of abandoned uploads: multipart uploads under `videos/` that
//! started longer ago than `--abandon-after` are aborted (their parts cost
//! storage until then) and their posters and manifests deleted; a single PUT
//! whose completion never came is settled as a completion would (verified,
//! or deleted with its poster if it is not what was approved), one never
//! sent loses its poster, and manifests older than that whose upload is
//! gone are deleted. (`--abandon-after` is longer than `--presign-expiry`,
//! so no poster URL of an upload swept still works.) The markers that count
//! a token's uploads go once no token that could use them is alive.
//! [`sweep_abandoned`] does one pass; [`Sweeper`] runs it at start and every
//! [`SWEEP_INTERVAL`] until the server stops.
//!
//! Like everything else here it reads S3 alone (`ListMultipartUploads`,
//! `ListObjectsV2`), so several instances may sweep the same bucket: an upload
//! aborted twice is simply gone.

use crate::error::AppError;
use crate::manifest::Manifest;
use crate::metrics::Metrics;
use crate::poster::delete_poster;
use crate::storage::{Storage, StorageError};
use crate::uploads::{Settled, settle};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use vidrop_shared::keys::{
    PENDING_MANIFEST_PREFIX, QUOTA_PREFIX, VIDEO_PREFIX, pending_id_from_key, poster_key_of,
    video_id_from_key,
};

/// How often the server sweeps.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Keys of the uploads aborted.
    pub aborted: Vec<String>,
    /// Uploads in progress left alone (young enough, or of unknown age).
    pub kept: usize,
    /// Manifests deleted (of aborted uploads, and stale ones).
    pub manifests_deleted: usize,
    /// Single PUTs never completed, verified now (kept or deleted).
    pub settled: usize,
    /// Uploads or manifests whose abort or deletion failed (logged; the next
    /// sweep tries again).
    pub failed: usize,
}

/// Aborts the multipart uploads under `videos/` that started more than
/// `older_than` ago, and deletes their manifests and any manifest that old.
/// Fails only when the store cannot be listed; a failed abort or deletion is
/// logged, counted in [`SweepReport::failed`], and left for the next sweep.
pub async fn sweep_abandoned(
    storage: &Storage,
    older_than: Duration,
) -> Result<SweepReport, StorageError> {
    let cutoff = SystemTime::now()
        .checked_sub(older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut report = SweepReport::default();
    let mut young = HashSet::new();

    for upload in storage.list_multipart_uploads(VIDEO_PREFIX).await? {
        let id = video_id_from_key(&upload.key).map(str::to_owned);
        let abandoned = upload.initiated.is_some_and(|started| started <= cutoff);
        if !abandoned {
            report.kept += 1;
            young.extend(id);
            continue;
        }
        match storage
            .abort_multipart(&upload.key, &upload.upload_id)
            .await
        {
            // Its poster, if one was sent (whether one was announced is in
            // the manifest; deleting is as cheap as reading it). Not when
            // S3 knew the upload no more: it may have just been completed.
            Ok(true) => {
                if let Some(poster) = poster_key_of(&upload.key)
                    && let Err(err) = storage.delete(&poster).await
                {
                    tracing::warn!(key = %poster, cause = %err.cause(), "cannot delete the poster of an abandoned upload");
                    report.failed += 1;
                }
            }
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(key = %upload.key, cause = %err.cause(), "cannot abort an abandoned upload");
                report.failed += 1;
                continue;
            }
        }
        tracing::info!(key = %upload.key, "aborted an abandoned multipart upload");
        report.aborted.push(upload.key);
        if let Some(id) = id {
            match Manifest::delete(storage, &id).await {
                Ok(()) => report.manifests_deleted += 1,
                Err(err) => {
                    tracing::warn!(%id, cause = %err.cause(), "cannot delete a manifest");
                    report.failed += 1;
                }
            }
        }
    }

    for entry in storage.list(PENDING_MANIFEST_PREFIX).await? {
        let Some(id) = pending_id_from_key(&entry.key) else {
            continue;
        };
        let old = entry
            .last_modified
            .and_then(|time| SystemTime::try_from(time).ok())
            .is_some_and(|time| time <= cutoff);
        if !old || young.contains(id) {
            continue;
        }
        if let Ok(Some(manifest)) = Manifest::load(storage, id).await
            && !manifest.is_multipart()
        {
            // A single PUT whose completion never came: settled as a
            // completion would settle it.
            match settle(storage, &manifest).await {
                Ok(Settled::Verified(_)) | Err(AppError::VerificationFailed(_)) => {
                    report.settled += 1;
                    report.manifests_deleted += 1;
                    continue;
                }
                // Never uploaded: its poster, if one was sent, and the
                // manifest (below) are all that is left.
                Ok(Settled::Missing) => {
                    if let Err(err) = delete_poster(storage, &manifest).await {
                        tracing::warn!(%id, cause = %err.cause(), "cannot delete the poster of an upload never sent");
                        report.failed += 1;
                        continue;
                    }
                }
                Err(err) => {
                    tracing::warn!(%id, error = %err, "cannot settle an uncompleted upload");
                    report.failed += 1;
                    continue;
                }
            }
        }
        match storage.delete(&entry.key).await {
            Ok(()) => report.manifests_deleted += 1,
            Err(err) => {
                tracing::warn!(key = %entry.key, cause = %err.cause(), "cannot delete a stale manifest");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Deletes the markers counting the uploads of tokens (see
/// `uploads::quota`) made more than `older_than` ago: no token that could
/// count them is alive any more. Answers how many went.
pub async fn sweep_quota_markers(
    storage: &Storage,
    older_than: Duration,
) -> Result<usize, StorageError> {
    let cutoff = SystemTime::now()
        .checked_sub(older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut deleted = 0;
    for entry in storage.list(QUOTA_PREFIX).await? {
        let old = entry
            .last_modified
            .and_then(|time| SystemTime::try_from(time).ok())
            .is_some_and(|time| time <= cutoff);
        if old {
            match storage.delete(&entry.key).await {
                Ok(()) => deleted += 1,
                Err(err) => {
                    tracing::warn!(key = %entry.key, cause = %err.cause(), "cannot delete a quota marker");
                }
            }
        }
    }
    Ok(deleted)
}

/// The sweep running on its own task.
pub(crate) struct Sweeper {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Sweeper {
    /// Sweeps now, then every `interval`, until [`Sweeper::stop`]: uploads
    /// older than `older_than`, quota markers older than `markers_after`.
    pub(crate) fn spawn(
        storage: Arc<Storage>,
        metrics: Arc<Metrics>,
        older_than: Duration,
        markers_after: Duration,
        interval: Duration,
    ) -> Sweeper {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    result = sweep_abandoned(&storage, older_than) => {
                        if let Ok(report) = &result {
                            metrics.sweep(report.aborted.len() as u64, report.failed as u64);
                        }
                        match result {
                            Ok(report) if report.aborted.is_empty()
                                && report.manifests_deleted == 0
                                && report.failed == 0 => {
                                tracing::debug!(kept = report.kept, "sweep: nothing abandoned");
                            }
                            Ok(report) => tracing::info!(
                                aborted = report.aborted.len(),
                                manifests_deleted = report.manifests_deleted,
                                settled = report.settled,
                                kept = report.kept,
                                failed = report.failed,
                                "sweep of abandoned uploads done"
                            ),
                            Err(err) => tracing::warn!(
                                operation = err.operation(),
                                cause = %err.cause(),
                                "sweep of abandoned uploads failed; next try in an hour"
                            ),
                        }
                    }
                }
                tokio::select! {
                    _ = &mut stopped => return,
                    result = sweep_quota_markers(&storage, markers_after) => match result {
                        Ok(0) => {}
                        Ok(deleted) => tracing::info!(deleted, "quota markers of expired tokens deleted"),
                        Err(err) => tracing::warn!(cause = %err.cause(), "sweep of quota markers failed"),
                    },
                }
                tokio::select! {
                    _ = &mut stopped => return,
                    () = tokio::time::sleep(interval) => {}
                }
            }
        });
        Sweeper { stop, task }
    }

    /// Stops the sweep (one in progress is dropped) and waits for its task.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "sweep task failed");
        }
    }
}
