//! The gallery (Chromium): the videos a reader may see, each with its poster
//! frame, name, duration and size; one played from its presigned GET, sought
//! to the middle, and played again later from the browser's cache under the
//! same URL, with no new request to the store.

use serde_json::Value;
use vidrop_e2e::proxy::Outcome;
use vidrop_e2e::{Harness, TestVideo};

/// `seconds` as the gallery shows a duration: `m:ss`.
fn clock(seconds: f64) -> String {
    let total = seconds.round() as u64;
    format!("{}:{:02}", total / 60, total % 60)
}

/// What the gallery shows of each video, newest first.
async fn gallery(harness: &Harness) -> Vec<Value> {
    let value = harness
        .browser
        .execute(
            "return Array.from(vidrop('#vidrop-videos').children, (li) => {
               const img = li.querySelector('.vidrop-video-thumb img');
               const duration = li.querySelector('.vidrop-video-duration');
               return {
                 id: li.dataset.videoId,
                 name: li.querySelector('.vidrop-video-name').textContent,
                 meta: li.querySelector('.vidrop-video-meta').textContent,
                 duration: duration ? duration.textContent : null,
                 datetime: duration ? duration.getAttribute('datetime') : null,
                 poster: img ? { width: img.naturalWidth, height: img.naturalHeight,
                                 alt: img.getAttribute('alt') } : null,
                 play: li.querySelector('.vidrop-play').getAttribute('aria-label'),
               };
             });",
        )
        .await;
    serde_json::from_value(value).expect("the gallery's items")
}

/// Clicks the Play button of video `id` and waits until the player holds
/// its URL; answers that URL.
async fn play_from_gallery(harness: &Harness, id: &str) -> String {
    let browser = &harness.browser;
    browser
        .click(&format!("li[data-video-id='{id}'] .vidrop-play"))
        .await;
    let src = browser
        .wait_for_value(
            &format!(
                "(() => {{ const v = vidrop('#vidrop-player');
                   return v && v.src.includes('{id}') ? v.src : null; }})()"
            ),
            "the player to hold the chosen video",
        )
        .await;
    browser
        .play("#vidrop-player")
        .await
        .unwrap_or_else(|e| panic!("{id} does not play: {e}"));
    src
}

/// What the store answered to the GETs of `id`'s video object (not its
/// poster) that reached it.
fn video_gets(harness: &Harness, id: &str) -> Vec<Outcome> {
    harness
        .stack
        .proxy()
        .records()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains(id) && !r.path.contains(".poster."))
        .map(|r| r.outcome)
        .collect()
}

#[tokio::test]
async fn the_gallery_shows_plays_seeks_and_replays_from_the_cache() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let browser = &harness.browser;
    let dir = harness.stack.data_dir();
    let long = TestVideo::webm(dir, "long take.webm", 8);
    let short = TestVideo::webm(dir, "short.webm", 3);
    harness.open_widget().await;
    for video in [&long, &short] {
        harness.choose_file(&video.path).await;
        harness.wait_for_upload().await;
    }
    browser
        .wait_until(
            "vidrop('#vidrop-videos').children.length === 2 && \
             Array.from(vidrop('#vidrop-videos').querySelectorAll('img'))
               .every((img) => img.complete && img.naturalWidth > 0)",
            "two videos in the gallery, their posters loaded",
        )
        .await;

    // Newest first, each with its poster (a frame of the video's 4:3
    // shape, decorative beside the name), duration and size.
    let items = gallery(&harness).await;
    let listed = harness.stack.videos().await.videos;
    for (item, (video, summary)) in items
        .iter()
        .zip([(&short, &listed[0]), (&long, &listed[1])])
    {
        assert_eq!(item["id"], summary.id.as_str());
        assert_eq!(item["name"], video.file_name());
        assert_eq!(item["duration"], clock(video.duration).as_str(), "{item}");
        assert_eq!(
            item["datetime"],
            format!("PT{}S", video.duration.round()).as_str()
        );
        let meta = item["meta"].as_str().unwrap();
        let size = vidrop_shared::policy::human_size(summary.size);
        assert!(meta.starts_with(&size), "{meta:?} names the size {size}");
        let poster = &item["poster"];
        let (width, height) = (
            poster["width"].as_u64().unwrap(),
            poster["height"].as_u64().unwrap(),
        );
        assert!(
            width > 0 && width * 3 == height * 4,
            "a 4:3 poster: {poster}"
        );
        assert_eq!(poster["alt"], "");
        assert_eq!(item["play"], format!("Play {}", video.file_name()).as_str());
    }
    let (long_id, short_id) = (listed[1].id.clone(), listed[0].id.clone());

    // Played from the gallery, then sought to the middle: the player lands
    // there (Range requests) and goes on playing.
    let first_url = play_from_gallery(&harness, &long_id).await;
    let middle = long.duration / 2.0;
    browser
        .execute(&format!(
            "const v = vidrop('#vidrop-player');
             window.__seeked = false;
             v.addEventListener('seeked', () => window.__seeked = true, {{ once: true }});
             v.currentTime = {middle};
             return null;"
        ))
        .await;
    browser
        .wait_until("window.__seeked === true", "the seek to end")
        .await;
    let landed = browser.video_state("#vidrop-player").await.current_time;
    assert!(
        (landed - middle).abs() < 0.5,
        "sought to {middle}, at {landed}"
    );
    browser
        .wait_until(
            &format!("vidrop('#vidrop-player').currentTime > {}", landed + 0.5),
            "playback to go on after the seek",
        )
        .await;

    // Another video, then the first again: the backend signs the same URL
    // (the same window), and the browser plays it from its cache.
    play_from_gallery(&harness, &short_id).await;
    let fetched = video_gets(&harness, &long_id);
    assert!(!fetched.is_empty(), "the first playback reached the store");
    let again = play_from_gallery(&harness, &long_id).await;
    assert_eq!(again, first_url, "the same playback URL within its window");
    let at = browser.video_state("#vidrop-player").await.current_time;
    browser
        .wait_until(
            &format!("vidrop('#vidrop-player').currentTime > {}", at + 0.5),
            "the replay to advance",
        )
        .await;
    // From the cache: no new GET reached the store, or (a store that does
    // not send the signed Cache-Control with a partial answer: Garage 2.5)
    // only revalidations it answered 304, the bytes coming from the cache.
    let again = video_gets(&harness, &long_id);
    let refetched: Vec<&Outcome> = again[fetched.len()..]
        .iter()
        .filter(|outcome| **outcome != Outcome::Forwarded(304))
        .collect();
    assert!(
        refetched.is_empty(),
        "played again from the browser's cache, yet the store sent it again: {again:?}"
    );
    if harness.stack.is_on_embedded_store() {
        assert_eq!(again.len(), fetched.len(), "no request at all: {again:?}");
    }
    harness.close().await;
}
