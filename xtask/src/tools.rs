//! Installs the tools the tasks need, only where they are missing, with the
//! versions that build on this machine's Rust (see `shared/TOOLCHAIN.md`).
//!
//! Trunk must never download a tool itself (no internet here): it finds the
//! wasm-bindgen CLI of exactly the `Cargo.lock` version and npm's wasm-opt
//! ([`BINARYEN_VERSION`]) on the `PATH` that [`command`] gives it.

use crate::{Result, cargo, project_root, run};
use std::env;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Trunk 0.22 needs a newer rustc than this machine's 1.95.
const TRUNK_VERSION: &str = "0.21.14";

/// Firefox's WebDriver server: Debian ships none, crates.io does. Pinned, and
/// `--locked`, so every machine drives Firefox ESR with the same one.
const GECKODRIVER_VERSION: &str = "0.37.1";

/// axe-core, the accessibility engine `e2e/tests/accessibility.rs` injects
/// into the page: npm's package, pinned (as `e2e/src/axe.rs`'s
/// `AXE_CORE_VERSION`, which checks it).
const AXE_CORE_VERSION: &str = "4.14.1";

/// binaryen, whose `wasm-opt` Trunk runs on the widget's wasm (index.html's
/// `data-wasm-opt`): npm's package, a build for Node.js, pinned. Debian's
/// binaryen 108 breaks wasm-bindgen 0.2.130's output; 116 and newer do not.
const BINARYEN_VERSION: &str = "132.0.0";

/// esbuild, which minifies the widget's JavaScript after Trunk
/// (`minify.rs`): npm's package, pinned. Its platform binary comes from npm's
/// registry too, as its optional dependency (`@esbuild/linux-x64`), so no
/// install script is needed.
const ESBUILD_VERSION: &str = "0.28.2";

/// The distributed S3 store the cluster tests run on (`cargo xtask garage`):
/// pinned, as the issue asks, and `--locked`.
const GARAGE_VERSION: &str = "2.5.0";

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What a task needs installed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// `rustup target add wasm32-unknown-unknown` (for clippy on the widget).
    WasmTarget,
    /// Everything to build the widget: also Trunk and wasm-bindgen.
    Widget,
    /// Also the browsers (Chromium, Firefox, WebKitGTK), their drivers and
    /// ffmpeg for the tests.
    Everything,
}

/// npm, which installs binaryen (for every widget build) and axe-core
/// (Debian's npm brings Node.js, which runs both).
const NPM: (&str, &str) = ("npm", "/usr/bin/npm");

/// Debian's compressors of the widget's files (`compress.rs`): zopfli writes
/// gzip's format, smaller than `gzip -9`; brotli, its own.
const COMPRESSORS: &[(&str, &str)] =
    &[("zopfli", "/usr/bin/zopfli"), ("brotli", "/usr/bin/brotli")];

/// Debian packages, each with a file that shows it is installed. (No
/// binaryen: its wasm-opt 108 breaks wasm-bindgen's output; npm's is used,
/// see [`BINARYEN_VERSION`].)
/// The browser tests run in all three engines, so all three are installed:
/// a machine that lacks one fails its tests rather than skipping them.
const TEST_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", CHROMEDRIVER),
    ("firefox-esr", "/usr/bin/firefox-esr"),
    // WebKitWebDriver; it pulls in libwebkit2gtk-4.1-0 (MiniBrowser) and the
    // GStreamer plugins that decode WebM.
    ("webkit2gtk-driver", "/usr/bin/WebKitWebDriver"),
    // WebKitGTK has no headless mode: it draws into a virtual X server.
    ("xvfb", "/usr/bin/Xvfb"),
    ("ffmpeg", "/usr/bin/ffmpeg"),
    ("curl", "/usr/bin/curl"),
];

pub fn setup(need: Need) -> Result {
    add_wasm_target()?;
    if need >= Need::Widget {
        let mut packages = COMPRESSORS.to_vec();
        packages.push(NPM);
        if need >= Need::Everything {
            packages.extend_from_slice(TEST_PACKAGES);
            apt_install(&missing(&packages))?;
            install_geckodriver()?;
            install_axe_core()?;
        } else {
            apt_install(&missing(&packages))?;
        }
        add_rust_src()?;
        install_trunk()?;
        install_wasm_bindgen()?;
        install_binaryen()?;
        install_esbuild()?;
    }
    Ok(())
}

