//! The widget in Simplified Chinese, in headless Chromium: an element with
//! `locale="zh-CN"` shows and speaks no English, idle, refusing a file,
//! uploading and done; its live region announces the upload; and
//! `locale="en"` set on the element rewords all of it at once.

use std::time::Duration;
use vidrop_e2e::{Browser, Conditions, Harness, TestVideo};

/// Latin words the Chinese widget keeps on purpose: the binary size units
/// (Chinese has no common word for them) and the video formats the drop
/// zone names. File names are the user's, and kept too.
const KEPT: &[&str] = &["KiB", "MiB", "GiB", "TiB", "MP4", "WebM", "MOV", "MKV"];

/// How long a new `locale` may take to show: the next frames, not a reload
/// or the next upload.
const AT_ONCE: Duration = Duration::from_secs(2);

/// Every word the widget shows or speaks: the rendered text of its root
/// (`innerText`: nothing hidden), the announcer's, and every `aria-label`,
/// `title`, `alt` and `placeholder` inside the shadow root.
async fn words(browser: &Browser) -> Vec<String> {
    let all = browser
        .execute(
            "const root = document.querySelector('vidrop-uploader').shadowRoot;
             const words = [root.querySelector('#vidrop').innerText,
                            root.querySelector('#vidrop-announcer').textContent];
             for (const element of root.querySelectorAll('*')) {
               for (const name of ['aria-label', 'title', 'alt', 'placeholder']) {
                 const value = element.getAttribute(name);
                 if (value) words.push(value);
               }
             }
             return words;",
        )
        .await;
    serde_json::from_value(all).expect("a list of strings")
}

/// Fails, naming them, if any of the widget's words has a Latin letter
/// once `names` (file names) and [`KEPT`] are taken out.
async fn assert_no_english(browser: &Browser, when: &str, names: &[&str]) {
    let mut kept: Vec<&str> = names.iter().chain(KEPT).copied().collect();
    // Longest first, so a name is taken out before a unit inside it.
    kept.sort_by_key(|word| std::cmp::Reverse(word.len()));
    let words = words(browser).await;
    assert!(
        words.iter().any(|w| !w.trim().is_empty()),
        "{when}: the widget shows nothing"
    );
    let english: Vec<&String> = words
        .iter()
        .filter(|text| {
            let left = kept
                .iter()
                .fold((*text).clone(), |text, word| text.replace(word, " "));
            left.chars().any(|c| c.is_ascii_alphabetic())
        })
        .collect();
    assert!(
        english.is_empty(),
        "{when}: Latin letters left in {english:#?}"
    );
}

/// Sets (or, with `None`, removes) an attribute of the widget's element.
async fn set_attribute(browser: &Browser, name: &str, value: Option<&str>) {
    let call = match value {
        Some(value) => format!("setAttribute({name:?}, {value:?})"),
        None => format!("removeAttribute({name:?})"),
    };
    browser
        .execute(&format!(
            "document.querySelector('vidrop-uploader').{call}; return null;"
        ))
        .await;
}

/// Waits (briefly: the change is to show at once) until the element
/// `selector` in the widget has the text `expected`.
async fn wait_for_text(browser: &Browser, selector: &str, expected: &str) {
    browser
        .wait_for_value_within(
            &format!("(vidrop({selector:?})?.textContent.trim() === {expected:?}) ? true : null"),
            &format!("{selector} to read {expected:?}"),
            AT_ONCE,
        )
        .await;
}

