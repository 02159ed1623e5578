//! A relay download (`GET /api/relay/{id}`): a video streamed through the
//! server, under the read rules of `GET /api/videos/{id}` (a video id, and
//! a video directly under the caller's prefix, else `404`).
//!
//! Without a cache: one `ListObjectsV2` finds the video in the caller's
//! scope and tells its size and ETag, the request's validators and `Range`
//! are answered from those ([`super::ranges`]), and one ranged `GetObject`
//! streams the bytes to send.
//!
//! With a cache ([`super::cache`]): a cached video in the caller's scope is
//! served from its file, ranges included, and S3 is not called at all (its
//! key, kept in the entry, is checked against the scope). A first request
//! from the video's start (the whole video, or a range from byte 0, as a
//! player's first request is) leads the fill, which streams the whole video
//! from S3 into the cache and the asked bytes to its client
//! ([`super::fill`]); a first request for a range further in is served by
//! a ranged GET rather than wait for the bytes before it. Concurrent first
//! requests follow the fill and read the finished entry, so S3 sends the
//! video once. A follower waits at most the idle limit, then reads from S3
//! itself. Only a verified video is cached: one whose upload manifest is
//! gone (relayed uploads never have one). Its object is never deleted by
//! Vidrop (only an object that fails its first verification is, while its
//! manifest is still there), so no deletion leaves a copy in the cache.

use super::Relay;
use super::cache::{Begin, CachedVideo, Flight, Hit, RelayCache};
use super::fill::{ClientChunk, Fill, fill};
use super::ranges::{Answer, content_headers, evaluate, validators};
use crate::access::Scope;
use crate::error::AppError;
use crate::manifest::Manifest;
use crate::metadata::filename_from_metadata;
use crate::storage::relay::{ObjectBody, ObjectStat};
use crate::storage::{Storage, StorageError};
use crate::video_id::check_video_id;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;
use tokio_util::io::ReaderStream;
use vidrop_shared::keys::video_prefix_and_id;

/// How many chunks wait between a fill and its client.
const CLIENT_CHUNKS: usize = 8;

/// How many bytes a cached file is read by.
const READ_CHUNK: usize = 64 * 1024;

/// The type of a video object that has none.
const UNKNOWN_CONTENT_TYPE: &str = "application/octet-stream";

/// How often a request that followed a fill looks again before it reads
/// from S3 itself (a fill given up lets a follower lead the next).
const ATTEMPTS: usize = 3;

/// Answers `GET /api/relay/{id}` with `headers`: the video's bytes (`200`,
/// `206`), `304`, or an error (`404`, `416`, …).
pub async fn relay_download(
    storage: &Storage,
    relay: &Relay,
    scope: &Scope,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    check_video_id(id)?;
    let Some(cache) = &relay.cache else {
        return from_store(storage, relay, scope, id, headers).await;
    };
    for _ in 0..ATTEMPTS {
        match cache.begin(id) {
            Begin::Hit(hit) => {
                if !in_scope(scope, &hit.video.key, id) {
                    // Ids are unique: the video lives under another prefix.
                    return Err(AppError::VideoNotFound(id.to_owned()));
                }
                if let Some(response) = from_cache(relay, cache, id, &hit, headers).await? {
                    return Ok(response);
                }
            }
            Begin::Follow(mut done) => {
                let ended = tokio::time::timeout(relay.idle_timeout, done.wait_for(|done| *done))
                    .await
                    .is_ok();
                if !ended {
                    break;
                }
            }
            Begin::Lead(flight) => {
                relay.metrics.relay().cache_miss();
                return lead(storage, relay, scope, id, headers, flight).await;
            }
        }
    }
    relay.metrics.relay().cache_miss();
    from_store(storage, relay, scope, id, headers).await
}

