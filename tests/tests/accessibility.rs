//! Accessibility in real Chromium on the 360×740 phone: axe-core on every page of the app, each
//! seen by the person who can open it and filled with real data (0 serious or critical
//! violations); the report page at 200 % zoom (180 CSS px wide) without sideways scrolling and with
//! every control reachable; its controls at least 44×44 px, and a visible focus indicator on
//! every stop of the keyboard's Tab order.
//!
//! axe-core comes from `tests/web/node_modules` (`scripts/setup-web`). Rerun with
//! `cargo nextest run --cargo-profile testing accessibility::`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use app::domain::time::LocalTime;
use chromiumoxide::cdp::browser_protocol::{
    dom::SetFileInputFilesParams,
    emulation::SetDeviceMetricsOverrideParams,
    input::{DispatchKeyEventParams, DispatchKeyEventType},
};
use safesnap_tests::{
    browser::{on_phone, PhonePage},
    people::Filed,
    photos, spawn_app, web, TestApp,
};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const HOUR: i64 = 3600 * 1000;

/// Signs in through the account page's form, as a person would.
/// Opens each page, checks it answered with the expected status (the viewer really sees the page,
/// not a refusal), runs axe-core on it, and fails listing every serious or critical violation of
/// every page.
async fn audit(page: &PhonePage, base: &str, who: &str, pages: &[(String, u16)]) {
    let mut failures = String::new();
    for (path, status) in pages {
        page.goto(&format!("{base}{path}")).await;
        page.wait_for(
            "the page to load",
            "document.readyState === 'complete'",
            WAIT,
        )
        .await;
        // The report form's island hydrates before it is judged: its controls appear then.
        page.wait_for(
            "the islands",
            "!document.querySelector('.report-form') || document.querySelector('.report-form').hasAttribute('data-ready')",
            WAIT,
        )
        .await;
        let answered = page
            .eval("performance.getEntriesByType('navigation')[0].responseStatus")
            .await;
        assert_eq!(
            answered,
            Value::from(*status),
            "{who} {path}: status (main reads: {})",
            page.main_text().await
        );
        let found = web::axe(page).await;
        let serious: Vec<_> = found.iter().filter(|v| v.is_serious()).collect();
        let minor = found.len() - serious.len();
        println!(
            "axe {who} {path}: {} serious or critical, {minor} minor or moderate",
            serious.len()
        );
        for v in &found {
            if !v.is_serious() {
                print!("{v}");
            }
        }
        if !serious.is_empty() {
            failures.push_str(&format!("{who} {path}:\n"));
            for v in serious {
                failures.push_str(&v.to_string());
            }
        }
        page.assert_clean().await;
    }
    assert!(
        failures.is_empty(),
        "axe-core found serious or critical violations:\n{failures}"
    );
}

