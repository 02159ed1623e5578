//! Large uploads over a bad network, in real browsers: multipart parts
//! straight to the embedded S3 through a proxy of the harness that fails,
//! throttles and counts part uploads. Faults, reload and cancel run in every
//! engine; URL expiry and pause, which exercise the widget's own timers and
//! no engine-specific API, in Chromium.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use vidrop_e2e::{Conditions, Engine, Harness, LargeFile, in_every_engine};
use vidrop_shared::limits::MIB;
use vidrop_shared::parts::PartPlan;

/// Generous: a 100 MiB upload in a debug build on two cores, with faults.
const LARGE_UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// The part numbers of the one multipart upload in progress, as the store
/// itself lists them (ListParts).
async fn parts_in_store(harness: &Harness) -> BTreeSet<u32> {
    let (s3, bucket) = harness.stack.s3();
    let uploads = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("ListMultipartUploads");
    let Some(upload) = uploads.uploads().first() else {
        return BTreeSet::new();
    };
    let parts = s3
        .list_parts()
        .bucket(&bucket)
        .key(upload.key().expect("a key"))
        .upload_id(upload.upload_id().expect("an upload id"))
        .send()
        .await
        .expect("ListParts");
    parts
        .parts()
        .iter()
        .filter_map(|part| part.part_number().map(|n| n as u32))
        .collect()
}

in_every_engine!(a_flaky_network_loses_no_byte);

/// 20 % of part PUTs fail (500, 503, connection reset mid-body); a 104 MiB
/// upload still completes and the stored object's SHA-256 is the file's.
async fn a_flaky_network_loses_no_byte(engine: Engine) {
    let harness = Harness::start_behind_proxy_in(engine, &[]).await;
    let file = LargeFile::random(harness.stack.data_dir(), "flaky.webm", 104 * MIB, 1);
    let plan = PartPlan::for_size(file.size);
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        part_failure_rate: 0.2,
        ..Conditions::default()
    });
    harness.open_widget().await;

    harness.choose_file(&file.path).await;
    harness.wait_for_upload_within(LARGE_UPLOAD_TIMEOUT).await;

    let id = harness.uploaded_id().await;
    assert_eq!(harness.stack.stored_sha256(&id).await, file.sha256());
    println!(
        "fault injection, {} parts: {}",
        plan.part_count,
        proxy.summary()
    );
    let parts = proxy.part_uploads();
    let injected = parts.iter().filter(|r| !r.succeeded()).count();
    assert!(
        injected >= 1,
        "the proxy failed no part: {}",
        proxy.summary()
    );
    assert_eq!(
        proxy.stored_part_numbers(),
        (1..=plan.part_count).collect::<BTreeSet<_>>(),
        "every part stored"
    );
    let browser = &harness.browser;
    assert_eq!(
        browser
            .attribute("#vidrop-progress", "data-percent")
            .await
            .as_deref(),
        Some("100")
    );
    assert_eq!(
        browser.attribute("#vidrop", "data-parts-done").await,
        Some(plan.part_count.to_string())
    );
    harness.close().await;
}

in_every_engine!(a_reload_resumes_with_only_the_missing_parts);

/// Reloading the page half way through a 104 MiB upload and choosing the same
/// file again finishes it by sending only the parts S3 did not have yet.
async fn a_reload_resumes_with_only_the_missing_parts(engine: Engine) {
    let harness = Harness::start_behind_proxy_in(engine, &[]).await;
    let file = LargeFile::random(harness.stack.data_dir(), "reload.webm", 104 * MIB, 2);
    let plan = PartPlan::for_size(file.size);
    let proxy = harness.stack.proxy();
    // Slow enough to reload with about half of the parts stored.
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(4 * MIB),
        ..Conditions::default()
    });
    harness.open_widget().await;
    harness.choose_file(&file.path).await;

    proxy
        .wait_for_stored_parts(plan.part_count as usize / 2, LARGE_UPLOAD_TIMEOUT)
        .await;
    harness.browser.refresh().await;
    // Parts whose bodies had fully arrived may still land in the store, some
    // with no record at the proxy (the browser hung up before the store
    // answered): ask the store, until it has had no new part for 2 s.
    let mut stored_before = parts_in_store(&harness).await;
    let mut settled = Instant::now();
    while settled.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = parts_in_store(&harness).await;
        if now != stored_before {
            stored_before = now;
            settled = Instant::now();
        }
    }
    let reopened = Instant::now();
    assert!(
        stored_before.len() < plan.part_count as usize,
        "the reload came too late"
    );
    proxy.set_conditions(Conditions::default());

    harness.open_widget().await;
    harness.choose_file(&file.path).await;
    harness.wait_for_upload_within(LARGE_UPLOAD_TIMEOUT).await;

    let sent_after: BTreeSet<u32> = proxy
        .part_uploads()
        .iter()
        .filter(|record| record.started > reopened)
        .filter_map(|record| record.part_number)
        .collect();
    println!(
        "reload: {} of {} parts stored before the reload, parts sent after: {sent_after:?}",
        stored_before.len(),
        plan.part_count
    );
    assert!(
        sent_after.is_disjoint(&stored_before),
        "parts sent again after the reload: {:?}",
        sent_after.intersection(&stored_before).collect::<Vec<_>>()
    );
    let all: BTreeSet<u32> = (1..=plan.part_count).collect();
    assert_eq!(
        &stored_before | &sent_after,
        all,
        "every part was sent once"
    );
    assert_eq!(
        harness
            .browser
            .attribute("#vidrop", "data-parts-resumed")
            .await,
        Some(stored_before.len().to_string())
    );
    let id = harness.uploaded_id().await;
    assert_eq!(harness.stack.stored_sha256(&id).await, file.sha256());
    harness.close().await;
}

