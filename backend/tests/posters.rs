//! Video-aware uploads (issue 10), server side: what the browser read of a
//! video (duration, width, height) travels as the object's signed metadata
//! through single and multipart uploads and comes back with the video and
//! in the listing; a poster announced in the plan goes up through its own
//! presigned PUT (once, never replaced), plays from `poster_url`, is seen
//! only by callers who may see its video, and goes when its upload is given
//! up; playback URLs are the same all through their time window.
//!
//! A closed server (API key, token secret, multipart above 1 MiB) on its
//! embedded store, driven with `reqwest`; the store looked at with
//! `aws-sdk-s3`.

mod closed;
mod common;

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use closed::{API_KEY, Closed, header_pairs, raw_to_url, s3_code};
use common::{error_code, payload, query_param, sha256, with_signed_headers};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vidrop_shared::api::{
    MultipartUpload, PosterUpload, SingleUpload, UploadPlan, VideoDetails, VideoPage,
};
use vidrop_shared::keys::{pending_manifest_key, poster_key_of};
use vidrop_shared::limits::MIB;
use vidrop_shared::media::MAX_POSTER_SIZE;

/// Bytes that open like a JPEG (SOI, an APP0 marker) and end like one.
fn jpeg(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = payload(len, seed);
    bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    bytes[len - 2..].copy_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// `POST /api/uploads` with `body`, expecting `201` and a plan.
async fn plan(app: &Closed, credential: &str, body: &Value) -> UploadPlan {
    let response = app.post("/api/uploads", credential, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "plan {body}");
    response.json().await.expect("a plan")
}

async fn plan_single(app: &Closed, credential: &str, body: &Value) -> SingleUpload {
    match plan(app, credential, body).await {
        UploadPlan::Single(plan) => plan,
        other => panic!("expected a single PUT, got {other:?}"),
    }
}

async fn plan_multipart(app: &Closed, credential: &str, body: &Value) -> MultipartUpload {
    match plan(app, credential, body).await {
        UploadPlan::Multipart(plan) => plan,
        other => panic!("expected a multipart upload, got {other:?}"),
    }
}

/// PUTs `bytes` to a poster's presigned URL with its signed headers.
async fn put_poster(app: &Closed, poster: &PosterUpload, bytes: &[u8]) -> reqwest::Response {
    app.put_signed(&poster.url, &poster.headers, bytes.to_vec())
        .await
}

/// Completes a single PUT and answers the video.
async fn complete_single(app: &Closed, credential: &str, id: &str) -> VideoDetails {
    let response = app.complete_single(credential, id).await;
    assert_eq!(response.status(), StatusCode::OK, "complete {id}");
    response.json().await.expect("a video")
}

/// Sends every part of a multipart upload and completes it.
async fn upload_parts_and_complete(
    app: &Closed,
    credential: &str,
    plan: &MultipartUpload,
    body: &[u8],
) -> VideoDetails {
    let parts: Vec<&[u8]> = body
        .chunks(usize::try_from(plan.part_size).unwrap())
        .collect();
    assert_eq!(parts.len(), plan.part_count as usize);
    let to_sign: Vec<Value> = parts
        .iter()
        .zip(1..)
        .map(|(bytes, n)| json!({"part_number": n, "sha256": sha256(bytes)}))
        .collect();
    let response = app
        .post(
            &format!("/api/uploads/{}/parts", plan.id),
            credential,
            &json!({"upload_id": plan.upload_id, "parts": to_sign}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let signed: vidrop_shared::api::SignedParts = response.json().await.unwrap();
    let mut completed = Vec::new();
    for (part, bytes) in signed.parts.iter().zip(&parts) {
        let response = app
            .put_signed(&part.url, &part.headers, bytes.to_vec())
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "part {}",
            part.part_number
        );
        completed.push(json!({
            "part_number": part.part_number,
            "etag": response.headers()["etag"].to_str().unwrap(),
            "sha256": sha256(bytes),
        }));
    }
    let response = app
        .post(
            &format!("/api/uploads/{}/complete", plan.id),
            credential,
            &json!({"upload_id": plan.upload_id, "parts": completed}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "complete {}", plan.id);
    response.json().await.expect("a video")
}

/// Seconds since the epoch of a SigV4 time (`20261123T160000Z`).
fn sigv4_time(text: &str) -> i64 {
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    DateTime::from_str(&rfc3339, DateTimeFormat::DateTime)
        .expect("a SigV4 time")
        .secs()
}

/// `GET /api/videos/{id}`, expecting the video.
async fn show(app: &Closed, credential: &str, id: &str) -> VideoDetails {
    let response = app.get(&format!("/api/videos/{id}"), credential).await;
    assert_eq!(response.status(), StatusCode::OK, "show {id}");
    response.json().await.expect("a video")
}

/// `GET /api/videos` as JSON (the wire, not a type).
async fn listing(app: &Closed, credential: &str) -> Value {
    let response = app.get("/api/videos", credential).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a listing")
}

/// An object's user metadata, as the store keeps it.
async fn stored_metadata(app: &Closed, key: &str) -> std::collections::HashMap<String, String> {
    app.s3()
        .head_object()
        .bucket(app.bucket())
        .key(key)
        .send()
        .await
        .expect("HeadObject")
        .metadata()
        .cloned()
        .unwrap_or_default()
}

/// The duration, width and height travel as signed metadata through a single
/// PUT and a multipart upload alike, and come back with the video, in the
/// listing, and from S3 itself; a duration alone is fine.
#[tokio::test]
async fn what_was_read_of_a_video_round_trips_through_single_and_multipart_uploads() {
    let app = Closed::start(|_| {}).await;

    let body = payload(4000, 1);
    let single = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "clip.webm", "content_type": "video/webm", "size": body.len(),
            "duration": 12.345, "width": 1280, "height": 720}),
    )
    .await;
    // Signed headers the browser must send as they are.
    assert_eq!(single.headers["x-amz-meta-duration"], "12.345");
    assert_eq!(single.headers["x-amz-meta-width"], "1280");
    assert_eq!(single.headers["x-amz-meta-height"], "720");
    assert!(
        query_param(&single.url, "X-Amz-SignedHeaders")
            .unwrap()
            .contains("x-amz-meta-duration"),
        "bound into the signature"
    );
    // A changed value breaks the signature: the store refuses it.
    let mut changed = single.headers.clone();
    changed.insert("x-amz-meta-duration".into(), "99".into());
    let refused = raw_to_url("PUT", &single.url, &header_pairs(&changed), body.clone()).await;
    assert_eq!(refused.status, 403, "{}", s3_code(&refused));
    let response = app.put_signed(&single.url, &single.headers, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video = complete_single(&app, API_KEY, &single.id).await;
    assert_eq!(video.listed.media.duration, Some(12.345));
    assert_eq!(video.listed.media.width, Some(1280));
    assert_eq!(video.listed.media.height, Some(720));
    assert_eq!(video.listed.poster_url, None);
    let metadata = stored_metadata(&app, &single.key).await;
    assert_eq!(metadata["duration"], "12.345");
    assert_eq!(metadata["width"], "1280");
    assert_eq!(metadata["filename"], "clip.webm");

    let body = payload(9 * MIB as usize, 2);
    let multipart = plan_multipart(
        &app,
        API_KEY,
        &json!({"filename": "long.webm", "content_type": "video/webm", "size": body.len(),
            "duration": 3600.5}),
    )
    .await;
    let video = upload_parts_and_complete(&app, API_KEY, &multipart, &body).await;
    assert_eq!(video.listed.media.duration, Some(3600.5));
    assert_eq!(video.listed.media.width, None);
    assert_eq!(video.listed.media.height, None);
    let metadata = stored_metadata(&app, &multipart.key).await;
    assert_eq!(metadata["duration"], "3600.5");
    assert!(!metadata.contains_key("width"));

    // As shown, and as listed (on the wire: numbers, or null when unknown).
    let shown = show(&app, API_KEY, &multipart.id).await;
    assert_eq!(shown.listed.media.duration, Some(3600.5));
    let list = listing(&app, API_KEY).await;
    let entries = list["videos"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["id"], json!(multipart.id), "newest first");
    assert_eq!(entries[0]["duration"], json!(3600.5));
    assert_eq!(entries[0]["width"], Value::Null);
    assert_eq!(entries[0]["poster_url"], Value::Null);
    assert_eq!(entries[1]["duration"], json!(12.345));
    assert_eq!(entries[1]["width"], json!(1280));
    assert_eq!(entries[1]["height"], json!(720));

    // An upload that says nothing of its video answers nulls.
    let (plain, _) = app
        .upload(API_KEY, "plain.webm", "video/webm", &payload(3000, 3))
        .await;
    let shown = app.get(&format!("/api/videos/{}", plain.id), API_KEY).await;
    let shown: Value = shown.json().await.unwrap();
    for field in ["duration", "width", "height", "poster_url"] {
        assert_eq!(shown[field], Value::Null, "{field}");
    }
    app.server.shutdown().await;
}

/// A duration, width or height out of range, or a poster empty or over
/// 2 MiB, answers `400` with its code, and nothing is stored.
#[tokio::test]
async fn bad_metadata_and_posters_are_refused_and_nothing_is_stored() {
    let app = Closed::start(|_| {}).await;
    app.upload(API_KEY, "seed.webm", "video/webm", &payload(2000, 1))
        .await;
    let before = app.snapshot().await;
    let base = json!({"filename": "a.webm", "content_type": "video/webm", "size": 1000});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (name, value) in extra.as_object().unwrap() {
            body[name] = value.clone();
        }
        body
    };
    for (extra, code) in [
        (json!({"duration": 0}), "invalid_metadata"),
        (json!({"duration": -4.5}), "invalid_metadata"),
        (json!({"duration": 604_800.5}), "invalid_metadata"),
        (json!({"duration": 1e300}), "invalid_metadata"),
        (json!({"width": 0}), "invalid_metadata"),
        (json!({"width": 16_385, "height": 720}), "invalid_metadata"),
        (
            json!({"duration": 3, "height": 4_000_000_000_u32}),
            "invalid_metadata",
        ),
        (
            json!({"poster": {"size": MAX_POSTER_SIZE + 1}}),
            "poster_too_large",
        ),
        (json!({"poster": {"size": 0}}), "empty_poster"),
    ] {
        let body = with(extra);
        let response = app.post("/api/uploads", API_KEY, &body).await;
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST).await,
            code,
            "{body}"
        );
    }
    // The same over the multipart threshold.
    let mut big = with(json!({"poster": {"size": 5 * MIB}}));
    big["size"] = json!(9 * MIB);
    let response = app.post("/api/uploads", API_KEY, &big).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "poster_too_large"
    );
    // Values of the wrong type fail as the JSON is read, as any field does.
    for extra in [
        json!({"width": -1}),
        json!({"duration": "long"}),
        json!({"poster": {}}),
        json!({"poster": 1000}),
    ] {
        let body = with(extra);
        let response = app.post("/api/uploads", API_KEY, &body).await;
        assert_eq!(
            error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_body",
            "{body}"
        );
    }
    let after = app.snapshot().await;
    assert!(
        after == before,
        "the store changed:\n{}",
        after.diff(&before)
    );

    // The largest poster allowed is planned.
    let plan = plan_single(
        &app,
        API_KEY,
        &with(json!({"poster": {"size": MAX_POSTER_SIZE}})),
    )
    .await;
    assert!(plan.poster.is_some());
    app.server.shutdown().await;
}

