//! The worker's whole path in real Chromium on a phone: photograph, choose, send, receipt,
//! "我的报告" after a reload — with the island, and again with JavaScript switched off.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use chromiumoxide::cdp::browser_protocol::{
    dom::SetFileInputFilesParams, emulation::SetScriptExecutionDisabledParams,
};
use safesnap_tests::{browser::on_phone, photos, spawn_app};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reports_a_hazard_and_finds_it_under_my_reports() {
    let app = spawn_app().await;
    let enterprise_id = app.enterprise("").await;
    let name: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT name FROM enterprises WHERE id = $1"
    )
    .bind(enterprise_id)
    .fetch_one(pool)
    .await)
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("IMG_20260714_102233.jpg");
    let original = photos::camera_jpeg(2400, 1800, 6);
    std::fs::write(&photo, &original).unwrap();
    let url = app.url("/");
    let search = name.chars().take(5).collect::<String>();

    on_phone("report_with_island", |page| {
        let photo = photo.clone();
        let name = name.clone();
        async move {
            page.goto(&url).await;
            page.wait_for("the form island", "document.querySelector('.report-form').hasAttribute('data-ready')", WAIT).await;

            // A photo from the gallery: previewed after the browser has shrunk it.
            let input = page.page.find_element("input[type=file][multiple]").await.unwrap();
            page.page
                .execute(SetFileInputFilesParams::builder().files(vec![photo.display().to_string()]).backend_node_id(input.backend_node_id).build().unwrap())
                .await
                .unwrap();
            page.wait_for("the photo preview", "document.querySelectorAll('.photo-list img').length === 1", WAIT).await;

            page.tap("label.tile:has(input[value=fall])").await;
            page.wait_for("the follow-up questions", "getComputedStyle(document.querySelector('.questions[data-category=fall]')).display === 'block'", WAIT).await;
            page.tap("label.chip:has(input[name='q.fall.guard'][value=no])").await;

            // The enterprise, found by typing part of its name and picking it from the list.
            page.tap("input[name=enterprise]").await;
            page.eval(&format!("(() => {{ const i = document.querySelector('input[name=enterprise]'); i.value = {search:?}; i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()")).await;
            page.wait_for("enterprise suggestions", "document.querySelectorAll('#enterprise-suggestions button').length > 0", WAIT).await;
            page.tap("#enterprise-suggestions button").await;
            assert_eq!(page.eval("document.querySelector('input[name=enterprise]').value").await, name.as_str());
            assert_eq!(page.eval("document.querySelector('input[name=enterprise_id]').value").await, enterprise_id.to_string());

            page.tap("label.tile:has(input[value=life_threatening])").await;
            // Choosing "lives in danger" puts the emergency numbers in front of the worker.
            assert_eq!(page.eval("getComputedStyle(document.querySelector('.severity-emergency')).display").await, "grid");
            page.tap("label.option:has(input[value=anonymous])").await;
            page.tap("button.submit").await;

            page.wait_for("the receipt page", "location.pathname.startsWith('/r/') && !!document.querySelector('.receipt-code .code')", WAIT).await;
            let code = page.eval("document.querySelector('.receipt-code .code').textContent").await.as_str().unwrap().to_string();
            assert_eq!(code.len(), 13, "{code}");
            assert!(page.eval("document.querySelector('.success').textContent").await.as_str().unwrap().contains("报告已提交"));
            page.wait_for("the receipt saved on the phone", "document.querySelector('.saved-note').textContent.includes('我的报告')", WAIT).await;
            assert_eq!(page.eval("document.querySelector('.facts .state').textContent.includes('已提交')").await, true);

            // Another day: "我的报告" lists it with its status.
            let my = format!("{}my", url);
            page.goto(&my).await;
            page.wait_for("the stored receipt with its status", &format!(
                "[...document.querySelectorAll('.receipt-list li')].some(li => li.textContent.includes('{code}') && li.textContent.includes('已提交'))"), WAIT).await;
            assert!(page.exceptions().is_empty(), "{:?}", page.exceptions());
        }
    })
    .await;

    // What the server holds: one urgent report, photographed by the browser's own hand.
    assert_eq!(app.count("reports").await, 1);
    let (urgent, via, enterprise): (bool, String, Option<uuid::Uuid>) = app::db_run!(
        &app.db,
        |pool| sqlx::query_as("SELECT urgent, via, enterprise_id FROM reports")
            .fetch_one(pool)
            .await
    )
    .unwrap();
    assert!(urgent);
    assert_eq!((via.as_str(), enterprise), ("app", Some(enterprise_id)));
    let (photo, display, received_bytes): (uuid::Uuid, String, i64) =
        app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT p.id, p.display_key, e.received_bytes
             FROM report_photos p JOIN photo_evidence e ON e.photo_id = p.id"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
    let facts = app.evidence(photo).await;
    let (client_sha, client_orientation, client_taken) = (
        facts.client_sha256,
        facts.client_orientation,
        facts.client_taken_at,
    );
    // The browser hashed and read the original before compressing it.
    assert_eq!(
        client_sha.as_deref(),
        Some(server::photos::sha256_hex(&original).as_str())
    );
    assert_eq!(client_orientation, Some(6));
    assert_eq!(client_taken.as_deref(), Some("2026-07-14T10:22:33"));
    assert!(
        (received_bytes as usize) < original.len(),
        "the browser did not shrink the photo"
    );
    // It came out upright: the browser applied the orientation when it redrew the photo.
    let (rgb, w, h) = photos::decode(&app.photo_file(&display));
    assert_eq!((w, h), (1600, 1200));
    assert!(
        photos::is_upright(&rgb, w, h),
        "display copy is not upright"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_report_works_with_javascript_switched_off() {
    let app = spawn_app().await;
    let enterprise_id = app.enterprise("").await;
    let name: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT name FROM enterprises WHERE id = $1"
    )
    .bind(enterprise_id)
    .fetch_one(pool)
    .await)
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, photos::camera_jpeg(1600, 1200, 3)).unwrap();
    let url = app.url("/");
    let db = app.db.clone();
    let receipts = app.state.receipts.clone();

    on_phone("report_without_js", |page| {
        let photo = photo.clone();
        let name = name.clone();
        let db = db.clone();
        let receipts = receipts.clone();
        async move {
            page.page
                .execute(SetScriptExecutionDisabledParams::new(true))
                .await
                .unwrap();
            page.goto(&url).await;
            let input = page
                .page
                .find_element("input[type=file][capture]")
                .await
                .unwrap();
            page.page
                .execute(
                    SetFileInputFilesParams::builder()
                        .files(vec![photo.display().to_string()])
                        .backend_node_id(input.backend_node_id)
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap();
            page.tap("label.tile:has(input[value=fall])").await;
            page.tap("label.chip:has(input[name='q.fall.guard'][value=yes])")
                .await;
            page.type_into("input[name=enterprise]", &name).await;
            page.tap("label.tile:has(input[value=immediate])").await;
            page.tap("label.option:has(input[value=named])").await;
            page.type_into("input[name=name]", "张师傅").await;
            page.type_into("input[name=phone]", "13912345678").await;
            page.tap("button.submit").await;
            // The plain form posts and the server answers with the receipt page.
            page.wait_for_url("/r/", WAIT).await;
            let deadline = tokio::time::Instant::now() + WAIT;
            let shown = loop {
                if let Some(html) = page.outer_html(".receipt-code .code").await {
                    break html;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "no receipt code on {}",
                    page.url().await
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            let success = page.outer_html(".success").await.unwrap_or_default();
            assert!(success.contains("报告已提交"), "{success}");
            assert!(page.url().await.ends_with("?new=1"));
            let stored: String = app::db_run!(&db, |pool| sqlx::query_scalar(
                "SELECT receipt_hash FROM reports"
            )
            .fetch_one(pool)
            .await)
            .unwrap();
            let code = safesnap_tests::people::receipt_code_in(&shown).expect("a code on the page");
            assert_eq!(
                stored,
                receipts.hash(&code),
                "page shows {shown}: not the stored code"
            );
        }
    })
    .await;

    let (via, urgent): (String, bool) = app::db_run!(&app.db, |pool| sqlx::query_as(
        "SELECT via, urgent FROM reports"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!((via.as_str(), urgent), ("form", false));
    assert_eq!(app.count("report_reporters").await, 1);
    assert_eq!(app.count("report_photos").await, 1);
}
