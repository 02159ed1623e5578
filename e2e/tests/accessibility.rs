//! The widget for people who do not use a mouse or do not see it as drawn,
//! in headless Chromium:
//!
//! - axe-core (WCAG 2.0/2.1/2.2, A and AA) finds nothing wrong inside the
//!   widget in any state (idle, refusing a file, uploading, paused, done
//!   and playing, listing, cancelled), in the light theme and the dark one,
//!   by the `theme` attribute and by the page's `prefers-color-scheme`;
//! - the keyboard alone (WebDriver key actions: Tab, Shift+Tab, Enter,
//!   Space) reaches every control in order, with focus always visible, and
//!   works them; the live region announces the upload's end;
//! - under `prefers-reduced-motion: reduce` nothing in the widget moves.

use serde::Deserialize;
use std::time::Duration;
use vidrop_e2e::{Browser, Conditions, Harness, Key, TestVideo};

/// The root's background in each palette (`--vidrop-background`).
const LIGHT_BACKGROUND: &str = "rgb(255, 255, 255)";
const DARK_BACKGROUND: &str = "rgb(17, 24, 39)";

/// Longer than any of the widget's transitions (0.15 s), so that axe reads
/// colours at rest after a theme changes.
const SETTLE: Duration = Duration::from_millis(400);

/// One way the widget gets its palette.
struct ThemeCase {
    name: &'static str,
    /// The element's `theme` attribute; `None` removes it (`auto`).
    attribute: Option<&'static str>,
    /// The page's emulated `prefers-color-scheme`.
    scheme: &'static str,
    /// The root's background that shows the palette is in force.
    background: &'static str,
}

const THEMES: [ThemeCase; 4] = [
    ThemeCase {
        name: "light (theme=\"light\")",
        attribute: Some("light"),
        scheme: "light",
        background: LIGHT_BACKGROUND,
    },
    ThemeCase {
        name: "dark (theme=\"dark\")",
        attribute: Some("dark"),
        scheme: "light",
        background: DARK_BACKGROUND,
    },
    ThemeCase {
        name: "dark (prefers-color-scheme: dark)",
        attribute: None,
        scheme: "dark",
        background: DARK_BACKGROUND,
    },
    ThemeCase {
        name: "light in a dark page (theme=\"light\", prefers-color-scheme: dark)",
        attribute: Some("light"),
        scheme: "dark",
        background: LIGHT_BACKGROUND,
    },
];

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

/// Runs axe-core on the widget in `state`, in every theme of [`THEMES`];
/// what it finds is added to `found`, as people read it. Leaves the widget
/// in its default theme, the page's scheme not emulated.
async fn check_every_theme(browser: &Browser, state: &str, found: &mut Vec<String>) {
    for theme in &THEMES {
        browser
            .emulate_media(&[("prefers-color-scheme", theme.scheme)])
            .await;
        set_attribute(browser, "theme", theme.attribute).await;
        browser
            .wait_until(
                &format!(
                    "getComputedStyle(vidrop('#vidrop')).backgroundColor === {:?}",
                    theme.background
                ),
                &format!("the {} palette", theme.name),
            )
            .await;
        tokio::time::sleep(SETTLE).await;
        let report = browser.axe("vidrop-uploader").await;
        println!(
            "{state}, {}: {} violations, {} rules passed, undecided: {:?}",
            theme.name,
            report.violations.len(),
            report.passes,
            report.incomplete
        );
        if !report.violations.is_empty() {
            found.push(format!("{state}, {}:\n{}", theme.name, report.describe()));
        }
    }
    browser.emulate_media(&[]).await;
    set_attribute(browser, "theme", None).await;
}