/// A poster announced in the plan goes up through its own presigned PUT,
/// bound to its length and `image/jpeg`, and `poster_url` serves the same
/// bytes as `image/jpeg`; for single and multipart plans alike.
#[tokio::test]
async fn a_poster_goes_up_through_its_url_and_comes_back_from_poster_url() {
    let app = Closed::start(|_| {}).await;
    let still = jpeg(30_000, 7);
    let body = payload(5000, 1);
    let single = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "a.webm", "content_type": "video/webm", "size": body.len(),
            "duration": 2.0, "poster": {"size": still.len()}}),
    )
    .await;
    let poster = single.poster.clone().expect("the poster's PUT");
    assert_eq!(poster.method.as_str(), "PUT");
    assert_eq!(poster.headers["content-type"], "image/jpeg");
    assert_eq!(poster.headers["content-length"], still.len().to_string());
    assert_eq!(poster.headers["if-none-match"], "*");
    assert_ne!(poster.url, single.url);
    let poster_key = poster_key_of(&single.key).unwrap();
    assert!(poster.url.contains(&poster_key), "{}", poster.url);

    // The store refuses another length or another type.
    let longer = raw_to_url(
        "PUT",
        &poster.url,
        &header_pairs(&poster.headers),
        jpeg(still.len() + 1, 7),
    )
    .await;
    assert_eq!(longer.status, 403, "{}", s3_code(&longer));
    let mut as_html = poster.headers.clone();
    as_html.insert("content-type".into(), "text/html".into());
    let as_html = raw_to_url("PUT", &poster.url, &header_pairs(&as_html), still.clone()).await;
    assert_eq!(as_html.status, 403, "{}", s3_code(&as_html));
    assert!(!app.object_exists(&poster_key).await);

    let response = put_poster(&app, &poster, &still).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.put_signed(&single.url, &single.headers, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video = complete_single(&app, API_KEY, &single.id).await;
    let poster_url = video.listed.poster_url.clone().expect("a poster_url");
    let served = app.http.get(&poster_url).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[CONTENT_TYPE], "image/jpeg");
    assert_eq!(served.bytes().await.unwrap().as_ref(), still.as_slice());
    // A poster is no video: the listing holds the video once, with it.
    let list = listing(&app, API_KEY).await;
    assert_eq!(list["videos"].as_array().unwrap().len(), 1);
    let listed_poster = list["videos"][0]["poster_url"].as_str().unwrap();
    let served = app.http.get(listed_poster).send().await.unwrap();
    assert_eq!(served.bytes().await.unwrap().as_ref(), still.as_slice());

    // A multipart plan signs the poster's PUT too.
    let still = jpeg(MAX_POSTER_SIZE as usize, 8);
    let body = payload(9 * MIB as usize, 2);
    let multipart = plan_multipart(
        &app,
        API_KEY,
        &json!({"filename": "b.webm", "content_type": "video/webm", "size": body.len(),
            "width": 640, "height": 360, "poster": {"size": still.len()}}),
    )
    .await;
    let poster = multipart.poster.clone().expect("the poster's PUT");
    let response = put_poster(&app, &poster, &still).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video = upload_parts_and_complete(&app, API_KEY, &multipart, &body).await;
    let served = app
        .http
        .get(video.listed.poster_url.expect("a poster_url"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.headers()[CONTENT_TYPE], "image/jpeg");
    assert_eq!(served.bytes().await.unwrap().as_ref(), still.as_slice());
    assert_eq!(video.listed.media.width, Some(640));

    // The listing pages each video once, with its poster, whatever the
    // page size (a page of one cannot be cut between video and poster).
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/videos?limit=1&cursor={cursor}"),
            None => "/api/videos?limit=1".to_owned(),
        };
        let response = app.get(&path, API_KEY).await;
        let page: VideoPage = response.json().await.unwrap();
        for video in page.videos {
            assert!(video.poster_url.is_some(), "{}", video.summary.id);
            seen.push(video.summary.id);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(seen.len() <= 2, "{seen:?}");
    }
    assert_eq!(seen, [multipart.id, single.id]);
    app.server.shutdown().await;
}

