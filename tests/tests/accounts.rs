//! Accounts and the security baseline over real HTTP: session fixation, a new session id at every
//! sign-in, brute-force lock-out, per-address limits with `Retry-After`, idle and absolute expiry
//! (a manual clock), disabled users, sign-out, password change, cross-site POSTs refused (forms
//! and server functions), security headers, the admin's scope, worker registration and linking
//! the receipts of a device.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::backend::{
    auth::{
        FREE_FAILURES_PER_ADDRESS, FREE_FAILURES_PER_LOGIN, SESSION_ABSOLUTE_MS, SESSION_COOKIE,
        SESSION_IDLE_MS, SIGN_IN_DELAY_BASE_MS,
    },
    ratelimit::{LOGINS_PER_ADDRESS, SUBMIT_PER_DEVICE},
};
use reqwest::header;
use safesnap_tests::{
    both_backends,
    people::{visible_text, Browser, DEMO_PASSWORD},
    spawn_app, spawn_app_at_start, Engine, TestApp,
};

const MINUTE: i64 = 60_000;

async fn app_with_clock() -> TestApp {
    spawn_app_at_start(Engine::Sqlite).await.unwrap()
}

/// The session token a response sets (empty when it clears the cookie).
fn session_set_by(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(|rest| rest.split(';').next().unwrap_or("").to_string())
        })
}

