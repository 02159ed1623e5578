//! The videos service: the videos a caller may see, read from S3 alone, and
//! one described as the API answers it, a [`ListedVideo`] or a
//! [`VideoDetails`] with a presigned GET that plays it straight from S3,
//! inline under its file name; each with a presigned GET of its poster when
//! it has one. Playback URLs are signed from the start of a time window
//! (`Storage::presign_playback`), so they stay the same all window long.
//!
//! A listing page is one `ListObjectsV2` call: keys come newest first (video
//! ids sort that way, see [`crate::video_id`]), with their size and time,
//! and each video's poster beside it (`<id>.poster.jpg`: the keys of one id
//! sort together), so the listing itself says which videos have a poster,
//! and presigning its GET is local. A page asks for twice `?limit=` keys (a
//! video and its poster each); when S3 cuts the keys between a video and its
//! poster, that id is left to the next page.
//!
//! The file name and type, and the duration and frame size the browser read,
//! live in each object's metadata, which a listing does not return. Since
//! objects are never replaced, they are cached by key ([`MetadataCache`]),
//! and an object's `HeadObject` is asked once per instance at most (up to
//! `HEAD_CONCURRENCY` at once): the duration and frame size ride on the
//! `HeadObject` listings already made for the file name, and cost no S3
//! call of their own. (Encoding them in the key instead would have made
//! every video's key depend on what a browser claims, and broken the keys
//! of videos stored before.)

use crate::access::Scope;
use crate::error::AppError;
use crate::metadata::{
    Disposition, content_disposition, filename_from_metadata, media_from_metadata,
};
use crate::storage::{ObjectEntry, ObjectHead, Storage, StorageError, rfc3339};
use crate::video_id::check_video_id;
use aws_sdk_s3::primitives::DateTime;
use futures::{StreamExt, TryStreamExt, stream};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use vidrop_shared::api::{
    ListedVideo, MediaInfo, VideoDetails, VideoListQuery, VideoPage, VideoSummary,
};
use vidrop_shared::keys::{
    is_video_id, poster_key_in, poster_key_of, poster_prefix_and_id, video_prefix_and_id,
};
use vidrop_shared::policy::content_type_from_filename;

/// How many `HeadObject` calls one listing makes at once (for objects not
/// cached yet).
const HEAD_CONCURRENCY: usize = 8;

/// A listing page's size unless `?limit=` says otherwise, and its most.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// The most keys one `ListObjectsV2` call answers (S3's cap).
const MAX_KEYS_PER_CALL: u32 = 1000;

/// How many objects' metadata an instance remembers.
const CACHED_OBJECTS: usize = 10_000;

/// The type given to an object that has none and whose name suggests none.
const UNKNOWN_CONTENT_TYPE: &str = "application/octet-stream";

/// What a video's object metadata says that a listing does not.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoMetadata {
    pub filename: String,
    pub content_type: String,
    /// What the browser read of the video when it was uploaded.
    pub media: MediaInfo,
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
            media: media_from_metadata(&head.metadata),
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
) -> Result<VideoPage, AppError> {
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
            i32::try_from((2 * limit).min(MAX_KEYS_PER_CALL)).unwrap_or(1000),
        )
        .await?;
    let (ids, next_cursor) = page_of_ids(scope, page.entries, page.is_truncated, limit);
    let videos: Vec<ListedVideo> = stream::iter(ids)
        .filter_map(|listed| std::future::ready(listed.video.map(|video| (video, listed.poster))))
        .map(|(entry, poster)| async move {
            let Some(metadata) = cache.fetch(storage, &entry.key).await? else {
                return Ok(None);
            };
            let poster_url = match poster {
                Some(key) => Some(storage.presign_playback(&key, None).await?.url),
                None => None,
            };
            Ok::<_, StorageError>(Some(listed_video(&entry, metadata, poster_url)))
        })
        .buffered(HEAD_CONCURRENCY)
        .try_filter_map(|found| std::future::ready(Ok(found)))
        .try_collect()
        .await?;
    Ok(VideoPage {
        videos,
        next_cursor,
    })
}

/// The objects of one id in a listing: its video, and its poster's key.
#[derive(Debug, Clone, Default)]
struct IdObjects {
    id: String,
    video: Option<ObjectEntry>,
    poster: Option<String>,
}

