//! axe-core, the accessibility engine of Deque, run inside the page over
//! WebDriver: [`Browser::axe`] injects it (the npm package, pinned to
//! [`AXE_CORE_VERSION`], which `cargo xtask setup` and `cargo xtask test`
//! install into `~/.cache/vidrop/npm`) and checks one element and its shadow
//! root against the WCAG 2 A and AA rules ([`WCAG_TAGS`]).

use crate::Browser;
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

/// The axe-core release the tests run; `xtask/src/tools.rs` installs the
/// same one.
pub const AXE_CORE_VERSION: &str = "4.14.1";

/// The rule sets checked: WCAG 2.0, 2.1 and 2.2, levels A and AA.
pub const WCAG_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Where axe-core's script is: `$VIDROP_AXE_CORE` (what `cargo xtask test`
/// sets), else `~/.cache/vidrop/npm/node_modules/axe-core/axe.min.js`, where
/// `cargo xtask setup` puts it.
pub fn axe_core_path() -> PathBuf {
    if let Some(path) = std::env::var_os("VIDROP_AXE_CORE") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").expect("a HOME to find ~/.cache/vidrop in");
    PathBuf::from(home).join(".cache/vidrop/npm/node_modules/axe-core/axe.min.js")
}

/// One rule an element broke.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// The rule (`color-contrast`, `label`, …).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule asks, in a sentence.
    pub help: String,
    pub help_url: String,
    pub nodes: Vec<ViolatingNode>,
}

/// An element that broke a rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViolatingNode {
    /// Its selector, through shadow roots (`["vidrop-uploader", "#vidrop-error"]`).
    pub target: serde_json::Value,
    pub html: String,
    /// What is wrong and how to fix it (contrast ratios, colours, …).
    pub failure_summary: Option<String>,
}

/// What a run found.
#[derive(Debug, Clone, Deserialize)]
pub struct AxeReport {
    pub violations: Vec<Violation>,
    /// The rules axe could not decide (text over a video, say), by id.
    pub incomplete: Vec<String>,
    /// How many rules passed somewhere in the element.
    pub passes: usize,
}

impl AxeReport {
    /// The violations as people read them: rule, impact, help and link,
    /// then each element with what is wrong.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        for violation in &self.violations {
            let _ = writeln!(
                text,
                "- {} ({}): {}\n  {}",
                violation.id,
                violation.impact.as_deref().unwrap_or("no impact given"),
                violation.help,
                violation.help_url
            );
            for node in &violation.nodes {
                let _ = writeln!(text, "  at {}: {}", node.target, node.html);
                for line in node.failure_summary.as_deref().unwrap_or("").lines() {
                    let _ = writeln!(text, "      {line}");
                }
            }
        }
        text
    }
}

impl Browser {
    /// Runs axe-core's WCAG 2 A/AA rules ([`WCAG_TAGS`]) on the first
    /// element matching `selector` (a CSS selector in the page) and its
    /// open shadow root, injecting axe-core into the page first if it is not
    /// there yet. Fails the test, saying how to install it, if axe-core is
    /// not installed.
    pub async fn axe(&self, selector: &str) -> AxeReport {
        let loaded = self.eval("typeof window.axe === 'object'").await;
        if loaded != json!(true) {
            let path = axe_core_path();
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "axe-core {AXE_CORE_VERSION} is not at {} ({e}): run `cargo xtask setup`, \
                     or set VIDROP_AXE_CORE to its axe.min.js",
                    path.display()
                )
            });
            self.execute(&format!("{source}\nreturn null;")).await;
            let version = self.eval("window.axe?.version ?? null").await;
            assert_eq!(
                version,
                json!(AXE_CORE_VERSION),
                "the axe-core at {} is another release",
                path.display()
            );
        }
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const context = document.querySelector({selector});
             if (!context) {{ done({{ error: 'nothing matches ' + {selector} }}); return; }}
             axe.run(context, {{
               runOnly: {{ type: 'tag', values: {tags} }},
               resultTypes: ['violations', 'incomplete'],
             }}).then((results) => done({{
               violations: results.violations.map((v) => ({{
                 id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                 nodes: v.nodes.map((n) => ({{
                   target: n.target, html: n.html, failureSummary: n.failureSummary,
                 }})),
               }})),
               incomplete: results.incomplete.map((v) => v.id),
               passes: results.passes.length,
             }}), (error) => done({{ error: String(error) }}));",
            selector = json!(selector),
            tags = json!(WCAG_TAGS),
        );
        let answer = self
            .client()
            .execute_async(&script, vec![])
            .await
            .expect("axe.run answers");
        if let Some(error) = answer.get("error") {
            panic!("axe.run failed on {selector}: {error}");
        }
        serde_json::from_value(answer).expect("axe's results")
    }
}