/// axe-core's WCAG 2 A/AA rules (`wcag2a`, `wcag2aa`, `wcag21a`,
/// `wcag21aa`, `wcag22aa`), run inside the widget's shadow root, report no
/// violation in any state the widget shows: idle with an empty list, a
/// refused file (its alert), uploading (held back by the proxy), paused,
/// done with the video playing and listed, the list after a reload, and a
/// cancelled upload (its notice), and with `multiple` the queue (a refused
/// file's row beside one going up); each in the light and the dark palette,
/// chosen by the `theme` attribute and by `prefers-color-scheme`.
#[tokio::test]
async fn axe_finds_no_wcag_violation_in_any_state_or_theme() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let browser = &harness.browser;
    let video = TestVideo::webm(harness.stack.data_dir(), "harbour.webm", 20);
    let notes = harness.stack.data_dir().join("notes.txt");
    std::fs::write(&notes, "not a video").unwrap();
    let mut found = Vec::new();

    harness.open_widget().await;
    browser
        .wait_until("vidrop('.vidrop-empty') !== null", "the empty list")
        .await;
    check_every_theme(browser, "idle", &mut found).await;

    harness.choose_file(&notes).await;
    harness.wait_for_state("error").await;
    assert!(!browser.text("#vidrop-error").await.is_empty());
    check_every_theme(browser, "a refused file", &mut found).await;

    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(16 * 1024),
        ..Conditions::default()
    });
    harness.choose_file(&video.path).await;
    browser
        .wait_until(
            "vidrop('#vidrop').dataset.state === 'uploading'
               && vidrop('#vidrop-progress-text').textContent.trim() !== ''",
            "the upload to be under way",
        )
        .await;
    check_every_theme(browser, "uploading", &mut found).await;

    browser.click("#vidrop-pause").await;
    harness.wait_for_state("paused").await;
    check_every_theme(browser, "paused", &mut found).await;

    proxy.set_conditions(Conditions::default());
    browser.click("#vidrop-pause").await;
    harness.wait_for_upload().await;
    browser
        .wait_until(
            "vidrop('#vidrop-player')?.readyState >= 1 && vidrop('#vidrop-videos li') !== null",
            "the player and the list",
        )
        .await;
    check_every_theme(browser, "done, playing", &mut found).await;

    harness.open_widget().await;
    browser
        .wait_until("vidrop('#vidrop-videos li') !== null", "the list")
        .await;
    check_every_theme(browser, "the video list", &mut found).await;

    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(16 * 1024),
        ..Conditions::default()
    });
    harness.choose_file(&video.path).await;
    harness.wait_for_state("uploading").await;
    browser.click("#vidrop-cancel").await;
    harness.wait_for_state("cancelled").await;
    check_every_theme(browser, "cancelled", &mut found).await;

    // Several files (`multiple`): the queue, a refused file in its row
    // beside one going up.
    set_attribute(browser, "multiple", Some("")).await;
    browser
        .wait_until(
            "vidrop('#vidrop-file').multiple",
            "several files to be taken",
        )
        .await;
    browser
        .set_files("#vidrop-file", &[&notes, &video.path])
        .await;
    browser
        .wait_until(
            "(() => { const rows = vidrop('#vidrop-queue')?.children;
                 return rows?.length === 2 && rows[0].dataset.state === 'error'
                   && rows[1].dataset.state === 'uploading'
                   && rows[1].querySelector('.vidrop-queue-text').textContent.trim() !== ''; })()",
            "a refused file and one going up in the queue",
        )
        .await;
    check_every_theme(browser, "the queue", &mut found).await;

    assert!(
        found.is_empty(),
        "axe-core found WCAG violations in the widget:\n\n{}",
        found.join("\n")
    );
    harness.close().await;
}

/// Where keyboard focus is in the widget, and whether it shows.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Focus {
    /// The focused control: its id (`vidrop-file`, `vidrop-pause`,
    /// `vidrop-cancel`, `vidrop-player`), or `play` for a list's Play.
    control: String,
    /// Whether it matches `:focus-visible`, or, for the player, whether
    /// focus is on one of the `<video>`'s own controls (in the browser's
    /// closed shadow root, which only `:focus-within` reaches).
    focus_visible: bool,
    /// The computed outline (`solid 3px`) of what shows the focus: the
    /// control itself, or a file input's visible label.
    outline: String,
    box_shadow: String,
}

impl Focus {
    /// Whether a sighted keyboard user sees where focus is: an outline or
    /// a shadow drawn around the control.
    fn is_shown(&self) -> bool {
        let outline = !self.outline.starts_with("none") && !self.outline.ends_with(" 0px");
        self.focus_visible && (outline || self.box_shadow != "none")
    }
}

/// The widget's focused control, or `None` when focus is outside it.
async fn focus(browser: &Browser) -> Option<Focus> {
    let value = browser
        .execute(
            "const root = document.querySelector('vidrop-uploader').shadowRoot;
             const el = root.activeElement;
             if (!el) return null;
             const shown = el.matches('input[type=file]')
               ? root.querySelector(`label[for='${el.id}']`) : el;
             const style = getComputedStyle(shown);
             return {
               control: el.matches('.vidrop-play') ? 'play' : (el.id || el.localName),
               focusVisible: el.matches(':focus-visible, video:focus-within'),
               outline: `${style.outlineStyle} ${style.outlineWidth}`,
               boxShadow: style.boxShadow,
             };",
        )
        .await;
    serde_json::from_value(value).expect("the focus, or null")
}

