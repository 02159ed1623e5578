//! The widget embedded in someone else's page, in real browsers: a
//! host site on one origin (the harness's [`HostSite`], serving
//! `examples/` and pages written here) loads `<vidrop-uploader>` from the
//! backend's `/widget/vidrop.js` on another, and the widget uploads straight
//! to the embedded store on a third. The example host page runs in every
//! engine; the rest (CSP reports, hostile CSS, two widgets, removal, tokens)
//! in Chromium, whose console log some of them read.

use serde_json::Value;
use std::time::{Duration, Instant};
use vidrop_e2e::host::{EXAMPLES_BACKEND, EXAMPLES_STORE};
use vidrop_e2e::{Browser, Conditions, Engine, HostSite, Stack, TestVideo, in_every_engine};

/// The host site's API key and token secret on the closed server.
const API_KEY: &str = "host-key-0123456789abcdef";
const TOKEN_SECRET: &str = "embed-test-token-secret-0123456789-abcdef";

/// A host site, and a backend that allows it as an embedding origin (with
/// `extra` flags), the examples pointed at both; and headless Chromium.
async fn start(extra: &[&str], behind_proxy: bool) -> (HostSite, Stack, Browser) {
    start_in(Engine::Chromium, extra, behind_proxy).await
}

/// [`start`], with a browser of `engine`.
async fn start_in(
    engine: Engine,
    extra: &[&str],
    behind_proxy: bool,
) -> (HostSite, Stack, Browser) {
    let site = HostSite::bind().await;
    let origin = site.origin();
    let mut flags = vec!["--allow-origin", origin.as_str()];
    flags.extend_from_slice(extra);
    let stack = if behind_proxy {
        Stack::start_behind_proxy(&flags).await
    } else {
        Stack::start(&flags).await
    };
    site.replace(EXAMPLES_BACKEND, &stack.base_url());
    site.replace(EXAMPLES_STORE, &stack.store_origin());
    if let Some(token) = stack.page_token() {
        site.replace(
            "<vidrop-uploader",
            &format!("<vidrop-uploader token='{token}'"),
        );
    }
    (site, stack, Browser::start_in(engine).await)
}

/// A page of the host site with `body`, loading the widget from `stack`.
fn page(site: &HostSite, stack: &Stack, path: &str, body: &str) -> String {
    site.add_page(
        path,
        &format!(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>host</title>\
             <script type=module src=\"{}/widget/vidrop.js\"></script></head>\
             <body>{body}</body></html>",
            stack.base_url()
        ),
    );
    site.url(path)
}

/// Keeps every `vidrop:*` event that reaches the document in
/// `window.__vidrop`, with its target's id and its time.
async fn record_events(browser: &Browser) {
    browser
        .execute(
            "window.__vidrop = [];
             for (const name of ['start', 'progress', 'complete', 'error', 'cancel',
                                 'pause', 'resume', 'part-retry']) {
               document.addEventListener('vidrop:' + name, (e) => window.__vidrop.push({
                 type: e.type, target: e.target.id, detail: e.detail,
                 bubbles: e.bubbles, composed: e.composed, at: performance.now() }));
             }
             return null;",
        )
        .await;
}

/// The events recorded so far, `type` ones from `target` (any for `""`).
async fn events(browser: &Browser, kind: &str, target: &str) -> Vec<Value> {
    let all = browser.eval("window.__vidrop").await;
    all.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["type"] == kind && (target.is_empty() || e["target"] == target))
        .collect()
}

