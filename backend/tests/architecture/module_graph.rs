//! A crate's module graph, read from its source: which module uses which.
//! Std only, so any crate's tests (or an xtask) can include this file with
//! `#[path = "…/module_graph.rs"] mod module_graph;` and check its own rules.
//!
//! Nodes are file modules: `crate` (the root, `lib.rs` or `main.rs`),
//! `routes` (`routes/mod.rs` or `routes.rs`), `routes::uploads`. An inline
//! module (`mod tests { … }`) is part of its file. An edge `a -> b` means
//! that the code of `a` names a path into `b`, in a `use` declaration or in
//! an expression:
//!
//! - `crate::b::…` (and `$crate::b::…`);
//! - `super::…` and `self::…`, resolved against the module they are written
//!   in: in `routes/uploads.rs`, `super::parts` is `routes::parts`; in
//!   `routes/mod.rs`, `super::server` is `server`;
//! - `child::…`, where `child` is a module the file declares (`mod child;`).
//!
//! A path names the deepest file module it reaches (`crate::routes::videos::f`
//! is `routes::videos`). A `mod child;` declaration alone is not an edge: a
//! parent that declares a child does not use it until it names it.
//! Comments, strings and character literals are skipped; paths made by
//! macros and `#[path]` attributes are not followed.

#![allow(dead_code)] // each includer uses its own subset

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

/// A module's path from the crate root; empty for the root.
pub type ModulePath = Vec<String>;

/// Which file module uses which.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    /// Every file module, with the modules it uses (never itself).
    pub edges: BTreeMap<ModulePath, BTreeSet<ModulePath>>,
}