/// A second PUT to the poster's URL, with other bytes, cannot replace it:
/// the same rule (`If-None-Match: *`, signed) that keeps the video's PUT
/// from replacing the video.
#[tokio::test]
async fn a_stored_poster_is_never_replaced_as_a_video_is_not() {
    let app = Closed::start(|_| {}).await;
    let still = jpeg(4000, 1);
    let body = payload(3000, 2);
    let plan = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "a.webm", "content_type": "video/webm", "size": body.len(),
            "poster": {"size": still.len()}}),
    )
    .await;
    let poster = plan.poster.clone().unwrap();
    assert_eq!(
        put_poster(&app, &poster, &still).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.put_signed(&plan.url, &plan.headers, body.clone())
            .await
            .status(),
        StatusCode::OK
    );

    let video_again = raw_to_url(
        "PUT",
        &plan.url,
        &header_pairs(&plan.headers),
        payload(3000, 3),
    )
    .await;
    assert_eq!(video_again.status, 412, "{}", s3_code(&video_again));
    let poster_again = raw_to_url(
        "PUT",
        &poster.url,
        &header_pairs(&poster.headers),
        jpeg(4000, 9),
    )
    .await;
    assert_eq!(poster_again.status, 412, "{}", s3_code(&poster_again));
    assert_eq!(s3_code(&poster_again), s3_code(&video_again));

    let video = complete_single(&app, API_KEY, &plan.id).await;
    let served = app
        .http
        .get(video.listed.poster_url.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.bytes().await.unwrap().as_ref(), still.as_slice());
    let played = app.http.get(&video.url).send().await.unwrap();
    assert_eq!(played.bytes().await.unwrap().as_ref(), body.as_slice());
    app.server.shutdown().await;
}

