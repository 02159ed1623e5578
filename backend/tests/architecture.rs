//! The backend's architecture, checked from its source: the graph of which
//! module uses which (read by `architecture/module_graph.rs` from `use`
//! declarations and `crate::`/`super::`/`self::` paths) has no cycle,
//! handlers never use one another, and the layers point one way: the crate
//! root starts the server, the server mounts the routes, handlers call
//! services, services use storage and the rest, never back up.
//!
//! `cargo test -p vidrop --test architecture -- --nocapture` prints the
//! graph, one line per module.

#[path = "architecture/module_graph.rs"]
mod module_graph;

use module_graph::{ModuleGraph, display, module};
use std::path::Path;

/// Edges that break a rule but are known and owned elsewhere, each with why.
/// Each must still exist: a stale entry fails, so that it is removed.
const TOLERATED: &[(&str, &str, &str)] = &[];

/// Modules that only the listed modules may use, and why.
const USED_ONLY_BY: &[(&str, &[&str], &str)] = &[
    (
        "server",
        &["crate"],
        "the server starts everything; nothing it starts reaches back into it",
    ),
    (
        "routes",
        &["crate", "server"],
        "the server mounts the routes; services and storage never call a handler",
    ),
    (
        "cli",
        &["crate"],
        "the command-line client is a client of the HTTP API like any other; no server module uses it",
    ),
];

/// The backend library's graph, as written, tolerated edges included.
fn backend_graph() -> ModuleGraph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let graph = ModuleGraph::read(&root).expect("the backend's source reads");
    println!("{graph}");
    graph
}

/// The backend's graph without the tolerated edges, after checking that each
/// of them still exists.
fn checked_graph() -> ModuleGraph {
    let graph = backend_graph();
    for (from, to, why) in TOLERATED {
        assert!(
            graph.has_edge(from, to),
            "{from} -> {to} is gone: remove it from TOLERATED ({why})"
        );
    }
    TOLERATED
        .iter()
        .fold(graph, |graph, (from, to, _)| graph.without_edge(from, to))
}

/// No module uses, directly or through others, a module that uses it back.
#[test]
fn modules_form_no_cycle() {
    let cycles: Vec<String> = checked_graph()
        .cycles()
        .iter()
        .map(|cycle| {
            let names: Vec<String> = cycle.iter().map(|m| display(m)).collect();
            names.join(" -> ")
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "module cycles:\n  {}",
        cycles.join("\n  ")
    );
}

/// Handlers are thin: a route module never uses another route module (nor
/// `routes` itself); a rule two handlers share lives in a service.
#[test]
fn route_modules_use_no_other_route_module() {
    let routes = module("routes");
    let graph = checked_graph();
    let crossings: Vec<String> = graph
        .edges()
        .filter(|(from, to)| from.starts_with(&routes) && from.len() > 1 && to.starts_with(&routes))
        .map(|(from, to)| format!("{} -> {}", display(from), display(to)))
        .collect();
    assert!(
        crossings.is_empty(),
        "route modules using route modules:\n  {}",
        crossings.join("\n  ")
    );
}

/// The layers point one way: only the crate root uses `server`, and only
/// it and `server` use `routes` (see [`USED_ONLY_BY`]).
#[test]
fn layers_are_used_only_from_above() {
    let graph = checked_graph();
    let mut breaches = Vec::new();
    for (layer, users, why) in USED_ONLY_BY {
        let layer = module(layer);
        let users: Vec<_> = users.iter().map(|user| module(user)).collect();
        for (from, to) in graph.edges() {
            let into_layer = to.starts_with(&layer);
            let from_outside = !from.starts_with(&layer) && !users.contains(from);
            if into_layer && from_outside {
                breaches.push(format!("{} -> {}: {why}", display(from), display(to)));
            }
        }
    }
    assert!(
        breaches.is_empty(),
        "layers used from below:\n  {}",
        breaches.join("\n  ")
    );
}

/// The checker itself sees cycles, `super::` in a folder module, a parent
/// naming its child, and ignores comments and strings.
#[test]
fn the_checker_finds_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "lib.rs",
        "pub mod routes; mod server; mod store;\npub use server::start;\n",
    );
    write(
        "server.rs",
        "use crate::routes;\npub fn start() { routes::router(); }\n",
    );
    write(
        "routes/mod.rs",
        "mod a; mod b;\n\
         use crate::server::start; // crate::store::never in a comment\n\
         pub fn router() { a::a(); b::b(); let _ = \"crate::store::never\"; let _ = '\"'; }\n",
    );
    write(
        "routes/a.rs",
        "use super::b::{self, b as other};\npub fn a<'x>(_: &'x str) { other(); }\n",
    );
    write(
        "routes/b.rs",
        "pub fn b() {}\n#[cfg(test)]\nmod tests { use super::*; fn t() { b(); crate::store::f(); } }\n",
    );
    write("store.rs", "pub fn f() {}\n");

    let graph = ModuleGraph::read(&dir.path().join("lib.rs")).unwrap();
    let text = graph.to_string();
    assert_eq!(
        text,
        "crate -> server\n\
         routes -> routes::a, routes::b, server\n\
         routes::a -> routes::b\n\
         routes::b -> store\n\
         server -> routes\n\
         store\n"
    );
    let cycles: Vec<Vec<String>> = graph
        .cycles()
        .iter()
        .map(|cycle| cycle.iter().map(|m| display(m)).collect())
        .collect();
    assert_eq!(cycles, [["routes", "server", "routes"]]);
}