/// GET with exactly this session cookie (no jar).
async fn get_with_token(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header(header::COOKIE, format!("{SESSION_COOKIE}={token}"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, visible_text(&res.text().await.unwrap()))
}

/// A worker's report (one small photo) about `enterprise`, sent from `phone`'s browser.
async fn report_from(phone: &Browser, enterprise: uuid::Uuid) -> reqwest::Response {
    let report = safesnap_tests::submit::Report::about(enterprise)
        .photo(safesnap_tests::photos::plain_jpeg(320, 240));
    phone.post_multipart("/api/v1/reports", report.form()).await
}

#[tokio::test]
async fn a_session_id_is_new_at_every_sign_in_and_a_planted_one_is_worthless() {
    let app = spawn_app().await;
    app.people().await;
    // An attacker plants a session id in the victim's browser before they sign in.
    let planted = "attacker-chosen-session-id-0123456789abcdef";
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login"))
        .header(header::ORIGIN, &app.base)
        .header(header::COOKIE, format!("{SESSION_COOKIE}={planted}"))
        .form(&[("login", "inspector"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let first = session_set_by(&res).expect("a session cookie");
    assert_ne!(first, planted);
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let (_, me) = get_with_token(&app, "/me", planted).await;
    assert!(!me.contains("王检查员"), "the planted id signs nobody in");
    let (_, me) = get_with_token(&app, "/me", &first).await;
    assert!(me.contains("王检查员"));

    // Signing in again (same browser) gives a new id and ends the old one.
    let browser = app.visitor();
    let a = session_set_by(&browser.sign_in("inspector", DEMO_PASSWORD).await).unwrap();
    let b = session_set_by(&browser.sign_in("inspector", DEMO_PASSWORD).await).unwrap();
    assert_ne!(a, b);
    assert!(
        !get_with_token(&app, "/me", &a).await.1.contains("王检查员"),
        "the earlier session ended"
    );
    assert!(get_with_token(&app, "/me", &b).await.1.contains("王检查员"));
}

/// The `Location` of a redirect.
fn location(res: &reqwest::Response) -> String {
    res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

/// The text messages sent to a number, waiting until there are at least `n` (they go out in
/// the background).
async fn sms_texts(app: &TestApp, to: &str, n: usize) -> Vec<String> {
    let gateway = app.state.sms.as_dev().expect("the development gateway");
    for _ in 0..100 {
        let sent = gateway.sent_to(to);
        if sent.len() >= n {
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "fewer than {n} text messages to {to}: {:?}",
        gateway.sent_to(to)
    );
}

/// The six-digit code in the last text message to a number.
async fn sms_code(app: &TestApp, to: &str) -> String {
    let texts = sms_texts(app, to, 1).await;
    let last = texts.last().unwrap();
    let digits: Vec<char> = last.chars().collect();
    digits
        .windows(6)
        .find(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {last}"))
}

/// The wait (`Retry-After`, seconds) of a refused sign-in.
fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get(header::RETRY_AFTER)
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Status and visible text of a sign-in.
async fn try_sign_in(browser: &Browser, login: &str, password: &str) -> (u16, String) {
    let res = browser.sign_in(login, password).await;
    let status = res.status().as_u16();
    (status, visible_text(&res.text().await.unwrap()))
}

#[tokio::test]
async fn wrong_passwords_slow_the_guessing_down_but_lock_nobody_out() {
    let app = app_with_clock().await;
    app.people().await;
    let stranger = app.visitor();
    for _ in 0..FREE_FAILURES_PER_LOGIN {
        let (status, text) = try_sign_in(&stranger, "inspector", "wrong-password").await;
        assert_eq!(status, 401);
        assert!(text.contains("手机号/用户名或密码不对"), "{text}");
    }
    // The next wrong one makes the following try wait a second, then two, four…
    assert_eq!(
        try_sign_in(&stranger, "inspector", "wrong-password")
            .await
            .0,
        401
    );
    let res = stranger.sign_in("inspector", DEMO_PASSWORD).await;
    assert_eq!(res.status(), 429, "the right password waits its turn too");
    assert_eq!(retry_after(&res), 1);
    let text = visible_text(&res.text().await.unwrap());
    assert!(text.contains("请 1 秒后再试"), "{text}");
    app.advance(SIGN_IN_DELAY_BASE_MS);
    assert_eq!(
        try_sign_in(&stranger, "inspector", "wrong-password")
            .await
            .0,
        401
    );
    let res = stranger.sign_in("inspector", "wrong-password").await;
    assert_eq!(
        (res.status().as_u16(), retry_after(&res)),
        (429, 2),
        "doubled"
    );
    // Other accounts are not affected.
    assert_eq!(
        app.visitor()
            .sign_in("officer", DEMO_PASSWORD)
            .await
            .status(),
        303
    );
    // After the wait the right password signs in, and clears the count.
    app.advance(2 * SIGN_IN_DELAY_BASE_MS);
    let owner = app.visitor();
    assert_eq!(
        owner.sign_in("inspector", DEMO_PASSWORD).await.status(),
        303
    );
    // Strangers guess again; the owner's browser, which has signed in before, never waits.
    for _ in 0..=FREE_FAILURES_PER_LOGIN {
        stranger.sign_in("inspector", "wrong-password").await;
    }
    assert_eq!(
        stranger.sign_in("inspector", DEMO_PASSWORD).await.status(),
        429
    );
    assert_eq!(
        owner.sign_in("inspector", DEMO_PASSWORD).await.status(),
        303
    );
    // Every failed attempt is in the audit log, with where it came from.
    let admin = app.signed_in("admin").await;
    let (_, log) = admin.text("/admin/audit").await;
    assert!(log.matches("login_failed").count() >= 5, "{log}");
    assert!(log.contains("127.0.0.1"));
}

#[tokio::test]
async fn parallel_wrong_passwords_are_each_counted() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(app) = spawn_app_at_start(engine).await else {
            continue;
        };
        app.people().await;
        let tries = (0..20).map(|_| {
            let b = app.visitor();
            async move {
                b.sign_in("inspector", "wrong-password")
                    .await
                    .status()
                    .as_u16()
            }
        });
        let answers = futures::future::join_all(tries).await;
        let checked = answers.iter().filter(|s| **s == 401).count();
        let waited = answers.iter().filter(|s| **s == 429).count();
        // The clock stands still: the free tries and the one that starts the wait are checked;
        // every other one found the counter waiting, and none slipped through uncounted.
        assert_eq!(
            (checked, waited),
            (
                FREE_FAILURES_PER_LOGIN as usize + 1,
                20 - FREE_FAILURES_PER_LOGIN as usize - 1
            ),
            "{engine:?}: {answers:?}"
        );
        let counted: i64 = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT failures FROM sign_in_failures WHERE key LIKE 'login:%'"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
        assert_eq!(counted, checked as i64, "{engine:?}");
    }
}

#[tokio::test]
async fn an_unknown_login_is_answered_like_a_wrong_password() {
    let app = app_with_clock().await;
    app.people().await;
    // The demo worker's number and a number nobody has.
    let (known, unknown) = (app.visitor(), app.visitor());
    const NOBODY: &str = "13700000001";
    for i in 0..=FREE_FAILURES_PER_LOGIN + 1 {
        let (sa, ta) = try_sign_in(&known, "13800138000", "wrong-password").await;
        let (sb, tb) = try_sign_in(&unknown, NOBODY, "wrong-password").await;
        assert_eq!(sa, sb, "try {i}");
        assert_eq!(
            ta.replace("13800138000", "#"),
            tb.replace(NOBODY, "#"),
            "try {i}"
        );
    }
    let a = known.sign_in("13800138000", "wrong-password").await;
    let b = unknown.sign_in(NOBODY, "wrong-password").await;
    assert_eq!((a.status(), retry_after(&a)), (b.status(), retry_after(&b)));
}

#[tokio::test]
async fn sign_ins_from_one_address_are_limited_with_retry_after() {
    let app = spawn_app().await;
    app.people().await;
    let browser = app.visitor();
    // Wrong passwords for many names from one address: a few pass, then each try waits.
    for i in 0..FREE_FAILURES_PER_ADDRESS {
        let (status, _) = try_sign_in(&browser, &format!("nobody-{i}"), "whatever-password").await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, _) = try_sign_in(&browser, "nobody-else", "whatever-password").await;
    assert_eq!(status, 401, "the try that starts the address's wait");
    let res = browser.sign_in("nobody-more", "whatever-password").await;
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res) >= 1);
    // Right passwords from one address (a factory's workers) never wait, up to the quota.
    let app = spawn_app().await;
    app.people().await;
    let browser = app.visitor();
    for i in 0..LOGINS_PER_ADDRESS.burst {
        let res = browser.sign_in("inspector", DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in {i}");
    }
    let res = browser.sign_in("inspector", DEMO_PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res) >= 1);
    let text = visible_text(&res.text().await.unwrap());
    assert!(
        text.contains("操作太频繁") || text.contains("秒后再试"),
        "{text}"
    );
}

#[tokio::test]
async fn reports_from_one_device_are_limited() {
    let app = spawn_app().await;
    let people = app.people().await;
    let device = app.visitor();
    for i in 0..SUBMIT_PER_DEVICE.burst {
        let res = report_from(&device, people.officer_enterprise).await;
        assert_eq!(res.status(), 201, "report {i}");
    }
    let res = report_from(&device, people.officer_enterprise).await;
    assert_eq!(res.status(), 429, "the device's quota is spent");
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    // Another phone on the same network can still report.
    let other = app.visitor();
    let res = report_from(&other, people.officer_enterprise).await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn sessions_end_after_twelve_idle_hours_and_after_seven_days_in_any_case() {
    let app = app_with_clock().await;
    app.people().await;
    let idle = app.signed_in("inspector").await;
    let busy = app.signed_in("officer").await;
    app.advance(SESSION_IDLE_MS - MINUTE);
    assert_eq!(
        idle.json("/api/v1/inbox").await.0,
        200,
        "still within the idle window"
    );
    app.advance(SESSION_IDLE_MS + MINUTE);
    assert_eq!(
        idle.json("/api/v1/inbox").await.0,
        401,
        "idle for over 12 hours"
    );
    assert!(
        idle.text("/me").await.1.contains("登录"),
        "back to the sign-in form"
    );

    // Used every few hours, a session still ends seven days after sign-in.
    let app = app_with_clock().await;
    app.people().await;
    let busy2 = app.signed_in("officer").await;
    let _ = busy;
    let mut elapsed = 0;
    while elapsed + 6 * 3600 * 1000 < SESSION_ABSOLUTE_MS {
        app.advance(6 * 3600 * 1000);
        elapsed += 6 * 3600 * 1000;
        assert_eq!(
            busy2.json("/api/v1/inbox").await.0,
            200,
            "active after {elapsed} ms"
        );
    }
    app.advance(SESSION_ABSOLUTE_MS - elapsed + MINUTE);
    assert_eq!(
        busy2.json("/api/v1/inbox").await.0,
        401,
        "seven days after signing in"
    );
}

#[tokio::test]
async fn a_disabled_user_is_signed_out_everywhere_and_cannot_sign_in() {
    let app = spawn_app().await;
    let people = app.people().await;
    let inspector = app.signed_in("inspector").await;
    let report = app.file(people.officer_enterprise, false).await;
    assert_eq!(inspector.json("/api/v1/queue").await.0, 200);
    let admin = app.signed_in("admin").await;
    let id = people.id("inspector");
    admin.act(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(
        inspector.json("/api/v1/queue").await.0,
        401,
        "their session ended"
    );
    let res = app.visitor().sign_in("inspector", DEMO_PASSWORD).await;
    assert_eq!(res.status(), 403);
    assert!(visible_text(&res.text().await.unwrap()).contains("这个账号已停用"));
    // Their open reports went to someone who can act on them (the district desk here).
    let (_, v) = admin.json(&format!("/api/v1/reports/{}", report.id)).await;
    assert_ne!(v["view"]["assignee"][0], id.to_string(), "{v}");
    let (_, log) = admin.text("/admin/audit").await;
    assert!(log.contains("user_disabled"), "{log}");
    admin.act(&format!("/admin/users/{id}/enable"), &[]).await;
    assert_eq!(
        app.visitor()
            .sign_in("inspector", DEMO_PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_and_signed_in_pages_are_never_stored() {
    let app = spawn_app().await;
    app.people().await;
    let browser = app.visitor();
    let token = session_set_by(&browser.sign_in("inspector", DEMO_PASSWORD).await).unwrap();
    let res = browser.get("/me").await;
    assert_eq!(
        res.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let res = browser.get("/api/v1/inbox").await;
    assert!(res
        .headers()
        .get(header::CACHE_CONTROL)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("no-store"));
    let res = browser.post("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        session_set_by(&res).as_deref(),
        Some(""),
        "the cookie is cleared"
    );
    assert!(res.headers().get("clear-site-data").is_some());
    assert!(
        !get_with_token(&app, "/me", &token)
            .await
            .1
            .contains("王检查员"),
        "the old token is dead"
    );
    // Anonymous pages are revalidated, not stored privately.
    assert_eq!(
        app.visitor()
            .get("/")
            .await
            .headers()
            .get(header::CACHE_CONTROL)
            .unwrap(),
        "no-cache"
    );
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    app.people().await;
    let here = app.signed_in("officer").await;
    let elsewhere = app.signed_in("officer").await;
    let res = here
        .post(
            "/me/password",
            &[
                ("current", "not-it"),
                ("new", "new-password-1"),
                ("new2", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(visible_text(&res.text().await.unwrap()).contains("当前密码不对"));
    let res = here
        .post(
            "/me/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "short"),
                ("new2", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(visible_text(&res.text().await.unwrap()).contains("密码至少 8 位"));
    here.act(
        "/me/password",
        &[
            ("current", DEMO_PASSWORD),
            ("new", "new-password-1"),
            ("new2", "new-password-1"),
        ],
    )
    .await;
    assert_eq!(
        here.json("/api/v1/inbox").await.0,
        200,
        "this session stays"
    );
    assert_eq!(
        elsewhere.json("/api/v1/inbox").await.0,
        401,
        "the others end"
    );
    assert_eq!(
        app.visitor()
            .sign_in("officer", DEMO_PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.visitor()
            .sign_in("officer", "new-password-1")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused_forms_and_server_functions_alike() {
    let app = spawn_app().await;
    let people = app.people().await;
    let report = app.file(people.officer_enterprise, false).await;
    let inspector = app.signed_in("inspector").await;
    let path = format!("/union/reports/{}/grade", report.id);
    // A page on another site submits a form to us with the inspector's cookie.
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let res = inspector
            .client
            .post(inspector.url(&path))
            .header(name, value)
            .form(&[("grade", "major")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{name}: {value}");
        assert!(res.text().await.unwrap().contains("请求来自其他网站"));
    }
    // With the session cookie and no word of where it comes from: refused too.
    let res = inspector
        .client
        .post(inspector.url(&path))
        .form(&[("grade", "major")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, v) = inspector
        .json(&format!("/api/v1/reports/{}", report.id))
        .await;
    assert_eq!(v["view"]["state"], "submitted", "nothing happened");
    // Server functions: the same rule.
    let (path, _) = server_fn_path("load_inbox");
    let res = inspector
        .client
        .post(inspector.url(&path))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Logging someone in from another site (login CSRF) is refused as well.
    let res = app
        .client
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("login", "inspector"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// The registered path of a server function by its name.
fn server_fn_path(name: &str) -> (String, String) {
    let _ = app::App; // links the pages' server functions
    let mut found = leptos::server_fn::axum::server_fn_paths()
        .filter(|(p, _)| p.contains(name))
        .map(|(p, m)| (p.to_string(), m.to_string()));
    found
        .next()
        .unwrap_or_else(|| panic!("no server function {name}"))
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let people = app.people().await;
    let report = app.file(people.officer_enterprise, false).await;
    let inspector = app.signed_in("inspector").await;
    let photo: String = app::db_run!(&app.db, |pool| sqlx::query_scalar::<_, uuid::Uuid>(
        "SELECT id FROM report_photos WHERE report_id = $1"
    )
    .bind(report.id)
    .fetch_one(pool)
    .await)
    .unwrap()
    .to_string();
    for path in [
        "/",
        "/me",
        "/api/v1/services",
        "/healthz",
        "/nowhere",
        &format!("/photos/{photo}/display"),
    ] {
        let res = inspector.get(path).await;
        let h = res.headers();
        assert_eq!(
            h.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert!(h.get("referrer-policy").is_some(), "{path}");
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") || csp.contains("sandbox"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("unsafe-eval") || csp.contains("wasm-unsafe-eval"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("'unsafe-eval'") && !csp.contains("'unsafe-inline'"),
            "{path}: {csp}"
        );
    }
    // A page's script runs by nonce; the nonce changes with every response.
    let a = inspector
        .get("/")
        .await
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let b = inspector
        .get("/")
        .await
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(a.contains("'nonce-") && a != b);
    // An uploaded image is only ever an image.
    let res = inspector.get(&format!("/photos/{photo}/display")).await;
    assert_eq!(
        res.headers().get(header::CONTENT_TYPE).unwrap(),
        "image/jpeg"
    );
    assert!(res
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("sandbox"));
}

#[tokio::test]
async fn a_district_admin_manages_users_only_within_the_district() {
    let app = spawn_app().await;
    app.people().await;
    let district = app.signed_in("jinshui-admin").await;
    // An inspector for 金水区: allowed.
    let res = district
        .post(
            "/admin/users",
            &[
                ("display_name", "新检查员"),
                ("username", "new-inspector"),
                ("password", "long-enough-1"),
                ("role", "inspector"),
                ("coverage", "410105:construction"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        visible_text(&res.text().await.unwrap())
    );
    // One for 中原区: outside the district.
    let res = district
        .post(
            "/admin/users",
            &[
                ("display_name", "越权"),
                ("username", "outside"),
                ("password", "long-enough-1"),
                ("role", "inspector"),
                ("coverage", "410102:construction"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(visible_text(&res.text().await.unwrap()).contains("超出您的管理范围"));
    // A role without its scope, a taken username: field messages, nothing stored.
    let res = district
        .post(
            "/admin/users",
            &[
                ("display_name", "x"),
                ("username", "x-user"),
                ("password", "long-enough-1"),
                ("role", "inspector"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(visible_text(&res.text().await.unwrap()).contains("检查员需要负责的区县和行业"));
    let res = district
        .post(
            "/admin/users",
            &[
                ("display_name", "重名"),
                ("username", "new-inspector"),
                ("password", "long-enough-1"),
                ("role", "inspector"),
                ("coverage", "410105:food"),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        app.count("users").await,
        9,
        "eight demo users and the one created"
    );
    // The new inspector signs in with the password the admin set.
    let res = app
        .visitor()
        .sign_in("new-inspector", "long-enough-1")
        .await;
    assert_eq!(res.status(), 303);
    // Role and scope changes are audited.
    let (_, log) = district.text("/admin/audit").await;
    assert!(log.contains("user_created"));
}

both_backends! {
    async fn a_worker_registers_and_links_the_receipts_of_their_phone(app) {
        let people = app.people().await;
        let phone = app.visitor();
        // Reports from this phone, before having an account.
        let mut codes = Vec::new();
        for _ in 0..2 {
            let res = report_from(&phone, people.officer_enterprise).await;
            let body: serde_json::Value = res.json().await.unwrap();
            codes.push(body["receipt_code"].as_str().unwrap().to_string());
        }
        // The number is proved first: a code by text message.
        let res = phone.post("/codes", &[("phone", "139 0000 1111"), ("purpose", "register")]).await;
        assert_eq!(res.status(), 303);
        let code = sms_code(&app, "13900001111").await;
        let res = phone.post("/register", &[("phone", "139 0000 1111"), ("code", &code), ("name", "小李"), ("password", "worker-pass-1"), ("password2", "worker-pass-1")]).await;
        assert_eq!(res.status(), 303);
        let (_, me) = phone.text("/me").await;
        assert!(me.contains("小李") && me.contains("职工") && me.contains("账号里还没有报告"), "{me}");
        phone.act("/me/receipts", &[("codes", &codes.join(","))]).await;
        let (_, me) = phone.text("/me").await;
        for code in &codes {
            assert!(me.contains(code.as_str()), "{code} linked: {me}");
        }
        // On a new phone, signing in brings them back.
        let new_phone = app.visitor();
        assert_eq!(new_phone.sign_in("13900001111", "worker-pass-1").await.status(), 303);
        assert!(new_phone.text("/me").await.1.contains(codes[0].as_str()));
        // A used code does not register again.
        let res = app.visitor().post("/register", &[("phone", "13900001111"), ("code", &code), ("password", "another-pass"), ("password2", "another-pass")]).await;
        assert_eq!(res.status(), 422);
        assert!(visible_text(&res.text().await.unwrap()).contains("验证码不对或已过期"));
        // Bad input: field by field, in Chinese.
        let res = app.visitor().post("/register", &[("phone", "12345"), ("password", "short"), ("password2", "short")]).await;
        assert_eq!(res.status(), 422);
        let text = visible_text(&res.text().await.unwrap());
        assert!(text.contains("手机号") && text.contains("验证码是短信里的 6 位数字") && text.contains("密码至少 8 位"), "{text}");
    }

    async fn whether_a_number_has_an_account_cannot_be_told_from_the_answers(app) {
        app.people().await;
        const NOBODY: &str = "13700000002";
        // Register and reset, for the demo worker's number and for a number nobody has.
        for purpose in ["register", "reset"] {
            let (a, b) = (app.visitor(), app.visitor());
            let ra = a.post("/codes", &[("phone", "13800138000"), ("purpose", purpose)]).await;
            let rb = b.post("/codes", &[("phone", NOBODY), ("purpose", purpose)]).await;
            assert_eq!(ra.status(), rb.status(), "{purpose}");
            let (la, lb) = (location(&ra), location(&rb));
            assert_eq!(la.replace("13800138000", "#"), lb.replace(NOBODY, "#"), "{purpose}");
            let (pa, pb) = (a.text(&la).await, b.text(&lb).await);
            assert_eq!(pa.0, pb.0);
            assert_eq!(
                visible_text(&pa.1).replace("138****8000", "#").replace("13800138000", "#"),
                visible_text(&pb.1).replace("137****0002", "#").replace(NOBODY, "#"),
                "{purpose}"
            );
            // A wrong code: the same field message for both.
            let form = |n: &'static str| vec![("phone", n), ("code", "000000"), ("password", "some-password-1"), ("password2", "some-password-1")];
            let path = format!("/{purpose}");
            let (wa, wb) = (a.post(&path, &form("13800138000")).await, b.post(&path, &form(NOBODY)).await);
            assert_eq!((wa.status(), wb.status()), (reqwest::StatusCode::UNPROCESSABLE_ENTITY, reqwest::StatusCode::UNPROCESSABLE_ENTITY));
            let (ta, tb) = (visible_text(&wa.text().await.unwrap()), visible_text(&wb.text().await.unwrap()));
            assert_eq!(ta.replace("13800138000", "#"), tb.replace(NOBODY, "#"), "{purpose}");
            assert!(ta.contains("验证码不对或已过期"), "{ta}");
        }
        // What the phones received: the owner learns that someone tried; the stranger's number
        // only gets a registration code.
        let owner = sms_texts(&app, "13800138000", 1).await;
        assert!(owner[0].contains("已有账号"), "{owner:?}");
        assert!(owner.iter().all(|m| !m.contains("注册验证码")), "{owner:?}");
        let reset = sms_texts(&app, "13800138000", 2).await;
        assert!(reset[1].contains("重设密码验证码"), "{reset:?}");
        let nobody = sms_texts(&app, NOBODY, 1).await;
        assert_eq!(nobody.len(), 1, "no reset code for a number without an account: {nobody:?}");
        assert!(nobody[0].contains("注册验证码"));
    }

    async fn a_forgotten_password_is_reset_with_a_code_and_ends_every_session(app) {
        app.people().await;
        let old = app.signed_in("13800138000").await;
        assert_eq!(old.text("/me").await.0, 200);
        let phone = app.visitor();
        assert_eq!(phone.post("/codes", &[("phone", "13800138000"), ("purpose", "reset")]).await.status(), 303);
        let code = sms_code(&app, "13800138000").await;
        // Asking again at once sends nothing new (the first code stays good).
        phone.post("/codes", &[("phone", "13800138000"), ("purpose", "reset")]).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(sms_texts(&app, "13800138000", 1).await.len(), 1);
        let res = phone.post("/reset", &[("phone", "13800138000"), ("code", &code), ("password", "brand-new-pass"), ("password2", "brand-new-pass")]).await;
        assert_eq!(res.status(), 303);
        assert!(phone.text("/me").await.1.contains("退出登录"), "signed in");
        assert!(!old.text("/me").await.1.contains("退出登录"), "the other session ended");
        assert_eq!(app.visitor().sign_in("13800138000", DEMO_PASSWORD).await.status(), 401);
        assert_eq!(app.visitor().sign_in("13800138000", "brand-new-pass").await.status(), 303);
        let admin = app.signed_in("admin").await;
        assert!(admin.text("/admin/audit").await.1.contains("password_reset"));
    }

    async fn a_code_allows_five_tries(app) {
        let phone = app.visitor();
        phone.post("/codes", &[("phone", "13700000003"), ("purpose", "register")]).await;
        let code = sms_code(&app, "13700000003").await;
        let wrong = if code == "111111" { "222222" } else { "111111" };
        let form = |c: &str| vec![("phone", "13700000003".to_string()), ("code", c.to_string()), ("password", "worker-pass-9".to_string()), ("password2", "worker-pass-9".to_string())];
        for _ in 0..5 {
            let f = form(wrong);
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(phone.post("/register", &f).await.status(), 422);
        }
        let f = form(&code);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(phone.post("/register", &f).await.status(), 422, "the code is used up");
    }
}