/// A font with Chinese glyphs, for the screenshot of the widget in Chinese
/// (`cargo xtask screenshot`; no test needs it).
const CJK_FONT: (&str, &str) = (
    "fonts-noto-cjk",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
);

/// What the presign benchmark needs besides [`Need::Everything`]: the load
/// generator, and boto3 for the Python reference server.
const PRESIGN_BENCH_PACKAGES: &[(&str, &str)] = &[
    ("wrk", "/usr/bin/wrk"),
    (
        "python3-boto3",
        "/usr/lib/python3/dist-packages/boto3/__init__.py",
    ),
];

/// The AWS SDK for JavaScript's S3 client and presigner, pinned, for the
/// presign benchmark's Node reference server (`benches/presign-node/`).
const AWS_SDK_JS: &[&str] = &[
    "@aws-sdk/client-s3@3.1175.0",
    "@aws-sdk/s3-request-presigner@3.1169.0",
];

/// What `cargo xtask bench` needs besides [`Need::Everything`]; answers the
/// `node_modules` holding the AWS SDK for JavaScript.
pub fn setup_bench() -> Result<PathBuf> {
    apt_install(&missing(PRESIGN_BENCH_PACKAGES))?;
    npm_install(AWS_SDK_JS_FOLDER, AWS_SDK_JS)
}

/// The Uppy page the upload benchmark measures the widget against
/// (`benches/uppy/`: `@uppy/core` and `@uppy/aws-s3` calling Vidrop's API),
/// built with npm in `~/.cache/vidrop/uppy-bench`: its packages installed by
/// `npm ci` from the committed `package-lock.json` (again only when that file
/// changed), then bundled by esbuild (`npm run build`). Answers the folder of
/// the built page (`index.html`, `uppy-bench.js`; and `dashboard.js`,
/// `dashboard.css`, the bundle with Uppy's Dashboard that the widget's size is
/// measured against).
pub fn build_uppy_page() -> Result<PathBuf> {
    let source = project_root().join("benches/uppy");
    let folder = npm_modules(UPPY_PAGE_FOLDER)?
        .parent()
        .expect("node_modules is in its prefix")
        .to_path_buf();
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    for file in [
        "package.json",
        "package-lock.json",
        "main.js",
        "index.html",
        "dashboard.js",
        "dashboard.html",
    ] {
        std::fs::copy(source.join(file), folder.join(file))
            .map_err(|e| format!("{}: {e}", source.join(file).display()))?;
    }
    let lock = std::fs::read(folder.join("package-lock.json")).map_err(|e| e.to_string())?;
    let installed = folder.join("installed-package-lock.json");
    if std::fs::read(&installed).ok().as_deref() != Some(&lock[..])
        || !folder.join("node_modules/.bin/esbuild").exists()
    {
        run(command("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&folder))?;
        std::fs::write(&installed, &lock).map_err(|e| e.to_string())?;
    }
    run(command("npm")
        .args(["run", "--silent", "build"])
        .current_dir(&folder))?;
    Ok(folder.join("out"))
}

/// What `cargo xtask screenshot` needs besides [`Need::Everything`].
pub fn setup_screenshots() -> Result {
    setup(Need::Everything)?;
    apt_install(&missing(&[CJK_FONT]))
}

/// A command for `program` whose `PATH` starts with cargo's `bin` folder
/// (`$CARGO_HOME/bin`, else `~/.cargo/bin`) and binaryen's (see
/// [`binaryen_bin`]), so the tools installed there (Trunk, the wasm-bindgen
/// CLI, wasm-opt) are found, by this command and by whatever it starts, even
/// from a shell whose `PATH` lacks those folders. On Unix the program itself
/// is looked up in that `PATH` too. Every command xtask runs is made here.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    if let Some(path) = path_with_cargo_bin() {
        command.env("PATH", path);
    }
    command
}

