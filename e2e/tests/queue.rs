//! Many files at once (`multiple`, Chromium): dropped together on the drop
//! zone, each goes up with its own row in the queue; a file that is not a
//! video is refused with its message and stops none of the others; the
//! parts of several files share the widget's `concurrency`; and a file can
//! be cancelled and retried on its own.

use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use vidrop_e2e::proxy::{Outcome, Record, in_flight};
use vidrop_e2e::{Conditions, Harness, LargeFile, TestVideo};
use vidrop_shared::limits::MIB;

const QUEUE_TIMEOUT: Duration = Duration::from_secs(180);

/// Sets `attributes` on the page's element (a host page writes them in
/// its HTML; the element follows changes).
async fn set_attributes(harness: &Harness, attributes: &[(&str, &str)]) {
    for (name, value) in attributes {
        harness
            .browser
            .execute(&format!(
                "document.querySelector('vidrop-uploader').setAttribute({name:?}, {value:?}); return null;"
            ))
            .await;
    }
}

/// Drags `files` over the drop zone and drops them there, as a person does
/// from a file manager: the files are picked into an input of the page's
/// own, then carried by a `DataTransfer` in `dragenter`, `dragover` and
/// `drop` events. Answers whether the zone showed its drop state while the
/// files were over it.
async fn drop_files(harness: &Harness, files: &[&Path]) -> bool {
    let browser = &harness.browser;
    browser
        .execute(
            "const feeder = document.createElement('input');
             feeder.type = 'file'; feeder.multiple = true; feeder.id = 'feeder';
             document.body.append(feeder); return null;",
        )
        .await;
    browser.set_files("#feeder", files).await;
    let shown = browser
        .execute(
            "const transfer = new DataTransfer();
             for (const file of document.getElementById('feeder').files) transfer.items.add(file);
             const zone = vidrop('#vidrop-dropzone');
             const fire = (type) => zone.dispatchEvent(new DragEvent(type,
               { dataTransfer: transfer, bubbles: true, cancelable: true, composed: true }));
             fire('dragenter');
             fire('dragover');
             return new Promise((resolve) => requestAnimationFrame(() => {
               const active = zone.classList.contains('vidrop-dropzone--active');
               fire('drop');
               document.getElementById('feeder').remove();
               resolve(active);
             }));",
        )
        .await;
    shown == Value::Bool(true)
}

/// The queue's rows: file name, `data-state`, status words, message.
async fn rows(harness: &Harness) -> Vec<Value> {
    let value = harness
        .browser
        .execute(
            "return Array.from(vidrop('#vidrop-queue').children, (li) => ({
               name: li.dataset.filename,
               key: li.dataset.key,
               state: li.dataset.state,
               status: li.querySelector('.vidrop-queue-status').textContent,
               message: li.querySelector('.vidrop-queue-message').hidden
                 ? null : li.querySelector('.vidrop-queue-message').textContent,
             }));",
        )
        .await;
    serde_json::from_value(value).expect("the queue's rows")
}

/// Waits until every row of the queue is in one of the `settled` states.
async fn wait_until_settled(harness: &Harness, settled: &[&str]) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let rows = rows(harness).await;
        if !rows.is_empty()
            && rows
                .iter()
                .all(|row| settled.contains(&row["state"].as_str().unwrap_or_default()))
        {
            return rows;
        }
        assert!(
            started.elapsed() < QUEUE_TIMEOUT,
            "the queue did not settle: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn three_files_dropped_two_upload_and_play_the_third_is_refused() {
    let harness = Harness::start().await;
    let dir = harness.stack.data_dir();
    let first = TestVideo::webm(dir, "first.webm", 2);
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "not a video").unwrap();
    let second = TestVideo::webm(dir, "second.webm", 3);
    harness.open_widget().await;
    set_attributes(&harness, &[("multiple", "")]).await;
    harness
        .browser
        .wait_until(
            "vidrop('#vidrop').dataset.multiple === '' && vidrop('#vidrop-file').multiple",
            "the widget to take several files",
        )
        .await;

    let shown = drop_files(&harness, &[&first.path, &notes, &second.path]).await;
    assert!(shown, "the drop zone shows that it takes the files");
    let rows = wait_until_settled(&harness, &["done", "error"]).await;
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["name"].as_str().unwrap(),
                row["state"].as_str().unwrap(),
                row["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("first.webm", "done", "Uploaded"),
            ("notes.txt", "error", "Failed"),
            ("second.webm", "done", "Uploaded"),
        ],
        "each file's state, in the order dropped: {rows:#?}"
    );
    let refusal = rows[1]["message"].as_str().unwrap_or_default();
    assert!(
        refusal.contains("Only video files can be uploaded"),
        "the refusal says why: {refusal:?}"
    );
    assert!(rows[0]["message"].is_null() && rows[2]["message"].is_null());
    // The alert announces it too, out of sight: the row shows it.
    let alert = harness
        .browser
        .execute(
            "const alert = vidrop('#vidrop-error');
             return [alert.textContent, alert.getAttribute('role'),
                     alert.classList.contains('vidrop-visually-hidden')];",
        )
        .await;
    assert_eq!(alert[0], refusal, "{alert}");
    assert_eq!(alert[1], "alert");
    assert_eq!(alert[2], true, "shown once, in the row: {alert}");

    // Both stored, byte for byte, and both play from the gallery.
    let listed = harness.stack.videos().await.videos;
    let mut names: Vec<&str> = listed.iter().map(|v| v.filename.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["first.webm", "second.webm"]);
    // Both went up at once: either may have been created first, so neither
    // is known to be listed first.
    for file in [&first, &second] {
        let video = listed
            .iter()
            .find(|video| video.filename == file.file_name())
            .expect("listed");
        assert!(harness.stack.stored_bytes(&video.id).await == file.bytes());
        harness
            .browser
            .click(&format!("li[data-video-id='{}'] .vidrop-play", video.id))
            .await;
        harness
            .browser
            .wait_until(
                &format!("vidrop('#vidrop-player')?.src.includes('{}')", video.id),
                "the player to hold the video",
            )
            .await;
        harness
            .browser
            .assert_plays("#vidrop-player", Some(file.duration))
            .await;
    }
    harness.close().await;
}