/// A token sees the poster of its own videos only: another prefix's token
/// gets `404` for the video, a listing without it, and no `/presign` of its
/// poster; only the plan's answer ever names the poster's PUT.
#[tokio::test]
async fn another_token_cannot_get_the_poster_of_a_video_it_may_not_see() {
    let app = Closed::start(|_| {}).await;
    let alice = app.mint(json!({"prefix": "users/alice/"})).await;
    let bob = app.mint(json!({"prefix": "users/bob/"})).await;
    let still = jpeg(2000, 1);
    let body = payload(3000, 2);
    let plan = plan_single(
        &app,
        &alice,
        &json!({"filename": "a.webm", "content_type": "video/webm", "size": body.len(),
            "poster": {"size": still.len()}}),
    )
    .await;
    let poster = plan.poster.clone().unwrap();
    assert_eq!(
        put_poster(&app, &poster, &still).await.status(),
        StatusCode::OK
    );
    app.put_signed(&plan.url, &plan.headers, body).await;
    let video = complete_single(&app, &alice, &plan.id).await;
    let poster_key = poster_key_of(&plan.key).unwrap();
    assert!(
        poster_key.starts_with("videos/users/alice/"),
        "{poster_key}"
    );
    assert!(video.listed.poster_url.is_some());
    assert!(
        show(&app, &alice, &plan.id)
            .await
            .listed
            .poster_url
            .is_some()
    );

    let response = app.get(&format!("/api/videos/{}", plan.id), &bob).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let list = listing(&app, &bob).await;
    assert_eq!(list["videos"], json!([]));
    let response = app
        .get(&format!("/presign/{poster_key}?method=GET"), &bob)
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "outside_prefix"
    );
    let response = app
        .get(
            &format!("/presign/{poster_key}?method=PUT&contentLength=2000"),
            API_KEY,
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::FORBIDDEN).await,
        "reserved_key"
    );
    // Nor does completing (or aborting) someone else's upload reveal it.
    let response = app.complete_single(&bob, &plan.id).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.server.shutdown().await;
}

