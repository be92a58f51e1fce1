//! The report page as Chrome and Lighthouse judge it: installable (no installability errors, a
//! manifest without errors that names the app 安全随手拍 in zh-CN, standalone, with 192, 512 and
//! maskable icons that really load), and Lighthouse's mobile audit (default simulated throttling,
//! Debian's Chromium) scoring accessibility 100, best practices ≥ 95 and performance ≥ 90.
//!
//! Lighthouse comes from `tests/web/node_modules` (`scripts/setup-web`). Rerun with
//! `cargo nextest run --cargo-profile testing --no-capture -E 'test(/^lighthouse::/)'` (prints the scores).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use chromiumoxide::cdp::browser_protocol::page::{
    GetAppManifestParams, GetInstallabilityErrorsParams,
};
use safesnap_tests::{browser::on_phone, spawn_app, web};
use serde_json::Value;
use std::{path::PathBuf, time::Duration};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_installable_with_its_chinese_name_and_icons() {
    let app = spawn_app().await;
    let url = app.url("/");
    on_phone("installable", |page| async move {
        page.goto(&url).await;
        page.wait_for(
            "the page to load",
            "document.readyState === 'complete'",
            Duration::from_secs(20),
        )
        .await;
        let manifest = page.page.execute(GetAppManifestParams::default()).await.unwrap();
        let errors: Vec<String> = manifest
            .result
            .errors
            .iter()
            .map(|e| format!("{} (line {}, critical {})", e.message, e.line, e.critical))
            .collect();
        assert!(errors.is_empty(), "manifest errors: {errors:?}");
        assert!(
            manifest.result.url.ends_with("/manifest.webmanifest"),
            "the page links {}",
            manifest.result.url
        );
        let data: Value =
            serde_json::from_str(manifest.result.data.as_deref().expect("the manifest's text"))
                .expect("the manifest is JSON");
        assert_eq!(data["name"], "安全随手拍");
        assert_eq!(data["lang"], "zh-CN");
        assert_eq!(data["display"], "standalone");
        assert!(data["short_name"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(data["start_url"].as_str().is_some_and(|s| s.starts_with('/')));
        let icons = data["icons"].as_array().expect("icons");
        let has = |size: &str, purpose: &str| {
            icons.iter().any(|i| {
                i["sizes"] == size
                    && i["type"] == "image/png"
                    && i["purpose"].as_str().unwrap_or("any").split(' ').any(|p| p == purpose)
            })
        };
        assert!(has("192x192", "any"), "no 192 px icon: {icons:?}");
        assert!(has("512x512", "any"), "no 512 px icon: {icons:?}");
        assert!(has("512x512", "maskable"), "no maskable icon: {icons:?}");
        // Each PNG icon loads and is as big as it claims.
        for icon in icons.iter().filter(|i| i["type"] == "image/png") {
            let src = icon["src"].as_str().unwrap();
            let size = web::evaluate(
                &page,
                &format!(
                    "new Promise((ok, no) => {{ const i = new Image(); i.onload = () => ok(i.naturalWidth + 'x' + i.naturalHeight); i.onerror = () => no(new Error('cannot load {src}')); i.src = {src:?}; }})"
                ),
            )
            .await;
            assert_eq!(size, icon["sizes"], "{src}");
        }

        let installability = page
            .page
            .execute(GetInstallabilityErrorsParams::default())
            .await
            .unwrap();
        let problems: Vec<String> = installability
            .result
            .installability_errors
            .iter()
            .map(|e| {
                let args: Vec<String> = e
                    .error_arguments
                    .iter()
                    .map(|a| format!("{}={}", a.name, a.value))
                    .collect();
                format!("{} {}", e.error_id, args.join(" "))
            })
            .collect();
        assert!(problems.is_empty(), "Chrome would not install the app: {problems:?}");
    })
    .await;
}

/// A Lighthouse category's score (0–100) and its audits that lost points.
fn category(report: &Value, id: &str) -> (f64, Vec<String>) {
    let cat = &report["categories"][id];
    let score = cat["score"].as_f64().unwrap_or(0.0) * 100.0;
    let mut lost = Vec::new();
    for r in cat["auditRefs"].as_array().into_iter().flatten() {
        let audit = &report["audits"][r["id"].as_str().unwrap_or_default()];
        let s = audit["score"].as_f64();
        if r["weight"].as_f64().unwrap_or(0.0) > 0.0 && s.is_some_and(|s| s < 1.0) {
            let mut line = format!(
                "{} ({}): score {:.2}",
                r["id"].as_str().unwrap_or_default(),
                audit["title"].as_str().unwrap_or_default(),
                s.unwrap_or_default()
            );
            if let Some(v) = audit["displayValue"].as_str() {
                line.push_str(&format!(", {v}"));
            }
            for item in audit["details"]["items"]
                .as_array()
                .into_iter()
                .flatten()
                .take(5)
            {
                let what = item["node"]["selector"]
                    .as_str()
                    .or(item["url"].as_str())
                    .or(item["description"].as_str())
                    .or(item["source"]["url"].as_str())
                    .unwrap_or_default();
                if !what.is_empty() {
                    line.push_str(&format!("\n      {what}"));
                }
            }
            lost.push(line);
        }
    }
    (score, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lighthouse_scores_the_report_page_on_a_phone() {
    let cli = web::lighthouse_cli();
    let app = spawn_app().await;
    let out = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let report_path: PathBuf = out.path().join("report.json");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let flags = format!(
        "--headless=new --no-sandbox --disable-gpu --disable-background-networking \
         --disable-component-update --disable-sync --no-first-run --user-data-dir={}",
        profile.path().display()
    );
    let run = tokio::process::Command::new("node")
        .arg(&cli)
        .arg(app.url("/"))
        .args([
            "--form-factor=mobile",
            "--throttling-method=simulate",
            "--only-categories=performance,accessibility,best-practices",
            "--output=json",
            "--quiet",
        ])
        .arg(format!("--output-path={}", report_path.display()))
        .arg(format!("--chrome-flags={flags}"))
        .env("CHROME_PATH", &chromium)
        .kill_on_drop(true)
        .output();
    let run = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("Lighthouse did not finish within 5 minutes")
        .unwrap_or_else(|e| {
            panic!(
                "cannot run node {}: {e} (is Node installed?)",
                cli.display()
            )
        });
    assert!(
        run.status.success(),
        "Lighthouse failed ({}):\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("Lighthouse's report"))
            .expect("Lighthouse's JSON");
    assert_eq!(
        report["runtimeError"],
        Value::Null,
        "Lighthouse could not audit the page"
    );
    for w in report["runWarnings"].as_array().into_iter().flatten() {
        println!("Lighthouse warning: {w}");
    }
    println!(
        "Lighthouse {} on Chromium {}, {}",
        report["lighthouseVersion"].as_str().unwrap_or_default(),
        report["environment"]["hostUserAgent"]
            .as_str()
            .unwrap_or_default(),
        report["configSettings"]["formFactor"]
            .as_str()
            .unwrap_or_default()
    );
    for m in [
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
        "speed-index",
    ] {
        println!(
            "  {m}: {}",
            report["audits"][m]["displayValue"].as_str().unwrap_or("?")
        );
    }
    let mut failures = Vec::new();
    for (id, min) in [
        ("accessibility", 100.0),
        ("best-practices", 95.0),
        ("performance", 90.0),
    ] {
        let (score, lost) = category(&report, id);
        println!("{id}: {score:.0} (needs ≥ {min:.0})");
        for l in &lost {
            println!("    {l}");
        }
        if score < min {
            failures.push(format!(
                "{id} {score:.0} < {min:.0}:\n    {}",
                lost.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "Lighthouse on /:\n{}",
        failures.join("\n")
    );
}
