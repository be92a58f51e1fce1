//! Heat and cold alerts end to end over HTTP: CAP 1.2 in (Alert, Update, Cancel, hostile and
//! malformed messages) and out (validated by xmllint against the OASIS schema); an admin issuing
//! an alert; the officers' inbox and Web Push through a stand-in push service that verifies the
//! VAPID signature and decrypts with Python's `http_ece`; retries, removals and time-outs; the
//! officer's acknowledgement and the admin's dashboard; reminders; two servers sending each push
//! once; the worker page and the "本单位未落实" report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::domain::heat::{obligations, Celsius10, CityRules, Event, Forecast, Level};
use reqwest::header;
use safesnap_tests::{
    both_backends,
    people::{visible_text, Browser},
    push::PushService,
    spawn_app_at_start, workspace_root, Engine, TestApp,
};
use serde_json::Value;
use uuid::Uuid;

const HOUR: i64 = 3_600_000;
const API_KEY: &str = "test-cma-feed-key-0123456789";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(workspace_root().join("tests/data/cap").join(name)).expect(name)
}

async fn register_source(app: &TestApp) {
    server::store::feeds::add_source(
        &app.db,
        "郑州市气象台",
        &server::api::alerts::key_hash(API_KEY),
        app.now(),
    )
    .await
    .expect("source");
}

async fn post_cap(
    app: &TestApp,
    key: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/alerts/cap"))
        .header(header::CONTENT_TYPE, "application/cap+xml");
    if let Some(k) = key {
        req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    let res = req.body(body).send().await.expect("post cap");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app::db_run!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)
    .expect(sql)
}

