//! The Node tools the browser tests use, installed by `scripts/setup-web` into
//! `tests/web/node_modules` exactly as `tests/web/package-lock.json` pins them: axe-core
//! (injected into a page to find accessibility violations) and Lighthouse (run on a page with
//! Debian's Chromium).

use crate::browser::PhonePage;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use serde_json::Value;
use std::{fmt, path::PathBuf};

/// `tests/web/node_modules`, or a failure saying how to install it.
pub fn node_modules() -> PathBuf {
    let dir = crate::workspace_root()
        .join("tests")
        .join("web")
        .join("node_modules");
    assert!(
        dir.join("axe-core").is_dir() && dir.join("lighthouse").is_dir(),
        "{} is missing axe-core or lighthouse: run scripts/setup-web (npm ci --prefix tests/web)",
        dir.display()
    );
    dir
}

/// Lighthouse's command-line entry point (run with `node`).
pub fn lighthouse_cli() -> PathBuf {
    node_modules()
        .join("lighthouse")
        .join("cli")
        .join("index.js")
}

/// One rule axe-core found broken, with every element that breaks it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    pub help_url: String,
    /// CSS selector of each offending element, with axe's summary of how to fix it.
    pub nodes: Vec<(String, String)>,
}

impl Violation {
    /// Serious or critical: what blocks or seriously hinders someone.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  [{}] {}: {} ({})",
            self.impact, self.id, self.help, self.help_url
        )?;
        for (target, summary) in &self.nodes {
            writeln!(f, "      at {target}")?;
            for line in summary.lines() {
                writeln!(f, "         {line}")?;
            }
        }
        Ok(())
    }
}

/// Evaluates `js` in the page, awaiting a promise, and returns its value; a thrown exception
/// fails the test with its text.
pub async fn evaluate(page: &PhonePage, js: &str) -> Value {
    let params = EvaluateParams::builder()
        .expression(js)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .expect("evaluate params");
    let answer = page
        .page
        .execute(params)
        .await
        .unwrap_or_else(|e| panic!("evaluate: {e}"));
    if let Some(ex) = &answer.result.exception_details {
        let text = ex
            .exception
            .as_ref()
            .and_then(|e| e.description.clone())
            .unwrap_or_else(|| ex.text.clone());
        panic!("the page threw: {text}");
    }
    answer.result.result.value.clone().unwrap_or(Value::Null)
}

/// Runs axe-core on the page as it is now: every rule enabled by default, plus `target-size`
/// (WCAG 2.2 AA 2.5.8, touch targets of at least 24×24 px). Returns every violation.
pub async fn axe(page: &PhonePage) -> Vec<Violation> {
    let script = node_modules().join("axe-core").join("axe.min.js");
    let source =
        std::fs::read_to_string(&script).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    if evaluate(page, "typeof window.axe === 'object'").await != Value::Bool(true) {
        evaluate(page, &source).await;
    }
    let found = evaluate(
        page,
        r#"axe.run(document, {
            resultTypes: ['violations'],
            rules: { 'target-size': { enabled: true } },
        }).then(r => r.violations.map(v => ({
            id: v.id,
            impact: v.impact || '',
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary || '']),
        })))"#,
    )
    .await;
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    found
        .as_array()
        .unwrap_or_else(|| panic!("axe answered {found}"))
        .iter()
        .map(|v| Violation {
            id: text(v, "id"),
            impact: text(v, "impact"),
            help: text(v, "help"),
            help_url: text(v, "helpUrl"),
            nodes: v["nodes"]
                .as_array()
                .map(|nodes| {
                    nodes
                        .iter()
                        .map(|n| (text_at(n, 0), text_at(n, 1)))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

fn text_at(v: &Value, i: usize) -> String {
    v[i].as_str().unwrap_or_default().to_string()
}
