//! Snap-and-report over HTTP, on both databases: submitting, idempotency, the photo pipeline's
//! output, the evidence kept, and every kind of bad input refused with nothing stored.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use safesnap_tests::{
    both_backends, photos,
    submit::{multipart_body, post_raw, Report},
    TestApp,
};
use serde_json::Value;

async fn json(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON ({status}): {body}")),
    )
}

/// Nothing of a refused submission is left: no rows, no files.
async fn nothing_stored(app: &TestApp) {
    for table in [
        "reports",
        "report_photos",
        "photo_evidence",
        "report_events",
        "report_reporters",
    ] {
        assert_eq!(app.count(table).await, 0, "{table} has rows");
    }
    assert_eq!(
        app.photo_files(),
        Vec::<std::path::PathBuf>::new(),
        "files left in the photo directory"
    );
}

/// A photo's derivatives and the evidence kept in the clear, as stored.
#[derive(sqlx::FromRow)]
struct EvidenceRow {
    id: uuid::Uuid,
    display_key: String,
    thumb_key: String,
    original_key: String,
    received_bytes: i64,
    received_format: String,
    original_width: i32,
    original_height: i32,
    exif_orientation: Option<i32>,
}

/// The field message for `field` in an error body.
fn field_message(body: &Value, field: &str) -> String {
    body["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no message for {field} in {body}"))
        .to_string()
}