/// `2026-07-01T10:00` in Asia/Shanghai (for datetime-local fields).
fn local_minutes(ms: i64) -> String {
    let t = LocalTime::shanghai(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

/// Real data for every page: a named report about the officer's enterprise graded with a notice
/// sent and a message each way, and a heat alert for 金水区 valid now. Returns the report and the
/// alert's id.
async fn fill(app: &TestApp) -> (Filed, String) {
    let people = app.people().await;
    let report = app.file(people.officer_enterprise, true).await;
    let inspector = app.signed_in("inspector").await;
    app.grade_and_notice(&inspector, &report).await;
    let res = app
        .visitor()
        .post(
            &format!("/r/{}/messages", report.code.replace('-', "")),
            &[("body", "班组长让我们明天照常上去干活")],
        )
        .await;
    assert_eq!(res.status(), 303, "the reporter's message was refused");
    inspector
        .act(
            &format!("/union/reports/{}/messages", report.id),
            &[("body", "收到，我们今天下午去现场")],
        )
        .await;
    let admin = app.signed_in("admin").await;
    let now = app.now();
    let res = admin
        .post(
            "/alerts",
            &[
                ("event", "heat"),
                ("level", "orange"),
                ("temperature", "38.5"),
                ("district", "410105"),
                ("valid_from", &local_minutes(now - HOUR)),
                ("valid_to", &local_minutes(now + 10 * HOUR)),
                ("instruction", "12时至15时停止户外作业"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "the alert was not issued");
    let alert = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/alerts/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    (report, alert)
}

fn pages(list: &[(&str, u16)]) -> Vec<(String, u16)> {
    list.iter().map(|(p, s)| (p.to_string(), *s)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_a_worker_opens_has_no_serious_axe_violations() {
    let app = spawn_app().await;
    let (report, _) = fill(&app).await;
    let mut signed_out = pages(&[
        ("/", 200),
        ("/?category=heat&district=410105", 200),
        ("/my", 200),
        ("/heat", 200),
        ("/heat?district=410105", 200),
        ("/me", 200),
        ("/register", 200),
        ("/reset", 200),
        ("/r", 200),
        ("/offline", 200),
        ("/no-such-page", 404),
    ]);
    signed_out.push((format!("{}?new=1", report.receipt_path()), 200));
    let base = app.base.clone();
    on_phone("axe_worker_pages", |page| async move {
        audit(&page, &base, "signed out", &signed_out).await;
        page.sign_in(&base, "13800138000").await;
        audit(
            &page,
            &base,
            "worker",
            &pages(&[("/me", 200), ("/inbox", 200)]),
        )
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_desk_page_has_no_serious_axe_violations() {
    let app = spawn_app().await;
    let (report, alert) = fill(&app).await;
    let people = app.people().await;
    let base = app.base.clone();
    let inspector = pages(&[
        ("/union", 200),
        (&format!("/union/reports/{}", report.id), 200),
        ("/inbox", 200),
        ("/me", 200),
    ]);
    let officer = pages(&[
        ("/enterprise", 200),
        (&format!("/enterprise/reports/{}", report.id), 200),
        ("/alerts", 200),
        (&format!("/alerts/{alert}"), 200),
        ("/inbox", 200),
    ]);
    let admin = pages(&[
        ("/union?view=area", 200),
        ("/admin/users", 200),
        (&format!("/admin/users/{}", people.id("inspector")), 200),
        ("/admin/enterprises", 200),
        (
            &format!("/admin/enterprises/{}", people.officer_enterprise),
            200,
        ),
        ("/admin/audit", 200),
        ("/alerts", 200),
        (&format!("/alerts/{alert}"), 200),
    ]);
    on_phone("axe_desk_pages", |page| async move {
        page.sign_in(&base, "inspector").await;
        audit(&page, &base, "inspector", &inspector).await;
        let chromium = page.page.clone();
        // Each person on a clean phone: the cookies of the last one are cleared.
        chromium
            .execute(
                chromiumoxide::cdp::browser_protocol::network::ClearBrowserCookiesParams::default(),
            )
            .await
            .unwrap();
        page.sign_in(&base, "officer").await;
        audit(&page, &base, "officer", &officer).await;
        chromium
            .execute(
                chromiumoxide::cdp::browser_protocol::network::ClearBrowserCookiesParams::default(),
            )
            .await
            .unwrap();
        page.sign_in(&base, "admin").await;
        audit(&page, &base, "admin", &admin).await;
    })
    .await;
}

/// Every control of the report form that can be operated (hidden fields aside), with the box a
/// finger hits: a radio button, checkbox or file input is operated through its label.
const TARGETS: &str = r#"(() => {
    const seen = new Set();
    const out = [];
    const describe = e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')
        + (e.getAttribute('name') ? `[name=${e.getAttribute('name')}]` : '')
        + ' "' + ((e.labels && e.labels[0] && e.labels[0].innerText) || e.innerText || e.getAttribute('aria-label') || e.value || '').trim().slice(0, 20) + '"';
    for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
        const host = (el.matches('input[type=radio], input[type=checkbox], input[type=file]') && el.closest('label')) || el;
        if (seen.has(host)) continue;
        seen.add(host);
        const r = host.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue; // not rendered (display: none)
        if (getComputedStyle(host).visibility === 'hidden') continue;
        out.push({ what: describe(host), width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10,
                   left: r.left, right: r.right });
    }
    return out;
})()"#;

async fn attach(page: &PhonePage, selector: &str, file: &std::path::Path) {
    let input = page.page.find_element(selector).await.unwrap();
    page.page
        .execute(
            SetFileInputFilesParams::builder()
                .files(vec![file.display().to_string()])
                .backend_node_id(input.backend_node_id)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
}

/// The report page with everything it can show: a photo (and its remove button), the address
/// fields, the name fields, the emergency numbers of both places, a category's questions.
async fn open_everything(page: &PhonePage, base: &str, photo: &std::path::Path) {
    page.goto(&format!("{base}/")).await;
    page.wait_for(
        "the form island",
        "document.querySelector('.report-form').hasAttribute('data-ready')",
        WAIT,
    )
    .await;
    attach(page, "input[type=file][multiple]", photo).await;
    page.wait_for(
        "the photo preview",
        "document.querySelectorAll('.photo-list img').length === 1",
        WAIT,
    )
    .await;
    page.eval(
        "(() => { for (const s of ['input[name=category][value=fall]', 'input[name=no_enterprise]', \
         'input[name=severity][value=life_threatening]', 'input[name=identity][value=named]']) \
         document.querySelector(s).click(); document.querySelector('details.emergency').open = true; return true; })()",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_page_has_44px_touch_targets_and_a_visible_focus_on_every_tab_stop() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("hazard.jpg");
    std::fs::write(&photo, photos::camera_jpeg(1200, 900, 1)).unwrap();
    let base = app.base.clone();
    on_phone("report_targets_and_focus", |page| async move {
        open_everything(&page, &base, &photo).await;
        let targets = page.eval(TARGETS).await;
        let targets = targets.as_array().unwrap();
        assert!(
            targets.len() > 30,
            "only {} controls found: {targets:?}",
            targets.len()
        );
        let small: Vec<_> = targets
            .iter()
            .filter(|t| t["width"].as_f64().unwrap() < 44.0 || t["height"].as_f64().unwrap() < 44.0)
            .map(|t| format!("{} is {}×{} px", t["what"], t["width"], t["height"]))
            .collect();
        assert!(
            small.is_empty(),
            "touch targets under 44×44 CSS px:\n{}",
            small.join("\n")
        );

        // The keyboard: Tab from the top of the page through every stop. Each focused control
        // (or, for a radio button, checkbox or file input drawn as its label, that label) shows
        // an outline of at least 2 px or a ring, and is not hidden under the header or the
        // bottom navigation.
        page.eval(
            "document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true",
        )
        .await;
        let mut stops = Vec::new();
        let mut keys = std::collections::HashSet::new();
        let mut missing = Vec::new();
        for _ in 0..80 {
            for kind in [
                DispatchKeyEventType::RawKeyDown,
                DispatchKeyEventType::KeyUp,
            ] {
                page.page
                    .execute(
                        DispatchKeyEventParams::builder()
                            .r#type(kind)
                            .key("Tab")
                            .code("Tab")
                            .windows_virtual_key_code(9)
                            .native_virtual_key_code(9)
                            .build()
                            .unwrap(),
                    )
                    .await
                    .unwrap();
            }
            tokio::time::sleep(Duration::from_millis(60)).await;
            let stop = page.eval(FOCUS).await;
            if stop.is_null() {
                break; // past the last control
            }
            let what = stop["what"].as_str().unwrap().to_string();
            if !keys.insert(stop["key"].as_i64().unwrap()) {
                break; // round again
            }
            if stop["ring"] != Value::Bool(true) {
                missing.push(format!(
                    "{what}: no visible focus indicator ({})",
                    stop["style"]
                ));
            }
            if stop["covered"] != Value::Null {
                missing.push(format!(
                    "{what}: focused but covered by {}",
                    stop["covered"]
                ));
            }
            stops.push(what);
        }
        println!("Tab order of the report page:\n  {}", stops.join("\n  "));
        for expected in [
            "summary.emergency-toggle",
            "input[name=photo]",
            "input[name=category]",
            "input[name=enterprise]",
            "input[name=no_enterprise]",
            "select[name=district]",
            "button.button.secondary",
            "input[name=severity]",
            "textarea[name=description]",
            "input[name=identity]",
            "input[name=phone]",
            "button.button.primary.submit",
            "button.remove",
        ] {
            assert!(
                stops.iter().any(|s| s.starts_with(expected)),
                "the keyboard never reaches {expected}; stops: {stops:#?}"
            );
        }
        assert!(
            missing.is_empty(),
            "focus not visible:\n{}",
            missing.join("\n")
        );
    })
    .await;
}

/// The focused element: a description, whether it (or the label drawn for it) shows a focus
/// indicator, and what covers its centre if something else does.
const FOCUS: &str = r#"(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const describe = e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')
        + (e.getAttribute('name') ? `[name=${e.getAttribute('name')}]` : '')
        + ' "' + ((e.labels && e.labels[0] && e.labels[0].innerText) || e.innerText || e.getAttribute('aria-label') || e.value || '').trim().slice(0, 20) + '"';
    const drawn = el.matches('input[type=radio], input[type=checkbox], input[type=file]') && el.closest('label');
    const invisible = getComputedStyle(el).opacity === '0' || el.getBoundingClientRect().width < 4;
    const ring = e => {
        const s = getComputedStyle(e);
        return (s.outlineStyle !== 'none' && s.outlineStyle !== 'auto' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
    };
    const host = invisible && drawn ? drawn : el;
    const shown = ring(host) || (!invisible && drawn && ring(drawn));
    const r = host.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + r.width / 2, 1), innerWidth - 1), y = r.top + Math.min(r.height / 2, 20);
    const hit = document.elementFromPoint(x, y);
    const covered = hit && !host.contains(hit) && !hit.contains(host) ? describe(hit) : null;
    const s = getComputedStyle(host);
    const key = Array.prototype.indexOf.call(document.querySelectorAll('*'), el);
    return { key, what: describe(el), ring: shown, covered, style: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} / ${s.boxShadow}` };
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_page_reflows_at_200_percent_zoom() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("hazard.jpg");
    std::fs::write(&photo, photos::camera_jpeg(1200, 900, 1)).unwrap();
    let base = app.base.clone();
    on_phone("report_at_200_percent", |page| async move {
        // 200 % zoom on the 360 px phone: a layout viewport of 180×370 CSS px.
        page.page
            .execute(
                SetDeviceMetricsOverrideParams::builder()
                    .width(180)
                    .height(370)
                    .device_scale_factor(4.0)
                    .mobile(true)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        open_everything(&page, &base, &photo).await;
        assert_eq!(page.eval("window.innerWidth").await, 180);
        let wide = page
            .eval("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
            .await;
        assert!(
            wide[0].as_f64() <= wide[2].as_f64() && wide[1].as_f64() <= wide[2].as_f64(),
            "the page scrolls sideways at 200 % zoom: scrollWidth {wide}"
        );
        // Every control lies within the screen's width…
        let targets = page.eval(TARGETS).await;
        let outside: Vec<_> = targets
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["left"].as_f64().unwrap() < -0.5 || t["right"].as_f64().unwrap() > 180.5)
            .map(|t| format!("{} spans {}..{}", t["what"], t["left"], t["right"]))
            .collect();
        assert!(outside.is_empty(), "controls outside the 180 px screen:\n{}", outside.join("\n"));
        // …and can be scrolled to where a finger reaches it, not under the header or navigation.
        let hidden = page.eval(REACHABLE).await;
        assert_eq!(hidden, Value::Array(vec![]), "controls that cannot be brought into view at 200 % zoom");
        // The submit button still sends: tapping it with nothing chosen names the first problem.
        page.eval("document.querySelector('input[name=category]:checked').checked = false, true").await;
        page.eval("document.querySelector('button.submit').scrollIntoView({ block: 'center' }), true").await;
        page.eval("document.querySelector('button.submit').click(), true").await;
        page.wait_for(
            "the form's message",
            "document.querySelector('.form-message').hidden === false && document.querySelector('.form-message').textContent.length > 0",
            WAIT,
        )
        .await;
    })
    .await;
}

/// Controls whose centre, once scrolled to the middle of the screen, is covered by something
/// else (the sticky header or the fixed navigation) or lies outside the screen.
const REACHABLE: &str = r#"(() => {
    const bad = [];
    for (const el of document.querySelectorAll('main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary, header a, nav a')) {
        const host = (el.matches('input[type=radio], input[type=checkbox], input[type=file]') && el.closest('label')) || el;
        if (host.getBoundingClientRect().width === 0) continue;
        host.scrollIntoView({ block: 'center', inline: 'center' });
        const r = host.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 20);
        const hit = document.elementFromPoint(x, y);
        if (x < 0 || x > innerWidth || y < 0 || y > innerHeight || !hit || !(host.contains(hit) || hit.contains(host))) {
            bad.push(`${host.tagName.toLowerCase()}.${host.className} "${(host.innerText || host.getAttribute('name') || '').trim().slice(0, 20)}" at ${Math.round(x)},${Math.round(y)} under ${hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing'}`);
        }
    }
    return bad;
})()"#;