/// The caller's `PATH` with binaryen's and cargo's `bin` folders first, or
/// `None` when they are there already (or cannot be named).
fn path_with_cargo_bin() -> Option<&'static OsString> {
    static PATH: OnceLock<Option<OsString>> = OnceLock::new();
    PATH.get_or_init(|| {
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
        let path = env::var_os("PATH").unwrap_or_default();
        let mut paths: Vec<PathBuf> = env::split_paths(&path).collect();
        let firsts = [binaryen_bin().ok(), Some(cargo_home.join("bin"))];
        let missing: Vec<PathBuf> = firsts
            .into_iter()
            .flatten()
            .filter(|bin| !paths.contains(bin))
            .collect();
        if missing.is_empty() {
            return None;
        }
        paths.splice(0..0, missing);
        env::join_paths(paths).ok()
    })
    .as_ref()
}

fn add_wasm_target() -> Result {
    rustup_add("target", "wasm32-unknown-unknown")
}

/// The standard library's source, which the widget's build compiles again
/// (see `WIDGET_BUILD_ENV` in `main.rs`).
fn add_rust_src() -> Result {
    rustup_add("component", "rust-src")
}

/// `rustup <kind> add <name>` unless `rustup <kind> list --installed` names
/// it already.
fn rustup_add(kind: &str, name: &str) -> Result {
    let installed = output(command("rustup").args([kind, "list", "--installed"]));
    if installed.is_some_and(|list| list.lines().any(|l| l == name)) {
        return Ok(());
    }
    run(command("rustup").args([kind, "add", name]))
}