/// With URLs that live 3 s, a throttled upload outlives its first URLs: parts
/// are signed again and the upload still completes intact.
#[tokio::test]
async fn an_upload_outlives_its_first_urls() {
    let expiry_secs = 3;
    let harness = Harness::start_behind_proxy(&[
        "--presign-expiry",
        &expiry_secs.to_string(),
        "--multipart-threshold",
        &(5 * MIB).to_string(),
    ])
    .await;
    let file = LargeFile::random(harness.stack.data_dir(), "slow.webm", 48 * MIB, 3);
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(2 * MIB),
        ..Conditions::default()
    });
    harness.open_widget().await;
    let started = Instant::now();
    harness.choose_file(&file.path).await;
    harness.wait_for_upload_within(LARGE_UPLOAD_TIMEOUT).await;
    let took = started.elapsed();

    assert!(
        took > Duration::from_secs(2 * expiry_secs),
        "the upload took only {took:?}"
    );
    let signings: BTreeSet<String> = proxy
        .part_uploads()
        .iter()
        .filter_map(|record| record.signed_at.clone())
        .collect();
    assert!(
        signings.len() >= 2,
        "parts were never signed again: {signings:?}"
    );
    let id = harness.uploaded_id().await;
    assert_eq!(harness.stack.stored_sha256(&id).await, file.sha256());
    harness.close().await;
}

in_every_engine!(cancel_leaves_nothing_in_the_store);

/// Cancelling a multipart upload leaves neither an object nor a multipart
/// upload in the store.
async fn cancel_leaves_nothing_in_the_store(engine: Engine) {
    let harness = Harness::start_behind_proxy_in(engine, &[]).await;
    let file = LargeFile::random(harness.stack.data_dir(), "cancel.webm", 80 * MIB, 4);
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(2 * MIB),
        ..Conditions::default()
    });
    harness.open_widget().await;
    harness.choose_file(&file.path).await;

    proxy.wait_for_stored_parts(1, LARGE_UPLOAD_TIMEOUT).await;
    let (_, uploads) = harness.stack.store_contents().await;
    assert_eq!(uploads.len(), 1, "a multipart upload is under way");
    harness.browser.click("#vidrop-cancel").await;
    harness.wait_for_state("cancelled").await;

    // The abort is the widget's last request; give it a moment to land.
    let started = Instant::now();
    loop {
        let (objects, uploads) = harness.stack.store_contents().await;
        if objects.is_empty() && uploads.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "left in the store: objects {objects:?}, uploads {uploads:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(harness.stack.videos().await.videos.is_empty());
    harness.close().await;
}

/// Pause stops part uploads until Resume; the upload then completes intact.
#[tokio::test]
async fn pause_holds_the_upload_until_resume() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let file = LargeFile::random(harness.stack.data_dir(), "pause.webm", 72 * MIB, 5);
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(4 * MIB),
        ..Conditions::default()
    });
    harness.open_widget().await;
    harness.choose_file(&file.path).await;
    proxy.wait_for_stored_parts(1, LARGE_UPLOAD_TIMEOUT).await;

    harness.browser.click("#vidrop-pause").await;
    harness.wait_for_state("paused").await;
    let paused_at = Instant::now();
    assert_eq!(harness.browser.text("#vidrop-pause").await, "Resume");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Requests are recorded when they end; the ones the pause broke off end
    // later, so count by arrival.
    let sent_while_paused = proxy
        .part_uploads()
        .iter()
        .filter(|record| record.started > paused_at)
        .count();
    assert_eq!(sent_while_paused, 0, "no part is sent while paused");

    proxy.set_conditions(Conditions::default());
    harness.browser.click("#vidrop-pause").await;
    harness.wait_for_upload_within(LARGE_UPLOAD_TIMEOUT).await;
    let id = harness.uploaded_id().await;
    assert_eq!(harness.stack.stored_sha256(&id).await, file.sha256());
    harness.close().await;
}

/// When every connection is slow (each part's body held to 4 MiB/s, as by
/// a long round trip or a cap per connection), a widget left to choose its
/// concurrency sends more parts at once than the four it starts with, and
/// the upload is stored intact.
#[tokio::test]
async fn slow_connections_get_more_parts_in_flight() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let file = LargeFile::random(harness.stack.data_dir(), "adaptive.webm", 160 * MIB, 9);
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(4 * MIB),
        ..Conditions::default()
    });
    harness.open_widget().await;
    harness.choose_file(&file.path).await;
    harness.wait_for_upload_within(LARGE_UPLOAD_TIMEOUT).await;

    let most = proxy.parts_in_flight().peak;
    assert!(
        (5..=6).contains(&most),
        "{most} parts in flight at most: more than the four it starts with, \
         no more than the six connections a browser opens to one host"
    );
    let id = harness.uploaded_id().await;
    assert_eq!(harness.stack.stored_sha256(&id).await, file.sha256());
    harness.close().await;
}