/// Waits for a `kind` event from `target` (the latest, if there were
/// several), failing at once on a new `vidrop:error` from it.
async fn wait_for_event(browser: &Browser, kind: &str, target: &str) -> Value {
    let started = Instant::now();
    let known_errors = events(browser, "vidrop:error", target).await.len();
    loop {
        if let Some(event) = events(browser, kind, target).await.pop() {
            return event;
        }
        let errors = events(browser, "vidrop:error", target).await;
        if kind != "vidrop:error" && errors.len() > known_errors {
            panic!(
                "#{target} told an error while {kind} was awaited: {}",
                errors[errors.len() - 1]
            );
        }
        assert!(
            started.elapsed() < vidrop_e2e::PAGE_TIMEOUT,
            "no {kind} from #{target}; events: {}",
            browser.eval("window.__vidrop").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_widget(browser: &Browser, host: &str) {
    browser
        .wait_until(
            &format!("vidrop('{host} >>> #vidrop #vidrop-file') !== null"),
            "the widget to mount",
        )
        .await;
}

/// Plays the widget's video and waits for it to advance.
async fn plays(browser: &Browser, host: &str) {
    browser
        .assert_plays(&format!("{host} >>> #vidrop-player"), None)
        .await;
}

in_every_engine!(the_example_host_page_embeds_uploads_and_plays);

/// The example host page on origin A embeds the widget from the backend on
/// origin B (CORS, MIME types and cache rules as embedding needs), uploads a
/// real video, hears `vidrop:start`, `vidrop:progress` (at most ten a
/// second) and `vidrop:complete` with the video's id, name, size, type,
/// duration and a playback URL that serves the file; the page prints them
/// and the video plays.
async fn the_example_host_page_embeds_uploads_and_plays(engine: Engine) {
    let (site, stack, browser) = start_in(engine, &[], false).await;
    assert_ne!(site.origin(), stack.base_url(), "two origins");
    let video = TestVideo::webm(stack.data_dir(), "harbour at dusk.webm", 3);

    let http = reqwest::Client::new();
    let loader = http
        .get(format!("{}/widget/vidrop.js", stack.base_url()))
        .header("Origin", site.origin())
        .send()
        .await
        .unwrap();
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(loader.status(), 200);
    assert_eq!(header(&loader, "access-control-allow-origin"), "*");
    assert_eq!(
        header(&loader, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&loader, "cache-control"), "public, max-age=60");
    let source = loader.text().await.unwrap();
    let wasm = source
        .split('"')
        .find(|part| part.ends_with("_bg.wasm"))
        .expect("the loader names the wasm")
        .trim_start_matches("./")
        .to_owned();
    let wasm_name = wasm;
    let wasm = http
        .get(format!("{}/widget/{wasm_name}", stack.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    assert_eq!(header(&wasm, "access-control-allow-origin"), "*");
    assert!(header(&wasm, "cache-control").contains("immutable"));
    assert_eq!(header(&wasm, "content-encoding"), "", "none was accepted");

    // `cargo xtask build` compressed the files ahead of time: each encoding
    // a client accepts gets its file as it is.
    let dist = vidrop_e2e::stack::dist_dir();
    let on_disk = |suffix: &str| {
        std::fs::read(dist.join(format!("{wasm_name}{suffix}")))
            .unwrap_or_else(|e| panic!("{wasm_name}{suffix} in dist/: {e}"))
    };
    for (accepted, encoding, suffix) in [("gzip", "gzip", ".gz"), ("br, gzip", "br", ".br")] {
        let compressed = http
            .get(format!("{}/widget/{wasm_name}", stack.base_url()))
            .header("Accept-Encoding", accepted)
            .send()
            .await
            .unwrap();
        assert_eq!(header(&compressed, "content-encoding"), encoding);
        assert_eq!(header(&compressed, "content-type"), "application/wasm");
        assert_eq!(header(&compressed, "vary"), "accept-encoding");
        assert_eq!(compressed.bytes().await.unwrap().to_vec(), on_disk(suffix));
    }

    browser.goto(&site.url("/host/index.html")).await;
    wait_for_widget(&browser, "#uploader").await;
    // The browser downloaded the wasm compressed, and it decoded to the
    // whole file: the widget runs from it. (WebKitGTK's Resource Timing
    // gives 0 for both sizes, even with `Timing-Allow-Origin`: there, the
    // widget mounting is what shows the compressed file decoded.)
    let timing = browser
        .eval(&format!(
            "(() => {{ const e = performance.getEntriesByType('resource')\
               .find(e => e.name.endsWith('/{wasm_name}'));\
               return e ? [e.encodedBodySize, e.decodedBodySize] : null; }})()"
        ))
        .await;
    let (encoded, decoded) = (timing[0].as_u64(), timing[1].as_u64());
    if !(engine == Engine::WebKit && (encoded, decoded) == (Some(0), Some(0))) {
        assert_eq!(decoded, Some(on_disk("").len() as u64), "{timing}");
        let sizes = [on_disk(".gz").len() as u64, on_disk(".br").len() as u64];
        assert!(
            encoded.is_some_and(|encoded| sizes.contains(&encoded)),
            "{engine:?} downloaded {encoded:?} bytes of the wasm, not one of the compressed files' {sizes:?}"
        );
    }
    assert_eq!(
        browser
            .eval("getComputedStyle(vidrop('#uploader >>> label.vidrop-button')).backgroundColor")
            .await,
        "rgb(180, 83, 42)",
        "the page's --vidrop-accent on the element themes the widget"
    );
    record_events(&browser).await;
    browser
        .set_file("#uploader >>> #vidrop-file", &video.path)
        .await;
    let complete = wait_for_event(&browser, "vidrop:complete", "uploader").await;

    let detail = &complete["detail"];
    let size = video.bytes().len() as u64;
    assert_eq!(detail["filename"], video.file_name());
    assert_eq!(detail["size"], size);
    assert_eq!(detail["content_type"], "video/webm");
    let duration = detail["duration"].as_f64().expect("a duration");
    assert!(
        (duration - video.duration).abs() <= 0.2,
        "vidrop:complete says {duration} s, the file has {} s",
        video.duration
    );
    let id = detail["id"].as_str().expect("an id");
    assert_eq!(stack.video(id).await.summary.size, size);
    let url = detail["url"].as_str().expect("a playback URL");
    assert!(url.starts_with(&stack.store_origin()), "{url}");
    let played = http.get(url).send().await.unwrap();
    assert!(played.status().is_success());
    assert_eq!(played.bytes().await.unwrap().to_vec(), video.bytes());
    assert_eq!(complete["bubbles"], true);
    assert_eq!(complete["composed"], true);

    let start = events(&browser, "vidrop:start", "uploader").await;
    assert_eq!(start.len(), 1);
    assert_eq!(start[0]["detail"]["filename"], video.file_name());
    assert_eq!(start[0]["detail"]["size"], size);
    let progress = events(&browser, "vidrop:progress", "uploader").await;
    assert!(!progress.is_empty(), "progress was told");
    assert!(
        progress
            .iter()
            .all(|e| e["detail"]["filename"] == video.file_name())
    );
    let times: Vec<f64> = progress.iter().filter_map(|e| e["at"].as_f64()).collect();
    // At most ten a second by the page's own clock: the widget counts the
    // interval from when the page has heard the last one.
    assert!(
        times.windows(2).all(|pair| pair[1] - pair[0] >= 100.0),
        "progress events closer than 100 ms: {times:?}"
    );
    assert_eq!(
        progress.last().unwrap()["detail"]["percent"],
        100,
        "the last figures are told before vidrop:complete"
    );
    assert!(start[0]["at"].as_f64() <= progress[0]["at"].as_f64());
    assert!(progress.last().unwrap()["at"].as_f64() <= complete["at"].as_f64());

    let printed = browser
        .eval("[...document.querySelectorAll('#events li')].map((li) => li.dataset.event)")
        .await;
    for kind in ["vidrop:start", "vidrop:progress", "vidrop:complete"] {
        assert!(
            printed.as_array().unwrap().iter().any(|e| e == kind),
            "the example printed no {kind}: {printed}"
        );
    }
    plays(&browser, "#uploader").await;
    browser.close().await;
    stack.shutdown().await;
}

/// The strict-CSP example (`default-src 'none'`, scripts only from itself
/// and the widget's origin with `'wasm-unsafe-eval'`, `style-src 'self'`,
/// connections and media only to the backend and the store) embeds, uploads
/// and plays with no violation reported; an inline `<style>` added
/// afterwards is reported, so the policy and the listener are in force.
#[tokio::test]
async fn the_strict_csp_example_uploads_without_a_violation() {
    let (site, stack, browser) = start(&[], false).await;
    let policy = upload_under_strict_csp(&site, &stack, &browser, "strict.webm").await;
    assert!(
        policy.contains(&format!("media-src {} blob:;", stack.store_origin()))
            && policy.contains(&format!("img-src 'self' {};", stack.store_origin())),
        "the test names the store exactly: {policy}"
    );
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
    let violations = format!("{VIOLATIONS}.map((li) => li.dataset.detail)");
    assert_eq!(browser.eval(&violations).await, serde_json::json!([]));
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");

    browser
        .execute(
            "const style = document.createElement('style');
             style.textContent = 'body { color: red; }';
             document.head.append(style);
             return null;",
        )
        .await;
    browser
        .wait_until(
            &format!("{violations}.length === 1"),
            "the violation to be reported",
        )
        .await;
    browser.close().await;
    stack.shutdown().await;
}

/// The same page without `worker-src blob:`: the browser refuses the worker
/// that hashes parts (and reports it), and the widget hashes on the page
/// instead: the upload completes, checked by the store, and plays.
#[tokio::test]
async fn without_worker_src_parts_are_hashed_on_the_page() {
    let (site, stack, browser) = start(&[], false).await;
    site.replace(" worker-src blob:;", "");
    let policy = upload_under_strict_csp(&site, &stack, &browser, "no-worker.webm").await;
    assert!(!policy.contains("worker-src"), "{policy}");
    assert_eq!(
        browser
            .eval(&format!(
                "{VIOLATIONS}.map((li) => JSON.parse(li.dataset.detail).directive)"
            ))
            .await,
        serde_json::json!(["worker-src"]),
        "only the worker is refused"
    );
    browser.close().await;
    stack.shutdown().await;
}

/// The CSP violations the strict-CSP example's page has listed.
const VIOLATIONS: &str =
    "[...document.querySelectorAll('#events li[data-event=securitypolicyviolation]')]";

/// Opens the strict-CSP example, uploads a 2 s video named `name` through
/// it and plays it; answers the page's policy.
async fn upload_under_strict_csp(
    site: &HostSite,
    stack: &Stack,
    browser: &Browser,
    name: &str,
) -> String {
    let video = TestVideo::webm(stack.data_dir(), name, 2);
    browser.goto(&site.url("/strict-csp/index.html")).await;
    wait_for_widget(browser, "#uploader").await;
    record_events(browser).await;
    browser
        .set_file("#uploader >>> #vidrop-file", &video.path)
        .await;
    let complete = wait_for_event(browser, "vidrop:complete", "uploader").await;
    assert_eq!(complete["detail"]["filename"], name);
    plays(browser, "#uploader").await;
    let policy = browser
        .eval("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
        .await;
    policy.as_str().expect("the page has a policy").to_owned()
}

/// The boxes of every element in `host`'s widget, relative to its root:
/// `[tag#id.class, x, y, width, height]`.
const BOXES: &str = "const root = document.querySelector('#w').shadowRoot;
    const base = root.querySelector('#vidrop').getBoundingClientRect();
    return [...root.querySelectorAll('#vidrop, #vidrop *')].map((el) => {
      const r = el.getBoundingClientRect();
      const name = el.localName + (el.id ? '#' + el.id : '') + '.' + (el.getAttribute('class') ?? '');
      const style = getComputedStyle(el);
      return [name, r.x - base.x, r.y - base.y, r.width, r.height,
              style.fontSize, style.color, style.display];
    });";

/// Global CSS of a hostile host page (`* { all: unset }`, `button {
/// display: none }`, a huge root font, odd inherited text styles) changes
/// nothing of the widget's layout or look, and the widget's own classes
/// style nothing of the page.
#[tokio::test]
async fn hostile_page_css_does_not_reach_the_widget() {
    let (site, stack, browser) = start(&[], false).await;
    let url = page(
        &site,
        &stack,
        "/hostile.html",
        &format!(
            "<h1>A page with opinions</h1>\
             <button id=page-button class='vidrop-button vidrop-button--primary'>Page button</button>\
             <vidrop-uploader id=w endpoint='{}'></vidrop-uploader>",
            stack.base_url()
        ),
    );
    browser.goto(&url).await;
    wait_for_widget(&browser, "#w").await;
    browser
        .wait_until(
            "vidrop('#w >>> .vidrop-empty') !== null",
            "the (empty) list of videos",
        )
        .await;
    let page_button = browser
        .eval("getComputedStyle(document.getElementById('page-button')).backgroundColor")
        .await;
    assert_ne!(
        page_button, "rgb(79, 70, 229)",
        "the widget's button style leaked into the page"
    );
    let before = browser.execute(BOXES).await;

    browser
        .execute(
            "const style = document.createElement('style');
             style.textContent = `* { all: unset }
               button { display: none !important }
               html { font-size: 40px }
               body { font: italic 30px/3 serif; color: red; letter-spacing: 3px;
                      text-transform: uppercase; text-align: right; word-spacing: 9px }
               vidrop-uploader { font-size: 50px; line-height: 5; color: lime }`;
             document.head.append(style);
             return null;",
        )
        .await;
    assert_eq!(
        browser
            .eval("getComputedStyle(document.getElementById('page-button')).display")
            .await,
        "none",
        "the hostile CSS is in force on the page"
    );
    let after = browser.execute(BOXES).await;

    let (before, after) = (before.as_array().unwrap(), after.as_array().unwrap());
    assert!(before.len() > 20, "{} elements measured", before.len());
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        let (b, a) = (b.as_array().unwrap(), a.as_array().unwrap());
        assert_eq!(b[0], a[0], "the same elements");
        assert_eq!(b[5..], a[5..], "{} changed its look", b[0]);
        let unrendered = |e: &[Value]| e[3] == 0 && e[4] == 0;
        if unrendered(b) && unrendered(a) {
            // Not rendered (the idle progress line): no box to compare.
            continue;
        }
        for (x, y) in b[1..5].iter().zip(&a[1..5]) {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() < 0.5, "{} moved: {b:?} → {a:?}", b[0]);
        }
    }
    browser.close().await;
    stack.shutdown().await;
}

/// Two widgets on one page upload two files at the same time (a slow store
/// makes them overlap); every event names its own element and its own file,
/// and both videos are stored.
#[tokio::test]
async fn two_widgets_upload_at_once_each_telling_its_own_events() {
    let (site, stack, browser) = start(&[], true).await;
    stack.proxy().set_conditions(Conditions {
        body_bytes_per_sec: Some(96 * 1024),
        ..Conditions::default()
    });
    let left = TestVideo::webm(stack.data_dir(), "left.webm", 5);
    let right = TestVideo::webm(stack.data_dir(), "right.webm", 4);
    let body = format!(
        "<vidrop-uploader id=a endpoint='{0}'></vidrop-uploader>\
         <vidrop-uploader id=b endpoint='{0}' concurrency=2></vidrop-uploader>",
        stack.base_url()
    );
    browser.goto(&page(&site, &stack, "/two.html", &body)).await;
    wait_for_widget(&browser, "#a").await;
    wait_for_widget(&browser, "#b").await;
    record_events(&browser).await;
    browser.set_file("#a >>> #vidrop-file", &left.path).await;
    browser.set_file("#b >>> #vidrop-file", &right.path).await;
    let done_a = wait_for_event(&browser, "vidrop:complete", "a").await;
    let done_b = wait_for_event(&browser, "vidrop:complete", "b").await;

    for (host, file, done) in [("a", &left, &done_a), ("b", &right, &done_b)] {
        let all = browser.eval("window.__vidrop").await;
        let mine: Vec<&Value> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["target"] == host)
            .collect();
        assert!(
            mine.iter()
                .all(|e| e["detail"]["filename"] == file.file_name()),
            "#{host} told of another file: {mine:?}"
        );
        assert_eq!(done["detail"]["size"], file.bytes().len() as u64);
        let id = done["detail"]["id"].as_str().unwrap();
        assert_eq!(stack.stored_bytes(id).await, file.bytes());
    }
    let at = |event: &Value| event["at"].as_f64().unwrap();
    let start_a = at(&events(&browser, "vidrop:start", "a").await[0]);
    let start_b = at(&events(&browser, "vidrop:start", "b").await[0]);
    assert!(
        start_a < at(&done_b) && start_b < at(&done_a),
        "the uploads did not overlap"
    );
    assert_eq!(stack.videos().await.videos.len(), 2, "two videos, no more");
    for host in ["#a", "#b"] {
        plays(&browser, host).await;
    }
    browser.close().await;
    stack.shutdown().await;
}

/// Removing the element during an upload cancels it: the PUT in flight is
/// aborted, no request reaches the store afterwards, the element hears
/// `vidrop:cancel`, nothing is logged as an error and nothing is stored.
/// Added again, the element mounts a fresh widget that uploads.
#[tokio::test]
async fn removing_the_element_mid_upload_cancels_cleanly_and_adding_it_again_works() {
    let (site, stack, browser) = start(&[], true).await;
    let proxy = stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(48 * 1024),
        ..Conditions::default()
    });
    let slow = TestVideo::webm(stack.data_dir(), "slow.webm", 10);
    let body = format!(
        "<section id=place><vidrop-uploader id=w endpoint='{}'></vidrop-uploader></section>",
        stack.base_url()
    );
    browser
        .goto(&page(&site, &stack, "/remove.html", &body))
        .await;
    wait_for_widget(&browser, "#w").await;
    record_events(&browser).await;
    browser
        .execute(
            "window.__own = [];
             const w = document.getElementById('w');
             w.addEventListener('vidrop:cancel', (e) => window.__own.push(e.detail));
             return null;",
        )
        .await;
    let _ = browser.console_errors().await;
    browser.set_file("#w >>> #vidrop-file", &slow.path).await;
    browser
        .wait_until(
            "window.__vidrop.some((e) => e.type === 'vidrop:progress' && e.detail.loaded > 0)",
            "bytes to go out",
        )
        .await;
    assert!(
        proxy.records().iter().all(|r| !r.is_video_put()),
        "the PUT ended before the removal: slow the store down more"
    );
    assert!(
        proxy.arrivals().iter().any(|a| a.is_video_put()),
        "the PUT is on its way to the store"
    );

    let removed = Instant::now();
    browser
        .execute("document.getElementById('w').remove(); return null;")
        .await;
    browser
        .wait_until("window.__own.length === 1", "vidrop:cancel on the element")
        .await;
    assert_eq!(browser.eval("window.__own[0].filename").await, "slow.webm");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        proxy
            .records()
            .iter()
            .all(|r| !(r.is_video_put() && r.succeeded())),
        "the PUT was broken off, not stored: {:?}",
        proxy.records()
    );
    let late: Vec<_> = proxy
        .arrivals()
        .into_iter()
        .filter(|a| a.at > removed)
        .collect();
    assert!(
        late.is_empty(),
        "requests to the store after the removal: {late:?}"
    );
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    assert!(stack.videos().await.videos.is_empty(), "nothing stored");
    assert_eq!(
        browser.eval("vidrop('#w')").await,
        Value::Null,
        "the element is gone"
    );

    proxy.set_conditions(Conditions::default());
    // The page's token, when the backend runs closed (on another store).
    let token = stack.page_token().unwrap_or_default();
    browser
        .execute(&format!(
            "const w = document.createElement('vidrop-uploader');
             w.id = 'w';
             w.setAttribute('endpoint', {:?});
             if ({token:?}) w.setAttribute('token', {token:?});
             document.getElementById('place').append(w);
             return null;",
            stack.base_url()
        ))
        .await;
    wait_for_widget(&browser, "#w").await;
    let again = TestVideo::webm(stack.data_dir(), "again.webm", 2);
    browser.set_file("#w >>> #vidrop-file", &again.path).await;
    let complete = wait_for_event(&browser, "vidrop:complete", "w").await;
    assert_eq!(complete["detail"]["filename"], "again.webm");
    assert_eq!(stack.videos().await.videos.len(), 1);
    plays(&browser, "#w").await;
    browser.close().await;
    stack.shutdown().await;
}