/// The ids of one listed page (of up to twice `limit` keys, in key order)
/// that make a page of at most `limit` videos, and the cursor of the next
/// page. The keys of one id sort together, so when S3 cut the listing
/// (`truncated`), the last id may have lost its other object to the next
/// call: it is left to the next page unless both are here (or it is the
/// only id, lest the listing stand still).
fn page_of_ids(
    scope: &Scope,
    entries: Vec<ObjectEntry>,
    truncated: bool,
    limit: u32,
) -> (Vec<IdObjects>, Option<String>) {
    let mut ids: Vec<IdObjects> = Vec::new();
    for entry in entries {
        let (id, is_video) = match (id_in_scope(scope, &entry.key), poster_id(scope, &entry.key)) {
            (Some(id), _) => (id.to_owned(), true),
            (None, Some(id)) => (id.to_owned(), false),
            (None, None) => continue,
        };
        if ids.last().is_none_or(|last| last.id != id) {
            ids.push(IdObjects {
                id,
                ..IdObjects::default()
            });
        }
        let objects = ids.last_mut().expect("the entry's id is the last");
        if is_video {
            objects.video = Some(entry);
        } else {
            objects.poster = Some(entry.key);
        }
    }
    let mut more = truncated;
    if truncated
        && ids.len() > 1
        && ids
            .last()
            .is_some_and(|last| last.video.is_none() || last.poster.is_none())
    {
        ids.pop();
    }
    let mut videos = 0;
    let kept = ids
        .iter()
        .position(|objects| {
            videos += u32::from(objects.video.is_some());
            videos == limit
        })
        .map_or(ids.len(), |at| at + 1);
    more |= ids[kept..].iter().any(|objects| objects.video.is_some());
    ids.truncate(kept);
    let next_cursor = more
        .then(|| ids.last().map(|last| last.id.clone()))
        .flatten();
    (ids, next_cursor)
}

/// Video `id` inside the caller's scope, with a presigned GET that plays it
/// inline under its file name; `400 invalid_id` for an id that is not one,
/// `404 not_found` when the scope holds no such video.
pub async fn show_video(
    storage: &Storage,
    cache: &MetadataCache,
    scope: &Scope,
    id: &str,
) -> Result<VideoDetails, AppError> {
    check_video_id(id)?;
    find_video(storage, cache, scope, id)
        .await?
        .ok_or_else(|| AppError::VideoNotFound(id.to_owned()))
}

/// Video `id` (a valid id) inside `scope`, as `GET /api/videos/{id}` answers
/// it; `None` when there is no such video there. The listing that finds the
/// video finds its poster beside it.
pub async fn find_video(
    storage: &Storage,
    cache: &MetadataCache,
    scope: &Scope,
    id: &str,
) -> Result<Option<VideoDetails>, StorageError> {
    let listed = storage
        .list_page(&format!("{}{id}.", scope.video_prefix()), true, None, 10)
        .await?;
    let poster_key = poster_key_in(&scope.prefix, id);
    let has_poster = listed.entries.iter().any(|entry| entry.key == poster_key);
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
    let poster = has_poster.then_some(poster_key);
    describe_video(storage, &entry, metadata, poster.as_deref())
        .await
        .map(Some)
}

/// What a completion knows of the poster its upload's plan announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncedPoster {
    /// The plan announced none.
    None,
    /// One was announced; one `HeadObject` tells whether it was sent.
    Unchecked,
    /// One was announced and is taken as sent, without an S3 call (a
    /// completion with the upload's handle; see `uploads::complete`).
    TakenAsSent,
}

/// The video of an object whose `HeadObject` the caller has just made (a
/// completion), remembered in the cache, with its poster as `poster` says.
pub async fn describe_checked_video(
    storage: &Storage,
    cache: &MetadataCache,
    key: &str,
    head: &ObjectHead,
    poster: AnnouncedPoster,
) -> Result<VideoDetails, StorageError> {
    let metadata = VideoMetadata::of(key, head);
    cache.put(key, metadata.clone());
    let entry = ObjectEntry {
        key: key.to_owned(),
        size: head.size,
        last_modified: head.last_modified,
    };
    let poster = match (poster_key_of(key), poster) {
        (Some(key), AnnouncedPoster::TakenAsSent) => Some(key),
        (Some(key), AnnouncedPoster::Unchecked) if storage.head(&key).await?.is_some() => Some(key),
        _ => None,
    };
    describe_video(storage, &entry, metadata, poster.as_deref()).await
}

/// A listed object and its metadata as a video, with a presigned GET that
/// plays it inline under its file name, and one of its poster (at `poster`)
/// if it has one; both signed in the same window, so they expire together.
async fn describe_video(
    storage: &Storage,
    entry: &ObjectEntry,
    metadata: VideoMetadata,
    poster: Option<&str>,
) -> Result<VideoDetails, StorageError> {
    let disposition = content_disposition(Disposition::Inline, &metadata.filename);
    let presigned = storage
        .presign_playback(&entry.key, Some(disposition))
        .await?;
    let mut expires_at = presigned.expires_at;
    let poster_url = match poster {
        Some(key) => {
            let poster = storage.presign_playback(key, None).await?;
            expires_at = expires_at.min(poster.expires_at);
            Some(poster.url)
        }
        None => None,
    };
    Ok(VideoDetails {
        listed: listed_video(entry, metadata, poster_url),
        url: presigned.url,
        expires_at: rfc3339(expires_at),
    })
}

/// The id of a video object directly under the scope's prefix.
fn id_in_scope<'a>(scope: &Scope, key: &'a str) -> Option<&'a str> {
    video_prefix_and_id(key)
        .filter(|(prefix, _)| *prefix == scope.prefix)
        .map(|(_, id)| id)
}