/// `crate` for the root, `a::b` otherwise.
pub fn display(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

/// `"routes::uploads"` → `["routes", "uploads"]`; `"crate"` → `[]`.
pub fn module(name: &str) -> ModulePath {
    if name == "crate" {
        Vec::new()
    } else {
        name.split("::").map(str::to_owned).collect()
    }
}

impl ModuleGraph {
    /// The graph of the crate whose root file is `root` (`src/lib.rs`,
    /// `src/main.rs`), following its `mod x;` declarations.
    pub fn read(root: &Path) -> Result<ModuleGraph, String> {
        let mut files: Vec<(ModulePath, Vec<Reference>)> = Vec::new();
        let mut queue = VecDeque::from([(Vec::new(), root.to_path_buf(), true)]);
        while let Some((module, file, owns_dir)) = queue.pop_front() {
            let source = std::fs::read_to_string(&file)
                .map_err(|err| format!("{}: {err}", file.display()))?;
            let scan = scan(&tokens(&strip(&source)), &module);
            // `lib.rs`, `main.rs` and `mod.rs` hold their children beside
            // them; `a.rs` holds them in `a/`.
            let dir = if owns_dir {
                file.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                file.with_extension("")
            };
            for child in scan.children {
                let relative: PathBuf = child[module.len()..].iter().collect();
                let flat = dir.join(&relative).with_extension("rs");
                let folder = dir.join(&relative).join("mod.rs");
                let (path, owns_dir) = if flat.is_file() {
                    (flat, false)
                } else if folder.is_file() {
                    (folder, true)
                } else {
                    return Err(format!(
                        "{}: no file for `mod {}`",
                        file.display(),
                        display(&child)
                    ));
                };
                queue.push_back((child, path, owns_dir));
            }
            files.push((module, scan.references));
        }

        let known: BTreeSet<ModulePath> = files.iter().map(|(module, _)| module.clone()).collect();
        let mut graph = ModuleGraph::default();
        for (module, references) in files {
            let used = graph.edges.entry(module.clone()).or_default();
            for reference in references {
                if let Some(target) = reference.resolve(&known)
                    && target != module
                {
                    used.insert(target);
                }
            }
        }
        Ok(graph)
    }

    /// Every edge, `(from, to)`.
    pub fn edges(&self) -> impl Iterator<Item = (&ModulePath, &ModulePath)> {
        self.edges
            .iter()
            .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
    }

    /// Whether `from` uses `to`.
    pub fn has_edge(&self, from: &str, to: &str) -> bool {
        self.edges
            .get(&module(from))
            .is_some_and(|tos| tos.contains(&module(to)))
    }

    /// The graph without the edge `from -> to`.
    pub fn without_edge(mut self, from: &str, to: &str) -> ModuleGraph {
        if let Some(tos) = self.edges.get_mut(&module(from)) {
            tos.remove(&module(to));
        }
        self
    }

    /// One cycle per group of modules that use each other (a strongly
    /// connected component of more than one module): the shortest cycle
    /// through its first module, that module first and last.
    pub fn cycles(&self) -> Vec<Vec<ModulePath>> {
        self.components()
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| self.shortest_cycle(&component))
            .collect()
    }

    /// Tarjan's strongly connected components, each sorted.
    fn components(&self) -> Vec<Vec<ModulePath>> {
        struct Tarjan<'a> {
            graph: &'a ModuleGraph,
            index: BTreeMap<&'a ModulePath, usize>,
            low: BTreeMap<&'a ModulePath, usize>,
            stack: Vec<&'a ModulePath>,
            on_stack: BTreeSet<&'a ModulePath>,
            components: Vec<Vec<ModulePath>>,
        }
        impl<'a> Tarjan<'a> {
            fn visit(&mut self, node: &'a ModulePath) {
                let n = self.index.len();
                self.index.insert(node, n);
                self.low.insert(node, n);
                self.stack.push(node);
                self.on_stack.insert(node);
                for next in self.graph.edges.get(node).into_iter().flatten() {
                    if !self.index.contains_key(next) {
                        self.visit(next);
                        let low = self.low[node].min(self.low[next]);
                        self.low.insert(node, low);
                    } else if self.on_stack.contains(next) {
                        let low = self.low[node].min(self.index[next]);
                        self.low.insert(node, low);
                    }
                }
                if self.low[node] == self.index[node] {
                    let mut component = Vec::new();
                    while let Some(member) = self.stack.pop() {
                        self.on_stack.remove(member);
                        component.push(member.clone());
                        if member == node {
                            break;
                        }
                    }
                    component.sort();
                    self.components.push(component);
                }
            }
        }
        let mut tarjan = Tarjan {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            components: Vec::new(),
        };
        for node in self.edges.keys() {
            if !tarjan.index.contains_key(node) {
                tarjan.visit(node);
            }
        }
        tarjan.components.sort();
        tarjan.components
    }

    /// The shortest cycle through `component[0]` inside `component`.
    fn shortest_cycle(&self, component: &[ModulePath]) -> Vec<ModulePath> {
        let start = &component[0];
        let inside: BTreeSet<&ModulePath> = component.iter().collect();
        let mut came_from: BTreeMap<&ModulePath, &ModulePath> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for next in self.edges.get(node).into_iter().flatten() {
                if !inside.contains(next) {
                    continue;
                }
                if next == start {
                    let mut cycle = vec![start.clone(), node.clone()];
                    let mut at = node;
                    while let Some(previous) = came_from.get(at) {
                        cycle.push((*previous).clone());
                        at = previous;
                    }
                    cycle.reverse();
                    return cycle;
                }
                if !came_from.contains_key(next) && next != start {
                    came_from.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        unreachable!("a strongly connected component has a cycle through each member")
    }
}

impl fmt::Display for ModuleGraph {
    /// One line per module: `routes::uploads -> error, state, uploads`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (from, tos) in &self.edges {
            let tos: Vec<String> = tos.iter().map(|to| display(to)).collect();
            if tos.is_empty() {
                writeln!(f, "{}", display(from))?;
            } else {
                writeln!(f, "{} -> {}", display(from), tos.join(", "))?;
            }
        }
        Ok(())
    }
}

/// A path named in a file, with the (possibly inline) module it is named in.
#[derive(Debug, Clone)]
struct Reference {
    context: ModulePath,
    segments: Vec<String>,
}

impl Reference {
    /// The deepest file module the path reaches; `None` for paths that leave
    /// the crate (`std::…`, `axum::…`) or name a local item.
    fn resolve(&self, known: &BTreeSet<ModulePath>) -> Option<ModulePath> {
        let first = self.segments.first()?.as_str();
        let (mut full, rest) = match first {
            "crate" | "$crate" => (Vec::new(), &self.segments[1..]),
            "self" => (self.context.clone(), &self.segments[1..]),
            "super" => {
                let ups = self.segments.iter().take_while(|s| *s == "super").count();
                let keep = self.context.len().checked_sub(ups)?;
                (self.context[..keep].to_vec(), &self.segments[ups..])
            }
            child => {
                let mut candidate = self.context.clone();
                candidate.push(child.to_owned());
                if !known.contains(&candidate) {
                    return None;
                }
                (self.context.clone(), &self.segments[..])
            }
        };
        full.extend(
            rest.iter()
                .filter(|s| !matches!(s.as_str(), "self" | "*"))
                .cloned(),
        );
        // The root is always known; an inline module's path leads to the
        // module of its file.
        (0..=full.len())
            .rev()
            .map(|len| full[..len].to_vec())
            .find(|prefix| known.contains(prefix))
    }
}

