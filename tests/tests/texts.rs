//! Notices that leave the app by text message, through a stand-in Alibaba Cloud SMS that checks
//! each request's signature as the service documents it: which notices go (urgent reports and
//! rectification notices; not an ordinary assignment), what the text carries (only the short
//! link, which leads to the page), the delivery receipts, flow control and outages tried again,
//! a refused number given up, the per-number limit, and two servers on one PostgreSQL sending
//! each message once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::desks::UnionAction;
use safesnap_tests::{
    people::{visible_text, Filed},
    sms::{SmsService, RECEIPT_TOKEN},
    spawn_with_clock,
    submit::Report,
    Engine, PgTestDatabase, TestApp, START,
};
use serde_json::Value;
use uuid::Uuid;

const INSPECTOR_PHONE: &str = "13703710003";
const DISTRICT_ADMIN_PHONE: &str = "13703710002";
const OFFICER_PHONE: &str = "13703710006";

/// A server on `engine` whose texts go through `sms`, with the manual clock at `START`.
async fn texting(engine: Engine, sms: &SmsService) -> Option<TestApp> {
    texting_with(
        engine,
        sms,
        server::sms::worker::DEFAULT_SMS_PER_PHONE_PER_HOUR,
    )
    .await
}

async fn texting_with(engine: Engine, sms: &SmsService, per_hour: u32) -> Option<TestApp> {
    let data = tempfile::tempdir().expect("temp dir");
    let pg = match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(PgTestDatabase::create().await?),
    };
    let mut config = server::config::Config::local(
        data.path(),
        pg.as_ref().map(|p| p.url.clone()),
        &safesnap_tests::site_root(),
    );
    config.sms = server::config::SmsSettings {
        per_phone_per_hour: per_hour,
        ..sms.settings()
    };
    let clock = app::backend::clock::ManualClock::new(START);
    Some(spawn_with_clock(config, engine, data, pg, Some(clock)).await)
}

async fn send_texts(app: &TestApp) -> server::sms::worker::SmsRun {
    app.state
        .sms_worker
        .run_once(&app.db, &app.state.clock)
        .await
        .expect("SMS round")
}

/// (state, attempts, last error, provider ref, delivered) of every SMS delivery, oldest first.
async fn sms_rows(app: &TestApp) -> Vec<(String, i32, Option<String>, Option<String>, bool)> {
    app::db_run!(&app.db, |pool| sqlx::query_as(
        "SELECT d.state, d.attempts, d.last_error, d.provider_ref, d.delivered_at IS NOT NULL
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.channel = 'sms' ORDER BY n.created_at, d.id"
    )
    .fetch_all(pool)
    .await)
    .unwrap()
}

async fn urgent(app: &TestApp, enterprise: Uuid) -> Filed {
    app.file_report(
        &Report::about(enterprise)
            .set("severity", "life_threatening")
            .photo(safesnap_tests::photos::camera_jpeg(640, 480, 1)),
    )
    .await
}

