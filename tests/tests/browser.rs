//! In real Chromium on a 360×740 phone viewport, against the release WASM that `scripts/run`
//! serves (built with the pinned wasm-opt, so a broken optimiser cannot pass unseen).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use chromiumoxide::cdp::browser_protocol::{
    browser::{PermissionDescriptor, PermissionSetting, SetPermissionParams},
    emulation::{SetGeolocationOverrideParams, SetScriptExecutionDisabledParams},
};
use safesnap_tests::{browser::on_phone, spawn_app};
use std::time::Duration;

/// The release WASM is small; a debug build (or a missing optimisation step) is megabytes.
const RELEASE_WASM_MAX_BYTES: u64 = 600 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_form_island_hydrates_and_adds_the_location_when_tapped() {
    let app = spawn_app().await;
    let wasm = app.config.site_root.join("pkg/safesnap.wasm");
    let size = std::fs::metadata(&wasm)
        .unwrap_or_else(|_| {
            panic!(
                "{} missing: run scripts/test (it builds the release front end)",
                wasm.display()
            )
        })
        .len();
    assert!(
        size < RELEASE_WASM_MAX_BYTES,
        "served WASM is {size} bytes: not the optimised release build"
    );

    let url = app.url("/");
    on_phone("report_island_hydrates", |page| async move {
        // The phone grants the page its position: Zhengzhou, 20 m accuracy.
        page.page
            .execute(SetPermissionParams::new(
                PermissionDescriptor::new("geolocation"),
                PermissionSetting::Granted,
            ))
            .await
            .unwrap();
        page.page
            .execute(
                SetGeolocationOverrideParams::builder()
                    .latitude(34.7466)
                    .longitude(113.6253)
                    .accuracy(20.0)
                    .build(),
            )
            .await
            .unwrap();
        page.goto(&url).await;
        page.wait_for(
            "the island to hydrate",
            "document.querySelector('.report-form').hasAttribute('data-ready')",
            Duration::from_secs(20),
        )
        .await;
        assert_ne!(
            page.eval("getComputedStyle(document.querySelector('[data-action=locate]')).display")
                .await,
            "none"
        );
        page.tap("[data-action=locate]").await;
        page.wait_for(
            "the location",
            "document.querySelector('.locate-status').textContent.includes('已添加位置')",
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(
            page.eval("document.querySelector('.locate-status').textContent")
                .await,
            "已添加位置（误差约 20 米）"
        );
        assert_eq!(
            page.eval("document.querySelector('input[name=lat]').value")
                .await,
            "34.7466"
        );
        assert_eq!(
            page.eval("document.querySelector('input[name=lon]').value")
                .await,
            "113.6253"
        );
        assert!(
            page.exceptions().is_empty(),
            "uncaught exceptions: {:?}",
            page.exceptions()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emergency_numbers_open_with_a_tap_even_without_javascript() {
    let app = spawn_app().await;
    let url = app.url("/");
    on_phone("emergency_numbers", |page| async move {
        page.page
            .execute(SetScriptExecutionDisabledParams::new(true))
            .await
            .unwrap();
        page.goto(&url).await;
        assert!(!page
            .outer_html("details.emergency")
            .await
            .unwrap()
            .contains(" open"));
        page.tap("summary.emergency-toggle").await;
        let html = page.outer_html("details.emergency").await.unwrap();
        assert!(html.contains("open"), "{html}");
        for number in ["tel:119", "tel:120", "tel:12350"] {
            assert!(html.contains(number), "{number} missing");
        }
        // The links are big enough to tap.
        let call = page.page.find_element("a[href='tel:119']").await.unwrap();
        let point = call.bounding_box().await.unwrap();
        assert!(
            point.height >= 44.0,
            "call link only {}px high",
            point.height
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_fits_a_360px_screen_with_the_navigation_at_the_bottom() {
    let app = spawn_app().await;
    let url = app.url("/my");
    on_phone("shell_fits_phone", |page| async move {
        page.goto(&url).await;
        page.wait_for("the stylesheet", "getComputedStyle(document.querySelector('.bottom-nav')).position === 'fixed'", Duration::from_secs(10)).await;
        // Nothing wider than the screen (no sideways scrolling).
        assert_eq!(page.eval("document.documentElement.scrollWidth <= window.innerWidth").await, true);
        assert_eq!(page.eval("window.innerWidth").await, 360);
        // The navigation sits at the bottom edge, all four tabs visible and tappable.
        let bottom = page.eval("Math.round(document.querySelector('.bottom-nav').getBoundingClientRect().bottom)").await;
        assert_eq!(bottom, 740);
        let tabs = page.eval("[...document.querySelectorAll('.bottom-nav a')].filter(a => { const r = a.getBoundingClientRect(); return r.width >= 44 && r.height >= 44 && r.bottom <= 740; }).length").await;
        assert_eq!(tabs, 4);
        assert_eq!(page.eval("document.querySelector('.bottom-nav a[aria-current=page]').textContent.trim()").await, "我的报告");
        // Body text is readable: at least 16px.
        let size = page.eval("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)").await;
        assert!(size.as_f64().unwrap() >= 16.0, "body text {size}px");
        // The content is not hidden behind the fixed navigation.
        let padding = page.eval("parseFloat(getComputedStyle(document.body).paddingBottom) >= document.querySelector('.bottom-nav').offsetHeight").await;
        assert_eq!(padding, true);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_desktop_the_navigation_moves_to_the_top_and_content_is_centred() {
    let app = spawn_app().await;
    let url = app.url("/");
    on_phone("shell_desktop", |page| async move {
        page.page
            .execute(chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams::new(1280, 800, 1.0, false))
            .await
            .unwrap();
        page.goto(&url).await;
        page.wait_for("the stylesheet", "document.styleSheets.length > 0 && getComputedStyle(document.querySelector('.bottom-nav')).position !== ''", Duration::from_secs(10)).await;
        let nav_top = page.eval("Math.round(document.querySelector('.bottom-nav').getBoundingClientRect().top)").await;
        assert!(nav_top.as_i64().unwrap() < 100, "nav at {nav_top}px on desktop");
        let main_width = page.eval("document.querySelector('main').getBoundingClientRect().width").await;
        assert!(main_width.as_f64().unwrap() <= 800.0, "text column {main_width}px wide on desktop");
        assert_eq!(page.eval("document.documentElement.scrollWidth <= window.innerWidth").await, true);
    })
    .await;
}
