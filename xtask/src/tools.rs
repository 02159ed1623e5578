//! Installs the tools the tasks need, only where they are missing, with the
//! versions that build on this machine's Rust (see `shared/TOOLCHAIN.md`).
//!
//! Trunk must never download a tool itself (no internet here): it finds the
//! wasm-bindgen CLI of exactly the `Cargo.lock` version and Debian's wasm-opt
//! on `PATH`.

use crate::{Result, project_root, run};
use std::env;
use std::path::PathBuf;
use std::process::Command;

/// Trunk 0.22 needs a newer rustc than this machine's 1.95.
const TRUNK_VERSION: &str = "0.21.14";

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What a task needs installed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// `rustup target add wasm32-unknown-unknown` (for clippy on the widget).
    WasmTarget,
    /// Everything to build the widget: also Trunk and wasm-bindgen.
    Widget,
    /// Also the browser, its driver and ffmpeg for the tests.
    Everything,
}

/// Debian packages, each with a file that shows it is installed. (No
/// binaryen: its wasm-opt 108 breaks wasm-bindgen's output, see index.html.)
const TEST_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", CHROMEDRIVER),
    ("ffmpeg", "/usr/bin/ffmpeg"),
    ("curl", "/usr/bin/curl"),
];

pub fn setup(need: Need) -> Result {
    add_wasm_target()?;
    if need >= Need::Widget {
        if need >= Need::Everything {
            apt_install(&missing(TEST_PACKAGES))?;
        }
        install_trunk()?;
        install_wasm_bindgen()?;
    }
    Ok(())
}

/// `~/.cargo/bin` on `PATH` for every command started from here, so tools
/// that `cargo install` just put there are found.
pub fn put_cargo_bin_on_path() {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    if let Some(bin) = cargo_home.map(|home| home.join("bin")) {
        let path = env::var_os("PATH").unwrap_or_default();
        let mut paths: Vec<PathBuf> = env::split_paths(&path).collect();
        if !paths.contains(&bin) {
            paths.insert(0, bin);
            let joined = env::join_paths(paths).expect("PATH entries are joinable");
            // SAFETY: xtask is single-threaded when it sets up its environment.
            unsafe { env::set_var("PATH", joined) };
        }
    }
}

fn add_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|list| list.lines().any(|l| l == "wasm32-unknown-unknown")) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
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
    let as_root = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(packages);
    run(&mut install)
}

fn install_trunk() -> Result {
    let version = output(Command::new("trunk").arg("--version"));
    if version.is_some_and(|v| v.contains(TRUNK_VERSION)) {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

/// The CLI must be exactly the `wasm-bindgen` version in `Cargo.lock`, or
/// Trunk would try to download one. (`--locked` fails here: its lock file names
/// a crate release the registry does not serve.)
fn install_wasm_bindgen() -> Result {
    let wanted = locked_version("wasm-bindgen")?;
    let version = output(Command::new("wasm-bindgen").arg("--version"));
    if version.is_some_and(|v| v.split_whitespace().any(|word| word == wanted)) {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// The version `Cargo.lock` records for a package.
fn locked_version(package: &str) -> Result<String> {
    let lock_path = project_root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|error| format!("cannot read {}: {error}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            let version = lines
                .next()
                .and_then(|next| next.strip_prefix("version = \""));
            if let Some(version) = version {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// A command's standard output, or `None` when it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
