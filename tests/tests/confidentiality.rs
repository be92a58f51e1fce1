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
    let res = worker
        .post_multipart("/api/v1/reports", report.form())
        .await;
    assert_eq!(res.status(), 201);
    let code = res.json::<serde_json::Value>().await.unwrap()["receipt_code"]
        .as_str()
        .unwrap()
        .to_string();
    let id = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM reports WHERE receipt_code = $1"
    )
    .bind(code.replace('-', ""))
    .fetch_one(pool)
    .await)
    .unwrap();
    worker.act("/me/receipts", &[("codes", &code)]).await;
    Filed { code, id }
}

both_backends! {
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
        let originals: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT original_key FROM photo_evidence").fetch_all(pool).await).unwrap();
        strings.extend(originals.iter().cloned());
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

    async fn revealing_the_reporter_takes_an_admin_a_reason_and_leaves_a_trace(app) {
        let people = app.people().await;
        let report = app.file(people.officer_enterprise, true).await;
        let inspector = app.signed_in("inspector").await;
        let district = app.signed_in("jinshui-admin").await;
        let other_district = app.signed_in("inspector-zhongyuan").await;
        let path = format!("/union/reports/{}/reveal", report.id);

        // The inspector sees that the reporter gave a name, not the name.
        let (_, page) = inspector.text(&format!("/union/reports/{}", report.id)).await;
        assert!(page.contains("实名（需管理员查看）") && !page.contains(REPORTER_NAME), "{page}");
        let res = inspector.post(&path, &[("reason", "移交12350核实")]).await;
        assert_eq!(res.status(), 403);
        assert_eq!(other_district.post(&path, &[("reason", "移交12350核实")]).await.status(), 404);
        // The admin must say why.
        let res = district.post(&path, &[("reason", "")]).await;
        assert_eq!(res.status(), 422);
        assert!(visible_text(&res.text().await.unwrap()).contains("请写明查看举报人身份的原因"));
        let res = district.post(&path, &[("reason", "移交12350举报热线核实")]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        let shown = visible_text(&res.text().await.unwrap());
        assert!(shown.contains(REPORTER_NAME) && shown.contains(REPORTER_PHONE), "{shown}");
        // Not stored on the page afterwards; on the timeline, who and why.
        let (_, page) = district.text(&format!("/union/reports/{}", report.id)).await;
        assert!(!page.contains(REPORTER_NAME), "{page}");
        assert!(page.contains("管理员查看了举报人身份：移交12350举报热线核实"), "{page}");
        let (_, log) = district.text("/admin/audit").await;
        assert!(log.contains("identity_revealed") && log.contains("移交12350举报热线核实"), "{log}");
        assert!(!log.contains(REPORTER_NAME) && !log.contains(REPORTER_PHONE), "the audit log keeps who looked, not what they saw");
        // The enterprise, once noticed, sees none of it.
        inspector.act(&format!("/union/reports/{}/grade", report.id), &[("grade", "ordinary")]).await;
        inspector.act(&format!("/union/reports/{}/notice", report.id), &[("responsible_person", "张三"), ("measures", "整改"), ("deadline", &app::components::page::date_of(app.now() + 86_400_000 * 5)), ("standard", "GB"), ("acceptance_person", "李四")]).await;
        let (_, page) = app.signed_in("officer").await.text(&format!("/enterprise/reports/{}", report.id)).await;
        assert!(!page.contains("查看了举报人身份") && !page.contains("12350"), "{page}");
    }
}