/// Serves a cached video from its file; `None` when the file cannot be
/// read any more (its entry is dropped).
async fn from_cache(
    relay: &Relay,
    cache: &RelayCache,
    id: &str,
    hit: &Hit,
    headers: &HeaderMap,
) -> Result<Option<Response>, AppError> {
    let video = &hit.video;
    let answer = evaluate(headers, video.size, &video.etag, video.last_modified);
    let Some(bytes) = answer
        .as_ref()
        .ok()
        .and_then(|answer| answer.bytes(video.size))
    else {
        // A 304 or 416 from the entry alone.
        relay.metrics.relay().cache_hit();
        answer?;
        return Ok(Some(not_modified(&video.etag, video.last_modified)));
    };
    let answer = answer?;
    let opened = async {
        let mut file = tokio::fs::File::open(&hit.path).await?;
        file.seek(std::io::SeekFrom::Start(*bytes.start())).await?;
        Ok::<_, std::io::Error>(file)
    }
    .await;
    let file = match opened {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!(path = %hit.path.display(), error = %err, "a relay cache file cannot be read; dropped");
            cache.discard(id, &hit.path);
            return Ok(None);
        }
    };
    relay.metrics.relay().cache_hit();
    let length = bytes.end() + 1 - bytes.start();
    let metrics = relay.metrics.relay().clone();
    let stream =
        ReaderStream::with_capacity(file.take(length), READ_CHUNK).inspect_ok(move |chunk| {
            metrics.bytes_out(chunk.len() as u64);
            metrics.cache_bytes_served(chunk.len() as u64);
        });
    Ok(Some(video_response(
        video,
        &answer,
        Body::from_stream(stream),
    )))
}

/// A first request: finds the video, answers what it can without its
/// bytes, and fills the cache while it streams the video (or streams it
/// from S3 alone when it cannot be cached).
async fn lead(
    storage: &Storage,
    relay: &Relay,
    scope: &Scope,
    id: &str,
    headers: &HeaderMap,
    mut flight: Flight,
) -> Result<Response, AppError> {
    let stat = find_object(storage, scope, id).await?;
    let answer = evaluate(headers, stat.size, &stat.etag, stat.last_modified)?;
    let Some(wanted) = answer.bytes(stat.size) else {
        return Ok(not_modified(&stat.etag, stat.last_modified));
    };
    // A range further in (a seek) is not kept waiting while the video is
    // fetched from its start: it is asked of S3 alone, and the fill left to
    // a request from the start (a player's first).
    if *wanted.start() > 0 {
        drop(flight);
        return stream_from_store(storage, relay, &stat, &answer).await;
    }
    // A manifest means the upload is not verified yet: its object may still
    // be deleted, so it is not cached.
    let verified = Manifest::load(storage, id).await?.is_none();
    if !verified || !flight.reserve(stat.size) {
        drop(flight);
        return stream_from_store(storage, relay, &stat, &answer).await;
    }
    let Some(object) = storage.get_object_stream(&stat.key, None).await? else {
        return Err(AppError::VideoNotFound(id.to_owned()));
    };
    if object.etag.as_deref() != Some(stat.etag.as_str()) {
        // Objects are never replaced; a store that tells two ETags is not
        // trusted with the cache.
        tracing::warn!(key = %stat.key, listed = %stat.etag, got = ?object.etag, "the ETags of a listing and a GET differ; not cached");
        drop(flight);
        return stream_from_store(storage, relay, &stat, &answer).await;
    }
    let video = describe(&stat, &object);
    let file = match tokio::fs::File::create(flight.part_path()).await {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!(dir = %flight.part_path().display(), error = %err, "cannot write to the relay cache");
            drop(flight);
            return stream_from_store(storage, relay, &stat, &answer).await;
        }
    };
    let (client, body) = mpsc::channel::<ClientChunk>(CLIENT_CHUNKS);
    let response = video_response(&video, &answer, channel_body(body));
    tokio::spawn(fill(Fill {
        source: object.body,
        file,
        flight,
        video,
        wanted,
        client,
        idle: relay.idle_timeout,
        metrics: relay.metrics.relay().clone(),
    }));
    Ok(response)
}

/// Without a cache, or when a video cannot be cached: from S3 alone.
async fn from_store(
    storage: &Storage,
    relay: &Relay,
    scope: &Scope,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let stat = find_object(storage, scope, id).await?;
    let answer = evaluate(headers, stat.size, &stat.etag, stat.last_modified)?;
    if answer == Answer::NotModified {
        return Ok(not_modified(&stat.etag, stat.last_modified));
    }
    stream_from_store(storage, relay, &stat, &answer).await
}