both_backends! {
    async fn a_report_with_one_photo_gets_a_receipt_and_everything_is_stored(app) {
        let enterprise = app.enterprise("").await;
        let report = Report::about(enterprise).photo(photos::camera_jpeg(1200, 900, 1));
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");
        let code = body["receipt_code"].as_str().unwrap().to_string();
        assert_eq!(code.len(), 13);
        assert_eq!(body["replayed"], false);
        assert_eq!(body["receipt_url"], format!("/r/{}", code.replace('-', "")));

        assert_eq!(app.count("reports").await, 1);
        assert_eq!(app.count("report_photos").await, 1);
        assert_eq!(app.count("photo_evidence").await, 1);
        // Submitted, and the routing decision.
        assert_eq!(app.count("report_events").await, 2);
        assert_eq!(app.count("report_reporters").await, 0, "anonymous reports keep no identity");
        // Original, display copy and thumbnail.
        assert_eq!(app.photo_files().len(), 3);
        // Every derivative is encoded again, even of a clean small JPEG (no camera table
        // survives): three more files. Derivatives are content-addressed: the same photo in
        // another report shares them; its original is sealed with that report's own key.
        let clean = Report::about(enterprise).photo(photos::plain_jpeg(800, 600));
        assert_eq!(app.submit(&clean).await.status(), 201);
        assert_eq!(app.photo_files().len(), 6, "original, display copy and thumbnail of the clean JPEG");
        let again = Report::about(enterprise).photo(photos::plain_jpeg(800, 600));
        assert_eq!(app.submit(&again).await.status(), 201);
        assert_eq!(app.photo_files().len(), 7, "the same photo again: the same derivatives, its own sealed original");

        let (state, urgent, via): (String, bool, String) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT state, urgent, via FROM reports").fetch_one(pool).await).unwrap();
        assert_eq!((state.as_str(), urgent, via.as_str()), ("submitted", false, "app"));

        let (status, receipt) = json(app.get(&format!("/api/v1/receipts/{code}")).await).await;
        assert_eq!(status, 200);
        assert_eq!(receipt["code"], code);
        assert_eq!(app.count("reports").await, 3);
        assert_eq!(receipt["state"], "submitted");
        assert_eq!(receipt["state_label"], "已提交");
        assert_eq!(receipt["category_label"], "高处坠落");
        assert_eq!(receipt["timeline"].as_array().unwrap().len(), 1);
        assert!(receipt["submitted_at"].as_str().unwrap().ends_with("+08:00"));
    }

    async fn nine_photos_are_accepted_and_a_tenth_is_refused(app) {
        let enterprise = app.enterprise("").await;
        let mut report = Report::about(enterprise);
        for i in 0..9 {
            report = report.photo(photos::plain_jpeg(400 + i * 10, 300));
        }
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(app.count("report_photos").await, 9);
        let positions: Vec<i32> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT position FROM report_photos ORDER BY position").fetch_all(pool).await).unwrap();
        assert_eq!(positions, (0..9).collect::<Vec<_>>());

        let ten = Report::about(enterprise).set("client_id", &uuid::Uuid::new_v4().to_string());
        let ten = (0..10).fold(ten, |r, i| r.photo(photos::plain_jpeg(200 + i, 200)));
        let (status, body) = json(app.submit(&ten).await).await;
        assert_eq!(status, 422);
        assert_eq!(field_message(&body, "photos"), "最多9张照片");
        assert_eq!(app.count("reports").await, 1);
    }

    async fn a_retry_returns_the_same_receipt_and_stores_nothing_new(app) {
        let enterprise = app.enterprise("").await;
        let report = Report::about(enterprise).photo(photos::camera_jpeg(800, 600, 1));
        let (first_status, first) = json(app.submit(&report).await).await;
        let (second_status, second) = json(app.submit(&report).await).await;
        assert_eq!((first_status, second_status), (201, 200));
        assert_eq!(first["receipt_code"], second["receipt_code"]);
        assert_eq!(second["replayed"], true);
        assert_eq!(app.count("reports").await, 1);
        assert_eq!(app.count("report_photos").await, 1);
        assert_eq!(app.photo_files().len(), 3);

        // The same client id with other content is a mistake, not a retry: refused, and never
        // told the first submission's receipt (only the phone that sent it holds that).
        let other = report.clone().set("category", "dust").without("q.fall.guard");
        let (status, body) = json(app.submit(&other).await).await;
        assert_eq!(status, 409, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("已经提交过") && message.contains("我的报告"), "{message}");
        let code = first["receipt_code"].as_str().unwrap();
        assert!(!body.to_string().contains(code) && !body.to_string().contains(&code.replace('-', "")), "{body}");
        assert_eq!(app.count("reports").await, 1);
    }

    async fn concurrent_submissions_of_one_client_id_with_other_content_store_one_and_refuse_the_rest(app) {
        let enterprise = app.enterprise("").await;
        // Several rounds, so some of the losers pass the first check before the winner commits.
        for round in 0..3 {
            let id = uuid::Uuid::new_v4().to_string();
            let sites = ["东侧", "西侧", "南侧", "北侧"];
            let reports: Vec<Report> = sites.iter().map(|s| Report::about(enterprise).set("client_id", &id).set("site", s)
                .photo(photos::camera_jpeg(1600, 1200, 1))).collect();
            // Each from its own browser (one device's hourly limit would refuse the twelfth).
            let browsers: Vec<_> = reports.iter().map(|_| app.visitor()).collect();
            let answers = futures::future::join_all(reports.iter().zip(&browsers)
                .map(|(r, b)| b.post_multipart("/api/v1/reports", r.form()))).await;
            let mut won = Vec::new();
            let mut refused = Vec::new();
            for res in answers {
                let (status, body) = json(res).await;
                match status {
                    201 => won.push(body["receipt_code"].as_str().unwrap().to_string()),
                    409 => refused.push(body),
                    other => panic!("round {round}: {other} {body}"),
                }
            }
            assert_eq!((won.len(), refused.len()), (1, 3), "round {round}");
            for body in &refused {
                assert!(!body.to_string().contains(&won[0]) && !body.to_string().contains(&won[0].replace('-', "")), "a loser got the winner's receipt: {body}");
            }
        }
        assert_eq!(app.count("reports").await, 3);
    }

    async fn the_photo_sweep_removes_only_old_files_no_row_names(app) {
        use server::actions::jobs::sweep;
        let enterprise = app.enterprise("").await;
        let filed = app.file_report(&Report::about(enterprise).photo(photos::plain_jpeg(800, 600))).await;
        let store = app.state.store.clone();
        // What a refused request leaves (no deletion on the request path), one in flight, and a
        // half-written file from a crash.
        let orphan = photos::plain_jpeg(300, 200);
        let orphan_key = server::photos::sha256_hex(&orphan);
        let in_flight = photos::plain_jpeg(310, 200);
        let in_flight_key = server::photos::sha256_hex(&in_flight);
        assert!(store.put(&orphan_key, &orphan).unwrap());
        let tmp = app.config.photo_dir.join(&orphan_key[0..2]).join(&orphan_key[2..4]).join(format!(".{orphan_key}.1234.tmp"));
        std::fs::write(&tmp, b"half a photo").unwrap();
        // Everything so far is two hours old.
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for path in app.photo_files() {
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(two_hours_ago).unwrap();
        }
        assert!(store.put(&in_flight_key, &in_flight).unwrap());
        let kept_before: Vec<_> = app.photo_files().into_iter().filter(|p| !p.ends_with(&orphan_key) && *p != tmp).collect();
        assert_eq!(kept_before.len(), 4, "the report's three files and the one in flight");

        let swept = sweep::run_now(&app.state).await.unwrap();
        assert_eq!(swept.files, vec![orphan_key.clone()]);
        assert_eq!(swept.temporary.len(), 1);
        assert!(!tmp.exists() && !store.exists(&orphan_key));
        let mut left = app.photo_files();
        left.sort();
        let mut kept = kept_before;
        kept.sort();
        assert_eq!(left, kept, "what rows name, and what is younger than the grace period, stays");
        // Every file a row names is there, whole.
        for key in server::store::photos::referenced_keys(&app.db).await.unwrap() {
            assert_eq!(server::photos::sha256_hex(&store.get(&key).unwrap()), key);
        }
        assert_eq!(app.report_by_code(&filed.code).await, filed.id);
        // A file stored again by a request is fresh again: the sweep leaves it.
        assert!(store.put(&orphan_key, &orphan).unwrap());
        std::fs::File::options().write(true).open(app.config.photo_dir.join(&orphan_key[0..2]).join(&orphan_key[2..4]).join(&orphan_key))
            .unwrap().set_modified(two_hours_ago).unwrap();
        assert!(!store.put(&orphan_key, &orphan).unwrap(), "intact: not written again");
        assert!(sweep::run_now(&app.state).await.unwrap().files.is_empty());
        assert!(store.exists(&orphan_key));
    }

    async fn concurrent_retries_store_one_report(app) {
        let enterprise = app.enterprise("").await;
        let report = Report::about(enterprise).photo(photos::camera_jpeg(640, 480, 1));
        let tries = (0..4).map(|_| app.submit(&report));
        let answers = futures::future::join_all(tries).await;
        let mut codes = Vec::new();
        for res in answers {
            let (status, body) = json(res).await;
            assert!(status == 201 || status == 200, "{status} {body}");
            codes.push(body["receipt_code"].as_str().unwrap().to_string());
        }
        codes.dedup();
        assert_eq!(codes.len(), 1, "different receipts: {codes:?}");
        assert_eq!(app.count("reports").await, 1);
        assert_eq!(app.count("report_photos").await, 1);
        // The losing tries stored their own sealed originals (the derivatives are shared); no
        // request deletes a file, the photo sweep does, and leaves exactly the winner's three.
        let swept = server::actions::jobs::sweep::run(&app.state, std::time::SystemTime::now()).await.unwrap();
        assert_eq!(app.photo_files().len(), 3, "files of the losing tries were left behind after the sweep: {swept:?}");
        assert!(swept.files.len() <= 3, "{swept:?}");
    }

    async fn photos_come_out_upright_whatever_their_exif_orientation(app) {
        let enterprise = app.enterprise("").await;
        for orientation in [1u8, 3, 6, 8] {
            // An upright 1800×1200 picture, stored by the "camera" as orientation demands.
            let report = Report::about(enterprise)
                .set("client_id", &uuid::Uuid::new_v4().to_string())
                .photo(photos::camera_jpeg(1800, 1200, orientation));
            let (status, body) = json(app.submit(&report).await).await;
            assert_eq!(status, 201, "{body}");
            let (display, thumb, w, h): (String, String, i32, i32) = app::db_run!(&app.db, |pool| sqlx::query_as(
                "SELECT p.display_key, p.thumb_key, p.display_width, p.display_height FROM report_photos p
                 JOIN reports r ON r.id = p.report_id WHERE r.receipt_hash = $1")
                .bind(app.receipt_hash(body["receipt_code"].as_str().unwrap())).fetch_one(pool).await).unwrap();
            assert_eq!((w, h), (1600, 1067), "orientation {orientation}: display size");
            let (rgb, dw, dh) = photos::decode(&app.photo_file(&display));
            assert_eq!((dw, dh), (1600, 1067));
            assert!(photos::is_upright(&rgb, dw, dh), "orientation {orientation}: display copy not upright");
            let (rgb, tw, th) = photos::decode(&app.photo_file(&thumb));
            assert_eq!((tw, th), (320, 213));
            assert!(photos::is_upright(&rgb, tw, th), "orientation {orientation}: thumbnail not upright");
        }
    }

    async fn derivatives_carry_no_metadata_but_the_evidence_keeps_it(app) {
        let enterprise = app.enterprise("").await;
        let meta = r#"{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","taken_at":"2026-07-14T10:20:00","lat":34.7466,"lon":113.6253,"orientation":6,"bytes":4812345}"#;
        let original = photos::camera_jpeg(2400, 1800, 6);
        let report = Report::about(enterprise).photo(original.clone()).meta(meta);
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");

        let row: EvidenceRow = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT p.id, p.display_key, p.thumb_key, e.original_key, e.received_bytes, e.received_format,
                    e.original_width, e.original_height, e.exif_orientation
             FROM report_photos p JOIN photo_evidence e ON e.photo_id = p.id").fetch_one(pool).await).unwrap();
        let EvidenceRow { id: photo, display_key: display, thumb_key: thumb, original_key, received_bytes: received, received_format: format,
            original_width: ow, original_height: oh, exif_orientation: orient } = row;
        // The evidence: the file as received, byte for byte, under its own SHA-256 — stored sealed
        // with the report's key (the stored file is not the photo, and its name is not its hash).
        let facts = app.evidence(photo).await;
        assert_eq!(facts.sha256, server::photos::sha256_hex(&original));
        assert_eq!(app.original(photo).await, original);
        let stored = app.photo_file(&original_key);
        assert_ne!(stored, original);
        assert!(photos::decodes(&original) && !photos::decodes(&stored), "the stored original does not decode");
        assert_ne!(original_key, facts.sha256);
        assert_eq!((received as usize, format.as_str()), (original.len(), "jpeg"));
        assert_eq!((ow, oh), (1800, 2400), "stored (sensor) size of an orientation-6 photo");
        assert_eq!(orient, Some(6));
        assert_eq!(facts.exif_taken_at.as_deref(), Some("2026-07-14T10:22:33"));
        let (lat, lon) = facts.exif_location.unwrap();
        assert!((lat - 34.76).abs() < 1e-9 && (lon - 113.621_666_666).abs() < 1e-6, "{lat:?} {lon:?}");
        // What the browser read before compressing.
        assert_eq!(facts.client_sha256.as_deref(), Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
        assert_eq!(facts.client_bytes, Some(4_812_345));
        assert_eq!(facts.client_taken_at.as_deref(), Some("2026-07-14T10:20:00"));
        assert_eq!(facts.client_location.map(|l| l.0), Some(34.7466));
        assert_eq!(facts.client_orientation, Some(6));

        // exiftool, an independent metadata parser, finds EXIF (with GPS) in the original and
        // nothing but the JFIF header in the derivatives.
        let dir = tempfile::tempdir().unwrap();
        let groups = |name: &str, bytes: &[u8]| -> Value {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let out = std::process::Command::new("exiftool").args(["-j", "-G", "-a"]).arg(&path).output()
                .expect("exiftool (Debian libimage-exiftool-perl) is needed");
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v[0].clone()
        };
        let has_group = |v: &Value, group: &str| v.as_object().unwrap().keys().any(|k| k.starts_with(&format!("{group}:")));
        let orig = groups("original.jpg", &original);
        assert!(has_group(&orig, "EXIF"), "fixture has no EXIF: {orig}");
        assert!(orig.as_object().unwrap().keys().any(|k| k.contains("GPSLatitude")));
        // A small upright photo takes the fast path (metadata segments cut, not re-encoded).
        let small = photos::camera_jpeg(800, 600, 1);
        assert!(has_group(&groups("small.jpg", &small), "EXIF"));
        let report = Report::about(enterprise).photo(small);
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");
        let (small_display, small_thumb): (String, String) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT p.display_key, p.thumb_key FROM report_photos p JOIN reports r ON r.id = p.report_id WHERE r.receipt_hash = $1")
            .bind(app.receipt_hash(body["receipt_code"].as_str().unwrap())).fetch_one(pool).await).unwrap();
        for (name, key) in [("display.jpg", &display), ("thumb.jpg", &thumb), ("small-display.jpg", &small_display), ("small-thumb.jpg", &small_thumb)] {
            let v = groups(name, &app.photo_file(key));
            for group in ["EXIF", "XMP", "ICC_Profile", "IPTC", "Photoshop", "MakerNotes"] {
                assert!(!has_group(&v, group), "{name} carries {group}: {v}");
            }
            assert!(!v.to_string().contains("GPS"), "{name} carries GPS: {v}");
            assert_eq!(v["File:FileType"], "JPEG");
        }
    }

    async fn a_named_report_keeps_the_name_for_the_union_only(app) {
        let enterprise = app.enterprise("").await;
        let report = Report::about(enterprise)
            .set("identity", "named")
            .set("name", "王建国")
            .set("phone", "138 1234 5678")
            .photo(photos::plain_jpeg(800, 600));
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");
        // Kept sealed (XChaCha20-Poly1305 under the report's data key, itself wrapped by the
        // master key): a copy of the database alone does not name the reporter; the server opens
        // it for a union admin's reveal. Each value opens only as what it is.
        let (report, name, phone): (uuid::Uuid, String, String) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT report_id, name, phone FROM report_reporters").fetch_one(pool).await).unwrap();
        assert!(!name.contains("王建国") && !phone.contains("13812345678") && !phone.contains("5678"), "{name} {phone}");
        let key = app.data_key(report).await;
        use app::backend::reports::field;
        assert_eq!(key.open(field::REPORTER_NAME, &name).as_deref(), Some("王建国"));
        assert_eq!(key.open(field::REPORTER_PHONE, &phone).as_deref(), Some("13812345678"));
        assert_eq!(key.open(field::REPORTER_NAME, &phone), None, "a value moved to another column does not open");
        let code = body["receipt_code"].as_str().unwrap();
        let text = app.get(&format!("/api/v1/receipts/{code}")).await.text().await.unwrap();
        assert!(!text.contains("王建国") && !text.contains("13812345678") && !text.contains("5678"), "{text}");
    }

    async fn a_life_threatening_report_is_urgent(app) {
        let enterprise = app.enterprise("").await;
        let report = Report::about(enterprise).set("severity", "life_threatening").photo(photos::plain_jpeg(800, 600));
        let (_, body) = json(app.submit(&report).await).await;
        let (_, receipt) = json(app.get(&format!("/api/v1/receipts/{}", body["receipt_code"].as_str().unwrap())).await).await;
        assert_eq!(receipt["urgent"], true);
        assert_eq!(receipt["severity_label"], "正在危及生命");
    }

    async fn an_unknown_enterprise_is_reported_by_district_and_address(app) {
        app.enterprise("").await;
        let report = Report::about(uuid::Uuid::nil())
            .without("enterprise_id")
            .set("no_enterprise", "on")
            .set("district", "410183")
            .set("address", "新密市超化镇某煤矿井口")
            .photo(photos::png(640, 480));
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");
        let (district, address, enterprise): (String, Option<String>, Option<uuid::Uuid>) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT district_code, address, enterprise_id FROM reports").fetch_one(pool).await).unwrap();
        assert_eq!((district.as_str(), address.as_deref(), enterprise), ("410183", Some("新密市超化镇某煤矿井口"), None));
    }

    async fn a_typed_enterprise_name_is_resolved(app) {
        let id = app.enterprise("").await;
        let name: String = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT name FROM enterprises WHERE id = $1")
            .bind(id).fetch_one(pool).await).unwrap();
        let report = Report::about(id).without("enterprise_id").set("enterprise", &name).photo(photos::plain_jpeg(800, 600));
        let (status, body) = json(app.submit(&report).await).await;
        assert_eq!(status, 201, "{body}");
        let stored: Option<uuid::Uuid> = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT enterprise_id FROM reports")
            .fetch_one(pool).await).unwrap();
        assert_eq!(stored, Some(id));
    }

    async fn bad_photos_are_refused_with_a_message_and_nothing_stored(app) {
        let enterprise = app.enterprise("").await;
        let good = photos::plain_jpeg(800, 600);
        let mut truncated = photos::plain_jpeg(1200, 900);
        truncated.truncate(truncated.len() / 2);
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("not an image", b"%PDF-1.4 this is not a photo".to_vec(), "第2个文件不是照片（支持 JPEG、PNG、WebP）"),
            ("truncated JPEG", truncated, "第2张照片已损坏或不完整，请重新拍摄"),
            ("HEIC", photos::heic(), "第2张照片是 HEIC 格式"),
            ("50000×50000 PNG", photos::png_bomb(50_000, 50_000), "第2张照片像素太多（最多 5000 万像素）"),
        ];
        for (what, bad, expected) in cases {
            let report = Report::about(enterprise).photo(good.clone()).photo(bad);
            let (status, body) = json(app.submit(&report).await).await;
            assert_eq!(status, 422, "{what}: {body}");
            let message = field_message(&body, "photos");
            assert!(message.starts_with(expected), "{what}: {message}");
            nothing_stored(&app).await;
        }
    }

    async fn bad_fields_are_refused_with_field_messages_and_nothing_stored(app) {
        let enterprise = app.enterprise("").await;
        let photo = photos::plain_jpeg(800, 600);
        let cases: Vec<(Report, &str, &str)> = vec![
            (Report::about(enterprise).without("category"), "category", "请选择隐患类别"),
            (Report::about(uuid::Uuid::new_v4()), "enterprise", "没有找到这家企业，请检查名称，或选择“不知道企业名称”"),
            (Report::about(enterprise).without("enterprise_id").set("enterprise", "不存在的公司"), "enterprise", "没有找到这家企业，请检查名称，或选择“不知道企业名称”"),
            (Report::about(enterprise).without("q.fall.guard"), "answers.guard", "请回答：作业面有防护栏或安全网吗？"),
            (Report::about(enterprise).set("identity", "named").set("name", "李").set("phone", "12345"), "phone", "请填写11位手机号码"),
            (Report::about(enterprise).set("severity", "catastrophic"), "severity", "请选择危险程度"),
            (Report::about(enterprise).set("client_id", "not-a-uuid"), "client_id", "请求标识无效，请刷新页面后重试"),
        ];
        for (report, field, expected) in cases {
            let (status, body) = json(app.submit(&report.photo(photo.clone())).await).await;
            assert_eq!(status, 422, "{field}: {body}");
            assert_eq!(body["error"], "validation");
            assert_eq!(body["message"], "请检查标出的内容");
            assert_eq!(field_message(&body, field), expected);
            nothing_stored(&app).await;
        }
        // No photo at all.
        let (status, body) = json(app.submit(&Report::about(enterprise)).await).await;
        assert_eq!(status, 422);
        assert_eq!(field_message(&body, "photos"), "请至少拍一张照片");
        nothing_stored(&app).await;
    }

    async fn errors_are_in_english_when_the_ui_is_english(app) {
        let enterprise = app.enterprise("").await;
        let report = Report::about(enterprise).without("category").photo(photos::plain_jpeg(400, 300));
        let res = app.client.post(app.url("/api/v1/reports")).header("cookie", "lang=en")
            .multipart(report.form()).send().await.unwrap();
        let (status, body) = json(res).await;
        assert_eq!(status, 422);
        assert_eq!(body["message"], "Please check the marked fields");
        assert_eq!(field_message(&body, "category"), "Choose what kind of hazard it is");
    }

    async fn a_body_over_the_limit_is_refused_with_413(app) {
        let enterprise = app.enterprise("").await;
        // Four 11 MB "photos" (each under the per-photo limit) make a 44 MB body.
        let mut report = Report::about(enterprise);
        for _ in 0..4 {
            report = report.photo(vec![0xFF; 11 * 1024 * 1024]);
        }
        let boundary = "safesnap-test-boundary";
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let (status, body) = post_raw(app.addr, "/api/v1/reports", &content_type, multipart_body(&report, boundary)).await;
        assert_eq!(status, 413, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["message"], "上传的内容太大（最大 40 MB），请减少照片数量");
        nothing_stored(&app).await;
        // One photo over its own limit.
        let report = Report::about(enterprise).photo(vec![0xFF; 13 * 1024 * 1024]);
        let (status, body) = post_raw(app.addr, "/api/v1/reports", &content_type, multipart_body(&report, boundary)).await;
        assert_eq!(status, 413, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["message"], "第1张照片太大（最大 12 MB）");
        assert_eq!(field_message(&body, "photos"), "第1张照片太大（最大 12 MB）");
        nothing_stored(&app).await;
    }

    async fn receipts_are_looked_up_by_code_and_guessing_is_rate_limited(app) {
        let (status, body) = json(app.get("/api/v1/receipts/ABCD-EFGH-JK").await).await;
        assert_eq!(status, 422);
        assert_eq!(field_message(&body, "code"), "回执码应为11位字母或数字");
        // Well-formed codes that do not exist: 20 misses an hour per address.
        let code = app::backend::reports::new_receipt_code();
        for _ in 0..20 {
            let (status, body) = json(app.get(&format!("/api/v1/receipts/{}", code.as_str())).await).await;
            assert_eq!(status, 404);
            assert_eq!(body["message"], "没有找到这个回执码对应的报告");
        }
        let res = app.get(&format!("/api/v1/receipts/{}", code.as_str())).await;
        assert_eq!(res.status(), 429);
        let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=180).contains(&wait), "Retry-After {wait}");
        let (_, body) = json(res).await;
        assert!(body["message"].as_str().unwrap().starts_with("操作太频繁，请"));
    }
}

