//! The closed loop in real Chromium, three people on three phones (separate browser contexts):
//! a worker reports, the inspector triages and sends the notice, the enterprise officer
//! acknowledges and rectifies with a photo, the inspector verifies, and the worker confirms on the
//! receipt page and sees 已闭环. Also: an inspector signs in, sees who they are and their scope,
//! signs out, and the back button shows nothing private.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safesnap_tests::{
    browser::{with_phones, Chromium},
    photos, spawn_app,
};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// Runs `test` with a deadline, saving screenshots of every phone if it fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_phones_close_the_loop() {
    let app = spawn_app().await;
    let people = app.people().await;
    let enterprise: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT name FROM enterprises WHERE id = $1"
    )
    .bind(people.officer_enterprise)
    .fetch_one(pool)
    .await)
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hazard = dir.path().join("hazard.jpg");
    std::fs::write(&hazard, photos::camera_jpeg(1600, 1200, 1)).unwrap();
    let after = dir.path().join("after.jpg");
    std::fs::write(&after, photos::camera_jpeg(1200, 900, 1)).unwrap();
    let base = app.base.clone();

    let chromium = Chromium::launch().await;
    let worker = chromium.another_phone().await;
    let inspector = chromium.another_phone().await;
    let officer = chromium.another_phone().await;
    let phones = [&worker, &inspector, &officer];

    with_phones("three_phones_close_the_loop", &phones, || async {
        // The worker reports, anonymously.
        worker.goto(&format!("{base}/")).await;
        worker.wait_for("the form island", "document.querySelector('.report-form').hasAttribute('data-ready')", WAIT).await;
        worker.attach("input[type=file][multiple]", &hazard).await;
        worker.wait_for("the photo preview", "document.querySelectorAll('.photo-list img').length === 1", WAIT).await;
        worker.tap("label.tile:has(input[value=fall])").await;
        worker.tap("label.chip:has(input[name='q.fall.guard'][value=no])").await;
        worker.tap("input[name=enterprise]").await;
        let search: String = enterprise.chars().take(6).collect();
        worker.eval(&format!("(() => {{ const i = document.querySelector('input[name=enterprise]'); i.value = {search:?}; i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()")).await;
        worker.wait_for("enterprise suggestions", "document.querySelectorAll('#enterprise-suggestions button').length > 0", WAIT).await;
        worker.tap("#enterprise-suggestions button").await;
        worker.tap("label.tile:has(input[value=immediate])").await;
        worker.tap("label.option:has(input[value=anonymous])").await;
        worker.tap("button.submit").await;
        worker.wait_for("the receipt", "location.pathname.startsWith('/r/') && !!document.querySelector('.receipt-code .code')", WAIT).await;
        let receipt_url = worker.url().await;
        worker.assert_clean().await;

        // The inspector signs in, finds it in their queue and grades it.
        inspector.sign_in(&base, "inspector").await;
        inspector.goto(&format!("{base}/union")).await;
        inspector.tap_and_wait(".queue-item a", "/union/reports/").await;
        let report_url = inspector.url().await;
        inspector.tap("form[action$='/grade'] label.option:has(input[value=ordinary])").await;
        inspector.tap_and_wait("form[action$='/grade'] button[type=submit]", "ok=1").await;
        // The notice: the deadline is filled in by default; the 五定 are typed.
        inspector.type_into("form[action$='/notice'] input[name=responsible_person]", "项目经理 张三").await;
        inspector.type_into("form[action$='/notice'] textarea[name=measures]", "加装临边防护栏和安全网").await;
        inspector.type_into("form[action$='/notice'] input[name=standard]", "JGJ 80-2016").await;
        inspector.type_into("form[action$='/notice'] input[name=acceptance_person]", "安全部 李四").await;
        // The photo review: a finger drags a box over what the enterprise must not see.
        inspector.drag(".mask-photo .mask-frame", (0.3, 0.3), (0.6, 0.6)).await;
        let marked = inspector.eval("document.querySelector('form[action$=\"/notice\"] input[name=mask]')?.value ?? ''").await;
        assert!(marked.as_str().is_some_and(|m| m.contains(':')), "no mask field: {marked}");
        assert_eq!(inspector.eval("document.querySelectorAll('.mask-box').length").await, 1);
        inspector.tap_and_wait("form[action$='/notice'] button[type=submit]", "ok=1").await;
        let text = inspector.main_text().await;
        assert!(text.contains("照片审核：向企业提供 1 张（其中遮挡 1 张），不提供 0 张"), "{text}");
        assert!(inspector.main_text().await.contains("已发整改通知"));

        // The officer acknowledges and sends the rectification with an after-photo.
        officer.sign_in(&base, "officer").await;
        officer.goto(&format!("{base}/enterprise")).await;
        officer.tap_and_wait(".queue-item a", "/enterprise/reports/").await;
        let text = officer.main_text().await;
        assert!(text.contains("加装临边防护栏和安全网"), "{text}");
        assert!(!text.contains(receipt_url.rsplit('/').next().unwrap()), "the enterprise never sees the receipt code");
        officer.tap_and_wait("form[action$='/acknowledge'] button[type=submit]", "ok=1").await;
        officer.attach("form[action$='/rectification'] input[type=file]", &after).await;
        officer.type_into("form[action$='/rectification'] textarea[name=note]", "已加装防护栏，挂设安全网").await;
        officer.tap_and_wait("form[action$='/rectification'] button[type=submit]", "ok=1").await;
        assert!(officer.main_text().await.contains("企业已提交整改"));
        officer.assert_clean().await;

        // The inspector sees the after-photo and passes it.
        inspector.goto(&report_url).await;
        assert!(inspector.eval("document.querySelectorAll('.photo-grid img').length >= 2").await == true);
        inspector.tap("form[action$='/verify'] label.option:has(input[value=pass])").await;
        inspector.tap_and_wait("form[action$='/verify'] button[type=submit]", "ok=1").await;
        inspector.assert_clean().await;

        // The worker confirms on the receipt page and sees the loop closed.
        worker.goto(&receipt_url).await;
        worker.wait_for("the confirmation question", "!!document.querySelector('form[action$=\"/confirm\"]')", WAIT).await;
        worker.tap_and_wait("form[action$='/confirm'] button[type=submit]", "ok=1").await;
        let text = worker.main_text().await;
        assert!(text.contains("已闭环"), "{text}");
        worker.assert_clean().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_signs_in_and_out_and_the_back_button_shows_nothing_private() {
    let app = spawn_app().await;
    app.people().await;
    let base = app.base.clone();
    let chromium = Chromium::launch().await;
    let phone = chromium.phone_page().await;
    with_phones("inspector_sign_in_and_out", &[&phone], || async {
        phone.sign_in(&base, "inspector").await;
        let text = phone.main_text().await;
        assert!(text.contains("王检查员"), "their name: {text}");
        assert!(text.contains("劳动保护监督检查员"), "their role: {text}");
        assert!(
            text.contains("金水区：") && text.contains("建筑施工"),
            "their scope: {text}"
        );
        assert!(text.contains("本机"), "this session is listed: {text}");
        phone.assert_clean().await;

        phone
            .tap_and_wait("form[action='/logout'] button[type=submit]", "/me")
            .await;
        phone
            .wait_for(
                "the sign-in form",
                "!!document.querySelector('form[action=\"/login\"]')",
                WAIT,
            )
            .await;
        assert!(!phone.main_text().await.contains("王检查员"));

        // Back: the signed-in page is not shown again from the cache.
        phone.eval("history.back(), true").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        phone
            .wait_for(
                "the page after going back",
                "document.readyState === 'complete'",
                WAIT,
            )
            .await;
        let text = phone.main_text().await;
        assert!(
            !text.contains("王检查员") && !text.contains("金水区："),
            "private data came back: {text}"
        );
        // And the desk is closed to this browser now.
        phone.goto(&format!("{base}/union")).await;
        let text = phone.main_text().await;
        assert!(
            text.contains("请先登录") && !text.contains("交给我的"),
            "{text}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_heat_alert_on_three_phones_admin_officer_worker() {
    let app = spawn_app().await;
    let people = app.people().await;
    let enterprise: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT name FROM enterprises WHERE id = $1"
    )
    .bind(people.officer_enterprise)
    .fetch_one(pool)
    .await)
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("site.jpg");
    std::fs::write(&photo, photos::camera_jpeg(1600, 1200, 1)).unwrap();
    let base = app.base.clone();
    // Valid from an hour ago to tonight, in Zhengzhou time (what a datetime-local input holds).
    let now = app.now();
    let local = |ms: i64| {
        let t = app::domain::time::LocalTime::shanghai(ms);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute
        )
    };
    let (from, to) = (local(now - 3_600_000), local(now + 8 * 3_600_000));

    let chromium = Chromium::launch().await;
    let admin = chromium.another_phone().await;
    let officer = chromium.another_phone().await;
    let worker = chromium.another_phone().await;
    let phones = [&admin, &officer, &worker];

    with_phones("red_heat_alert", &phones, || async {
        // The 金水区 union issues a red alert.
        admin.sign_in(&base, "jinshui-admin").await;
        admin.goto(&format!("{base}/alerts")).await;
        admin.tap("form.issue-alert label.choice:has(input[value=heat])").await;
        admin.eval("(() => { document.querySelector('form.issue-alert select[name=level]').value = 'red'; return true; })()").await;
        admin.type_into("form.issue-alert input[name=temperature]", "40.5").await;
        admin.eval(&format!("(() => {{ document.querySelector('input[name=valid_from]').value = {from:?}; document.querySelector('input[name=valid_to]').value = {to:?}; return true; }})()")).await;
        admin.type_into("form.issue-alert textarea[name=instruction]", "全区建筑工地今日停止露天作业").await;
        admin.tap_and_wait("form.issue-alert button[type=submit]", "ok=issued").await;
        let text = admin.main_text().await;
        assert!(text.contains("郑州市金水区高温红色预警"), "{text}");
        admin.assert_clean().await;

        // The officer finds it in the inbox and acknowledges with the measures taken.
        officer.sign_in(&base, "officer").await;
        officer.goto(&format!("{base}/inbox")).await;
        assert!(officer.main_text().await.contains("【预警】郑州市金水区高温红色预警"));
        officer.tap_and_wait(".inbox-item a.title", "/alerts/").await;
        let text = officer.main_text().await;
        assert!(text.contains("今天停止安排室外露天作业"), "{text}");
        officer.tap("form[action$='/ack'] label.choice:has(input[value=stop_outdoor])").await;
        officer.tap("form[action$='/ack'] label.choice:has(input[value=cooling_supplies])").await;
        officer.type_into("form[action$='/ack'] textarea[name=note]", "工地已停工，发放绿豆汤").await;
        officer.tap_and_wait("form[action$='/ack'] button[type=submit]", "ok=acknowledged").await;
        let text = officer.main_text().await;
        assert!(text.contains("已确认") && text.contains("发放绿豆汤"), "{text}");
        officer.assert_clean().await;

        // The admin's dashboard counts it.
        admin.eval("location.reload(), true").await;
        admin.wait_for("the dashboard", "document.querySelector('tr[data-district=\"410105\"] td.acked')?.textContent === '1'", WAIT).await;

        // The worker reads their rights and reports that the site is still working.
        worker.goto(&format!("{base}/heat")).await;
        worker.eval("(() => { document.querySelector('select[name=district]').value = '410105'; return true; })()").await;
        worker.tap_and_wait("form.district-picker button[type=submit]", "district=410105").await;
        let text = worker.main_text().await;
        assert!(text.contains("今天室外露天作业应当全部停止，您有权拒绝在室外作业。"), "{text}");
        worker.assert_clean().await;
        worker.tap_and_wait("a.report-violation", "category=heat").await;
        worker.wait_for("the form island", "document.querySelector('.report-form').hasAttribute('data-ready')", WAIT).await;
        assert!(worker.eval("document.querySelector('input[name=category][value=heat]').checked").await == true);
        worker.attach("input[type=file][multiple]", &photo).await;
        worker.wait_for("the photo preview", "document.querySelectorAll('.photo-list img').length === 1", WAIT).await;
        worker.tap("input[name=enterprise]").await;
        let search: String = enterprise.chars().take(6).collect();
        worker.eval(&format!("(() => {{ const i = document.querySelector('input[name=enterprise]'); i.value = {search:?}; i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()")).await;
        worker.wait_for("enterprise suggestions", "document.querySelectorAll('#enterprise-suggestions button').length > 0", WAIT).await;
        worker.tap("#enterprise-suggestions button").await;
        worker.tap("label.tile:has(input[value=immediate])").await;
        worker.tap("label.option:has(input[value=anonymous])").await;
        worker.tap("button.submit").await;
        worker.wait_for("the receipt", "location.pathname.startsWith('/r/') && !!document.querySelector('.receipt-code .code')", WAIT).await;
        worker.assert_clean().await;
    })
    .await;

    let (category, alert, assignee): (String, Option<uuid::Uuid>, Option<uuid::Uuid>) =
        app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT category, alert_id, assignee_id FROM reports"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
    assert_eq!(category, "heat");
    assert!(alert.is_some(), "the report names the alert");
    assert_eq!(
        assignee,
        Some(people.id("inspector")),
        "routed like any other report"
    );
}