/// What one file declares and names.
struct Scan {
    /// `mod x;` declarations (full module paths).
    children: Vec<ModulePath>,
    references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// `source` with comments, strings and character literals blanked (lines
/// kept), so that only code is left.
fn strip(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"…", r#"…"#, br#"…"#: no escapes, ends at `"` and the hashes.
            let open = chars[i..].iter().position(|&c| c == '"').unwrap_or(0) + 1;
            let mut j = i + open;
            while j < chars.len() {
                if chars[j] == '"'
                    && chars[j + 1..].iter().take(hashes).all(|&c| c == '#')
                    && chars.len() >= j + 1 + hashes
                {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(chars[i..j.min(chars.len())].iter().map(|&c| blank(c)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else if (c.is_alphanumeric() || c == '_') && !(c == 'r' || c == 'b') {
            // A whole word, so `r` or `b` inside one never starts a string.
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                out.push(chars[i]);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#` when a raw string (`r"`, `r#"`, `br"`) starts at `i`
/// (and not inside a word).
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    (chars.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// Whether the `'` at `i` opens a character literal (`'a'`, `'\n'`) rather
/// than a lifetime or a label (`'a`, `'static`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || (c == '$' && chars.get(i + 1) == Some(&'c')) {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(Token::PathSep);
            i += 2;
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// The `mod x;` declarations and the paths a file's code names.
fn scan(tokens: &[Token], file_module: &ModulePath) -> Scan {
    let mut scan = Scan {
        children: Vec::new(),
        references: Vec::new(),
    };
    let ident = |i: usize| match tokens.get(i) {
        Some(Token::Ident(name)) => Some(name.as_str()),
        _ => None,
    };
    // Inline modules open, with the brace depth inside each.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let mut context = file_module.clone();
        context.extend(inline.iter().map(|(name, _)| name.clone()));
        match &tokens[i] {
            Token::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Token::Punct('}') => {
                if inline.last().is_some_and(|(_, inside)| *inside == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Token::Ident(word) if word == "mod" && ident(i + 1).is_some() => {
                let name = ident(i + 1).unwrap_or_default().to_owned();
                match tokens.get(i + 2) {
                    Some(Token::Punct(';')) => {
                        let mut child = context.clone();
                        child.push(name);
                        scan.children.push(child);
                        i += 3;
                    }
                    Some(Token::Punct('{')) => {
                        depth += 1;
                        inline.push((name, depth));
                        i += 3;
                    }
                    _ => i += 1,
                }
            }
            Token::Ident(word) if word == "use" => {
                i += 1;
                let mut paths = Vec::new();
                use_tree(tokens, &mut i, Vec::new(), &mut paths);
                for segments in paths {
                    scan.references.push(Reference {
                        context: context.clone(),
                        segments,
                    });
                }
            }
            Token::Ident(first)
                if tokens.get(i + 1) == Some(&Token::PathSep)
                    && (i == 0 || tokens[i - 1] != Token::PathSep) =>
            {
                let mut segments = vec![first.clone()];
                i += 1;
                while tokens.get(i) == Some(&Token::PathSep) {
                    match ident(i + 1) {
                        Some(name) => {
                            segments.push(name.to_owned());
                            i += 2;
                        }
                        None => break,
                    }
                }
                scan.references.push(Reference { context, segments });
            }
            _ => i += 1,
        }
    }
    scan
}

/// Reads a use tree (`a::b::{c, d::e as f, *}`) at `*i`, leaving `*i`
/// after it; pushes each full path (an alias dropped, `self` kept).
fn use_tree(tokens: &[Token], i: &mut usize, prefix: Vec<String>, paths: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    if tokens.get(*i) == Some(&Token::PathSep) {
        *i += 1;
    }
    loop {
        match tokens.get(*i) {
            Some(Token::Ident(name)) => {
                path.push(name.clone());
                *i += 1;
                if tokens.get(*i) == Some(&Token::PathSep) {
                    *i += 1;
                    continue;
                }
                if tokens.get(*i) == Some(&Token::Ident("as".to_owned())) {
                    *i += 2;
                }
                paths.push(path);
                return;
            }
            Some(Token::Punct('*')) => {
                *i += 1;
                paths.push(path);
                return;
            }
            Some(Token::Punct('{')) => {
                *i += 1;
                while let Some(token) = tokens.get(*i) {
                    match token {
                        Token::Punct('}') => {
                            *i += 1;
                            break;
                        }
                        Token::Punct(',') => *i += 1,
                        _ => {
                            let before = *i;
                            use_tree(tokens, i, path.clone(), paths);
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
                return;
            }
            _ => {
                if !path.is_empty() {
                    paths.push(path);
                }
                return;
            }
        }
    }
}