/// Fetches an alert as CAP and validates it with xmllint against the OASIS schema.
async fn cap_validates(app: &TestApp, id: &str) -> String {
    let res = app.get(&format!("/api/v1/alerts/{id}.cap")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/cap+xml"));
    let xml = res.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, &xml).unwrap();
    let xsd = workspace_root().join("tests/data/cap/CAP-v1.2.xsd");
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("xmllint (libxml2-utils, installed by scripts/setup)");
    assert!(
        out.status.success(),
        "CAP output does not validate: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    xml
}

fn field(v: &Value) -> String {
    v["fields"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

both_backends! {
    async fn cap_messages_become_alerts_updates_and_cancellations(app) {
        register_source(&app).await;
        let alert = fixture("zz-heat-red-alert.xml");

        // Only a registered source may post.
        assert_eq!(post_cap(&app, None, alert.clone()).await.0, 401);
        assert_eq!(post_cap(&app, Some("wrong"), alert.clone()).await.0, 401);

        let (status, v) = post_cap(&app, Some(API_KEY), alert.clone()).await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["result"], "created");
        assert_eq!(v["districts"], serde_json::json!(["410102", "410105"]));
        let first = v["id"].as_str().unwrap().to_string();
        let (status, card) = app.visitor().json(&format!("/api/v1/alerts/{first}")).await;
        assert_eq!(status, 200);
        assert_eq!(card["alert"]["level"], "red");
        assert_eq!(card["alert"]["event"], "heat");
        assert_eq!(card["alert"]["temperature"], 410);
        assert_eq!(card["outdoor"][0]["key"], "stop_outdoor");
        let xml = cap_validates(&app, &first).await;
        assert!(xml.contains("<identifier>41010041600000_20260714102233</identifier>"), "{xml}");
        assert!(xml.contains("<value>410105</value>"), "{xml}");

        // The same message again changes nothing.
        let (status, v) = post_cap(&app, Some(API_KEY), alert.clone()).await;
        assert_eq!((status, v["result"].as_str()), (200, Some("duplicate")));
        assert_eq!(v["id"].as_str(), Some(first.as_str()));

        // Update replaces it; the update reads back as CAP Update with its reference.
        let (status, v) = post_cap(&app, Some(API_KEY), fixture("zz-heat-red-update.xml")).await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["result"], "updated");
        let second = v["id"].as_str().unwrap().to_string();
        let (_, old) = app.visitor().json(&format!("/api/v1/alerts/{first}")).await;
        assert_eq!(old["alert"]["status"], "superseded");
        let xml = cap_validates(&app, &second).await;
        assert!(xml.contains("<msgType>Update</msgType>"), "{xml}");
        assert!(xml.contains("41010041600000_20260714102233"), "{xml}");

        // Another registered feed cannot cancel (or update) this feed's alerts.
        server::store::feeds::add_source(
            &app.db,
            "另一个数据源",
            &server::api::alerts::key_hash("another-feed-key-0123456789"),
            app.now(),
        )
        .await
        .unwrap();
        let intruder = fixture("zz-heat-red-cancel.xml").replace("41010041600000_20260715183000", "x-intruder");
        let (status, v) = post_cap(&app, Some("another-feed-key-0123456789"), intruder).await;
        assert_eq!((status, field(&v).as_str()), (422, "alert/references"), "{v}");
        let (_, still) = app.visitor().json(&format!("/api/v1/alerts/{second}")).await;
        assert_eq!(still["alert"]["status"], "active");

        // Cancel ends it.
        let (status, v) = post_cap(&app, Some(API_KEY), fixture("zz-heat-red-cancel.xml")).await;
        assert_eq!((status, v["result"].as_str()), (200, Some("cancelled")), "{v}");
        let (_, now) = app.visitor().json(&format!("/api/v1/alerts/{second}")).await;
        assert_eq!(now["alert"]["status"], "cancelled");
        let (status, v) = post_cap(&app, Some(API_KEY), fixture("zz-heat-red-cancel.xml")).await;
        assert_eq!((status, v["result"].as_str()), (200, Some("duplicate")));

        // A cold wave named by area descriptions only.
        let (status, v) = post_cap(&app, Some(API_KEY), fixture("zz-cold-blue.xml")).await;
        assert_eq!(status, 201, "{v}");
        let cold = v["id"].as_str().unwrap().to_string();
        let (_, c) = app.visitor().json(&format!("/api/v1/alerts/{cold}")).await;
        assert_eq!(c["alert"]["event"], "cold");
        assert_eq!(c["alert"]["level"], "blue");
        cap_validates(&app, &cold).await;

        // Hostile and malformed messages: refused with the element at fault, nothing stored.
        let stored = count(&app, "SELECT COUNT(*) FROM alerts").await;
        let (status, v) = post_cap(&app, Some(API_KEY), fixture("billion-laughs.xml")).await;
        assert_eq!((status, field(&v).as_str()), (422, "alert"), "{v}");
        let (status, v) = post_cap(&app, Some(API_KEY), fixture("xxe.xml")).await;
        assert_eq!((status, field(&v).as_str()), (422, "alert"), "{v}");
        let huge = format!("{}{}", alert, " ".repeat(10 * 1024 * 1024));
        let (status, _) = post_cap(&app, Some(API_KEY), huge).await;
        assert_eq!(status, 413);
        let no_urgency = fixture("zz-heat-red-alert.xml")
            .replacen("<identifier>41010041600000_20260714102233", "<identifier>x-1", 1)
            .replacen("<urgency>Immediate</urgency>", "", 1)
            .replacen("<urgency>Expected</urgency>", "", 1);
        let (status, v) = post_cap(&app, Some(API_KEY), no_urgency).await;
        assert_eq!((status, field(&v).as_str()), (422, "alert/info[1]/urgency"), "{v}");
        assert!(v["message"].as_str().unwrap().contains("urgency"), "{v}");
        let old_ns = alert.replace("emergency:cap:1.2", "emergency:cap:1.1");
        let (status, v) = post_cap(&app, Some(API_KEY), old_ns).await;
        assert_eq!((status, field(&v).as_str()), (422, "alert"), "{v}");
        let elsewhere = alert
            .replacen("41010041600000_20260714102233", "x-2", 1)
            .replace("<value>410102</value>", "<value>410202</value>")
            .replace("<value>410105</value>", "<value>410205</value>")
            .replace("中原区、金水区", "开封市")
            .replace("<areaDesc>金水区</areaDesc>", "<areaDesc>开封市龙亭区</areaDesc>")
            .replace("Zhongyuan District, Jinshui District", "Kaifeng")
            .replace("<areaDesc>Jinshui District</areaDesc>", "<areaDesc>Kaifeng</areaDesc>");
        let (status, v) = post_cap(&app, Some(API_KEY), elsewhere).await;
        assert_eq!(status, 422, "{v}");
        assert!(field(&v).starts_with("alert/info[1]/area"), "{v}");
        let orphan_update = fixture("zz-heat-red-update.xml")
            .replace("41010041600000_20260714160512", "x-3")
            .replace("41010041600000_20260714102233", "never-sent");
        let (status, v) = post_cap(&app, Some(API_KEY), orphan_update).await;
        assert_eq!((status, field(&v).as_str()), (422, "alert/references"), "{v}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM alerts").await, stored);
    }

    async fn an_issued_alert_reaches_officers_who_acknowledge_and_the_admin_sees_it(app) {
        let app = restart_with_clock(app).await;
        let people = app.people().await;
        let push = PushService::start();
        let officer = app.signed_in("officer").await;
        let other = app.signed_in("officer-zhongyuan").await;
        let admin = app.signed_in("jinshui-admin").await;

        // The officer's phone subscribes; bad subscriptions and strangers are refused.
        let sub = push.subscribe("ok").await;
        assert_eq!(post_json(&officer, "/api/v1/push/subscriptions", &sub).await.0, 201);
        assert_eq!(post_json(&app.visitor(), "/api/v1/push/subscriptions", &sub).await.0, 401);
        let mut bad = sub.clone();
        bad["keys"]["p256dh"] = Value::from("AAAA");
        let (status, v) = post_json(&officer, "/api/v1/push/subscriptions", &bad).await;
        assert_eq!((status, field(&v).as_str()), (422, "keys"), "{v}");
        let mut ftp = sub.clone();
        ftp["endpoint"] = Value::from("ftp://127.0.0.1/x");
        let (status, v) = post_json(&officer, "/api/v1/push/subscriptions", &ftp).await;
        assert_eq!((status, field(&v).as_str()), (422, "endpoint"), "{v}");

        // A district admin may issue for their district only; bad input is named per field.
        let form = |district: &'static str, temp: &'static str| {
            vec![
                ("event", "heat"),
                ("level", "red"),
                ("temperature", temp),
                ("district", district),
                ("valid_from", "2026-07-01T10:00"),
                ("valid_to", "2026-07-01T20:00"),
                ("instruction", "12时至16时停止户外作业"),
            ]
        };
        let res = admin.post("/alerts", &form("410102", "40.5")).await;
        assert_eq!(res.status(), 403);
        let res = admin.post("/alerts", &form("410105", "hot")).await;
        assert_eq!(res.status(), 422);
        let text = visible_text(&res.text().await.unwrap());
        assert!(text.contains("请填写-60到60之间的温度"), "{text}");
        let res = other.post("/alerts", &form("410105", "40.5")).await;
        assert_eq!(res.status(), 403);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM alerts").await, 0);

        let res = admin.post("/alerts", &form("410105", "40.5")).await;
        assert_eq!(res.status(), 303);
        let location = res.headers()[header::LOCATION].to_str().unwrap().to_string();
        let id = location
            .trim_start_matches("/alerts/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        cap_validates(&app, &id).await;

        // The officer's inbox has it at once; the push goes out with the worker.
        let (_, inbox) = officer.json("/api/v1/inbox").await;
        let title = inbox[0]["title"].as_str().unwrap().to_string();
        assert_eq!(title, "【预警】郑州市金水区高温红色预警");
        let (_, theirs) = other.json("/api/v1/inbox").await;
        assert!(!theirs.to_string().contains("高温红色预警"), "an officer outside the district was told");
        let run = app.state.pusher.run_once(&app.state.db, &app.state.clock).await.unwrap();
        assert_eq!(run.sent, 1, "{run:?}");
        let got = push.received(sub["endpoint"].as_str().unwrap()).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["status"], 201, "{got:?}");
        assert_eq!(got[0]["error"], Value::Null);
        assert_eq!(got[0]["urgency"], "high");
        let topic = got[0]["topic"].as_str().unwrap().to_string();
        assert_eq!(topic.len(), 32);
        assert!(got[0]["ttl"].as_i64().unwrap() > 0);
        let payload: Value = serde_json::from_str(got[0]["payload"].as_str().unwrap()).unwrap();
        assert_eq!(payload["title"], title.as_str());
        assert!(payload["body"].as_str().unwrap().contains("今天停止安排室外露天作业"), "{payload}");
        assert_eq!(payload["url"], format!("/alerts/{id}"));

        // The officer's page: the outdoor obligations as a checklist.
        let (status, page) = officer.text(&format!("/alerts/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("今天停止安排室外露天作业"), "{page}");
        assert!(page.contains("确认收到并已落实"), "{page}");

        // Four hours on, the waiting enterprises are reminded once.
        app.advance(4 * HOUR + 1);
        let jobs = app.run_jobs().await;
        assert_eq!(jobs.reminded.len(), 1);
        assert_eq!(app.run_jobs().await.reminded.len(), 0);
        let (_, inbox) = officer.json("/api/v1/inbox").await;
        assert_eq!(inbox[0]["title"], "【请确认】郑州市金水区高温红色预警");
        let run = app.state.pusher.run_once(&app.state.db, &app.state.clock).await.unwrap();
        assert_eq!(run.sent, 1, "the reminder reaches the phone too: {run:?}");

        // Acknowledging: only this enterprise's officer, only its obligations.
        let rules = CityRules::default();
        let forecast = Forecast {
            event: Event::Heat,
            level: Level::Red,
            temperature: Celsius10(405),
            month: 7,
        };
        let keys: Vec<String> = obligations(&rules, &forecast, true)
            .iter()
            .map(|o| o.key().to_string())
            .collect();
        let enterprise = people.officer_enterprise.to_string();
        let ack = format!("/alerts/{id}/ack");
        let res = other
            .post(&ack, &[("enterprise", people.other_enterprise.to_string().as_str()), ("measure", keys[0].as_str())])
            .await;
        assert_eq!(res.status(), 403);
        let res = officer.post(&ack, &[("enterprise", enterprise.as_str()), ("measure", "made_up")]).await;
        assert_eq!(res.status(), 422);
        let res = officer.post(&ack, &[("enterprise", enterprise.as_str()), ("note", "已停工")]).await;
        assert_eq!(res.status(), 422);
        officer
            .act(&ack, &[
                ("enterprise", enterprise.as_str()),
                ("measure", keys[0].as_str()),
                ("measure", keys[1].as_str()),
                ("note", "工地已全部停工，工人在宿舍休息"),
            ])
            .await;
        let (_, page) = officer.text(&format!("/alerts/{id}")).await;
        assert!(page.contains("工地已全部停工"), "{page}");
        let res = officer.post(&ack, &[("enterprise", enterprise.as_str()), ("measure", keys[0].as_str())]).await;
        assert_eq!(res.status(), 409);

        // The admin's dashboard: reached and acknowledged per district, each delivery's state.
        let html = admin.get(&format!("/alerts/{id}")).await.text().await.unwrap();
        let row = html.split("data-district=\"410105\"").nth(1).expect("a row for 金水区");
        assert!(row.contains("<td class=\"acked\">1</td>"), "{row}");
        assert!(html.contains("data-channel=\"push\""), "no push delivery shown");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM deliveries WHERE channel = 'push' AND state = 'acknowledged'").await,
            2
        );
        // Another district's admin does not see it; the city admin does.
        let zhongyuan_only = app.signed_in("inspector-zhongyuan").await;
        let (status, _) = zhongyuan_only.text(&format!("/alerts/{id}")).await;
        assert_eq!(status, 200, "anyone may read an alert");
        let html = zhongyuan_only.get(&format!("/alerts/{id}")).await.text().await.unwrap();
        assert!(!html.contains("data-channel"), "delivery states shown outside the admin's scope");

        // An update reaches the device under the same topic; so does the cancellation.
        admin
            .post(&format!("/alerts/{id}/update"), &[("level", "orange"), ("temperature", "38"), ("instruction", "")])
            .await;
        let updated: String = app::db_run!(&app.db, |pool| sqlx::query_scalar::<_, Uuid>(
            "SELECT id FROM alerts WHERE status = 'active'"
        )
        .fetch_one(pool)
        .await)
        .unwrap()
        .to_string();
        assert_ne!(updated, id);
        app.state.pusher.run_once(&app.state.db, &app.state.clock).await.unwrap();
        admin.post(&format!("/alerts/{updated}/cancel"), &[]).await;
        app.state.pusher.run_once(&app.state.db, &app.state.clock).await.unwrap();
        let got = push.received(sub["endpoint"].as_str().unwrap()).await;
        let titles: Vec<String> = got
            .iter()
            .map(|r| serde_json::from_str::<Value>(r["payload"].as_str().unwrap()).unwrap()["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            titles,
            [
                "【预警】郑州市金水区高温红色预警",
                "【请确认】郑州市金水区高温红色预警",
                "【预警】郑州市金水区高温橙色预警",
                "【已解除】郑州市金水区高温橙色预警",
            ]
        );
        assert!(got.iter().all(|r| r["topic"] == topic.as_str()), "{got:?}");
    }

    async fn the_worker_page_shows_rights_and_reports_an_enterprise_that_ignores_them(app) {
        let app = restart_with_clock(app).await;
        let people = app.people().await;
        let admin = app.signed_in("admin").await;
        admin
            .act(
                "/alerts",
                &[
                    ("event", "heat"),
                    ("level", "orange"),
                    ("temperature", "38"),
                    ("district", "410105"),
                    ("district", "410102"),
                    ("valid_from", "2026-07-01T09:00"),
                    ("valid_to", "2026-07-01T19:00"),
                ],
            )
            .await;
        let id: Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT id FROM alerts")
            .fetch_one(pool)
            .await)
        .unwrap();

        let worker = app.visitor();
        let (status, text) = worker.text("/heat").await;
        assert_eq!(status, 200);
        assert!(text.contains("请先选择您工作所在的区县"), "{text}");
        let (_, text) = worker.text("/heat?district=410105").await;
        assert!(text.contains("郑州市中原区、金水区高温橙色预警"), "{text}");
        assert!(text.contains("预报最高气温38℃"), "{text}");
        assert!(text.contains("今天您在室外露天作业全天累计不应超过6小时"), "{text}");
        assert!(text.contains("本单位未落实"), "{text}");
        // Remembered on this device.
        let (_, text) = worker.text("/heat").await;
        assert!(text.contains("高温橙色预警"), "{text}");
        let (_, text) = worker.text("/heat?district=410103").await;
        assert!(text.contains("今天没有高温或寒潮预警"), "{text}");
        let (status, list) = worker.json("/api/v1/alerts?district=410102").await;
        assert_eq!(status, 200);
        assert_eq!(list[0]["alert"]["id"], id.to_string());
        assert_eq!(worker.json("/api/v1/alerts?district=nowhere").await.0, 422);

        // The report form linked from the page carries the alert; the report is routed.
        let (_, form) = worker.text(&format!("/?category=heat&alert={id}&district=410105")).await;
        assert!(form.contains("这条报告针对今天的高温预警"), "{form}");
        let report = safesnap_tests::submit::Report::about(people.officer_enterprise)
            .without("q.fall.guard")
            .without("q.fall.height")
            .set("category", "heat")
            .set("q.heat.temperature", "41")
            .set("description", "中午还在工地浇筑，没有停工")
            .set("alert_id", &id.to_string())
            .photo(safesnap_tests::photos::camera_jpeg(640, 480, 1));
        let filed = app.file_report(&report).await;
        let (alert_id, assignee): (Option<Uuid>, Option<Uuid>) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT alert_id, assignee_id FROM reports WHERE id = $1"
        )
        .bind(filed.id)
        .fetch_one(pool)
        .await)
        .unwrap();
        assert_eq!(alert_id, Some(id));
        assert_eq!(assignee, Some(people.id("inspector")), "routed to 金水区's inspector");
        let unknown = report
            .clone()
            .set("client_id", &Uuid::new_v4().to_string())
            .set("alert_id", &Uuid::new_v4().to_string());
        let res = app.submit(&unknown).await;
        assert_eq!(res.status(), 422);
        let v: Value = res.json().await.unwrap();
        assert_eq!(field(&v), "alert_id", "{v}");
    }
}

