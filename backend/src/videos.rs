//! The videos service: the videos a caller may see, read from S3 alone, and
//! one described as the API answers it, a [`VideoSummary`] or a [`Video`]
//! with a presigned GET that plays it straight from S3, inline under its file
//! name.
//!
//! A listing page is one `ListObjectsV2` call: keys come newest first (video
//! ids sort that way, see [`crate::video_id`]), with their size and time.
//! The file name and type live in each object's metadata; since objects are
//! never replaced, they are cached by key ([`MetadataCache`]), and an
//! object's `HeadObject` is asked once per instance at most.

use crate::access::Scope;
use crate::error::AppError;
use crate::metadata::{Disposition, content_disposition, filename_from_metadata};
use crate::storage::{ObjectEntry, ObjectHead, Storage, StorageError, rfc3339};
use crate::video_id::check_video_id;
use aws_sdk_s3::primitives::DateTime;
use futures::{StreamExt, TryStreamExt, stream};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use vidrop_shared::api::{Video, VideoList, VideoListQuery, VideoSummary};
use vidrop_shared::keys::{is_video_id, video_prefix_and_id};
use vidrop_shared::policy::content_type_from_filename;

/// How many `HeadObject` calls one listing makes at once (for objects not
/// cached yet).
const HEAD_CONCURRENCY: usize = 8;

/// A listing page's size unless `?limit=` says otherwise, and its most.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// How many objects' metadata an instance remembers.
const CACHED_OBJECTS: usize = 10_000;

/// The type given to an object that has none and whose name suggests none.
const UNKNOWN_CONTENT_TYPE: &str = "application/octet-stream";

/// What a video's object metadata says that a listing does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoMetadata {
    pub filename: String,
    pub content_type: String,
}

impl VideoMetadata {
    /// The metadata of `key` as its `HeadObject` tells it.
    fn of(key: &str, head: &ObjectHead) -> VideoMetadata {
        let object_name = key.rsplit('/').next().unwrap_or(key);
        VideoMetadata {
            filename: filename_from_metadata(&head.metadata)
                .unwrap_or_else(|| object_name.to_owned()),
            content_type: head
                .content_type
                .clone()
                .filter(|ty| !ty.is_empty())
                .or_else(|| content_type_from_filename(object_name).map(str::to_owned))
                .unwrap_or_else(|| UNKNOWN_CONTENT_TYPE.to_owned()),
        }
    }
}

/// The metadata of video objects by key, least recently used forgotten
/// first. Objects are created once and never replaced, so an entry never
/// goes stale; a deleted object is simply not listed any more.
pub struct MetadataCache(Mutex<LruCache<String, VideoMetadata>>);

impl Default for MetadataCache {
    fn default() -> Self {
        MetadataCache(Mutex::new(LruCache::new(
            NonZeroUsize::new(CACHED_OBJECTS).expect("not zero"),
        )))
    }
}

impl MetadataCache {
    fn get(&self, key: &str) -> Option<VideoMetadata> {
        self.lock().get(key).cloned()
    }