/// On a closed server (API keys and a token secret configured), a widget
/// given an upload token minted with the API key lists, uploads and plays
/// inside the token's prefix.
#[tokio::test]
async fn a_token_lets_the_widget_upload_and_play_on_a_closed_server() {
    let (site, stack, browser) = start(
        &["--api-keys", API_KEY, "--token-secret", TOKEN_SECRET],
        false,
    )
    .await;
    let token = stack
        .mint_token(API_KEY, serde_json::json!({ "prefix": "users/42/" }))
        .await;
    let video = TestVideo::webm(stack.data_dir(), "member clip.webm", 2);
    let body = format!(
        "<vidrop-uploader id=w endpoint='{}' token='{}'></vidrop-uploader>",
        stack.base_url(),
        token.token
    );
    browser
        .goto(&page(&site, &stack, "/member.html", &body))
        .await;
    wait_for_widget(&browser, "#w").await;
    browser
        .wait_until(
            "vidrop('#w >>> .vidrop-empty') !== null",
            "the token's (empty) list of videos",
        )
        .await;
    record_events(&browser).await;
    browser.set_file("#w >>> #vidrop-file", &video.path).await;
    let complete = wait_for_event(&browser, "vidrop:complete", "w").await;
    let url = complete["detail"]["url"].as_str().unwrap();
    let stored = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(stored.to_vec(), video.bytes());
    let keys = stack.all_store_keys().await;
    assert!(
        keys.iter().any(|key| key.starts_with("videos/users/42/")),
        "stored under the token's prefix: {keys:?}"
    );
    assert_eq!(browser.text("#w >>> #vidrop-error").await, "");
    plays(&browser, "#w").await;
    no_secret_reached_the_browser(&stack, &browser).await;
    browser.close().await;
    stack.shutdown().await;
}