/// Whatever gives an upload up deletes its poster: an abort, a first
/// verification that fails, and the sweep of a single PUT never sent. A
/// verified video keeps its poster.
#[tokio::test]
async fn giving_an_upload_up_deletes_its_poster() {
    let app = Closed::start(|_| {}).await;
    let still = jpeg(3000, 1);

    // DELETE /api/uploads/{id}: the multipart upload, its poster, its manifest.
    let multipart = plan_multipart(
        &app,
        API_KEY,
        &json!({"filename": "a.webm", "content_type": "video/webm", "size": 9 * MIB,
            "poster": {"size": still.len()}}),
    )
    .await;
    let poster_key = poster_key_of(&multipart.key).unwrap();
    put_poster(&app, multipart.poster.as_ref().unwrap(), &still).await;
    assert!(app.object_exists(&poster_key).await);
    let response = app
        .http
        .delete(app.url(&format!(
            "/api/uploads/{}?upload_id={}",
            multipart.id, multipart.upload_id
        )))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(!app.object_exists(&poster_key).await, "the poster went");
    assert!(
        !app.object_exists(&pending_manifest_key(&multipart.id))
            .await
    );

    // A first verification that fails: the object is no WebM.
    let not_a_video = vec![b'<'; 2000];
    let single = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "b.webm", "content_type": "video/webm",
            "size": not_a_video.len(), "poster": {"size": still.len()}}),
    )
    .await;
    let poster_key = poster_key_of(&single.key).unwrap();
    put_poster(&app, single.poster.as_ref().unwrap(), &still).await;
    app.put_signed(&single.url, &single.headers, not_a_video)
        .await;
    let response = app.complete_single(API_KEY, &single.id).await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "verification_failed"
    );
    assert!(!app.object_exists(&single.key).await);
    assert!(!app.object_exists(&poster_key).await, "the poster went");

    // The sweep: a poster sent, its video never.
    let never = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "c.webm", "content_type": "video/webm", "size": 1000,
            "poster": {"size": still.len()}}),
    )
    .await;
    let never_poster = poster_key_of(&never.key).unwrap();
    put_poster(&app, never.poster.as_ref().unwrap(), &still).await;
    // And an abandoned multipart upload with its poster.
    let abandoned = plan_multipart(
        &app,
        API_KEY,
        &json!({"filename": "d.webm", "content_type": "video/webm", "size": 9 * MIB,
            "poster": {"size": still.len()}}),
    )
    .await;
    let abandoned_poster = poster_key_of(&abandoned.key).unwrap();
    put_poster(&app, abandoned.poster.as_ref().unwrap(), &still).await;
    // A verified video with its poster stays whole.
    let kept = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "e.webm", "content_type": "video/webm", "size": 1000,
            "poster": {"size": still.len()}}),
    )
    .await;
    put_poster(&app, kept.poster.as_ref().unwrap(), &still).await;
    app.put_signed(&kept.url, &kept.headers, payload(1000, 5))
        .await;
    complete_single(&app, API_KEY, &kept.id).await;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = app
        .server
        .sweep_abandoned(Duration::ZERO)
        .await
        .expect("the sweep runs");
    assert_eq!(report.failed, 0, "{report:?}");
    assert_eq!(report.aborted, std::slice::from_ref(&abandoned.key));
    assert!(!app.object_exists(&never_poster).await, "the poster went");
    assert!(!app.object_exists(&pending_manifest_key(&never.id)).await);
    assert!(
        !app.object_exists(&abandoned_poster).await,
        "the poster went"
    );
    assert!(app.object_exists(&kept.key).await);
    assert!(app.object_exists(&poster_key_of(&kept.key).unwrap()).await);
    let shown = show(&app, API_KEY, &kept.id).await;
    assert!(shown.listed.poster_url.is_some());
    app.server.shutdown().await;
}