/// Presses `keys`, then fails unless focus is on `control` and shows.
async fn press_to(browser: &Browser, keys: &[Key], control: &str) {
    browser.press(keys).await;
    assert_focus_on(browser, control, &format!("after {keys:?}")).await;
}

/// Fails unless focus is on `control` (waiting briefly: the widget moves
/// focus on the next task) and shows.
async fn assert_focus_on(browser: &Browser, control: &str, when: &str) {
    browser
        .wait_for_value_within(
            &format!(
                "(() => {{ const el = document.querySelector('vidrop-uploader')
                              .shadowRoot.activeElement;
                          const c = el && (el.matches('.vidrop-play') ? 'play' : el.id);
                          return c === {control:?} ? true : null; }})()"
            ),
            &format!("focus on {control} {when}"),
            Duration::from_secs(5),
        )
        .await;
    let focus = focus(browser).await.expect("focus in the widget");
    assert!(
        focus.is_shown(),
        "{when}: focus on {control} does not show: {focus:?}"
    );
}

/// Presses Tab until focus leaves the widget (at most `limit` times), and
/// returns the controls it stopped on, in order, each once however many
/// stops it has inside (a `<video>`'s own controls); fails if focus did not
/// show on any of them.
async fn tab_through(browser: &Browser, limit: usize) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    let mut stops_inside = 0;
    for _ in 0..limit {
        browser.press(&[Key::Tab]).await;
        let Some(focus) = focus(browser).await else {
            println!("Tab stops: {order:?}, and {stops_inside} more inside them");
            return order;
        };
        assert!(focus.is_shown(), "focus does not show: {focus:?}");
        if order.last() != Some(&focus.control) {
            order.push(focus.control);
        } else {
            stops_inside += 1;
        }
    }
    panic!("focus stayed in the widget after {limit} Tabs: {order:?}");
}

/// With the keyboard alone (WebDriver key actions: Tab, Shift+Tab, Enter,
/// Space; the file itself set on the focused chooser, as a headless
/// browser opens no dialog), a person reaches every control in the order
/// it is shown, always sees where focus is (an outline), and works each:
/// idle, Tab stops only on the chooser; when the upload starts, focus moves
/// on to Pause (the chooser is disabled); Space pauses, Enter resumes, Tab
/// and Shift+Tab go between Pause and Cancel, Enter on Cancel cancels and
/// brings focus back to the chooser; a second upload runs to its end, the
/// live region says "<name> uploaded", focus is back on the chooser, Tab
/// goes on to the player and then the list's Play, and Space on Play plays
/// the video again.
#[tokio::test]
async fn the_keyboard_alone_reaches_and_works_every_control() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let browser = &harness.browser;
    let video = TestVideo::webm(harness.stack.data_dir(), "keys.webm", 20);
    harness.open_widget().await;
    browser
        .wait_until("vidrop('.vidrop-empty') !== null", "the empty list")
        .await;

    // Idle: the chooser is the one control.
    assert_eq!(tab_through(browser, 10).await, ["vidrop-file"]);
    press_to(browser, &[Key::Shift, Key::Tab], "vidrop-file").await;

    // Uploading, held back by the proxy: focus follows to Pause.
    let proxy = harness.stack.proxy();
    proxy.set_conditions(Conditions {
        body_bytes_per_sec: Some(16 * 1024),
        ..Conditions::default()
    });
    harness.choose_file(&video.path).await;
    harness.wait_for_state("uploading").await;
    assert_focus_on(browser, "vidrop-pause", "once the upload starts").await;
    browser.press(&[Key::Space]).await;
    harness.wait_for_state("paused").await;
    assert_eq!(browser.text("#vidrop-pause").await, "Resume");
    assert_eq!(
        browser.attribute("#vidrop-pause", "aria-pressed").await,
        Some("true".into())
    );
    assert_focus_on(browser, "vidrop-pause", "paused").await;
    browser.press(&[Key::Enter]).await;
    harness.wait_for_state("uploading").await;
    assert_eq!(browser.text("#vidrop-pause").await, "Pause");
    press_to(browser, &[Key::Tab], "vidrop-cancel").await;
    press_to(browser, &[Key::Shift, Key::Tab], "vidrop-pause").await;
    press_to(browser, &[Key::Tab], "vidrop-cancel").await;
    browser.press(&[Key::Enter]).await;
    harness.wait_for_state("cancelled").await;
    assert_eq!(browser.text("#vidrop-error").await, "Upload cancelled.");
    assert_focus_on(browser, "vidrop-file", "after Cancel").await;

    // A whole upload: the live region tells its end.
    proxy.set_conditions(Conditions::default());
    harness.choose_file(&video.path).await;
    harness.wait_for_upload().await;
    browser
        .wait_for_value_within(
            "(vidrop('#vidrop-announcer').textContent.trim() === 'keys.webm uploaded') ? true : null",
            "the live region to announce the upload's end",
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(
        browser
            .attribute("#vidrop-announcer", "aria-live")
            .await
            .as_deref(),
        Some("polite")
    );
    assert_focus_on(browser, "vidrop-file", "after the upload").await;
    browser
        .wait_until(
            "vidrop('#vidrop-player')?.readyState >= 1 && vidrop('.vidrop-play') !== null",
            "the player and the list",
        )
        .await;

    // Done: chooser, then the player, then the list's Play (Pause and
    // Cancel are disabled, so skipped).
    assert_eq!(
        tab_through(browser, 20).await,
        ["vidrop-player", "play"],
        "Tab from the chooser"
    );
    press_to(browser, &[Key::Shift, Key::Tab], "play").await;
    browser
        .execute("vidrop('#vidrop-player').pause(); return null;")
        .await;
    browser.press(&[Key::Space]).await;
    browser
        .wait_until(
            "vidrop('#vidrop-player').paused === false",
            "Space on Play to play the video",
        )
        .await;
    harness.close().await;
}