/// Nothing the browser holds after a whole upload (the page and the
/// widget's shadow DOM, `localStorage`, the URLs it loaded) nor any file it
/// can fetch from `/widget/` holds the store's secret key, the API key or
/// the token secret.
async fn no_secret_reached_the_browser(stack: &Stack, browser: &Browser) {
    let secrets = [
        ("the store's secret key", stack.store_secret_key()),
        ("the API key", API_KEY.to_owned()),
        ("the token secret", TOKEN_SECRET.to_owned()),
    ];
    let held = browser
        .eval(
            "[document.documentElement.outerHTML,
              ...[...document.querySelectorAll('vidrop-uploader')]
                  .map(e => e.shadowRoot.innerHTML),
              JSON.stringify(localStorage),
              ...performance.getEntriesByType('resource').map(r => r.name)].join('\\n')",
        )
        .await;
    let held = held.as_str().expect("the page's text");
    assert!(held.contains("vidrop-uploader"), "the scan reads the page");
    let mut scanned = vec![("the page".to_owned(), held.as_bytes().to_vec())];
    let http = reqwest::Client::new();
    let dist = vidrop_e2e::stack::dist_dir();
    let mut names = vec!["vidrop.js".to_owned()];
    let mut folders = vec![dist.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("dist/ lists") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let name = path.strip_prefix(&dist).unwrap().to_string_lossy();
                names.push(name.into_owned());
            }
        }
    }
    for name in names {
        let url = format!("{}/widget/{name}", stack.base_url());
        let response = http.get(&url).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        scanned.push((url, response.bytes().await.unwrap().to_vec()));
    }
    assert!(
        scanned.iter().any(|(name, _)| name.ends_with(".wasm")),
        "the scan reads the wasm"
    );
    for (what, secret) in &secrets {
        for (name, bytes) in &scanned {
            assert!(
                !bytes
                    .windows(secret.len())
                    .any(|window| window == secret.as_bytes()),
                "{what} is in {name}"
            );
        }
    }
}

