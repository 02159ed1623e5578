//! `GET /api/videos` and `GET /api/videos/{id}`: the videos, read from S3
//! alone (a listing of `videos/` and each object's metadata), and a presigned
//! GET to play one straight from S3.

use crate::error::{AppError, AppJson, AppPath};
use crate::routes::uploads::check_id;
use crate::state::AppState;
use crate::storage::{ObjectEntry, ObjectHead, Storage, StorageError, rfc3339};
use axum::extract::State;
use futures::{StreamExt, TryStreamExt, stream};
use std::cmp::Reverse;
use vidrop_shared::api::{Video, VideoList, VideoSummary};
use vidrop_shared::filename::{
    Disposition, FILENAME_METADATA_KEY, content_disposition, percent_decode,
};
use vidrop_shared::keys::{VIDEO_PREFIX, video_id_from_key, video_key_prefix};
use vidrop_shared::policy::content_type_from_filename;

/// How many `HeadObject` calls one listing makes at once.
const HEAD_CONCURRENCY: usize = 8;

/// The type given to an object that has none and whose name suggests none.
const UNKNOWN_CONTENT_TYPE: &str = "application/octet-stream";

/// Lists every video, newest first.
pub async fn videos_index(State(state): State<AppState>) -> Result<AppJson<VideoList>, AppError> {
    let entries = state.storage.list(VIDEO_PREFIX).await?;
    let storage = &state.storage;
    let mut found: Vec<Found> = stream::iter(entries)
        .filter(|entry| std::future::ready(video_id_from_key(&entry.key).is_some()))
        .map(|entry| describe(storage, entry))
        .buffer_unordered(HEAD_CONCURRENCY)
        .try_filter_map(|found| std::future::ready(Ok(found)))
        .try_collect()
        .await?;
    found.sort_by_key(|video| Reverse((video.sort_time, video.summary.id.clone())));
    Ok(AppJson(VideoList {
        videos: found.into_iter().map(|video| video.summary).collect(),
    }))
}

/// One video, with a presigned GET that plays it inline under its file name.
pub async fn videos_show(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
) -> Result<AppJson<Video>, AppError> {
    check_id(&id)?;
    let video = find_video(&state.storage, &id)
        .await?
        .ok_or(AppError::VideoNotFound(id))?;
    Ok(AppJson(video))
}

/// The object of video `id` (a valid id), as listed; `None` when there is none.
pub(crate) async fn find_video_object(
    storage: &Storage,
    id: &str,
) -> Result<Option<ObjectEntry>, StorageError> {
    Ok(storage
        .list(&video_key_prefix(id))
        .await?
        .into_iter()
        .find(|entry| video_id_from_key(&entry.key) == Some(id)))
}

/// Video `id` (a valid id) as `GET /api/videos/{id}` answers it; `None` when
/// there is no such video.
pub(crate) async fn find_video(storage: &Storage, id: &str) -> Result<Option<Video>, StorageError> {
    let Some(entry) = find_video_object(storage, id).await? else {
        return Ok(None);
    };
    let Some(head) = storage.head(&entry.key).await? else {
        return Ok(None);
    };
    video(storage, &entry, head).await.map(Some)
}

/// The video of a listed object whose `HeadObject` the caller already has,
/// with a presigned GET that plays it inline under its file name.
pub(crate) async fn video(
    storage: &Storage,
    entry: &ObjectEntry,
    head: ObjectHead,
) -> Result<Video, StorageError> {
    let found = summarize(entry, head);
    let disposition = content_disposition(Disposition::Inline, &found.summary.filename);
    let presigned = storage.presign_get(&entry.key, Some(disposition)).await?;
    Ok(Video {
        summary: found.summary,
        url: presigned.url,
        expires_at: rfc3339(presigned.expires_at),
    })
}

/// A video and the instant it sorts by.
struct Found {
    summary: VideoSummary,
    /// Seconds and nanoseconds since the epoch of its last modification.
    sort_time: (i64, u32),
}

/// The summary of a listed video object, from its `HeadObject`; `None` when
/// the object went away in between.
async fn describe(storage: &Storage, entry: ObjectEntry) -> Result<Option<Found>, StorageError> {
    Ok(storage
        .head(&entry.key)
        .await?
        .map(|head| summarize(&entry, head)))
}

/// The summary of a listed video object, from its `HeadObject`.
fn summarize(entry: &ObjectEntry, head: ObjectHead) -> Found {
    let id = video_id_from_key(&entry.key).unwrap_or_default().to_owned();
    let object_name = entry.key.rsplit('/').next().unwrap_or(&entry.key);
    let filename = head
        .metadata
        .get(FILENAME_METADATA_KEY)
        .and_then(|encoded| percent_decode(encoded))
        .unwrap_or_else(|| object_name.to_owned());
    let content_type = head
        .content_type
        .filter(|ty| !ty.is_empty())
        .or_else(|| content_type_from_filename(object_name).map(str::to_owned))
        .unwrap_or_else(|| UNKNOWN_CONTENT_TYPE.to_owned());
    let modified = entry.last_modified.or(head.last_modified);
    let sort_time = modified.map_or((0, 0), |time| (time.secs(), time.subsec_nanos()));
    Found {
        summary: VideoSummary {
            id,
            filename,
            content_type,
            size: head.size,
            uploaded_at: modified.map(rfc3339).unwrap_or_default(),
        },
        sort_time,
    }
}
