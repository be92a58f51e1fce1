//! Reports survive no signal: real Chromium on a phone, the real server behind a network switch
//! (`safesnap_tests::network`). A report made offline waits in 待发送 (IndexedDB), survives a
//! reload served by the service worker, and is sent once the signal returns; a page closed
//! mid-upload sends its report when reopened; a server failing twice is retried with backoff.
//! Each time the server ends up holding exactly one report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safesnap_tests::{
    browser::{with_phones, Chromium, PhonePage},
    network::{NetworkSwitch, Signal},
    photos, spawn_app, web, TestApp,
};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

const WAIT: Duration = Duration::from_secs(20);

/// Opens the report page and waits until the service worker controls it (the app shell is
/// precached) and the form's island runs.
async fn open_report_page(page: &PhonePage, net: &NetworkSwitch) {
    page.goto(&net.url("/")).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while page.eval("!!navigator.serviceWorker.controller").await != true {
        if tokio::time::Instant::now() > deadline {
            let state = page
                .eval("navigator.serviceWorker.getRegistration().then(r => r ? JSON.stringify({ script: (r.active || r.waiting || r.installing || {}).scriptURL, installing: !!r.installing, waiting: !!r.waiting, active: r.active && r.active.state }) : 'no registration')")
                .await;
            let fetched = page.eval("(async () => { const sw = document.querySelector('script[data-sw]').dataset.sw; const v = new URL(sw, location).searchParams.get('v'); const urls = ['/pkg/'+v+'/safesnap.js','/pkg/'+v+'/safesnap.wasm','/pkg/'+v+'/safesnap.css','/outbox.js','/manifest.webmanifest','/favicon.ico','/icons/icon.svg','/icons/icon-192.png','/icons/icon-512.png','/icons/icon-maskable-512.png','/','/my','/offline', sw]; const out = []; for (const u of urls) { try { const r = await fetch(u, {credentials:'omit', cache:'reload'}); out.push(u+' '+r.status); } catch (e) { out.push(u+' '+e); } } return out.join(', '); })()").await;
            panic!(
                "the service worker never took control: {state}; the app shell answers: {fetched}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for_form(page).await;
}

async fn wait_for_form(page: &PhonePage) {
    page.wait_for(
        "the form island",
        "!!document.querySelector('.report-form[data-ready]') && !!window.safesnapOutbox",
        WAIT,
    )
    .await;
}

/// Fills in an anonymous report about an unknown enterprise, with one photo, and sends it.
async fn fill_and_send(page: &PhonePage, photo: &Path) {
    page.attach("input[type=file][multiple]", photo).await;
    page.wait_for(
        "the photo preview",
        "document.querySelectorAll('.photo-list img').length === 1",
        WAIT,
    )
    .await;
    page.tap("label.tile:has(input[value=fire_exit])").await;
    page.tap("label.chip:has(input[name='q.fire_exit.kind'][value=exit_locked])")
        .await;
    page.tap("label.check:has(input[name=no_enterprise])").await;
    page.eval("(() => { const s = document.querySelector('select[name=district]'); s.value = '410105'; s.dispatchEvent(new Event('change', { bubbles: true })); return true; })()").await;
    page.type_into("input[name=address]", "金水区花园路 88 号地下车库")
        .await;
    page.tap("label.tile:has(input[value=immediate])").await;
    page.tap("label.option:has(input[value=anonymous])").await;
    page.tap("button.submit").await;
}

/// The 待发送 entries the page shows: (state class, text).
async fn outbox_items(page: &PhonePage) -> Vec<(String, String)> {
    let v = page
        .eval("[...document.querySelectorAll('.outbox-item')].map(li => [li.className, li.innerText])")
        .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap_or_default().to_string(),
                        p[1].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Waits for the receipt to appear in 待发送 and returns its code as shown.
async fn receipt_shown(page: &PhonePage) -> String {
    page.wait_for(
        "the receipt in 待发送",
        "!!document.querySelector('.outbox-item.sent .receipt-link')",
        Duration::from_secs(40),
    )
    .await;
    let text = page
        .eval("document.querySelector('.outbox-item.sent .receipt-link').textContent")
        .await;
    let code = text
        .as_str()
        .unwrap()
        .trim_start_matches("回执码")
        .trim()
        .to_string();
    assert_eq!(code.len(), 13, "{text}");
    code
}

/// The server holds exactly one report, with this receipt code and one photo.
async fn exactly_one_report(app: &TestApp, code: &str) {
    assert_eq!(app.count("reports").await, 1);
    assert_eq!(app.count("report_photos").await, 1);
    let stored: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT receipt_hash FROM reports"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(stored, app.receipt_hash(code));
}

/// What is left in the phone's outbox (IndexedDB).
async fn stored_in_outbox(page: &PhonePage) -> usize {
    page.eval("safesnapOutbox.all().then(a => a.length)")
        .await
        .as_u64()
        .unwrap() as usize
}

/// What every test here starts with: the server, the network switch in front of it, a photo
/// on disk, and one phone (a tab of a fresh Chromium profile).
struct Scene {
    app: TestApp,
    net: NetworkSwitch,
    photo: PathBuf,
    chromium: Chromium,
    phone: PhonePage,
    _dir: tempfile::TempDir,
}

impl Scene {
    async fn new() -> Scene {
        let app = spawn_app().await;
        let net = NetworkSwitch::start(app.addr).await;
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("IMG_20261125_081500.jpg");
        std::fs::write(&photo, photos::camera_jpeg(1600, 1200, 1)).unwrap();
        let chromium = Chromium::launch().await;
        let phone = chromium.phone_page().await;
        Scene {
            app,
            net,
            photo,
            chromium,
            phone,
            _dir: dir,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_made_without_signal_waits_on_the_phone_and_is_sent_once_the_signal_returns() {
    let Scene {
        app,
        net,
        photo,
        chromium: _chromium,
        phone,
        _dir,
    } = Scene::new().await;

    with_phones("offline_report", &[&phone], || async {
        open_report_page(&phone, &net).await;

        // The signal goes (a basement): the phone and the network both lose it.
        net.set(Signal::Offline);
        phone.set_offline(true).await;
        fill_and_send(&phone, &photo).await;

        phone.wait_for("the report in 待发送", "document.querySelectorAll('.outbox-item.waiting').length === 1", WAIT).await;
        let notice = phone.eval("document.querySelector('.form-notice').textContent").await;
        assert!(notice.as_str().unwrap().contains("待发送"), "{notice}");
        // The form is empty again for the next hazard.
        assert_eq!(phone.eval("document.querySelectorAll('.photo-list li').length").await, 0);
        assert_eq!(phone.eval("document.querySelector('.outbox-offline').hidden").await, false);
        let items = outbox_items(&phone).await;
        // Waiting (or, once the service worker's Background Sync has tried, waiting for a retry).
        assert!(items[0].1.contains("消防/安全通道堵塞"), "{items:?}");
        assert!(items[0].1.contains("等待发送") || items[0].1.contains("再试"), "{items:?}");
        assert_eq!(app.count("reports").await, 0);

        // Reloaded with no signal: the service worker serves the page, the report is still there.
        phone.goto(&net.url("/")).await;
        wait_for_form(&phone).await;
        phone.wait_for("the report in 待发送 after the reload", "document.querySelectorAll('.outbox-item.waiting').length === 1", WAIT).await;
        assert_eq!(stored_in_outbox(&phone).await, 1);
        assert_eq!(app.count("reports").await, 0);
        // The list and the offline notice pass axe like every page.
        let serious: Vec<_> = web::axe(&phone).await.into_iter().filter(|v| v.is_serious()).collect();
        assert!(serious.is_empty(), "axe on the page with 待发送: {serious:?}");

        // The signal returns: sent without a tap, the receipt appears.
        net.set(Signal::Online);
        phone.set_offline(false).await;
        let code = receipt_shown(&phone).await;
        assert_eq!(stored_in_outbox(&phone).await, 0);
        exactly_one_report(&app, &code).await;

        // …and it has moved to 我的报告.
        phone.goto(&net.url("/my")).await;
        phone.wait_for("the receipt under 我的报告", &format!(
            "[...document.querySelectorAll('.receipt-list li')].some(li => li.textContent.includes('{code}') && li.textContent.includes('已提交'))"), WAIT).await;
        assert!(phone.exceptions().is_empty(), "{:?}", phone.exceptions());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_closed_mid_upload_sends_its_report_when_opened_again() {
    let Scene {
        app,
        net,
        photo,
        chromium,
        phone,
        _dir,
    } = Scene::new().await;

    with_phones("closed_mid_upload", &[&phone], || async {
        open_report_page(&phone, &net).await;
        // The upload starts and hangs (the lift doors close).
        net.set(Signal::Stalled);
        fill_and_send(&phone, &photo).await;
        phone.wait_for("the upload in progress", "!document.querySelector('.upload').hidden && document.querySelectorAll('.outbox-item.sending').length === 1", WAIT).await;
        assert_eq!(stored_in_outbox(&phone).await, 1);
    })
    .await;
    // The worker closes the app.
    phone.page.clone().close().await.unwrap();
    assert_eq!(app.count("reports").await, 0);

    net.set(Signal::Online);
    let again = chromium.phone_page().await;
    with_phones("closed_mid_upload_reopened", &[&again], || async {
        again.goto(&net.url("/")).await;
        let code = receipt_shown(&again).await;
        assert_eq!(stored_in_outbox(&again).await, 0);
        exactly_one_report(&app, &code).await;
        assert!(again.exceptions().is_empty(), "{:?}", again.exceptions());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_failing_twice_is_retried_until_it_accepts() {
    let Scene {
        app,
        net,
        photo,
        chromium: _chromium,
        phone,
        _dir,
    } = Scene::new().await;

    with_phones("server_fails_twice", &[&phone], || async {
        open_report_page(&phone, &net).await;
        net.set(Signal::Failing);
        fill_and_send(&phone, &photo).await;

        // The first answer is a 500: kept, with a retry time.
        phone.wait_for("the first failure in 待发送", "[...document.querySelectorAll('.outbox-item.waiting')].some(li => li.innerText.includes('已尝试 1 次'))", WAIT).await;
        let notice = phone.eval("document.querySelector('.form-notice').textContent").await;
        assert!(notice.as_str().unwrap().contains("待发送"), "{notice}");
        // The second, after the backoff, without a tap.
        phone.wait_for("the second failure", "[...document.querySelectorAll('.outbox-item.waiting')].some(li => li.innerText.includes('已尝试 2 次'))", WAIT).await;
        assert_eq!(net.failed_reports(), 2);
        assert_eq!(app.count("reports").await, 0);

        // The server recovers; the next retry is accepted.
        net.set(Signal::Online);
        let code = receipt_shown(&phone).await;
        assert_eq!(net.failed_reports(), 2);
        assert_eq!(stored_in_outbox(&phone).await, 0);
        exactly_one_report(&app, &code).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_with_no_room_says_so_and_keeps_the_form_filled_in() {
    use chromiumoxide::cdp::browser_protocol::storage::OverrideQuotaForOriginParams;
    let Scene {
        app,
        net,
        photo,
        chromium: _chromium,
        phone,
        _dir,
    } = Scene::new().await;

    with_phones("storage_full", &[&phone], || async {
        open_report_page(&phone, &net).await;
        // The phone's storage is full: this site may keep (almost) nothing more.
        let full = OverrideQuotaForOriginParams::builder()
            .origin(net.base.clone())
            .quota_size(1.0)
            .build()
            .unwrap();
        phone.page.execute(full).await.unwrap();
        net.set(Signal::Offline);
        phone.set_offline(true).await;
        fill_and_send(&phone, &photo).await;

        phone.wait_for("the message", "document.querySelector('.form-message').textContent.includes('存储空间已满')", WAIT).await;
        // Nothing silently lost: the form still holds the photo and the answers.
        assert_eq!(phone.eval("document.querySelectorAll('.photo-list img').length").await, 1);
        assert_eq!(phone.eval("document.querySelector('input[name=address]').value").await, "金水区花园路 88 号地下车库");
        assert_eq!(stored_in_outbox(&phone).await, 0);

        // With a signal, the same form goes straight through.
        net.set(Signal::Online);
        phone.set_offline(false).await;
        phone.tap("button.submit").await;
        phone.wait_for("the receipt page", "location.pathname.startsWith('/r/') && !!document.querySelector('.receipt-code .code')", WAIT).await;
        let code = phone.eval("document.querySelector('.receipt-code .code').textContent").await;
        exactly_one_report(&app, code.as_str().unwrap()).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_worker_keeps_only_this_builds_shell_and_nothing_personal() {
    // Every part lives to the end of the test (the server, the browser): only the photo is unused.
    let Scene {
        app: _app,
        net,
        phone,
        chromium: _chromium,
        ..
    } = Scene::new().await;
    // Every URL in this origin's caches, as "cache name path".
    const CACHED: &str = "(async () => { const out = []; for (const name of (await caches.keys()).sort()) { const c = await caches.open(name); for (const r of await c.keys()) out.push(name + ' ' + new URL(r.url).pathname); } return out; })()";

    with_phones("service_worker_caches", &[&phone], || async {
        open_report_page(&phone, &net).await;
        // The worker browses: pages that carry data, API answers through the worker's fetch.
        phone.goto(&net.url("/me")).await;
        phone.goto(&net.url("/heat")).await;
        phone.goto(&net.url("/my")).await;
        let api = phone.eval("fetch('/api/v1/services').then(r => r.status)").await;
        assert_eq!(api, 200);
        let build = phone
            .eval("new URL(document.querySelector('script[data-sw]').dataset.sw, location).searchParams.get('v')")
            .await;
        let build = build.as_str().unwrap().to_string();
        let cached = phone.eval(CACHED).await;
        let cached: Vec<String> = cached.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        let expected: Vec<String> = [
            "/pkg/{b}/safesnap.js", "/pkg/{b}/safesnap.wasm", "/pkg/{b}/safesnap.css", "/outbox-queue.js",
            "/outbox.js", "/sw-text.js", "/manifest.webmanifest", "/favicon.ico", "/icons/icon.svg", "/icons/icon-192.png",
            "/icons/icon-512.png", "/icons/icon-maskable-512.png",
        ]
        .iter()
        .map(|p| format!("safesnap-static-{build} {}", p.replace("{b}", &build)))
        .chain(["/", "/my", "/offline"].iter().map(|p| format!("safesnap-pages-{build} {p}")))
        .collect();
        let mut sorted = cached.clone();
        sorted.sort();
        let mut want = expected.clone();
        want.sort();
        // Exactly the shell and the public pages: no API answer, no account or heat page.
        assert_eq!(sorted, want);

        // A new build: its worker precaches under its own names and deletes every other build's.
        phone.eval("caches.open('safesnap-pages-0ldb0ldb0ldb').then(c => c.put('/', new Response('old'))).then(() => true)").await;
        phone.eval("navigator.serviceWorker.register('/sw.js?v=feedfacecafe&n=safesnap', { scope: '/' }).then(() => true)").await;
        phone.wait_for("the new build's worker", "navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL.includes('feedfacecafe')", WAIT).await;
        phone.wait_for("the old caches gone", "caches.keys().then(k => k.sort().join(' ') === 'safesnap-pages-feedfacecafe safesnap-static-feedfacecafe')", WAIT).await;
    })
    .await;
}