/// What moves in the widget: every element's computed `transition-duration`
/// and `animation-name` that is not `0s` / `none`, as `[selector, what]`.
const MOVING: &str = "const root = document.querySelector('vidrop-uploader').shadowRoot;
    const moving = [];
    for (const el of root.querySelectorAll('*')) {
      for (const pseudo of [null, '::before', '::after']) {
        const style = getComputedStyle(el, pseudo);
        const name = el.localName + (el.id ? '#' + el.id : '')
          + '.' + [...el.classList].join('.') + (pseudo ?? '');
        if (style.transitionDuration.split(',').some((d) => parseFloat(d) > 0)) {
          moving.push([name, 'transition ' + style.transitionDuration]);
        }
        if (style.animationName.split(',').some((n) => n.trim() !== 'none')) {
          moving.push([name, 'animation ' + style.animationName]);
        }
      }
    }
    return moving;";

/// The widget's transitions (the drop zone's and the buttons' colours) run
/// for people who did not ask otherwise; with `prefers-reduced-motion:
/// reduce` emulated (DevTools' `Emulation.setEmulatedMedia`) no element of
/// the widget has a transition or an animation, idle or uploading. (The
/// progress bar's value, `::-webkit-progress-value`, is stopped by the same
/// media query, but `getComputedStyle` does not read that pseudo-element:
/// Chromium answers for the `<progress>` itself.)
#[tokio::test]
async fn reduced_motion_stops_every_transition_and_animation() {
    let harness = Harness::start_behind_proxy(&[]).await;
    let browser = &harness.browser;
    let video = TestVideo::webm(harness.stack.data_dir(), "still.webm", 20);
    harness.open_widget().await;

    let moving = browser.execute(MOVING).await;
    let moving: Vec<(String, String)> = serde_json::from_value(moving).unwrap();
    assert!(
        moving.iter().any(|(el, _)| el.contains("vidrop-dropzone")),
        "the drop zone has a transition without the preference: {moving:?}"
    );

    browser
        .emulate_media(&[("prefers-reduced-motion", "reduce")])
        .await;
    browser
        .wait_until(
            "matchMedia('(prefers-reduced-motion: reduce)').matches",
            "the emulated preference",
        )
        .await;
    assert_eq!(
        browser.execute(MOVING).await,
        serde_json::json!([]),
        "idle, with prefers-reduced-motion: reduce"
    );

    harness.stack.proxy().set_conditions(Conditions {
        body_bytes_per_sec: Some(16 * 1024),
        ..Conditions::default()
    });
    harness.choose_file(&video.path).await;
    harness.wait_for_state("uploading").await;
    assert_eq!(
        browser.execute(MOVING).await,
        serde_json::json!([]),
        "uploading, with prefers-reduced-motion: reduce"
    );
    harness.close().await;
}
