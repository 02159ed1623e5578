//! The browser engines the end-to-end tests drive over WebDriver, and what
//! each one needs on the machine: Chromium (Blink) with ChromeDriver, Firefox
//! ESR (Gecko) with geckodriver, and WebKitGTK's MiniBrowser with
//! WebKitWebDriver on a virtual X display. `cargo xtask setup` (and `test`)
//! installs all three; [`Engine::missing`] names what is absent, so a test in
//! an engine that cannot start fails saying what to install instead of
//! passing without having run.

use std::fmt;
use std::path::{Path, PathBuf};

pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub(crate) const FIREFOX: &str = "/usr/bin/firefox-esr";
/// `cargo install geckodriver --version 0.37.1 --locked` puts it in cargo's
/// `bin` folder, which a test's `PATH` may lack: looked for there too.
pub(crate) const GECKODRIVER: &str = "geckodriver";
pub(crate) const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
/// WebKitGTK's own small browser, which WebKitWebDriver launches in automation
/// mode (Debian ships no Epiphany here, and needs none).
pub(crate) const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
/// WebKitGTK has no headless mode: it renders into a virtual X server.
pub(crate) const XVFB: &str = "/usr/bin/Xvfb";

/// A browser engine the tests can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Debian's Chromium, headless, through ChromeDriver.
    Chromium,
    /// Debian's Firefox ESR, `-headless`, through geckodriver.
    Firefox,
    /// WebKitGTK's MiniBrowser under Xvfb, through WebKitWebDriver.
    WebKit,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// A short lower-case name, as test names and reports use it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engines whose browser and driver are on this machine.
    pub fn available() -> Vec<Engine> {
        Engine::ALL
            .into_iter()
            .filter(|engine| engine.missing().is_empty())
            .collect()
    }

    /// What this engine needs that is not installed, each with how to get
    /// it; empty when it can start.
    pub fn missing(self) -> Vec<String> {
        let needs: Vec<(Option<PathBuf>, &str)> = match self {
            Engine::Chromium => vec![
                (existing(CHROMIUM), "chromium (apt)"),
                (existing(CHROMEDRIVER), "chromedriver (apt chromium-driver)"),
            ],
            Engine::Firefox => vec![
                (existing(FIREFOX), "firefox-esr (apt)"),
                (
                    geckodriver(),
                    "geckodriver (cargo install geckodriver --version 0.37.1 --locked)",
                ),
            ],
            Engine::WebKit => vec![
                (
                    existing(WEBKIT_DRIVER),
                    "WebKitWebDriver (apt webkit2gtk-driver)",
                ),
                (
                    existing(MINIBROWSER),
                    "MiniBrowser (apt libwebkit2gtk-4.1-0)",
                ),
                (existing(XVFB), "Xvfb (apt xvfb)"),
            ],
        };
        needs
            .into_iter()
            .filter(|(found, _)| found.is_none())
            .map(|(_, what)| what.to_owned())
            .collect()
    }

    /// Fails the test, naming what to install, unless this engine can start.
    pub fn require(self) {
        let missing = self.missing();
        assert!(
            missing.is_empty(),
            "{self} cannot start on this machine, missing: {}; `cargo xtask setup` installs them",
            missing.join(", ")
        );
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn existing(path: &str) -> Option<PathBuf> {
    Path::new(path).is_file().then(|| PathBuf::from(path))
}

/// geckodriver on `PATH`, else in cargo's `bin` folder.
pub(crate) fn geckodriver() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    std::env::split_paths(&path)
        .chain(cargo_bin)
        .map(|dir| dir.join(GECKODRIVER))
        .find(|candidate| candidate.is_file())
}

/// Runs a test in every engine: `in_every_engine!(name);` beside `async fn
/// name(engine: Engine)` declares a module `name` with one `#[tokio::test]`
/// per engine (`name::chromium`, `name::firefox`, `name::webkit`), so a
/// failure names its engine and one engine's runs can be picked with a
/// filter (`cargo test -p vidrop-e2e -- ::firefox`). A missing engine fails
/// its tests (see [`Engine::require`]); it never passes them unrun.
#[macro_export]
macro_rules! in_every_engine {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn chromium() {
                super::$name($crate::Engine::Chromium).await
            }
            #[tokio::test]
            async fn firefox() {
                super::$name($crate::Engine::Firefox).await
            }
            #[tokio::test]
            async fn webkit() {
                super::$name($crate::Engine::WebKit).await
            }
        }
    };
}