/// Streams the bytes of `answer` from S3, in one ranged `GetObject`.
async fn stream_from_store(
    storage: &Storage,
    relay: &Relay,
    stat: &ObjectStat,
    answer: &Answer,
) -> Result<Response, AppError> {
    let range = match answer {
        Answer::Partial(range) => Some(range.clone()),
        Answer::Whole | Answer::NotModified => None,
    };
    let Some(object) = storage.get_object_stream(&stat.key, range).await? else {
        return Err(AppError::VideoNotFound(
            video_prefix_and_id(&stat.key).map_or_else(String::new, |(_, id)| id.to_owned()),
        ));
    };
    let video = describe(stat, &object);
    let metrics = relay.metrics.relay().clone();
    let stream = object
        .body
        .inspect_ok(move |chunk| metrics.bytes_out(chunk.len() as u64))
        .map_err(|err: StorageError| {
            tracing::warn!(operation = err.operation(), cause = %err.cause(), "a relay download broke off");
            std::io::Error::other("the storage service failed")
        });
    Ok(video_response(&video, answer, Body::from_stream(stream)))
}

/// Video `id` directly under the caller's prefix, with its size and ETag:
/// one listing, as `GET /api/videos/{id}` finds it, and a `HeadObject` when
/// the listing leaves the ETag out (the embedded store's does; S3's does
/// not); `404` when there is none.
async fn find_object(storage: &Storage, scope: &Scope, id: &str) -> Result<ObjectStat, AppError> {
    let not_found = || AppError::VideoNotFound(id.to_owned());
    let prefix = format!("{}{id}.", scope.video_prefix());
    let listed = storage
        .stat_prefix(&prefix, 10)
        .await?
        .into_iter()
        .find(|object| in_scope(scope, &object.key, id))
        .ok_or_else(not_found)?;
    if !listed.etag.is_empty() {
        return Ok(listed);
    }
    storage
        .stat_object(&listed.key)
        .await?
        .filter(|head| !head.etag.is_empty())
        .ok_or_else(not_found)
}

/// Whether `key` is video `id` directly under the scope's prefix.
fn in_scope(scope: &Scope, key: &str, id: &str) -> bool {
    video_prefix_and_id(key) == Some((scope.prefix.as_str(), id))
}

/// What the answer's headers say of a video, from its listing and its GET.
fn describe(stat: &ObjectStat, object: &ObjectBody) -> CachedVideo {
    let object_name = stat.key.rsplit('/').next().unwrap_or(&stat.key);
    CachedVideo {
        key: stat.key.clone(),
        size: stat.size,
        etag: stat.etag.clone(),
        last_modified: stat.last_modified,
        content_type: object
            .content_type
            .clone()
            .filter(|ty| !ty.is_empty())
            .unwrap_or_else(|| UNKNOWN_CONTENT_TYPE.to_owned()),
        filename: filename_from_metadata(&object.metadata)
            .unwrap_or_else(|| object_name.to_owned()),
    }
}

/// A `200` or `206` with `body`, the bytes of `answer`.
fn video_response(video: &CachedVideo, answer: &Answer, body: Body) -> Response {
    let status = match answer {
        Answer::Partial(_) => StatusCode::PARTIAL_CONTENT,
        Answer::Whole | Answer::NotModified => StatusCode::OK,
    };
    let mut headers = HeaderMap::new();
    validators(&mut headers, &video.etag, video.last_modified);
    content_headers(
        &mut headers,
        answer,
        video.size,
        &video.content_type,
        &video.filename,
    );
    (status, headers, body).into_response()
}

/// A `304`.
fn not_modified(etag: &str, last_modified: Option<std::time::SystemTime>) -> Response {
    let mut headers = HeaderMap::new();
    validators(&mut headers, etag, last_modified);
    (StatusCode::NOT_MODIFIED, headers).into_response()
}

/// A body fed by a fill's channel.
fn channel_body(receiver: mpsc::Receiver<ClientChunk>) -> Body {
    Body::from_stream(futures::stream::unfold(receiver, |mut receiver| async {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    }))
}