/// The id of a poster object directly under the scope's prefix.
fn poster_id<'a>(scope: &Scope, key: &'a str) -> Option<&'a str> {
    poster_prefix_and_id(key)
        .filter(|(prefix, _)| *prefix == scope.prefix)
        .map(|(_, id)| id)
}

/// A listed video object as the API lists it, with its poster's URL.
fn listed_video(
    entry: &ObjectEntry,
    metadata: VideoMetadata,
    poster_url: Option<String>,
) -> ListedVideo {
    let media = metadata.media;
    ListedVideo {
        summary: summarize(entry, metadata),
        media,
        poster_url,
    }
}

/// A listed video object's v1 fields.
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

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "7ZZZZZZZZZZZZZZZZZZZZZZZZA";
    const B: &str = "7ZZZZZZZZZZZZZZZZZZZZZZZZB";
    const C: &str = "7ZZZZZZZZZZZZZZZZZZZZZZZZC";

    fn scope(prefix: &str) -> Scope {
        Scope {
            prefix: prefix.to_owned(),
            max_size: 1,
            content_types: None,
            upload_quota: None,
        }
    }

    fn entries(keys: &[String]) -> Vec<ObjectEntry> {
        keys.iter()
            .map(|key| ObjectEntry {
                key: key.clone(),
                size: 1,
                last_modified: None,
            })
            .collect()
    }

    fn video(id: &str, ext: &str) -> String {
        format!("videos/u/{id}.{ext}")
    }

    fn poster(id: &str) -> String {
        poster_key_in("u/", id)
    }

    /// What a page holds: each id, whether it has a video and a poster.
    fn page(keys: &[String], truncated: bool, limit: u32) -> (Vec<String>, Option<String>) {
        let (ids, cursor) = page_of_ids(&scope("u/"), entries(keys), truncated, limit);
        let ids = ids
            .iter()
            .map(|objects| {
                format!(
                    "{}{}{}",
                    &objects.id[25..],
                    if objects.video.is_some() { "v" } else { "" },
                    if objects.poster.is_some() { "p" } else { "" }
                )
            })
            .collect();
        (ids, cursor.map(|id| id[25..].to_owned()))
    }

    #[test]
    fn a_page_holds_at_most_limit_videos_with_their_posters() {
        let keys = [video(A, "webm"), video(B, "webm"), video(C, "webm")];
        assert_eq!(
            page(&keys, false, 2),
            (vec!["Av".into(), "Bv".into()], Some("B".into()))
        );
        assert_eq!(
            page(&keys, false, 3),
            (vec!["Av".into(), "Bv".into(), "Cv".into()], None)
        );

        // A poster sorts before (`.webm`) or after (`.mp4`) its video.
        let keys = [video(A, "mp4"), poster(A), poster(B), video(B, "webm")];
        assert_eq!(
            page(&keys, false, 2),
            (vec!["Avp".into(), "Bvp".into()], None)
        );
        assert_eq!(
            page(&keys, true, 2),
            (vec!["Avp".into(), "Bvp".into()], Some("B".into()))
        );
        assert_eq!(
            page(&keys, false, 1),
            (vec!["Avp".into()], Some("A".into()))
        );
    }

    #[test]
    fn an_id_the_listing_cut_goes_to_the_next_page() {
        // B's poster may be the next key S3 did not send.
        let keys = [video(A, "mp4"), poster(A), video(B, "mp4")];
        assert_eq!(page(&keys, true, 2), (vec!["Avp".into()], Some("A".into())));
        // So may B's video.
        let keys = [video(A, "mp4"), poster(B)];
        assert_eq!(page(&keys, true, 1), (vec!["Av".into()], Some("A".into())));
        // Not cut: B simply has no poster.
        let keys = [video(A, "mp4"), poster(A), video(B, "mp4")];
        assert_eq!(
            page(&keys, false, 2),
            (vec!["Avp".into(), "Bv".into()], None)
        );
        // All there is: kept, lest the listing never move on.
        assert_eq!(
            page(&[video(A, "mp4")], true, 1),
            (vec!["Av".into()], Some("A".into()))
        );
    }

    #[test]
    fn posters_without_a_video_are_passed_over() {
        // A poster sent for an upload that never completed.
        let keys = [poster(A), video(B, "mp4"), poster(C)];
        assert_eq!(
            page(&keys, false, 1),
            (vec!["Ap".into(), "Bv".into()], None)
        );
        let (ids, cursor) = page_of_ids(&scope("u/"), entries(&keys), true, 5);
        assert_eq!(ids.len(), 2, "C may have its video on the next page");
        assert_eq!(cursor.as_deref(), Some(B));
        // Keys of another prefix are not this scope's.
        let (ids, _) = page_of_ids(&scope("v/"), entries(&keys), false, 5);
        assert!(ids.is_empty());
    }
}