/// Metadata a single PUT did not sign, sent anyway (the embedded store, as
/// s3s, takes headers a presigned URL did not sign), fails the first
/// verification: the object is deleted, so no caller adds or changes what
/// was approved.
#[tokio::test]
async fn metadata_nobody_approved_fails_verification() {
    let app = Closed::start(|_| {}).await;
    let body = payload(3000, 1);
    let plan = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "a.webm", "content_type": "video/webm", "size": body.len(),
            "duration": 5}),
    )
    .await;
    let mut headers = plan.headers.clone();
    headers.insert("x-amz-meta-width".into(), "640".into());
    let response = with_signed_headers(app.http.put(&plan.url).body(body), &headers)
        .send()
        .await
        .unwrap();
    println!(
        "PUT with an unsigned x-amz-meta-width: {}",
        response.status()
    );
    if response.status() == StatusCode::OK {
        let response = app.complete_single(API_KEY, &plan.id).await;
        assert_eq!(
            error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "verification_failed"
        );
    }
    assert!(!app.object_exists(&plan.key).await);
    app.server.shutdown().await;
}

/// Two `GET /api/videos/{id}` a moment apart answer byte-identical `url` and
/// `poster_url` (the browser's cache serves them again), `expires_at` is
/// the URLs' own expiry, at least half `--presign-expiry` ahead, and the
/// store takes both URLs, answering a `Cache-Control` that lets the browser
/// keep them.
#[tokio::test]
async fn playback_urls_are_the_same_within_their_window() {
    let app = Closed::start(|_| {}).await;
    let still = jpeg(1500, 1);
    let body = payload(2500, 2);
    let plan = plan_single(
        &app,
        API_KEY,
        &json!({"filename": "a.webm", "content_type": "video/webm", "size": body.len(),
            "poster": {"size": still.len()}}),
    )
    .await;
    put_poster(&app, plan.poster.as_ref().unwrap(), &still).await;
    app.put_signed(&plan.url, &plan.headers, body.clone()).await;
    let completed = complete_single(&app, API_KEY, &plan.id).await;

    // Twice in a row, a moment apart; should a window start between them
    // (once in 450 s), twice more.
    let (first, second) = loop {
        let first = show(&app, API_KEY, &plan.id).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let second = show(&app, API_KEY, &plan.id).await;
        if query_param(&first.url, "X-Amz-Date") == query_param(&second.url, "X-Amz-Date") {
            break (first, second);
        }
    };
    assert_eq!(first.url, second.url);
    assert_eq!(first.listed.poster_url, second.listed.poster_url);
    assert_eq!(first.expires_at, second.expires_at);
    assert_eq!(first.url, completed.url, "the completion's URL too");

    // `expires_at` is when the URL stops: its date plus its expiry.
    let signed_at = query_param(&first.url, "X-Amz-Date").unwrap();
    let lifetime: u64 = query_param(&first.url, "X-Amz-Expires")
        .unwrap()
        .parse()
        .unwrap();
    let expiry = closed::closed_args(std::path::Path::new("x")).presign_expiry;
    assert_eq!(lifetime, expiry);
    let signed_at = sigv4_time(&signed_at);
    let expires_at = DateTime::from_str(&first.expires_at, DateTimeFormat::DateTime).unwrap();
    assert_eq!(
        expires_at.secs(),
        signed_at + i64::try_from(lifetime).unwrap()
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = u64::try_from(expires_at.secs()).unwrap() - now;
    assert!(left >= expiry / 2 - 2 && left <= expiry, "{left} s left");
    let poster_url = first.listed.poster_url.clone().unwrap();
    assert_eq!(
        query_param(&poster_url, "X-Amz-Date").unwrap(),
        query_param(&first.url, "X-Amz-Date").unwrap(),
        "signed in the same window"
    );

    // The listing signs the same poster URL.
    let list = listing(&app, API_KEY).await;
    assert_eq!(list["videos"][0]["poster_url"], json!(poster_url));

    // The store takes both, and tells the browser it may keep them for
    // this reader as long as the URLs live.
    let cache_control = format!("private, max-age={expiry}, immutable");
    let played = app.http.get(&first.url).send().await.unwrap();
    assert_eq!(played.status(), StatusCode::OK);
    assert_eq!(played.headers()["cache-control"], cache_control.as_str());
    assert_eq!(played.bytes().await.unwrap().as_ref(), body.as_slice());
    let served = app.http.get(&poster_url).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["cache-control"], cache_control.as_str());
    assert_eq!(served.bytes().await.unwrap().as_ref(), still.as_slice());
    app.server.shutdown().await;
}