/// The both-backends macro gives an app on the system clock; these tests need the manual one on
/// the same engine.
async fn restart_with_clock(app: TestApp) -> TestApp {
    let engine = app.engine;
    drop(app);
    spawn_app_at_start(engine).await.expect("engine available")
}

async fn post_json(b: &Browser, path: &str, body: &Value) -> (u16, Value) {
    let res = b
        .client
        .post(b.url(path))
        .header(header::ORIGIN, &b.base)
        .json(body)
        .send()
        .await
        .expect("post json");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn delivery_states(app: &TestApp) -> Vec<(String, i32, Option<String>)> {
    app::db_run!(&app.db, |pool| sqlx::query_as(
        "SELECT state, attempts, last_error FROM deliveries WHERE channel = 'push' ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .unwrap()
}

async fn issue(admin: &Browser) {
    admin
        .act(
            "/alerts",
            &[
                ("event", "heat"),
                ("level", "red"),
                ("temperature", "41"),
                ("district", "410105"),
                ("valid_from", "2026-07-01T10:00"),
                ("valid_to", "2026-07-01T20:00"),
            ],
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_failures_are_retried_removed_or_given_time() {
    let app = spawn_app_at_start(Engine::Sqlite).await.unwrap();
    app.people().await;
    let push = PushService::start();
    let officer = app.signed_in("officer").await;
    let mut subs = Vec::new();
    for behaviour in ["ok", "gone", "notfound", "throttle", "fail-twice", "slow"] {
        let sub = push.subscribe(behaviour).await;
        assert_eq!(
            post_json(&officer, "/api/v1/push/subscriptions", &sub)
                .await
                .0,
            201
        );
        subs.push((behaviour, sub["endpoint"].as_str().unwrap().to_string()));
    }
    let admin = app.signed_in("admin").await;
    issue(&admin).await;
    let pusher = &app.state.pusher;

    let run = pusher
        .run_once(&app.state.db, &app.state.clock)
        .await
        .unwrap();
    assert_eq!(
        (run.sent, run.failed, run.removed, run.retried),
        (1, 2, 2, 3),
        "{run:?}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM push_subscriptions").await,
        4,
        "404 and 410 remove the subscription"
    );
    let errors: Vec<Option<String>> = delivery_states(&app)
        .await
        .into_iter()
        .map(|s| s.2)
        .collect();
    let joined = format!("{errors:?}");
    for expected in ["410", "404", "429", "500", "timeout"] {
        assert!(joined.contains(expected), "{joined}");
    }

    // Retry-After: 1 is honoured; the 500s back off 30 s, then 60 s.
    app.advance(1_500);
    let run = pusher
        .run_once(&app.state.db, &app.state.clock)
        .await
        .unwrap();
    assert_eq!(
        run.sent, 1,
        "the throttled push after its Retry-After: {run:?}"
    );
    app.advance(30_000);
    let run = pusher
        .run_once(&app.state.db, &app.state.clock)
        .await
        .unwrap();
    assert_eq!((run.sent, run.retried), (0, 2), "{run:?}");
    app.advance(60_000);
    let run = pusher
        .run_once(&app.state.db, &app.state.clock)
        .await
        .unwrap();
    assert_eq!(
        (run.sent, run.retried),
        (1, 1),
        "the third try of fail-twice succeeds: {run:?}"
    );

    let fail_twice = &subs.iter().find(|s| s.0 == "fail-twice").unwrap().1;
    let statuses: Vec<i64> = push
        .received(fail_twice)
        .await
        .iter()
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 201]);
    let throttle = &subs.iter().find(|s| s.0 == "throttle").unwrap().1;
    let statuses: Vec<i64> = push
        .received(throttle)
        .await
        .iter()
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [429, 201]);

    // The admin sees every device's state, with the count and reason of failures.
    let id: Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT id FROM alerts")
        .fetch_one(pool)
        .await)
    .unwrap();
    let html = admin
        .get(&format!("/alerts/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html.matches("data-state=\"sent\" data-channel=\"push\"")
            .count(),
        3,
        "{html}"
    );
    assert_eq!(
        html.matches("data-state=\"failed\" data-channel=\"push\"")
            .count(),
        2
    );
    assert_eq!(
        html.matches("data-state=\"pending\" data-channel=\"push\"")
            .count(),
        1
    );
    assert!(
        visible_text(&html).contains("timeout"),
        "the slow service's reason is shown"
    );

    // The test button reaches each remaining device.
    let before = push.all_received().await.len();
    officer.act("/me/push/test", &[]).await;
    app.advance(3_600_000);
    pusher
        .run_once(&app.state.db, &app.state.clock)
        .await
        .unwrap();
    let ok = &subs.iter().find(|s| s.0 == "ok").unwrap().1;
    let last = push.received(ok).await.pop().unwrap();
    let payload: Value = serde_json::from_str(last["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["title"], "测试通知");
    assert!(push.all_received().await.len() > before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_push_each_notice_once() {
    let Some(app) = spawn_app_at_start(Engine::Postgres).await else {
        return;
    };
    let people = app.people().await;
    let push = PushService::start();
    // Forty devices of the officer (inserted directly: the account page keeps ten).
    for _ in 0..40 {
        let sub = push.subscribe("ok").await;
        app::db_run!(&app.db, |pool| sqlx::query(
            "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5, 0)"
        )
        .bind(Uuid::new_v4())
        .bind(people.id("officer"))
        .bind(sub["endpoint"].as_str().unwrap())
        .bind(sub["keys"]["p256dh"].as_str().unwrap())
        .bind(sub["keys"]["auth"].as_str().unwrap())
        .execute(pool)
        .await
        .map(|_| ()))
        .unwrap();
    }
    issue(&app.signed_in("admin").await).await;
    let other = app.second_server().await;
    let (a, b) = tokio::join!(
        app.state.pusher.run_once(&app.state.db, &app.state.clock),
        other.pusher.run_once(&other.db, &other.clock),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 40, "{a:?} {b:?}");
    let got = push.all_received().await;
    assert_eq!(got.len(), 40, "each device got the notice exactly once");
    let mut ids: Vec<&str> = got.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_of_two_enterprises_is_told_until_both_have_acknowledged() {
    let app = spawn_app_at_start(Engine::Sqlite).await.unwrap();
    let people = app.people().await;
    // The officer also answers for a second 金水区 enterprise.
    let second: Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM enterprises WHERE district_code = '410105' AND id <> $1 ORDER BY uscc LIMIT 1"
    )
    .bind(people.officer_enterprise)
    .fetch_one(pool)
    .await)
    .unwrap();
    app::db_run!(&app.db, |pool| sqlx::query(
        "INSERT INTO enterprise_officers (user_id, enterprise_id) VALUES ($1, $2)"
    )
    .bind(people.id("officer"))
    .bind(second)
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let officer = app.signed_in("officer").await;
    issue(&app.signed_in("admin").await).await;
    let id: Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT id FROM alerts")
        .fetch_one(pool)
        .await)
    .unwrap();
    let (status, page) = officer.text(&format!("/alerts/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("确认收到并已落实").count(),
        2,
        "one form per enterprise: {page}"
    );

    let ack = format!("/alerts/{id}/ack");
    let first = people.officer_enterprise.to_string();
    officer
        .act(
            &ack,
            &[
                ("enterprise", first.as_str()),
                ("measure", "cooling_supplies"),
            ],
        )
        .await;
    let states: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT state FROM deliveries WHERE channel = 'inbox'"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert!(
        states.iter().all(|s| s == "sent"),
        "still told for the second enterprise: {states:?}"
    );
    let second = second.to_string();
    officer
        .act(
            &ack,
            &[
                ("enterprise", second.as_str()),
                ("measure", "cooling_supplies"),
            ],
        )
        .await;
    let states: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT state FROM deliveries WHERE channel = 'inbox'"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert!(states.iter().all(|s| s == "acknowledged"), "{states:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_never_reaches_the_servers_own_network_and_workers_do_not_subscribe() {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    // As in production: no plain HTTP, no local addresses.
    let data = tempfile::tempdir().unwrap();
    let mut config = server::config::Config::local(data.path(), None, &safesnap_tests::site_root());
    config.push_allow_http = false;
    config.push.allow_local = false;
    let app = safesnap_tests::spawn_with(config, Engine::Sqlite, data, None).await;
    let people = app.people().await;
    // Something on this machine that a push must never reach; it counts connections.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let keys = PushService::start().subscribe("ok").await["keys"].clone();
    let sub = |endpoint: &str| serde_json::json!({ "endpoint": endpoint, "keys": keys });

    // Refused at subscription, however the address is spelled.
    let officer = app.signed_in("officer").await;
    for endpoint in [
        format!("https://127.1:{port}/a"),
        format!("https://0x7f.0.0.1:{port}/a"),
        format!("https://2130706433:{port}/a"),
        format!("https://[::ffff:127.0.0.1]:{port}/a"),
        format!("https://vm:{port}/a"),
        format!("https://localhost:{port}/a"),
        "https://169.254.169.254/latest/meta-data".to_string(),
        "https://100.64.1.1/a".to_string(),
        format!("http://127.0.0.1:{port}/a"),
    ] {
        let (status, body) =
            post_json(&officer, "/api/v1/push/subscriptions", &sub(&endpoint)).await;
        assert_eq!(status, 422, "{endpoint}: {body}");
        assert_eq!(body["fields"][0]["field"], "endpoint", "{endpoint}: {body}");
    }
    // Only a role that is pushed to subscribes (and the account page offers it only to them):
    // every desk is told of reports by push too; a worker's phone may be shared.
    let inspector = app.signed_in("inspector").await;
    let (status, body) = post_json(
        &inspector,
        "/api/v1/push/subscriptions",
        &sub("https://push.example.com/x"),
    )
    .await;
    assert_eq!(status, 201, "the inspector subscribes: {body}");
    assert!(inspector.text("/me").await.1.contains("手机通知"));
    let removed = inspector
        .client
        .delete(inspector.url("/api/v1/push/subscriptions"))
        .header("origin", &inspector.base)
        .json(&serde_json::json!({ "endpoint": "https://push.example.com/x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204, "and turns it off again");
    for login in ["13800138000"] {
        let who = app.signed_in(login).await;
        let (status, _) = post_json(
            &who,
            "/api/v1/push/subscriptions",
            &sub("https://push.example.com/x"),
        )
        .await;
        assert_eq!(status, 403, "{login} subscribed");
        assert_eq!(
            who.post("/me/push/test", &[]).await.status(),
            403,
            "{login}"
        );
        let (_, page) = who.text("/me").await;
        assert!(
            !page.contains("手机通知"),
            "{login} is offered push: {page}"
        );
    }
    let (_, page) = officer.text("/me").await;
    assert!(page.contains("手机通知"), "{page}");

    // A subscription already stored (before these rules, or by hand) is checked when the worker
    // connects: names through a resolver that drops every address that is not public, addresses
    // as written.
    let officer_id = people.id("officer");
    let k = |f: &str| keys[f].as_str().unwrap().to_string();
    for endpoint in [
        format!("https://vm:{port}/by-name"),
        format!("https://runsc:{port}/by-name"),
        format!("https://127.1:{port}/by-address"),
        format!("https://[::ffff:7f00:1]:{port}/by-address"),
    ] {
        server::store::push::subscribe(
            &app.db,
            officer_id,
            &endpoint,
            &k("p256dh"),
            &k("auth"),
            "test",
            app.now(),
        )
        .await
        .unwrap();
    }
    officer.act("/me/push/test", &[]).await;
    let run = app
        .state
        .pusher
        .run_once(&app.state.db, &app.state.clock)
        .await
        .unwrap();
    assert_eq!((run.sent, run.failed, run.retried), (0, 4, 0), "{run:?}");
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "a push reached 127.0.0.1:{port}"
    );
    let reasons: Vec<String> = delivery_states(&app)
        .await
        .into_iter()
        .map(|(state, _, error)| format!("{state}: {}", error.unwrap_or_default()))
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.contains("no public address"))
            .count(),
        2,
        "{reasons:?}"
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.contains("endpoint refused"))
            .count(),
        2,
        "{reasons:?}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM push_subscriptions").await,
        2,
        "an address that is not public is removed; a name may point elsewhere later"
    );

    // The test button is rate limited per account: 5 in 10 minutes (one used above).
    for _ in 0..4 {
        officer.act("/me/push/test", &[]).await;
    }
    let res = officer.post("/me/push/test", &[]).await;
    assert_eq!(res.status(), 429);
    let text = visible_text(&res.text().await.unwrap());
    assert!(text.contains("操作太频繁"), "{text}");
}