    fn put(&self, key: &str, metadata: VideoMetadata) {
        self.lock().put(key.to_owned(), metadata);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, VideoMetadata>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The metadata of `key`, from the cache or its `HeadObject`; `None`
    /// when the object is gone.
    async fn fetch(
        &self,
        storage: &Storage,
        key: &str,
    ) -> Result<Option<VideoMetadata>, StorageError> {
        if let Some(known) = self.get(key) {
            return Ok(Some(known));
        }
        let Some(head) = storage.head(key).await? else {
            return Ok(None);
        };
        let metadata = VideoMetadata::of(key, &head);
        self.put(key, metadata.clone());
        Ok(Some(metadata))
    }
}

/// One page of the videos directly under the caller's prefix, newest first.
pub async fn list_videos(
    storage: &Storage,
    cache: &MetadataCache,
    scope: &Scope,
    query: VideoListQuery,
) -> Result<VideoList, AppError> {
    let prefix = scope.video_prefix();
    let start_after = match query.cursor {
        // Past every key of that id (`<id>.<ext>` < `<id>/`).
        Some(cursor) if is_video_id(&cursor) => Some(format!("{prefix}{cursor}/")),
        Some(_) => return Err(AppError::InvalidCursor),
        None => None,
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let page = storage
        .list_page(
            &prefix,
            true,
            start_after,
            i32::try_from(limit).unwrap_or(1000),
        )
        .await?;
    let next_cursor = page
        .is_truncated
        .then(|| {
            page.entries
                .last()
                .and_then(|last| id_in_scope(scope, &last.key))
        })
        .flatten()
        .map(str::to_owned);
    let videos: Vec<VideoSummary> = stream::iter(page.entries)
        .filter(|entry| std::future::ready(id_in_scope(scope, &entry.key).is_some()))
        .map(|entry| async move {
            let metadata = cache.fetch(storage, &entry.key).await?;
            Ok::<_, StorageError>(metadata.map(|metadata| summarize(&entry, metadata)))
        })
        .buffered(HEAD_CONCURRENCY)
        .try_filter_map(|found| std::future::ready(Ok(found)))
        .try_collect()
        .await?;
    Ok(VideoList {
        videos,
        next_cursor,
    })
}

/// Video `id` inside the caller's scope, with a presigned GET that plays it
/// inline under its file name; `400 invalid_id` for an id that is not one,
/// `404 not_found` when the scope holds no such video.
pub async fn show_video(
    storage: &Storage,
    cache: &MetadataCache,
    scope: &Scope,
    id: &str,
) -> Result<Video, AppError> {
    check_video_id(id)?;
    find_video(storage, cache, scope, id)
        .await?
        .ok_or_else(|| AppError::VideoNotFound(id.to_owned()))
}

/// Video `id` (a valid id) inside `scope`, as `GET /api/videos/{id}` answers
/// it; `None` when there is no such video there.
pub async fn find_video(
    storage: &Storage,
    cache: &MetadataCache,
    scope: &Scope,
    id: &str,
) -> Result<Option<Video>, StorageError> {
    let listed = storage
        .list_page(&format!("{}{id}.", scope.video_prefix()), true, None, 10)
        .await?;
    let Some(entry) = listed
        .entries
        .into_iter()
        .find(|entry| id_in_scope(scope, &entry.key) == Some(id))
    else {
        return Ok(None);
    };
    let Some(metadata) = cache.fetch(storage, &entry.key).await? else {
        return Ok(None);
    };
    describe_video(storage, &entry, metadata).await.map(Some)
}

/// The video of an object whose `HeadObject` the caller has just made (a
/// completion), remembered in the cache.
pub async fn describe_checked_video(
    storage: &Storage,
    cache: &MetadataCache,
    key: &str,
    head: &ObjectHead,
) -> Result<Video, StorageError> {
    let metadata = VideoMetadata::of(key, head);
    cache.put(key, metadata.clone());
    let entry = ObjectEntry {
        key: key.to_owned(),
        size: head.size,
        last_modified: head.last_modified,
    };
    describe_video(storage, &entry, metadata).await
}

/// A listed object and its metadata as a video, with a presigned GET that
/// plays it inline under its file name.
async fn describe_video(
    storage: &Storage,
    entry: &ObjectEntry,
    metadata: VideoMetadata,
) -> Result<Video, StorageError> {
    let summary = summarize(entry, metadata);
    let disposition = content_disposition(Disposition::Inline, &summary.filename);
    let presigned = storage.presign_get(&entry.key, Some(disposition)).await?;
    Ok(Video {
        summary,
        url: presigned.url,
        expires_at: rfc3339(presigned.expires_at),
    })
}

/// The id of a video object directly under the scope's prefix.
fn id_in_scope<'a>(scope: &Scope, key: &'a str) -> Option<&'a str> {
    video_prefix_and_id(key)
        .filter(|(prefix, _)| *prefix == scope.prefix)
        .map(|(_, id)| id)
}

/// A listed video object as the API lists it.
fn summarize(entry: &ObjectEntry, metadata: VideoMetadata) -> VideoSummary {
    VideoSummary {
        id: video_prefix_and_id(&entry.key)
            .map(|(_, id)| id.to_owned())
            .unwrap_or_default(),
        filename: metadata.filename,
        content_type: metadata.content_type,
        size: entry.size,
        // Whole seconds: a listing tells milliseconds, `HeadObject` does not,
        // and a video reads the same either way.
        uploaded_at: entry
            .last_modified
            .map(|time| rfc3339(DateTime::from_secs(time.secs())))
            .unwrap_or_default(),
    }
}