/// With `locale="zh-CN"` from the start, nothing the widget shows, labels
/// or announces is English: idle, refusing a file over `max-size` or an
/// empty one, uploading a real video and done with it, where the live
/// region announces "<name> 已上传". Then `locale="en"` turns every word
/// English at once, the announcement and the error sentence too.
#[tokio::test]
async fn a_chinese_widget_shows_no_english_and_switches_at_once() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let browser = &harness.browser;
    let video = TestVideo::webm(harness.stack.data_dir(), "sunset.webm", 20);
    let empty = harness.stack.data_dir().join("empty.webm");
    std::fs::write(&empty, b"").unwrap();
    harness.open_widget().await;
    // The page's element mounted in the browser's language; this one is
    // made with the attribute set, as a host page writes it.
    browser
        .execute(
            "window.__errors = [];
             document.addEventListener('vidrop:error', (e) => window.__errors.push(e.detail));
             const element = document.createElement('vidrop-uploader');
             element.setAttribute('locale', 'zh-CN');
             const page = document.querySelector('vidrop-uploader');
             const token = page.getAttribute('token');
             if (token) element.setAttribute('token', token);
             page.replaceWith(element);
             return null;",
        )
        .await;
    browser
        .wait_until(
            "vidrop('#vidrop')?.lang === 'zh-CN' && vidrop('.vidrop-empty') !== null",
            "the Chinese widget with its (empty) list",
        )
        .await;

    // Idle.
    assert_eq!(
        browser.text(".vidrop-dropzone-title").await,
        "将视频拖放到此处"
    );
    assert_eq!(browser.text("label[for=vidrop-file]").await, "选择视频");
    assert_eq!(browser.text("#vidrop-videos-title").await, "已上传的视频");
    assert_no_english(browser, "idle", &[]).await;

    // Refused by the widget itself: the widget's sentences, sizes in
    // Chinese units.
    set_attribute(browser, "max-size", Some("1000")).await;
    harness.choose_file(&video.path).await;
    harness.wait_for_state("error").await;
    let refusal = browser.text("#vidrop-error").await;
    assert!(
        refusal.starts_with("此文件大小为 ")
            && refusal.ends_with("允许上传的最大大小为 1000 字节。"),
        "{refusal:?}"
    );
    let told = browser.eval("window.__errors.at(-1)").await;
    assert_eq!(told["code"], "too_large");
    assert_eq!(told["message"], refusal, "the page is told the words shown");
    assert_no_english(browser, "refusing a large file", &["sunset.webm"]).await;
    harness.choose_file(&empty).await;
    wait_for_text(browser, "#vidrop-error", "此文件是空的。").await;
    assert_no_english(browser, "refusing an empty file", &["empty.webm"]).await;

    // The same refusal, in English at once, and back.
    harness.choose_file(&video.path).await;
    wait_for_text(browser, "#vidrop-error", &refusal).await;
    set_attribute(browser, "locale", Some("en")).await;
    let english = browser
        .wait_for_value_within(
            "(() => { const t = vidrop('#vidrop-error').textContent;
                      return t.includes('largest upload allowed') ? t : null; })()",
            "the refusal in English",
            AT_ONCE,
        )
        .await;
    assert!(
        english.ends_with("the largest upload allowed is 1000 B."),
        "{english:?}"
    );
    assert_eq!(
        browser.text(".vidrop-dropzone-title").await,
        "Drop a video here"
    );
    set_attribute(browser, "locale", Some("zh-CN")).await;
    wait_for_text(browser, "#vidrop-error", &refusal).await;
    set_attribute(browser, "max-size", None).await;

    // Uploading, slowed down by the proxy so that it can be read.
    harness.stack.proxy().set_conditions(Conditions {
        body_bytes_per_sec: Some(128 * 1024),
        ..Conditions::default()
    });
    harness.choose_file(&video.path).await;
    browser
        .wait_until(
            "vidrop('#vidrop').dataset.state === 'uploading'
               && vidrop('#vidrop-progress-text').textContent.includes('已上传')",
            "the upload to be under way",
        )
        .await;
    assert_eq!(browser.text(".vidrop-dropzone-title").await, "正在上传…");
    assert_eq!(browser.text("#vidrop-cancel").await, "取消");
    assert_eq!(browser.text("#vidrop-pause").await, "暂停");
    let announced = browser.text("#vidrop-announcer").await;
    assert!(
        announced == "正在上传 sunset.webm" || announced.starts_with("sunset.webm：已上传 "),
        "{announced:?}"
    );
    assert_no_english(browser, "uploading", &["sunset.webm"]).await;
    harness.stack.proxy().set_conditions(Conditions::default());

    // Done: stored, listed, playing, and announced.
    harness.wait_for_upload().await;
    browser
        .wait_until(
            "vidrop('#vidrop-videos li') !== null && vidrop('#vidrop-player') !== null",
            "the list and the player",
        )
        .await;
    assert_eq!(
        browser.text("#vidrop-announcer").await,
        "sunset.webm 已上传"
    );
    assert!(
        browser
            .text("#vidrop-progress-text")
            .await
            .starts_with("100% · "),
        "the progress line in Chinese"
    );
    assert_eq!(
        browser
            .attribute(".vidrop-play", "aria-label")
            .await
            .as_deref(),
        Some("播放 sunset.webm")
    );
    assert_no_english(browser, "done", &["sunset.webm"]).await;

    // English at once, everywhere.
    set_attribute(browser, "locale", Some("en")).await;
    wait_for_text(browser, "#vidrop-announcer", "sunset.webm uploaded").await;
    assert_eq!(
        browser.attribute("#vidrop", "lang").await.as_deref(),
        Some("en")
    );
    assert_eq!(
        browser.text(".vidrop-dropzone-title").await,
        "Drop a video here"
    );
    assert_eq!(
        browser.text("label[for=vidrop-file]").await,
        "Choose a video"
    );
    assert_eq!(browser.text("#vidrop-cancel").await, "Cancel");
    assert_eq!(browser.text("#vidrop-pause").await, "Pause");
    assert_eq!(
        browser.text("#vidrop-videos-title").await,
        "Uploaded videos"
    );
    assert_eq!(browser.text(".vidrop-play").await, "Play");
    assert_eq!(
        browser
            .attribute(".vidrop-play", "aria-label")
            .await
            .as_deref(),
        Some("Play sunset.webm")
    );
    let line = browser.text("#vidrop-progress-text").await;
    assert!(
        line.starts_with("100 % · ") && line.contains(" of "),
        "{line:?}"
    );
    assert!(
        !words(browser)
            .await
            .iter()
            .any(|w| w.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "no Chinese left: {:#?}",
        words(browser).await
    );
    harness.close().await;
}
