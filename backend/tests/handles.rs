//! Upload handles (`vidrop::handle`) in hostile hands: a handle altered,
//! forged with another key, sent for another upload, by a caller of another
//! scope, or after it expired grants nothing; the request then goes on as
//! without a handle, from the manifest, and a refusal changes nothing
//! stored. And completion from a handle deletes only an object that fails
//! its first check, never one verified before.
//!
//! A closed server (API key, token secret, multipart above 1 MiB) on its
//! embedded store, driven with `reqwest`, two upload tokens of different
//! prefixes; the S3 calls of a request are counted on the embedded store
//! (not on another store, where the counts are left out).

mod closed;
mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use closed::{Closed, TOKEN_SECRET};
use common::{error_code, payload, query_param, sha256};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};
use vidrop::handle::HandleKey;
use vidrop::manifest::Manifest;
use vidrop_shared::api::{MediaInfo, MultipartUpload, SignedParts, UploadPlan, VideoDetails};
use vidrop_shared::keys::pending_manifest_key;
use vidrop_shared::limits::MIB;

/// 9 MiB: two parts.
const SIZE: usize = 9 * MIB as usize;

/// Two callers of different prefixes on one closed server.
struct Callers {
    app: Closed,
    alice: String,
    bob: String,
}

impl Callers {
    async fn start(tweak: impl FnOnce(&mut vidrop::ServeArgs)) -> Callers {
        let app = Closed::start(tweak).await;
        let alice = app.mint(json!({"prefix": "users/alice/"})).await;
        let bob = app.mint(json!({"prefix": "users/bob/"})).await;
        Callers { app, alice, bob }
    }
}

/// Runs `call` and answers what it answered and the S3 requests the
/// embedded store served meanwhile (`None` on another store).
async fn counted<T>(app: &Closed, call: impl AsyncFnOnce() -> T) -> (T, Option<u64>) {
    let store = app.server.embedded_store();
    let before = store.map(|store| store.requests_answered());
    let answer = call().await;
    let after = store.map(|store| store.requests_answered());
    (
        answer,
        after.zip(before).map(|(after, before)| after - before),
    )
}

/// Plans a multipart upload of `SIZE` bytes as `credential`.
async fn plan(app: &Closed, credential: &str) -> MultipartUpload {
    let response = app
        .post(
            "/api/uploads",
            credential,
            &json!({"filename": "clip.webm", "content_type": "video/webm", "size": SIZE}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    match response.json().await.expect("a plan") {
        UploadPlan::Multipart(plan) => plan,
        other => panic!("expected a multipart upload, got {other:?}"),
    }
}

/// The parts of `body` as `plan` cuts it.
fn parts<'a>(plan: &MultipartUpload, body: &'a [u8]) -> Vec<&'a [u8]> {
    body.chunks(usize::try_from(plan.part_size).unwrap())
        .collect()
}

/// `POST /api/uploads/{id}/parts` for every part of `body`, with `handle`
/// when given.
async fn sign(
    app: &Closed,
    credential: &str,
    id: &str,
    upload_id: &str,
    body: &[u8],
    part_size: u64,
    handle: Option<&str>,
) -> reqwest::Response {
    let to_sign: Vec<Value> = body
        .chunks(usize::try_from(part_size).unwrap())
        .zip(1..)
        .map(|(bytes, n)| json!({"part_number": n, "sha256": sha256(bytes)}))
        .collect();
    let mut request = json!({"upload_id": upload_id, "parts": to_sign});
    if let Some(handle) = handle {
        request["handle"] = json!(handle);
    }
    app.post(&format!("/api/uploads/{id}/parts"), credential, &request)
        .await
}