/// With an expired token the widget shows the server's own sentence (and
/// tells `vidrop:error` with code `token_expired`), both when it lists and
/// when a file is chosen, and nothing is stored; a fresh token set on the
/// element then works without a reload.
#[tokio::test]
async fn an_expired_token_is_explained_and_stores_nothing() {
    let (site, stack, browser) = start(
        &["--api-keys", API_KEY, "--token-secret", TOKEN_SECRET],
        false,
    )
    .await;
    let expired = stack
        .mint_token(
            API_KEY,
            serde_json::json!({ "prefix": "users/7/", "expires_in": 1 }),
        )
        .await;
    // Past its expiry and the server's clock leeway (5 s).
    tokio::time::sleep(Duration::from_secs(7)).await;
    let video = TestVideo::webm(stack.data_dir(), "late.webm", 2);
    let body = format!(
        "<vidrop-uploader id=w endpoint='{}' token='{}'></vidrop-uploader>",
        stack.base_url(),
        expired.token
    );
    let before = stack.all_store_keys().await;
    browser
        .goto(&page(&site, &stack, "/expired.html", &body))
        .await;
    record_events(&browser).await;
    wait_for_widget(&browser, "#w").await;
    let sentence = "The upload token has expired; ask the page for a new one.";
    browser
        .wait_until(
            &format!("vidrop('#w >>> #vidrop-error')?.textContent === {sentence:?}"),
            "the widget to explain the expired token",
        )
        .await;

    browser.set_file("#w >>> #vidrop-file", &video.path).await;
    let error = wait_for_event(&browser, "vidrop:error", "w").await;
    browser
        .wait_until(
            "vidrop('#w >>> #vidrop').dataset.state === 'error'",
            "the upload to fail",
        )
        .await;
    let errors = events(&browser, "vidrop:error", "w").await;
    let refused = errors
        .iter()
        .find(|e| e["detail"]["filename"] == "late.webm")
        .unwrap_or(&error);
    assert_eq!(refused["detail"]["code"], "token_expired");
    assert_eq!(refused["detail"]["message"], sentence);
    assert_eq!(refused["detail"]["filename"], "late.webm");
    assert_eq!(browser.text("#w >>> #vidrop-error").await, sentence);
    assert_eq!(stack.all_store_keys().await, before, "nothing stored");

    let fresh = stack
        .mint_token(API_KEY, serde_json::json!({ "prefix": "users/7/" }))
        .await;
    browser
        .execute(&format!(
            "document.getElementById('w').setAttribute('token', {:?}); return null;",
            fresh.token
        ))
        .await;
    browser.set_file("#w >>> #vidrop-file", &video.path).await;
    let complete = wait_for_event(&browser, "vidrop:complete", "w").await;
    assert_eq!(complete["detail"]["filename"], "late.webm");
    browser.close().await;
    stack.shutdown().await;
}