fn phones(sent: &[Value]) -> Vec<String> {
    let mut p: Vec<String> = sent
        .iter()
        .map(|m| m["phone"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

async fn post_receipts(app: &TestApp, token: &str, body: &str) -> (u16, String) {
    let res = app
        .client
        .post(app.url(&format!("/hooks/sms/aliyun/{token}")))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn urgent_reports_and_notices_reach_phones(engine: Engine) {
    let sms = SmsService::start();
    let Some(app) = texting(engine, &sms).await else {
        return;
    };
    let people = app.people().await;
    // An ordinary report is told in the inbox (and by push), not by text.
    let ordinary = app.file(people.officer_enterprise, false).await;
    assert_eq!(send_texts(&app).await.sent, 0);
    assert!(sms.sent().await.is_empty());

    // An urgent one pages its inspector and the district's admin by text.
    let r = urgent(&app, people.officer_enterprise).await;
    let run = send_texts(&app).await;
    assert_eq!(run.sent, 2, "{run:?}");
    let sent = sms.sent().await;
    assert_eq!(phones(&sent), [DISTRICT_ADMIN_PHONE, INSPECTOR_PHONE]);
    assert!(sms.refused().await.is_empty(), "{:?}", sms.refused().await);
    for m in &sent {
        assert_eq!(m["template"], "SMS_200001", "the urgent template: {m}");
        assert_eq!(m["sign"], "郑州市总工会");
        // The only parameter is the link: nothing of the report, nothing of the reporter.
        let params = m["params"].as_object().unwrap();
        assert_eq!(params.len(), 1, "{m}");
        let url = params["url"].as_str().unwrap();
        assert!(url.starts_with("https://aq.example.cn/n/"), "{url}");
        let text = server::sms::channels::notice_text("郑州市总工会", "urgent", url);
        assert!(
            text.chars().count() <= server::sms::channels::SMS_SEGMENT_CHARS,
            "{text}"
        );
    }
    // The inspector's link opens the report's page (after signing in, like any page).
    let inspector_text = sent.iter().find(|m| m["phone"] == INSPECTOR_PHONE).unwrap();
    let path = inspector_text["params"]["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://aq.example.cn")
        .to_string();
    let inspector = app.signed_in("inspector").await;
    let res = inspector.get(&path).await;
    assert_eq!(res.status(), 303);
    let page = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(page, UnionAction::page(r.id));
    let (status, html) = inspector.text(&page).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&r.code) || html.contains("紧急"),
        "the report's page"
    );
    assert_eq!(app.visitor().get("/n/AAAAAAAAAA").await.status(), 404);
    assert_ne!(ordinary.id, r.id);

    // Each delivery is sent with the provider's id; receipts mark one received, one not.
    let rows = sms_rows(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.0 == "sent" && r.3.is_some() && !r.4));
    let receipts: Vec<Value> = sent
        .iter()
        .map(|m| {
            let ok = m["phone"] == INSPECTOR_PHONE;
            serde_json::json!({
                "phone_number": "1370371****", "send_time": "2026-07-01 09:00:01",
                "report_time": "2026-07-01 09:00:05", "success": ok,
                "err_code": if ok { "DELIVERED" } else { "MK:0001" },
                "err_msg": if ok { "用户接收成功" } else { "空号" },
                "sms_size": "1", "biz_id": m["biz_id"], "out_id": m["out_id"],
            })
        })
        .collect();
    let body = serde_json::to_string(&receipts).unwrap();
    assert_eq!(
        post_receipts(&app, "wrong-token-0123456789abcdef", &body)
            .await
            .0,
        404
    );
    let (status, answer) = post_receipts(&app, RECEIPT_TOKEN, "{not json").await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = post_receipts(&app, RECEIPT_TOKEN, &body).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&answer).unwrap()["code"], 0);
    // The provider repeats receipts: the second push changes nothing.
    assert_eq!(post_receipts(&app, RECEIPT_TOKEN, &body).await.0, 200);
    let mut states: Vec<(String, bool, Option<String>)> = sms_rows(&app)
        .await
        .into_iter()
        .map(|r| (r.0, r.4, r.2))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            (
                "failed".into(),
                false,
                Some("not received: MK:0001 空号".into())
            ),
            ("sent".into(), true, None),
        ]
    );

    // The admin's delivery log shows both, as the receipts left them.
    let res = app.signed_in("admin").await.get("/admin/deliveries").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(html.matches("data-channel=\"sms\"").count(), 2, "{html}");
    let text = visible_text(&html);
    assert!(
        text.contains("对方已收到") && text.contains("not received: MK:0001 空号"),
        "{text}"
    );

    // A rectification notice reaches the enterprise's officer by text too.
    app.grade_and_notice(&inspector, &ordinary).await;
    assert_eq!(send_texts(&app).await.sent, 1);
    let last = sms.sent().await.pop().unwrap();
    assert_eq!(
        (last["phone"].as_str(), last["template"].as_str()),
        (Some(OFFICER_PHONE), Some("SMS_200002"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urgent_reports_and_notices_reach_phones_by_signed_sms_sqlite() {
    urgent_reports_and_notices_reach_phones(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urgent_reports_and_notices_reach_phones_by_signed_sms_postgres() {
    urgent_reports_and_notices_reach_phones(Engine::Postgres).await
}

async fn flow_control_outages_refusals_and_the_hourly_limit(engine: Engine) {
    let sms = SmsService::start();
    let Some(app) = texting(engine, &sms).await else {
        return;
    };
    let people = app.people().await;
    sms.behave(INSPECTOR_PHONE, "throttle-once").await;
    sms.behave(DISTRICT_ADMIN_PHONE, "refuse").await;
    urgent(&app, people.officer_enterprise).await;
    let run = send_texts(&app).await;
    assert_eq!((run.sent, run.retried, run.failed), (0, 1, 1), "{run:?}");
    let rows = sms_rows(&app).await;
    let failed = rows.iter().find(|r| r.0 == "failed").unwrap();
    assert!(
        failed
            .2
            .as_deref()
            .unwrap()
            .contains("isv.MOBILE_NUMBER_ILLEGAL"),
        "{failed:?}"
    );
    let waiting = rows.iter().find(|r| r.0 == "pending").unwrap();
    assert!(
        waiting
            .2
            .as_deref()
            .unwrap()
            .contains("isv.BUSINESS_LIMIT_CONTROL"),
        "{waiting:?}"
    );
    // Not before its backoff; then sent.
    assert_eq!(send_texts(&app).await, Default::default());
    app.advance(31_000);
    assert_eq!(send_texts(&app).await.sent, 1);
    assert_eq!(phones(&sms.sent().await), [INSPECTOR_PHONE]);

    // An outage is tried again too.
    sms.behave(INSPECTOR_PHONE, "down-once").await;
    urgent(&app, people.officer_enterprise).await;
    assert_eq!(send_texts(&app).await.retried, 1);
    app.advance(31_000);
    assert_eq!(send_texts(&app).await.sent, 1);

    // At most five texts an hour to one number: the rest wait, none is lost.
    for _ in 0..5 {
        urgent(&app, people.officer_enterprise).await;
    }
    let run = send_texts(&app).await;
    // The inspector had two this hour: three more now, two wait.
    assert_eq!((run.sent, run.deferred), (3, 2), "{run:?}");
    app.advance(3_600_000);
    assert_eq!(send_texts(&app).await.sent, 2);
    let to_inspector = sms
        .sent()
        .await
        .iter()
        .filter(|m| m["phone"] == INSPECTOR_PHONE)
        .count();
    assert_eq!(to_inspector, 7, "every urgent report reached the inspector");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_control_and_outages_are_tried_again_and_a_refused_number_is_given_up_sqlite() {
    flow_control_outages_refusals_and_the_hourly_limit(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_control_and_outages_are_tried_again_and_a_refused_number_is_given_up_postgres() {
    flow_control_outages_refusals_and_the_hourly_limit(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_send_each_text_once() {
    let sms = SmsService::start();
    // The per-number limit is raised so that every text is due now.
    let Some(app) = texting_with(Engine::Postgres, &sms, 1000).await else {
        return;
    };
    let people = app.people().await;
    // Ten urgent reports (one device's hourly quota) about 中原区 and 金水区 enterprises: texts
    // to their inspectors and district desks.
    for i in 0..10 {
        let e = if i % 2 == 0 {
            people.officer_enterprise
        } else {
            people.other_enterprise
        };
        urgent(&app, e).await;
    }
    let due: i64 = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM deliveries WHERE channel = 'sms'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert!(due >= 10, "{due}");
    let other = app.second_server().await;
    let (a, b) = tokio::join!(
        app.state.sms_worker.run_once(&app.db, &app.state.clock),
        other.sms_worker.run_once(&other.db, &other.clock),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.sent + b.sent) as i64, due, "{a:?} {b:?}");
    let sent = sms.sent().await;
    assert_eq!(sent.len() as i64, due, "each text went exactly once");
    let mut ids: Vec<&str> = sent.iter().map(|m| m["out_id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as i64, due);
}