/// Signs (with the plan's handle) and sends every part of `body`; answers
/// the parts list of a completion.
async fn send_parts(app: &Closed, credential: &str, plan: &MultipartUpload, body: &[u8]) -> Value {
    let response = sign(
        app,
        credential,
        &plan.id,
        &plan.upload_id,
        body,
        plan.part_size,
        plan.handle.as_deref(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let signed: SignedParts = response.json().await.unwrap();
    let mut completed = Vec::new();
    for (part, bytes) in signed.parts.iter().zip(parts(plan, body)) {
        let response = app
            .put_signed(&part.url, &part.headers, bytes.to_vec())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        completed.push(json!({
            "part_number": part.part_number,
            "etag": response.headers()["etag"].to_str().unwrap(),
            "sha256": sha256(bytes),
        }));
    }
    json!(completed)
}

/// `POST /api/uploads/{id}/complete` with `handle` when given.
async fn complete(
    app: &Closed,
    credential: &str,
    plan: &MultipartUpload,
    parts: &Value,
    handle: Option<&str>,
) -> reqwest::Response {
    let mut request = json!({"upload_id": plan.upload_id, "parts": parts});
    if let Some(handle) = handle {
        request["handle"] = json!(handle);
    }
    app.post(
        &format!("/api/uploads/{}/complete", plan.id),
        credential,
        &request,
    )
    .await
}

/// `handle` with its payload's JSON changed by `change`, under its
/// original tag.
fn altered(handle: &str, change: impl FnOnce(&mut Value)) -> String {
    let (payload, tag) = handle.split_once('.').expect("payload.tag");
    let mut json: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).expect("a JSON payload");
    change(&mut json);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap());
    format!("{payload}.{tag}")
}

/// The manifest `plan` stands for, as the server wrote it.
async fn stored_manifest(app: &Closed, plan: &MultipartUpload) -> Manifest {
    let object = app
        .s3()
        .get_object()
        .bucket(app.bucket())
        .key(pending_manifest_key(&plan.id))
        .send()
        .await
        .expect("the manifest");
    let bytes = object.body.collect().await.unwrap().into_bytes();
    serde_json::from_slice(&bytes).expect("a manifest")
}

/// The server's own handle key (the test knows its token secret).
fn server_key() -> HandleKey {
    HandleKey::derive(TOKEN_SECRET.as_bytes())
}