/// Two multipart files at `concurrency="2"`: never more than two parts in
/// flight between them (each alone could have two). One is cancelled from
/// its row while the other goes on to the end; Retry sends it again, and it
/// completes, byte for byte.
#[tokio::test]
async fn files_share_the_concurrency_and_each_cancels_and_retries_alone() {
    let harness =
        Harness::start_behind_proxy(&["--multipart-threshold", &(5 * MIB).to_string()]).await;
    let dir = harness.stack.data_dir();
    let one = LargeFile::random(dir, "one.webm", 40 * MIB, 11);
    let two = LargeFile::random(dir, "two.webm", 40 * MIB, 12);
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(4 * MIB),
        ..Conditions::default()
    });
    harness.open_widget().await;
    set_attributes(&harness, &[("multiple", ""), ("concurrency", "2")]).await;
    harness
        .browser
        .wait_until(
            "vidrop('#vidrop-file').multiple",
            "the widget to take several files",
        )
        .await;
    drop_files(&harness, &[&one.path, &two.path]).await;

    // Both start; cancel the second from its own row once a part is
    // stored.
    harness
        .browser
        .wait_until(
            "Array.from(vidrop('#vidrop-queue').children).every((li) => li.dataset.state === 'uploading')",
            "both files to go up",
        )
        .await;
    proxy.wait_for_stored_parts(1, QUEUE_TIMEOUT).await;
    harness
        .browser
        .click("#vidrop-queue li:nth-child(2) .vidrop-queue-cancel")
        .await;
    let rows = wait_until_settled(&harness, &["done", "cancelled"]).await;
    assert_eq!(
        rows[0]["state"], "done",
        "the other file went on: {rows:#?}"
    );
    assert_eq!(rows[1]["state"], "cancelled", "{rows:#?}");
    assert_eq!(rows[1]["message"], "Upload cancelled.");

    // Retry: the second goes up again and completes.
    harness
        .browser
        .click("#vidrop-queue li:nth-child(2) .vidrop-queue-retry")
        .await;
    let rows = wait_until_settled(&harness, &["done"]).await;
    assert_eq!(rows.len(), 2);
    let listed = harness.stack.videos().await.videos;
    assert_eq!(listed.len(), 2, "{listed:?}");
    for video in &listed {
        let file = if video.filename == "one.webm" {
            &one
        } else {
            &two
        };
        assert_eq!(harness.stack.stored_sha256(&video.id).await, file.sha256());
    }

    // At no moment were more than two parts in flight, whichever file
    // (`in_flight` leaves out the moment between the browser's answer and
    // the proxy's record of it). The parts the cancel broke off are left
    // out: the browser let go of them at the click, the throttled proxy
    // learns it only later.
    let origin = proxy.records().first().map(|r| r.started).unwrap();
    let kept: Vec<Record> = proxy
        .records()
        .into_iter()
        .filter(|r| r.is_video_put() && r.outcome != Outcome::Broken)
        .collect();
    assert!(
        kept.len() >= 10,
        "five parts a file at least: {}",
        kept.len()
    );
    let most = in_flight(&kept).peak;
    let spans: Vec<String> = kept
        .iter()
        .map(|r| {
            format!(
                "{:?}..{:?} {:?} part {:?}",
                r.started - origin,
                r.at - origin,
                r.outcome,
                r.part_number
            )
        })
        .collect();
    assert!(
        most <= 2,
        "{most} parts in flight at once with concurrency 2: {spans:#?}"
    );
    assert_eq!(most, 2, "two in flight at times: {spans:#?}");
    harness.close().await;
}
