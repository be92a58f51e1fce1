//! The reporter's confidentiality. Named reports are filed by a registered worker (with GPS in
//! the photo and the phone's evidence fields) and taken through every state; then the
//! enterprise officer fetches every page, JSON answer, export, photo, notification and server
//! function they can reach, and none of it holds the reporter's name, phone number, account,
//! receipt code, description, messages or evidence. The reveal: an admin-only action with a
//! written reason, in the audit log and on the internal timeline, never on the enterprise's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safesnap_tests::{
    both_backends,
    people::{visible_text, Browser, Filed, REPORTER_NAME, REPORTER_PHONE},
    photos,
    submit::Report,
    TestApp,
};

const DESCRIPTION: &str = "夜班时看到的，二号塔吊下面没人看管";
const MESSAGE: &str = "我是木工班的，班长不让说";
const CLIENT_SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Everything that must never reach the enterprise.
struct Secrets {
    strings: Vec<String>,
}

impl Secrets {
    fn assert_absent(&self, what: &str, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        for s in &self.strings {
            assert!(
                !text.contains(s.as_str()),
                "{what} contains `{s}`:\n{}",
                text.chars().take(600).collect::<String>()
            );
        }
    }
}

/// Files a report from a browser; its receipt code.
async fn filed_from(browser: &Browser, report: &Report) -> String {
    let res = browser
        .post_multipart("/api/v1/reports", report.form())
        .await;
    assert_eq!(res.status(), 201);
    res.json::<serde_json::Value>().await.unwrap()["receipt_code"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn named_report(app: &TestApp, worker: &Browser, enterprise: uuid::Uuid) -> Filed {
    let meta = format!(
        r#"{{"sha256":"{CLIENT_SHA}","taken_at":"2026-07-14T10:20:00","lat":34.7466,"lon":113.6253,"orientation":1,"bytes":4812345}}"#
    );
    let report = Report::about(enterprise)
        .set("identity", "named")
        .set("name", REPORTER_NAME)
        .set("phone", REPORTER_PHONE)
        .set("description", DESCRIPTION)
        .photo(photos::camera_jpeg(1600, 1200, 1))
        .meta(&meta);
    // Filed from the worker's own phone (their account's cookie): the account is linked.
    let code = filed_from(worker, &report).await;
    let id = app.report_by_code(&code).await;
    worker.act("/me/receipts", &[("codes", &code)]).await;
    Filed { code, id }
}

both_backends! {
    async fn the_enterprise_gets_only_the_photos_the_inspector_released_masked_where_marked(app) {
        let people = app.people().await;
        // A red square at 480,330 (240 px) on grey: the mask covers it; a second photo is withheld.
        let square = photos::red_square_jpeg(1200, 900, 480, 330, 240);
        let report = Report::about(people.officer_enterprise)
            .photo(square)
            .photo(photos::camera_jpeg(800, 600, 1));
        let filed = app.file_report(&report).await;
        let inspector = app.signed_in("inspector").await;
        let officer = app.signed_in("officer").await;
        inspector.act(&format!("/union/reports/{}/grade", filed.id), &[("grade", "ordinary")]).await;
        let (_, union) = inspector.json(&format!("/api/v1/reports/{}", filed.id)).await;
        let ids: Vec<String> = union["view"]["photos"].as_array().unwrap().iter()
            .filter(|p| p["kind"] == "hazard").map(|p| p["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids.len(), 2);
        let (masked, withheld) = (ids[0].clone(), ids[1].clone());
        // The notice form shows every photo to review.
        let html = inspector.get(&format!("/union/reports/{}", filed.id)).await.text().await.unwrap();
        assert!(html.contains("照片审核") && html.contains(&format!("data-photo=\"{masked}\"")), "{html}");
        assert!(html.contains("/mask.js"), "the masking script");
        let deadline = app::components::page::date_of(app.now() + 5 * 86_400_000);
        let mut form = vec![("responsible_person", "张三".to_string()), ("measures", "整改".to_string()), ("deadline", deadline),
            ("standard", "GB".to_string()), ("acceptance_person", "李四".to_string())];
        // A mask naming another report's photo is refused, field by field, and nothing is sent.
        let mut wrong = form.clone();
        wrong.push(("mask", format!("{}:0,0,10,10", uuid::Uuid::new_v4())));
        let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = inspector.post(&format!("/union/reports/{}/notice", filed.id), &wrong).await;
        assert_eq!(res.status(), 422);
        assert!(visible_text(&res.text().await.unwrap()).contains("照片遮挡的范围不对"));
        form.push(("mask", format!("{masked}:400,366,200,267")));
        form.push(("withhold", withheld.clone()));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = inspector.post(&format!("/union/reports/{}/notice", filed.id), &form).await;
        assert_eq!(res.status(), 303);

        // The officer's copies: the square's pixels are the mask's, not a trace of red.
        async fn bytes(b: &Browser, path: String) -> (u16, Vec<u8>) {
            let res = b.get(&path).await;
            (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
        }
        for size in ["display", "thumb"] {
            let (status, jpeg) = bytes(&officer, format!("/photos/{masked}/{size}")).await;
            assert_eq!(status, 200, "{size}");
            let (rgb, w, h) = photos::decode(&jpeg);
            let inside = photos::pixels_in(&rgb, w, h, (0.40, 0.60), (0.3667, 0.6333));
            assert!(!inside.is_empty());
            assert!(inside.iter().all(|p| p.iter().all(|c| c.abs_diff(24) <= 12)), "{size}: a pixel of the square survived the mask");
            let outside = photos::colour_at(&rgb, w, h, 0.1, 0.1);
            assert!(photos::close(outside, [128, 128, 128]), "{size}: the rest stays: {outside:?}");
        }
        // The union's copy is untouched.
        let (_, jpeg) = bytes(&inspector, format!("/photos/{masked}/display")).await;
        let (rgb, w, h) = photos::decode(&jpeg);
        assert!(photos::close(photos::colour_at(&rgb, w, h, 0.5, 0.5), [230, 20, 20]));
        // Withheld: not listed, not served; originals: never.
        for path in [format!("/photos/{withheld}/display"), format!("/photos/{withheld}/thumb"),
                     format!("/photos/{masked}/original"), format!("/photos/{withheld}/original")] {
            assert_eq!(bytes(&officer, path.clone()).await.0, 404, "{path}");
        }
        let (_, seen) = officer.json(&format!("/api/v1/enterprise/reports/{}", filed.id)).await;
        let listed: Vec<&str> = seen["photos"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(listed, [masked.as_str()], "{seen}");
        // On the union's timeline and in the audit log; not on the enterprise's.
        let (_, page) = inspector.text(&format!("/union/reports/{}", filed.id)).await;
        assert!(page.contains("照片审核：向企业提供 1 张（其中遮挡 1 张），不提供 1 张"), "{page}");
        let (_, page) = officer.text(&format!("/enterprise/reports/{}", filed.id)).await;
        assert!(!page.contains("照片审核") && !page.contains(&withheld), "{page}");
        let (_, log) = app.signed_in("admin").await.text("/admin/audit").await;
        assert!(log.contains("photos_released"), "{log}");
    }

    async fn the_enterprise_never_learns_who_reported(app) {
        let people = app.people().await;
        let worker = app.signed_in("13800138000").await;
        let inspector = app.signed_in("inspector").await;
        let officer = app.signed_in("officer").await;
        let deadline = app::components::page::date_of(app.now() + 7 * 86_400_000);
        let mut notice = vec![
            ("responsible_person", "项目经理 张三"), ("measures", "设专人看管塔吊"), ("deadline", deadline.as_str()),
            ("standard", "GB 5144"), ("acceptance_person", "安全部"),
        ];
        for plan in ["plan_goal", "plan_resources", "plan_people", "plan_safety", "plan_emergency"] {
            notice.push((plan, "按方案执行"));
        }

        // Three named reports, left in different states.
        let mut reports = Vec::new();
        for _ in 0..3 {
            let r = named_report(&app, &worker, people.officer_enterprise).await;
            inspector.act(&format!("/union/reports/{}/grade", r.id), &[("grade", "major")]).await;
            inspector.act(&format!("/union/reports/{}/notice", r.id), &notice).await;
            let code = r.code.replace('-', "");
            worker.act(&format!("/r/{code}/messages"), &[("body", MESSAGE)]).await;
            reports.push(r);
        }
        // One acknowledged and rectified, one verified (the reporter asked), one with an extension.
        let page = |r: &Filed| format!("/enterprise/reports/{}", r.id);
        officer.act(&format!("{}/acknowledge", page(&reports[0])), &[]).await;
        let form = reqwest::multipart::Form::new().text("note", "已整改").part("photo", reqwest::multipart::Part::bytes(photos::camera_jpeg(800, 600, 1)).file_name("a.jpg").mime_str("image/jpeg").unwrap());
        assert_eq!(officer.post_multipart(&format!("{}/rectification", page(&reports[0])), form).await.status(), 303);
        officer.act(&format!("{}/acknowledge", page(&reports[1])), &[]).await;
        let form = reqwest::multipart::Form::new().text("note", "已整改").part("photo", reqwest::multipart::Part::bytes(photos::camera_jpeg(800, 600, 1)).file_name("b.jpg").mime_str("image/jpeg").unwrap());
        assert_eq!(officer.post_multipart(&format!("{}/rectification", page(&reports[1])), form).await.status(), 303);
        inspector.act(&format!("/union/reports/{}/verify", reports[1].id), &[("result", "pass")]).await;
        officer.act(&format!("{}/extension", page(&reports[2])), &[("until", &app::components::page::date_of(app.now() + 20 * 86_400_000)), ("reason", "设备订货")]).await;

        // The secrets: identity (plain, masked, spaced), account, receipt codes, the free text,
        // the thread, the evidence (hashes of the originals, the phone's hash, GPS, capture time).
        let worker_id = people.id("13800138000").to_string();
        let mut strings = vec![
            REPORTER_NAME.to_string(), REPORTER_PHONE.to_string(), "139****5678".to_string(), "13912345678".to_string(),
            worker_id, "赵师傅".to_string(), DESCRIPTION.to_string(), MESSAGE.to_string(), CLIENT_SHA.to_string(),
            "34.7466".to_string(), "113.6253".to_string(), "34.76".to_string(), "2026-07-14".to_string(),
        ];
        for r in &reports {
            strings.push(r.code.clone());
            strings.push(r.code.replace('-', ""));
        }
        // The stored originals' keys, and each original's own hash (sealed in the evidence).
        let originals: Vec<(uuid::Uuid, String)> = app::db_run!(&app.db, |pool| sqlx::query_as("SELECT photo_id, original_key FROM photo_evidence").fetch_all(pool).await).unwrap();
        for (photo, key) in &originals {
            strings.push(key.clone());
            strings.push(app.evidence(*photo).await.sha256);
        }
        let secrets = Secrets { strings };

        // Everything the officer can reach.
        let mut seen = 0;
        let fetch = |path: String| {
            let officer = officer.clone();
            async move {
                let res = officer.get(&path).await;
                let status = res.status().as_u16();
                (path, status, res.bytes().await.unwrap().to_vec())
            }
        };
        let mut paths = vec![
            "/enterprise".to_string(), "/api/v1/enterprise/reports".to_string(), "/enterprise/export.csv".to_string(),
            "/inbox".to_string(), "/api/v1/inbox".to_string(), "/me".to_string(), "/".to_string(), "/my".to_string(),
        ];
        for r in &reports {
            paths.push(page(r));
            paths.push(format!("/api/v1/enterprise/reports/{}", r.id));
            // What the union sees is not theirs to see.
            paths.push(format!("/union/reports/{}", r.id));
            paths.push(format!("/api/v1/reports/{}", r.id));
        }
        for path in paths {
            let (path, status, body) = fetch(path).await;
            assert!(status < 500, "{path}: {status}");
            secrets.assert_absent(&path, &body);
            seen += 1;
        }
        // Every photo the enterprise's pages link, and the links themselves.
        for r in &reports {
            let (_, v) = officer.json(&format!("/api/v1/enterprise/reports/{}", r.id)).await;
            assert!(v["id"].is_string(), "the officer sees the report: {v}");
            for key in ["reporter", "name", "phone", "receipt_code", "code", "description", "evidence", "created_at", "messages", "user_id"] {
                assert!(v.get(key).is_none(), "the enterprise view has `{key}`: {v}");
            }
            for p in v["photos"].as_array().unwrap() {
                let id = p["id"].as_str().unwrap();
                for size in ["thumb", "display"] {
                    let (path, status, body) = fetch(format!("/photos/{id}/{size}")).await;
                    assert_eq!(status, 200, "{path}");
                    secrets.assert_absent(&path, &body);
                    assert!(!body.windows(4).any(|w| w == b"Exif"), "{path} carries EXIF");
                    seen += 1;
                }
                let (path, status, _) = fetch(format!("/photos/{id}/original")).await;
                assert_eq!(status, 404, "the evidence original is not the enterprise's: {path}");
            }
        }
        // The server functions behind their pages.
        for (name, args) in [("load_enterprise_queue", String::new()), ("load_inbox", String::new()), ("my_account", String::new())]
            .into_iter()
            .chain(reports.iter().map(|r| ("load_enterprise_report", format!("id={}&lang=ZhCn", r.id))))
        {
            let path = leptos::server_fn::axum::server_fn_paths()
                .map(|(p, _)| p.to_string())
                .find(|p| p.trim_start_matches("/api/").trim_end_matches(|c: char| c.is_ascii_digit()) == name)
                .unwrap();
            let res = officer.client.post(officer.url(&path)).header("origin", &officer.base)
                .header("content-type", "application/x-www-form-urlencoded").body(args).send().await.unwrap();
            assert_eq!(res.status(), 200, "{name}");
            secrets.assert_absent(name, &res.bytes().await.unwrap());
            seen += 1;
        }
        assert!(seen > 25, "the scan covered {seen} answers");
        // The notifications themselves arrived (the scan read real content).
        let (_, inbox) = officer.json("/api/v1/inbox").await;
        assert!(inbox.as_array().unwrap().len() >= 4, "{inbox}");
        let (_, csv) = officer.text("/enterprise/export.csv").await;
        assert!(csv.contains("设专人看管塔吊"), "the export has the reports: {csv}");
    }

    async fn revealing_the_reporter_takes_two_admins_a_reason_and_tells_the_reporter(app) {
        let people = app.people().await;
        let report = app.file(people.officer_enterprise, true).await;
        let inspector = app.signed_in("inspector").await;
        let district = app.signed_in("jinshui-admin").await;
        let city = app.signed_in("admin").await;
        let other_district = app.signed_in("inspector-zhongyuan").await;
        let page_of = format!("/union/reports/{}", report.id);
        let path = format!("{page_of}/reveal");

        // The inspector sees that the reporter gave a name, not the name.
        let (_, page) = inspector.text(&page_of).await;
        assert!(page.contains("实名（需管理员查看）") && !page.contains(REPORTER_NAME), "{page}");
        let res = inspector.post(&path, &[("reason", "移交12350核实")]).await;
        assert_eq!(res.status(), 403);
        assert_eq!(other_district.post(&path, &[("reason", "移交12350核实")]).await.status(), 404);
        // The admin must say why.
        let res = district.post(&path, &[("reason", "")]).await;
        assert_eq!(res.status(), 422);
        assert!(visible_text(&res.text().await.unwrap()).contains("请写明查看举报人身份的原因"));
        // Asking shows nothing yet.
        let res = district.post(&path, &[("reason", "移交12350举报热线核实")]).await;
        assert_eq!(res.status(), 303);
        let (_, page) = district.text(&page_of).await;
        assert!(!page.contains(REPORTER_NAME) && page.contains("等待另一位管理员批准"), "{page}");
        let (_, union) = city.json(&format!("/api/v1/reports/{}", report.id)).await;
        let request = union["reveal_requests"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(union["reveal_requests"][0]["may_decide"], true, "{union}");
        // The one who asked can neither approve it nor open it.
        let approve = [("request", request.as_str()), ("decision", "approve")];
        let res = district.post(&format!("{page_of}/reveal-decision"), &approve).await;
        assert_eq!(res.status(), 403);
        assert!(visible_text(&res.text().await.unwrap()).contains("申请人不能批准自己的申请"));
        let open = [("request", request.as_str())];
        assert_eq!(district.post(&format!("{page_of}/reveal-open"), &open).await.status(), 403);
        // A second admin approves; the receipt page tells the reporter to whom and why.
        assert_eq!(city.post(&format!("{page_of}/reveal-decision"), &approve).await.status(), 303);
        assert_eq!(city.post(&format!("{page_of}/reveal-decision"), &approve).await.status(), 409, "decided once");
        let (_, receipt) = app.visitor().text(&format!("/r/{}", report.code.replace('-', ""))).await;
        let receipt = visible_text(&receipt);
        assert!(receipt.contains("您的身份信息向工会的") && receipt.contains("移交12350举报热线核实"), "{receipt}");
        // The approver does not see it; the one who asked does, once opened.
        assert_eq!(city.post(&format!("{page_of}/reveal-open"), &open).await.status(), 403);
        let res = district.post(&format!("{page_of}/reveal-open"), &open).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        let shown = visible_text(&res.text().await.unwrap());
        assert!(shown.contains(REPORTER_NAME) && shown.contains(REPORTER_PHONE), "{shown}");
        // Not stored on the page afterwards; on the timeline, who and why.
        let (_, page) = district.text(&page_of).await;
        assert!(!page.contains(REPORTER_NAME), "{page}");
        assert!(page.contains("管理员查看了举报人身份：移交12350举报热线核实"), "{page}");
        let (_, log) = city.text("/admin/audit").await;
        for action in ["identity_reveal_requested", "identity_reveal_approved", "identity_revealed"] {
            assert!(log.contains(action), "{action}: {log}");
        }
        assert!(log.contains("移交12350举报热线核实"), "{log}");
        assert!(!log.contains(REPORTER_NAME) && !log.contains(REPORTER_PHONE), "the audit log keeps who looked, not what they saw");
        // The enterprise, once noticed, sees none of it.
        inspector.act(&format!("/union/reports/{}/grade", report.id), &[("grade", "ordinary")]).await;
        inspector.act(&format!("/union/reports/{}/notice", report.id), &[("responsible_person", "张三"), ("measures", "整改"), ("deadline", &app::components::page::date_of(app.now() + 86_400_000 * 5)), ("standard", "GB"), ("acceptance_person", "李四")]).await;
        let (_, page) = app.signed_in("officer").await.text(&format!("/enterprise/reports/{}", report.id)).await;
        assert!(!page.contains("查看了举报人身份") && !page.contains("12350"), "{page}");
    }
}

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 3600 * 1000;

/// A report about `enterprise` from a phone of its own (each phone has its own submission limit).
async fn from_a_phone(app: &TestApp, enterprise: uuid::Uuid) -> Filed {
    let report = Report::about(enterprise).photo(photos::camera_jpeg(640, 480, 1));
    let code = filed_from(&app.visitor(), &report).await;
    let id = app.report_by_code(&code).await;
    Filed { code, id }
}

async fn grade_and_notice(app: &TestApp, inspector: &Browser, r: &Filed) {
    inspector
        .act(
            &format!("/union/reports/{}/grade", r.id),
            &[("grade", "ordinary")],
        )
        .await;
    let deadline = app::components::page::date_of(app.now() + 7 * DAY);
    inspector
        .act(
            &format!("/union/reports/{}/notice", r.id),
            &[
                ("responsible_person", "张三"),
                ("measures", "加装防护栏"),
                ("deadline", &deadline),
                ("standard", "GB 50870"),
                ("acceptance_person", "李四"),
            ],
        )
        .await;
}

/// Every number in a JSON value.
fn numbers(v: &serde_json::Value, out: &mut Vec<i64>) {
    match v {
        serde_json::Value::Number(n) => out.extend(n.as_i64()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

/// Every id-looking string in a JSON value, parsed.
fn uuids(v: &serde_json::Value, out: &mut Vec<uuid::Uuid>) {
    match v {
        serde_json::Value::String(s) => out.extend(uuid::Uuid::parse_str(s).ok()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| uuids(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| uuids(x, out)),
        _ => {}
    }
}

async fn the_enterprise_sees_the_notices_times_and_random_ids_only(engine: safesnap_tests::Engine) {
    let Some(app) = safesnap_tests::spawn_app_at_start(engine).await else {
        return;
    };
    let people = app.people().await;
    let inspector = app.signed_in("inspector").await;
    let officer = app.signed_in("officer").await;
    // 23 reports made a minute apart; noticed later, a minute apart, in the opposite order.
    let mut filed = Vec::new();
    for _ in 0..23 {
        filed.push(from_a_phone(&app, people.officer_enterprise).await);
        app.advance(MINUTE);
    }
    let made = safesnap_tests::START..app.now();
    app.advance(60 * MINUTE);
    for r in filed.iter().rev() {
        grade_and_notice(&app, &inspector, r).await;
        app.advance(MINUTE);
    }

    // The officer's list, page by page: newest notice first (so the first report made comes
    // first), random ids, no time of the making, no thumbnail of a photo not yet released.
    let mut listed = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &next {
            None => "/api/v1/enterprise/reports".to_string(),
            Some(c) => format!("/api/v1/enterprise/reports?after={c}"),
        };
        let (status, page) = officer.json(&path).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        let mut found = Vec::new();
        numbers(&page, &mut found);
        assert!(
            !found.iter().any(|n| made.contains(n)),
            "a time of the making in {page}"
        );
        for item in page["items"].as_array().unwrap() {
            let id = uuid::Uuid::parse_str(item["id"].as_str().unwrap()).unwrap();
            assert_eq!(
                id.get_version_num(),
                4,
                "a time-ordered id reaches the enterprise: {id}"
            );
            assert!(
                item["thumb"].is_null() && item["assignee_name"].is_null(),
                "{item}"
            );
            listed.push(id);
        }
        match page["next"].as_str() {
            Some(c) => next = Some(c.to_string()),
            None => break,
        }
    }
    assert!(pages >= 2, "the list spans pages");
    let in_notice_order: Vec<uuid::Uuid> = filed.iter().map(|r| r.id).collect();
    assert_eq!(
        listed, in_notice_order,
        "ordered by the notice's time, latest first"
    );

    // A cursor is opaque and sealed: changed or made up, it is refused.
    let (_, first) = officer.json("/api/v1/enterprise/reports").await;
    let sealed = first["next"].as_str().unwrap().to_string();
    // Nothing in it reads as a time or an id: no dots, no run of digits, no listed id.
    assert!(!sealed.contains('.'), "{sealed}");
    assert!(
        !sealed
            .as_bytes()
            .windows(10)
            .any(|w| w.iter().all(u8::is_ascii_digit)),
        "a time in the clear: {sealed}"
    );
    assert!(
        !listed
            .iter()
            .any(|id| sealed.contains(&id.simple().to_string()[..8])),
        "an id in the clear: {sealed}"
    );
    let mut bytes = sealed.into_bytes();
    bytes[10] = if bytes[10] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(bytes).unwrap();
    for cursor in [
        tampered.as_str(),
        "0.1782867600000.00000000-0000-4000-8000-000000000000",
    ] {
        let (status, v) = officer
            .json(&format!("/api/v1/enterprise/reports?after={cursor}"))
            .await;
        assert_eq!(status, 400, "{cursor}: {v}");
    }

    // One report as the officer sees it: every id random, no time of the making.
    let (_, view) = officer
        .json(&format!("/api/v1/enterprise/reports/{}", filed[0].id))
        .await;
    let mut ids = Vec::new();
    uuids(&view, &mut ids);
    assert!(!ids.is_empty());
    for id in ids {
        assert!(
            id.get_version_num() == 4,
            "a time-ordered id in the enterprise's view: {id}: {view}"
        );
    }
    let mut found = Vec::new();
    numbers(&view, &mut found);
    assert!(
        !found.iter().any(|n| made.contains(n)),
        "a time of the making in {view}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enterprise_sees_the_notices_times_and_random_ids_only_sqlite() {
    the_enterprise_sees_the_notices_times_and_random_ids_only(safesnap_tests::Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enterprise_sees_the_notices_times_and_random_ids_only_postgres() {
    the_enterprise_sees_the_notices_times_and_random_ids_only(safesnap_tests::Engine::Postgres)
        .await
}

/// Up to the inspector's verification, for `r`.
async fn up_to_verified(app: &TestApp, inspector: &Browser, officer: &Browser, r: &Filed) {
    grade_and_notice(app, inspector, r).await;
    officer
        .act(&format!("/enterprise/reports/{}/acknowledge", r.id), &[])
        .await;
    let form = reqwest::multipart::Form::new().text("note", "已整改").part(
        "photo",
        reqwest::multipart::Part::bytes(photos::camera_jpeg(800, 600, 1))
            .file_name("after.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let res = officer
        .post_multipart(&format!("/enterprise/reports/{}/rectification", r.id), form)
        .await;
    assert_eq!(res.status(), 303);
    inspector
        .act(
            &format!("/union/reports/{}/verify", r.id),
            &[("result", "pass")],
        )
        .await;
}

/// What the officer can see of a report: its JSON, and its page's words.
async fn as_the_officer_sees(officer: &Browser, r: &Filed) -> (serde_json::Value, String) {
    let (status, json) = officer
        .json(&format!("/api/v1/enterprise/reports/{}", r.id))
        .await;
    assert_eq!(status, 200, "{json}");
    let (_, page) = officer.text(&format!("/enterprise/reports/{}", r.id)).await;
    (json, visible_text(&page))
}

async fn nothing_the_enterprise_sees_moves_when_the_reporter_answers(
    engine: safesnap_tests::Engine,
) {
    let Some(app) = safesnap_tests::spawn_app_at_start(engine).await else {
        return;
    };
    let people = app.people().await;
    let inspector = app.signed_in("inspector").await;
    let officer = app.signed_in("officer").await;
    let worker = app.visitor();
    let confirmed = from_a_phone(&app, people.officer_enterprise).await;
    let disputed = from_a_phone(&app, people.officer_enterprise).await;
    let silent = from_a_phone(&app, people.officer_enterprise).await;
    for r in [&confirmed, &disputed, &silent] {
        up_to_verified(&app, &inspector, &officer, r).await;
    }
    let before = [
        as_the_officer_sees(&officer, &confirmed).await,
        as_the_officer_sees(&officer, &disputed).await,
        as_the_officer_sees(&officer, &silent).await,
    ];
    let (list_before, _) = officer.text("/enterprise").await;

    // The reporter answers, at a moment they choose.
    app.advance(3 * MINUTE);
    let code = |r: &Filed| r.code.replace('-', "");
    worker
        .act(&format!("/r/{}/confirm", code(&confirmed)), &[])
        .await;
    worker
        .act(
            &format!("/r/{}/dispute", code(&disputed)),
            &[("body", "护栏又被拆了")],
        )
        .await;
    assert_eq!(
        (app::db_run!(&app.db, |pool| sqlx::query_scalar::<_, String>(
            "SELECT state FROM reports WHERE id = $1"
        )
        .bind(disputed.id)
        .fetch_one(pool)
        .await))
        .unwrap(),
        "reopened",
        "the union sees the dispute"
    );
    let after = [
        as_the_officer_sees(&officer, &confirmed).await,
        as_the_officer_sees(&officer, &disputed).await,
        as_the_officer_sees(&officer, &silent).await,
    ];
    assert_eq!(
        before, after,
        "the enterprise's view moved when the reporter answered"
    );
    let (list_after, _) = officer.text("/enterprise").await;
    assert_eq!(
        visible_text(&list_before.to_string()),
        visible_text(&list_after.to_string()),
        "the enterprise's list moved when the reporter answered"
    );
    assert_eq!(after[0].0["state"], "verified");

    // When the window the union set closes, a confirmation and silence look the same.
    app.advance(8 * DAY);
    app.run_jobs().await;
    let officer = app.signed_in("officer").await;
    let (confirmed_late, _) = as_the_officer_sees(&officer, &confirmed).await;
    let (silent_late, _) = as_the_officer_sees(&officer, &silent).await;
    assert_eq!(confirmed_late["state"], "closed");
    assert_eq!(silent_late["state"], "closed");
    let shape = |v: &serde_json::Value| {
        let mut v = v.clone();
        v["id"] = serde_json::Value::Null;
        v["photos"] = serde_json::Value::Null;
        v
    };
    assert_eq!(shape(&confirmed_late), shape(&silent_late));
    // The dispute waits for the union.
    let (disputed_late, _) = as_the_officer_sees(&officer, &disputed).await;
    assert_eq!(disputed_late["state"], "verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_the_enterprise_sees_moves_when_the_reporter_answers_sqlite() {
    nothing_the_enterprise_sees_moves_when_the_reporter_answers(safesnap_tests::Engine::Sqlite)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_the_enterprise_sees_moves_when_the_reporter_answers_postgres() {
    nothing_the_enterprise_sees_moves_when_the_reporter_answers(safesnap_tests::Engine::Postgres)
        .await
}

/// The log, as the server wrote it in this test's process.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reporters_routes_leave_no_address_code_or_phone_in_the_log() {
    // nextest runs each test in its own process: this subscriber sees this test's server only.
    let log = Captured::default();
    let writer = log.clone();
    server::telemetry::init_with(
        server::config::LogFormat::Json,
        "info,sqlx=warn",
        move || writer.clone(),
    );
    let app = safesnap_tests::spawn_app().await;
    let people = app.people().await;
    // Submit (named), read the receipt (page and API), write to the union, confirm.
    let reporter = app.visitor();
    let report = Report::about(people.officer_enterprise)
        .set("identity", "named")
        .set("name", REPORTER_NAME)
        .set("phone", REPORTER_PHONE)
        .photo(photos::camera_jpeg(640, 480, 1));
    let code = filed_from(&reporter, &report).await;
    let plain = code.replace('-', "");
    assert_eq!(reporter.text(&format!("/r/{plain}")).await.0, 200);
    assert_eq!(
        reporter.json(&format!("/api/v1/receipts/{plain}")).await.0,
        200
    );
    reporter
        .act(&format!("/r/{plain}/messages"), &[("body", MESSAGE)])
        .await;
    let res = reporter.post(&format!("/r/{plain}/confirm"), &[]).await;
    assert!(res.status().is_client_error(), "nothing to confirm yet");

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    // The capture works: every request is logged, with the code blanked out of its path.
    assert!(text.contains("/api/v1/reports"), "{text}");
    assert!(text.contains("/r/…/messages"), "{text}");
    assert!(text.contains("/api/v1/receipts/…"), "{text}");
    let masked = app::domain::phone::mask(REPORTER_PHONE);
    for secret in [
        "127.0.0.1",
        code.as_str(),
        plain.as_str(),
        REPORTER_PHONE,
        masked.as_str(),
        REPORTER_NAME,
        MESSAGE,
    ] {
        assert!(!text.contains(secret), "the log holds `{secret}`:\n{text}");
    }
}

/// Retention: a year after a report closes its identity, account link, evidence and originals
/// are gone, with a tombstone the reporter reads; the display copies and the history stay.
async fn retention_deletes_identity_and_evidence(engine: safesnap_tests::Engine) {
    let Some(app) = safesnap_tests::spawn_app_at_start(engine).await else {
        return;
    };
    let people = app.people().await;
    let worker = app.signed_in("13800138000").await;
    // Another photo (originals are content-addressed: a file two reports share stays).
    let kept = app.file(people.officer_enterprise, true).await;
    let closed = named_report(&app, &worker, people.officer_enterprise).await;
    let inspector = app.signed_in("inspector").await;
    inspector
        .act(
            &format!("/union/reports/{}/reject", closed.id),
            &[
                ("reason", "not_a_hazard"),
                ("message", "经核查不属于安全隐患，谢谢您的关注"),
            ],
        )
        .await;
    let originals = |id: uuid::Uuid| {
        let db = app.db.clone();
        async move {
            app::db_run!(&db, |pool| sqlx::query_scalar::<_, String>(
                "SELECT v.original_key FROM photo_evidence v JOIN report_photos p ON p.id = v.photo_id WHERE p.report_id = $1"
            )
            .bind(id)
            .fetch_all(pool)
            .await)
            .unwrap()
        }
    };
    let closed_originals = originals(closed.id).await;
    assert_eq!(closed_originals.len(), 1);
    let original_path = |key: &str| {
        app.config
            .photo_dir
            .join(&key[0..2])
            .join(&key[2..4])
            .join(key)
    };
    assert!(original_path(&closed_originals[0]).exists());
    let count = |table: &'static str, id: uuid::Uuid| {
        let db = app.db.clone();
        async move {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE report_id = $1");
            app::db_run!(&db, |pool| sqlx::query_scalar::<_, i64>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await)
            .unwrap()
        }
    };
    assert_eq!(
        (
            count("report_reporters", closed.id).await,
            count("account_reports", closed.id).await
        ),
        (1, 1)
    );

    // A day short of the year: nothing goes.
    app.advance(server::config::DEFAULT_RETENTION_DAYS as i64 * DAY - DAY);
    assert!(app.run_jobs().await.purged.is_empty());
    // After it: the closed report's identity and evidence go; the open one keeps everything.
    app.advance(2 * DAY);
    assert_eq!(app.run_jobs().await.purged, vec![closed.id]);
    assert!(app.run_jobs().await.purged.is_empty(), "once");
    assert_eq!(
        (
            count("report_reporters", closed.id).await,
            count("account_reports", closed.id).await
        ),
        (0, 0)
    );
    assert!(originals(closed.id).await.is_empty());
    assert!(
        !original_path(&closed_originals[0]).exists(),
        "the original file is deleted"
    );
    assert_eq!(
        count("report_photos", closed.id).await,
        1,
        "the stripped copy stays"
    );
    assert_eq!(count("report_reporters", kept.id).await, 1);
    assert_eq!(originals(kept.id).await.len(), 1);
    // The tombstone, on the reporter's receipt page and the union's; the reveal finds nobody.
    let (_, receipt) = app
        .visitor()
        .text(&format!("/r/{}", closed.code.replace('-', "")))
        .await;
    assert!(visible_text(&receipt).contains("保存期限已到"), "{receipt}");
    let admin = app.signed_in("admin").await;
    let (_, page) = admin.text(&format!("/union/reports/{}", closed.id)).await;
    assert!(
        page.contains("保存期限已到") && !page.contains(REPORTER_NAME),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_identity_and_evidence_sqlite() {
    retention_deletes_identity_and_evidence(safesnap_tests::Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_identity_and_evidence_postgres() {
    retention_deletes_identity_and_evidence(safesnap_tests::Engine::Postgres).await
}