/// A handle altered (its key moved to the forger's prefix, or its size
/// changed) or forged under another key signs nothing of another's upload,
/// and is ignored on the forger's own: the manifest's facts are signed.
#[tokio::test]
async fn an_altered_or_forged_handle_grants_nothing() {
    let Callers { app, alice, bob } = Callers::start(|_| {}).await;
    let theirs = plan(&app, &alice).await;
    let mine = plan(&app, &bob).await;
    let handle = theirs.handle.as_deref().expect("a handle");
    let body = payload(SIZE, 1);
    let before = app.snapshot().await;

    let moved = altered(handle, |json| {
        let key = json["upload"]["key"].as_str().unwrap().to_owned();
        json["upload"]["key"] = json!(key.replace("users/alice/", "users/bob/"));
    });
    let manifest = stored_manifest(&app, &theirs).await;
    let forged_manifest = Manifest {
        key: manifest.key.replace("users/alice/", "users/bob/"),
        ..manifest.clone()
    };
    let other_key = HandleKey::derive(b"another secret, also 32 bytes or more");
    let far = SystemTime::now() + Duration::from_secs(3600);
    let forged = other_key.seal(&forged_manifest, far);
    for (what, handle) in [
        ("moved", moved.as_str()),
        ("forged", forged.as_str()),
        ("garbage", "not.a-handle"),
        ("empty", ""),
    ] {
        let response = sign(
            &app,
            &bob,
            &theirs.id,
            &theirs.upload_id,
            &body,
            theirs.part_size,
            Some(handle),
        )
        .await;
        assert_eq!(
            error_code(response, StatusCode::NOT_FOUND).await,
            "upload_not_found",
            "{what}"
        );
        let response = complete(&app, &bob, &theirs, &json!([]), Some(handle)).await;
        assert_eq!(
            error_code(response, StatusCode::NOT_FOUND).await,
            "upload_not_found",
            "{what}"
        );
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "{}",
        app.snapshot().await.diff(&before)
    );

    // On Bob's own upload, a handle whose size was changed is ignored: the
    // manifest is read (one S3 call) and its plan signed, as without one.
    let mine_handle = mine.handle.as_deref().unwrap();
    let bigger = altered(mine_handle, |json| {
        json["upload"]["size"] = json!(SIZE * 2);
        json["upload"]["part_count"] = json!(4);
    });
    let (response, calls) = counted(&app, async || {
        sign(
            &app,
            &bob,
            &mine.id,
            &mine.upload_id,
            &body,
            mine.part_size,
            Some(&bigger),
        )
        .await
    })
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    if let Some(calls) = calls {
        assert_eq!(calls, 1, "the manifest is read");
    }
    let signed: SignedParts = response.json().await.unwrap();
    let last = signed.parts.last().unwrap();
    let length = &last.headers["content-length"];
    assert_eq!(
        length.parse::<usize>().unwrap(),
        SIZE - usize::try_from(mine.part_size).unwrap(),
        "the manifest's plan"
    );
    // A part the altered handle would allow is no part of the manifest's.
    let response = app
        .post(
            &format!("/api/uploads/{}/parts", mine.id),
            &bob,
            &json!({"upload_id": mine.upload_id, "handle": bigger,
                "parts": [{"part_number": 4, "sha256": sha256(b"x")}]}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_part"
    );
}

/// A handle names one upload: sent with another id or another S3 upload
/// id, it is ignored, and the manifest of the upload the request names
/// decides.
#[tokio::test]
async fn a_handle_for_another_upload_is_ignored() {
    let Callers { app, alice, .. } = Callers::start(|_| {}).await;
    let first = plan(&app, &alice).await;
    let second = plan(&app, &alice).await;
    let first_handle = first.handle.as_deref().unwrap();
    let body = payload(SIZE, 2);
    let before = app.snapshot().await;

    // The second upload's path with the first's handle: the second's
    // manifest is read, and its key and upload id signed.
    let (response, calls) = counted(&app, async || {
        sign(
            &app,
            &alice,
            &second.id,
            &second.upload_id,
            &body,
            second.part_size,
            Some(first_handle),
        )
        .await
    })
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    if let Some(calls) = calls {
        assert_eq!(calls, 1, "the manifest is read");
    }
    let signed: SignedParts = response.json().await.unwrap();
    for part in &signed.parts {
        assert!(part.url.contains(&second.id), "{}", part.url);
        assert_eq!(
            query_param(&part.url, "uploadId").as_deref(),
            Some(second.upload_id.as_str())
        );
    }

    // The first upload's id with the second's S3 upload id, and the first's
    // handle: that upload does not exist.
    let response = sign(
        &app,
        &alice,
        &first.id,
        &second.upload_id,
        &body,
        first.part_size,
        Some(first_handle),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let mismatched = MultipartUpload {
        upload_id: second.upload_id.clone(),
        ..first.clone()
    };
    let response = complete(&app, &alice, &mismatched, &json!([]), Some(first_handle)).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = complete(&app, &alice, &second, &json!([]), Some(first_handle)).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_part",
        "the second's plan has parts"
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "{}",
        app.snapshot().await.diff(&before)
    );
}

/// A handle carries no right of its own: another scope's caller who holds
/// one, intact, can neither sign nor complete with it, and its owner then
/// completes as if nothing had happened.
#[tokio::test]
async fn a_handle_in_another_scope_is_refused() {
    let Callers { app, alice, bob } = Callers::start(|_| {}).await;
    let theirs = plan(&app, &alice).await;
    let handle = theirs.handle.as_deref().unwrap();
    let body = payload(SIZE, 3);
    let completed = send_parts(&app, &alice, &theirs, &body).await;
    let before = app.snapshot().await;

    let response = sign(
        &app,
        &bob,
        &theirs.id,
        &theirs.upload_id,
        &body,
        theirs.part_size,
        Some(handle),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = complete(&app, &bob, &theirs, &completed, Some(handle)).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "{}",
        app.snapshot().await.diff(&before)
    );

    let response = complete(&app, &alice, &theirs, &completed, Some(handle)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: VideoDetails = response.json().await.unwrap();
    assert_eq!(video.listed.summary.size, SIZE as u64);
}

/// An expired handle is not honoured: its owner's batch reads the manifest
/// (one S3 call, as without a handle), another scope's caller is refused,
/// and once the upload is aborted the handle signs nothing.
#[tokio::test]
async fn an_expired_handle_is_not_honoured() {
    let Callers { app, alice, bob } = Callers::start(|args| {
        args.presign_expiry = 1;
        args.abandon_after = 2;
    })
    .await;
    let theirs = plan(&app, &alice).await;
    let handle = theirs.handle.as_deref().unwrap();
    let body = payload(SIZE, 4);
    let (response, calls) = counted(&app, async || {
        sign(
            &app,
            &alice,
            &theirs.id,
            &theirs.upload_id,
            &body,
            theirs.part_size,
            Some(handle),
        )
        .await
    })
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    if let Some(calls) = calls {
        assert_eq!(calls, 0, "fresh, the handle is enough");
    }
    // The handle lives `--abandon-after` (2 s), counted in whole seconds.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let before = app.snapshot().await;

    let (response, calls) = counted(&app, async || {
        sign(
            &app,
            &alice,
            &theirs.id,
            &theirs.upload_id,
            &body,
            theirs.part_size,
            Some(handle),
        )
        .await
    })
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the manifest still says yes"
    );
    if let Some(calls) = calls {
        assert_eq!(calls, 1, "expired, the handle is not read: the manifest is");
    }
    let response = sign(
        &app,
        &bob,
        &theirs.id,
        &theirs.upload_id,
        &body,
        theirs.part_size,
        Some(handle),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "{}",
        app.snapshot().await.diff(&before)
    );

    let response = app
        .http
        .delete(app.url(&format!(
            "/api/uploads/{}?upload_id={}",
            theirs.id, theirs.upload_id
        )))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = sign(
        &app,
        &alice,
        &theirs.id,
        &theirs.upload_id,
        &body,
        theirs.part_size,
        Some(handle),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = complete(&app, &alice, &theirs, &json!([]), Some(handle)).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
}

/// Completing with a handle keeps verification's guarantees: an object that
/// is not what was approved is deleted with its manifest at its first
/// check; one verified before is never deleted, even by a handle this
/// server's key sealed whose facts it does not match (as a server with
/// other rules would seal), and is answered as it is.
#[tokio::test]
async fn completion_from_a_handle_deletes_only_what_fails_its_first_check() {
    let Callers { app, alice, .. } = Callers::start(|_| {}).await;

    // Not a WebM file: deleted, with its manifest, and the upload is gone.
    let bad = plan(&app, &alice).await;
    let mut not_webm = payload(SIZE, 5);
    not_webm[..8].copy_from_slice(b"<html>\n ");
    let completed = send_parts(&app, &alice, &bad, &not_webm).await;
    let response = complete(&app, &alice, &bad, &completed, bad.handle.as_deref()).await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "verification_failed"
    );
    let key = &bad.key;
    assert!(!app.object_exists(key).await, "{key} deleted");
    assert!(!app.object_exists(&pending_manifest_key(&bad.id)).await);
    let snapshot = app.snapshot().await;
    assert!(snapshot.uploads.is_empty(), "{:?}", snapshot.uploads);

    // Verified with its handle, then a sealed handle it does not match.
    let good = plan(&app, &alice).await;
    let manifest = stored_manifest(&app, &good).await;
    let body = payload(SIZE, 6);
    let completed = send_parts(&app, &alice, &good, &body).await;
    let response = complete(&app, &alice, &good, &completed, good.handle.as_deref()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: VideoDetails = response.json().await.unwrap();
    assert!(!app.object_exists(&pending_manifest_key(&good.id)).await);
    let stricter = Manifest {
        content_type: "video/mp4".into(),
        media: MediaInfo {
            duration: Some(1.0),
            width: None,
            height: None,
        },
        ..manifest
    };
    let sealed = server_key().seal(&stricter, SystemTime::now() + Duration::from_secs(3600));
    let before = app.snapshot().await;
    let response = complete(&app, &alice, &good, &completed, Some(&sealed)).await;
    assert_eq!(response.status(), StatusCode::OK, "answered as it is");
    let again: VideoDetails = response.json().await.unwrap();
    assert_eq!(again.listed.summary, video.listed.summary);
    assert!(app.object_exists(&good.key).await, "never deleted");
    assert_eq!(
        app.snapshot().await,
        before,
        "{}",
        app.snapshot().await.diff(&before)
    );
}