fn missing(packages: &[(&'static str, &str)]) -> Vec<&'static str> {
    packages
        .iter()
        .filter(|(_, file)| !std::path::Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect()
}

fn apt_install(packages: &[&str]) -> Result {
    if packages.is_empty() {
        return Ok(());
    }
    let as_root = output(command("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut apt_get = if as_root {
            command("apt-get")
        } else {
            let mut sudo = command("sudo");
            sudo.arg("apt-get");
            sudo
        };
        apt_get.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        apt_get
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(packages);
    run(&mut install)
}

fn install_trunk() -> Result {
    let version = output(command("trunk").arg("--version"));
    if version.is_some_and(|v| v.contains(TRUNK_VERSION)) {
        return Ok(());
    }
    run(cargo().args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

fn install_geckodriver() -> Result {
    let version = output(command("geckodriver").arg("--version"));
    if version.is_some_and(|v| v.split_whitespace().any(|word| word == GECKODRIVER_VERSION)) {
        return Ok(());
    }
    run(cargo().args([
        "install",
        "geckodriver",
        "--version",
        GECKODRIVER_VERSION,
        "--locked",
    ]))
}

/// The folders under `~/.cache/vidrop` that npm packages go to, one per
/// set: `npm install --no-save` into a prefix removes the packages it was not
/// asked for.
const AXE_CORE_FOLDER: &str = "npm";
const BINARYEN_FOLDER: &str = "binaryen";
const ESBUILD_FOLDER: &str = "esbuild";
const AWS_SDK_JS_FOLDER: &str = "npm-aws-sdk";
/// Where [`build_uppy_page`] installs and builds `benches/uppy/` (with `npm
/// ci`, which owns its `node_modules`).
const UPPY_PAGE_FOLDER: &str = "uppy-bench";

/// `~/.cache/vidrop/<folder>/node_modules`, beside the other cached tools.
fn npm_modules(folder: &str) -> Result<PathBuf> {
    env::var_os("HOME")
        .map(|home| {
            PathBuf::from(home)
                .join(".cache/vidrop")
                .join(folder)
                .join("node_modules")
        })
        .ok_or_else(|| "no HOME to keep npm packages in".to_owned())
}

/// npm packages (`name@version`, each pinned) from npm's registry into
/// [`npm_modules`]`(folder)`, unless those very releases are there already;
/// answers that `node_modules`. No install script runs.
fn npm_install(folder: &str, packages: &[&str]) -> Result<PathBuf> {
    let modules = npm_modules(folder)?;
    let installed = |package: &&str| {
        let (name, version) = package.rsplit_once('@').expect("name@version");
        std::fs::read_to_string(modules.join(name).join("package.json"))
            .is_ok_and(|manifest| manifest.contains(&format!("\"version\": \"{version}\"")))
    };
    if packages.iter().all(installed) {
        return Ok(modules);
    }
    let prefix = modules.parent().expect("node_modules is in its prefix");
    std::fs::create_dir_all(prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    run(command("npm")
        .args([
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--prefix",
        ])
        .arg(prefix)
        .args(packages))?;
    Ok(modules)
}

/// axe-core's script, as the browser tests inject it (`cargo xtask test`
/// hands its path to them as `VIDROP_AXE_CORE`).
pub fn axe_core_script() -> Result<PathBuf> {
    Ok(npm_modules(AXE_CORE_FOLDER)?.join("axe-core/axe.min.js"))
}

/// axe-core [`AXE_CORE_VERSION`]: the package's own files only, it has no
/// dependencies.
fn install_axe_core() -> Result {
    npm_install(AXE_CORE_FOLDER, &[&format!("axe-core@{AXE_CORE_VERSION}")]).map(drop)
}

/// The folder of binaryen's commands (`wasm-opt`, a Node.js script).
pub fn binaryen_bin() -> Result<PathBuf> {
    Ok(npm_modules(BINARYEN_FOLDER)?.join(".bin"))
}

/// binaryen [`BINARYEN_VERSION`]; it has no dependencies.
fn install_binaryen() -> Result {
    npm_install(BINARYEN_FOLDER, &[&format!("binaryen@{BINARYEN_VERSION}")]).map(drop)
}

/// esbuild's command (a Node.js script that runs its platform binary).
pub fn esbuild() -> Result<PathBuf> {
    Ok(npm_modules(ESBUILD_FOLDER)?.join(".bin/esbuild"))
}

/// esbuild [`ESBUILD_VERSION`].
fn install_esbuild() -> Result {
    npm_install(ESBUILD_FOLDER, &[&format!("esbuild@{ESBUILD_VERSION}")]).map(drop)
}

/// Garage's binary, built once into `~/.cache/vidrop/garage/bin` (or
/// `$VIDROP_GARAGE_ROOT/bin`) and kept there: the build takes over twenty
/// minutes on two cores. Its build folder is removed afterwards (gigabytes).
pub fn install_garage() -> Result<PathBuf> {
    let root = env::var_os("VIDROP_GARAGE_ROOT")
        .map(PathBuf::from)
        .or_else(|| {
            env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/vidrop/garage"))
        })
        .ok_or("no HOME to keep Garage's build in: set VIDROP_GARAGE_ROOT")?;
    let binary = root.join("bin/garage");
    let version = output(command(&binary).arg("--version"));
    if version.is_some_and(|v| v.contains(&format!("cargo:{GARAGE_VERSION}"))) {
        return Ok(binary);
    }
    let build = root.join("build");
    run(cargo()
        .args([
            "install",
            "garage",
            "--version",
            GARAGE_VERSION,
            "--locked",
            "--root",
        ])
        .arg(&root)
        .env("CARGO_TARGET_DIR", &build))?;
    let _ = std::fs::remove_dir_all(&build);
    Ok(binary)
}

/// The CLI must be exactly the `wasm-bindgen` version in `Cargo.lock`, or
/// Trunk would try to download one. (`--locked` fails here: its lock file names
/// a crate release the registry does not serve.)
fn install_wasm_bindgen() -> Result {
    let wanted = locked_version("wasm-bindgen")?;
    let version = output(command("wasm-bindgen").arg("--version"));
    if version.is_some_and(|v| v.split_whitespace().any(|word| word == wanted)) {
        return Ok(());
    }
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// The version `Cargo.lock` records for a package, as `cargo pkgid` names it
/// (`registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen@0.2.130`).
fn locked_version(package: &str) -> Result<String> {
    let pkgid = output(cargo().args(["pkgid", package]))
        .ok_or_else(|| format!("`cargo pkgid {package}` failed: is it in Cargo.lock?"))?;
    let pkgid = pkgid.trim();
    // The version follows `@`, or `#` when the name is the URL's last segment.
    pkgid
        .rsplit_once('@')
        .or_else(|| pkgid.rsplit_once('#'))
        .map(|(_, version)| version.to_owned())
        .ok_or_else(|| format!("`cargo pkgid {package}` printed no version: {pkgid}"))
}

/// A command's standard output, or `None` when it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