#[tokio::test]
async fn categories_are_served_as_open311_services() {
    let app = safesnap_tests::spawn_app().await;
    let (status, list) = json(app.get("/api/v1/services").await).await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 13);
    assert_eq!(list[0]["service_code"], "fall");
    assert_eq!(list[0]["service_name"], "高处坠落");
    assert_eq!(list[12]["metadata"], false);
    let (status, def) = json(app.get("/api/v1/services/electric").await).await;
    assert_eq!(status, 200);
    let attrs = def["attributes"].as_array().unwrap();
    assert_eq!(attrs[0]["code"], "kind");
    assert_eq!(attrs[0]["datatype"], "singlevaluelist");
    assert_eq!(attrs[0]["required"], true);
    assert_eq!(attrs[0]["values"].as_array().unwrap().len(), 5);
    assert_eq!(attrs[1]["values"][0]["name"], "是");
    let (_, def) = json(app.get("/api/v1/services/fall?lang=en").await).await;
    assert_eq!(def["attributes"][1]["datatype"], "number");
    assert_eq!(
        def["attributes"][0]["description"],
        "Is there a guardrail or safety net at the edge?"
    );
    assert_eq!(app.get("/api/v1/services/nope").await.status(), 404);
}

#[tokio::test]
async fn the_directory_can_be_searched_by_name_or_code() {
    let app = safesnap_tests::spawn_app().await;
    app.enterprise("").await;
    let (status, hits) = json(app.get("/api/v1/enterprises?q=%E7%85%A4").await).await; // 煤
    assert_eq!(status, 200);
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 10);
    assert!(hits
        .iter()
        .all(|h| h["name"].as_str().unwrap().contains('煤')));
    let uscc = hits[0]["uscc"].as_str().unwrap().to_string();
    let (_, by_code) = json(
        app.get(&format!("/api/v1/enterprises?q={}", &uscc[..12]))
            .await,
    )
    .await;
    assert_eq!(by_code[0]["uscc"], uscc);
    let (_, none) = json(app.get("/api/v1/enterprises?q=%25%25").await).await;
    assert_eq!(
        none.as_array().unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = safesnap_tests::spawn_app().await;
    let (status, doc) = json(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/api/v1/reports"]["post"].is_object());
}

#[tokio::test]
async fn the_plain_form_redirects_to_the_receipt_page() {
    let app = safesnap_tests::spawn_app().await;
    let enterprise = app.enterprise("").await;
    let report = Report::about(enterprise).photo(photos::plain_jpeg(800, 600));
    let res = app
        .client
        .post(app.url("/report"))
        .multipart(report.form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/r/") && location.ends_with("?new=1"),
        "{location}"
    );
    let page = app.get(&location).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let stored: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT receipt_hash FROM reports"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let code = safesnap_tests::people::receipt_code_in(&html).expect("a code on the page");
    assert_eq!(
        stored,
        app.state.receipts.hash(&code),
        "not the stored report's code"
    );
    assert!(location.contains(code.as_str()), "{location}");
    assert!(html.contains("报告已提交"));
    assert!(html.contains("已提交"));
    assert!(html.contains("高处坠落"));
    let via: String = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT via FROM reports"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(via, "form");
}

#[tokio::test]
async fn the_plain_form_comes_back_with_messages_and_the_values_sent() {
    let app = safesnap_tests::spawn_app().await;
    let enterprise = app.enterprise("").await;
    let report = Report::about(enterprise)
        .without("category")
        .set("site", "二号车间冲压线")
        .photo(photos::plain_jpeg(800, 600));
    let res = app
        .client
        .post(app.url("/report"))
        .multipart(report.form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("请检查标出的内容"));
    assert!(html.contains("请选择隐患类别"));
    assert!(
        html.contains("value=\"二号车间冲压线\""),
        "the site typed is lost"
    );
    assert!(html.contains("照片需要重新选择"));
    assert_eq!(app.count("reports").await, 0);
}

#[tokio::test]
async fn the_receipt_page_explains_an_unknown_or_mistyped_code() {
    let app = safesnap_tests::spawn_app().await;
    let html = app.get("/r?code=ABCD").await.text().await.unwrap();
    assert!(html.contains("回执码应为11位字母或数字"), "{html}");
    let code = app::backend::reports::new_receipt_code();
    let html = app
        .get(&format!("/r/{}", code.as_str()))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("没有找到这个回执码对应的报告"));
}
