//! The workspace's architecture invariants (ARCHITECTURE.md), checked from
//! the source and from `cargo metadata`:
//!
//! - `shared` knows nothing of axum, Leptos, tokio or the network: it depends
//!   on serde and ulid only, and compiles for wasm32 and native alike.
//! - `store` (the embedded S3 store) knows nothing of the backend: the
//!   backend starts it through its public API.
//! - The widget's engine knows nothing of the view: no `engine` module uses
//!   `components`, `view_model` or the crate root; components use nothing
//!   else of the crate (they take plain view models).
//! - The widget has no server function (so `wasm-streams` can be a
//!   stand-in, see `stubs/wasm-streams`).
//! - No crate has a module that uses a module using it back.
//!
//! (The backend's own layering is checked by `tests/architecture.rs`.)

#[path = "architecture/module_graph.rs"]
mod module_graph;

use module_graph::{ModuleGraph, display, module};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("backend/ is one folder below the root")
        .to_path_buf()
}

fn graph_of(crate_folder: &str) -> ModuleGraph {
    let root = workspace_root().join(crate_folder).join("src/lib.rs");
    let graph = ModuleGraph::read(&root)
        .unwrap_or_else(|err| panic!("{crate_folder}'s source reads: {err}"));
    println!("# {crate_folder}\n{graph}");
    graph
}

/// The names of a workspace package's normal (not dev, not build,
/// not optional) dependencies, from `cargo metadata`.
fn dependencies(package: &str) -> BTreeSet<String> {
    dependencies_of(package, false)
}

/// Those a feature turns on.
fn optional_dependencies(package: &str) -> BTreeSet<String> {
    dependencies_of(package, true)
}

fn dependencies_of(package: &str, optional: bool) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed");
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let found = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == package)
        .unwrap_or_else(|| panic!("{package} is in the workspace"));
    found["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .filter(|dep| dep["kind"].is_null())
        .filter(|dep| optional == dep["optional"].as_bool().unwrap_or(false))
        .map(|dep| dep["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn shared_depends_on_serde_and_ulid_only() {
    let deps = dependencies("vidrop-shared");
    let allowed: BTreeSet<String> = ["serde", "ulid"].map(String::from).into();
    assert!(deps.is_subset(&allowed), "shared depends on {deps:?}");
    // utoipa only behind the `openapi` feature, which the widget never
    // turns on (its wasm carries no OpenAPI schema).
    let optional = optional_dependencies("vidrop-shared");
    let allowed: BTreeSet<String> = ["utoipa"].map(String::from).into();
    assert!(
        optional.is_subset(&allowed),
        "shared may also use {optional:?}"
    );
    let frontend = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/Cargo.toml");
    let manifest = std::fs::read_to_string(frontend).unwrap();
    let shared_line = manifest
        .lines()
        .find(|line| line.starts_with("vidrop-shared"))
        .expect("the widget uses shared");
    assert!(!shared_line.contains("openapi"), "{shared_line}");
}

#[test]
fn the_store_knows_nothing_of_the_backend_or_the_widget() {
    let deps = dependencies("vidrop-store");
    for forbidden in ["vidrop", "vidrop-frontend", "aws-sdk-s3", "leptos"] {
        assert!(!deps.contains(forbidden), "store depends on {forbidden}");
    }
}

#[test]
fn the_widget_knows_nothing_of_servers() {
    let deps = dependencies("vidrop-frontend");
    // serde_json too: the widget reads and writes JSON with the browser's
    // own `JSON` (`frontend/src/json.rs`), which costs its wasm nothing.
    for forbidden in [
        "vidrop",
        "vidrop-store",
        "tokio",
        "axum",
        "aws-sdk-s3",
        "serde_json",
    ] {
        assert!(
            !deps.contains(forbidden),
            "the widget depends on {forbidden}"
        );
    }
}

/// `wasm-streams` is patched with a stand-in (`stubs/wasm-streams`) whose
/// streaming calls panic: it is only sound while the widget has no server
/// function, the one user of those calls.
#[test]
fn the_widget_has_no_server_function() {
    fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(folder).expect("the widget's source folder reads") {
            let path = entry.expect("a folder entry reads").path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(&workspace_root().join("frontend"), &mut files);
    assert!(files.len() > 10, "the widget's Rust files are found");
    let mut servers = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a source file reads");
        for marker in ["#[server", "#[leptos::server", "server_fn", "ServerFn"] {
            if source.contains(marker) {
                servers.push(format!("{}: {marker}", file.display()));
            }
        }
    }
    assert!(
        servers.is_empty(),
        "server functions need the real wasm-streams:\n  {}",
        servers.join("\n  ")
    );
}

#[test]
fn the_engine_knows_nothing_of_the_view() {
    let graph = graph_of("frontend");
    let engine = module("engine");
    let view = [module("components"), module("view_model")];
    let crate_root = module("crate");
    let mut breaches = Vec::new();
    for (from, to) in graph.edges() {
        if from.starts_with(&engine)
            && (view.iter().any(|v| to.starts_with(v)) || *to == crate_root)
        {
            breaches.push(format!("{} -> {}", display(from), display(to)));
        }
        // The components write their elements with `dom`, which imports
        // nothing of the crate.
        let components = module("components");
        let dom = module("dom");
        if from.starts_with(&components) && !to.starts_with(&components) && !to.starts_with(&dom)
            || from.starts_with(&dom) && !to.starts_with(&dom)
        {
            breaches.push(format!("{} -> {}", display(from), display(to)));
        }
    }
    assert!(
        breaches.is_empty(),
        "view knowledge:\n  {}",
        breaches.join("\n  ")
    );
}

#[test]
fn no_crate_has_a_module_cycle() {
    for folder in ["shared", "store", "frontend", "backend"] {
        let cycles: Vec<String> = graph_of(folder)
            .cycles()
            .iter()
            .map(|cycle| {
                cycle
                    .iter()
                    .map(|m| display(m))
                    .collect::<Vec<_>>()
                    .join(" -> ")
            })
            .collect();
        assert!(
            cycles.is_empty(),
            "{folder}: module cycles:\n  {}",
            cycles.join("\n  ")
        );
    }
}
