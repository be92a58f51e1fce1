//! A stolen copy reads as nothing. Reports are filed with everything that could name or locate
//! the reporter (name, phone, where they stood, a photo with GPS, what the phone read, messages
//! both ways, a worker account with a phone number); then the database (the SQLite files, or a
//! `pg_dump` of PostgreSQL) and the photo folder are copied without the key files, and every
//! byte is scanned. The master key rotates under a running server; rows stored before
//! encryption at rest are sealed at start-up.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::backend::{
    identity::IdentityKey,
    keyed::{purpose, KeyedHash},
    reports::field,
};
use safesnap_tests::{
    both_backends,
    people::{Filed, REPORTER_NAME, REPORTER_PHONE},
    photos,
    submit::Report,
    Engine, TestApp,
};

const REPORTER_MESSAGE: &str = "我在三号车间夜班，别让班长知道";
const UNION_MESSAGE: &str = "收到，我们不会透露您的身份";
const WORKER_PHONE: &str = "13800138000";
/// Where the worker stood (the form's location) and what the phone read off the photo.
const STOOD: (f64, f64) = (34.752_1, 113.640_2);
const CLIENT_GPS: (f64, f64) = (34.746_6, 113.625_3);
/// The GPS in the test camera's EXIF (see `photos::camera_jpeg`).
const EXIF_GPS: (f64, f64) = (34.76, 113.621_666_666_666_67);

/// Every file under `dir`, except the key files.
fn files_under(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if !matches!(
            p.file_name().and_then(|n| n.to_str()),
            Some("secret.key" | server::config::MASTER_KEY_FILE_NAME)
        ) {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
}

/// What a thief takes: the database (files, or a dump) and the photo folder, not the keys.
async fn stolen_copy(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    files_under(app.data_dir.path(), &mut files);
    let mut copy: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(p, b)| (p.display().to_string(), b))
        .collect();
    assert!(
        copy.iter().any(|(p, _)| p.contains("photos")),
        "the photo folder is in the copy"
    );
    if app.engine == Engine::Postgres {
        let out = std::process::Command::new("pg_dump")
            .arg("--no-owner")
            .arg(&app.config.database_url)
            .output()
            .expect("pg_dump (Debian postgresql-client) is needed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("report_reporters"));
        copy.push(("pg_dump".into(), out.stdout));
    } else {
        // Everything written is in the database files (the write-ahead log included).
        assert!(
            copy.iter().any(|(p, _)| p.ends_with(".db")),
            "{:?}",
            copy.iter().map(|c| &c.0).collect::<Vec<_>>()
        );
    }
    copy
}

/// The ways a value can sit in a file: as text, and a coordinate also as IEEE doubles.
fn needles(text: &[&str], coordinates: &[f64]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = text
        .iter()
        .map(|t| (t.to_string(), t.as_bytes().to_vec()))
        .collect();
    for c in coordinates {
        let shown = format!("{c}");
        out.push((shown.clone(), shown.as_bytes().to_vec()));
        out.push((format!("{c} (f64 LE)"), c.to_le_bytes().to_vec()));
        out.push((format!("{c} (f64 BE)"), c.to_be_bytes().to_vec()));
    }
    out
}

fn assert_nothing_readable(copy: &[(String, Vec<u8>)], needles: &[(String, Vec<u8>)]) {
    for (path, bytes) in copy {
        for (what, needle) in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "the stolen copy's {path} holds {what}"
            );
        }
    }
}

/// Files a named report from the worker's phone, with a location, a GPS photo and the phone's
/// evidence, then messages both ways.
async fn file_everything(app: &TestApp) -> (Filed, Vec<String>) {
    let people = app.people().await;
    let worker = app.signed_in(WORKER_PHONE).await;
    let meta = format!(
        r#"{{"sha256":"{}","taken_at":"2026-07-14T10:20:00","lat":{},"lon":{},"orientation":1,"bytes":4812345}}"#,
        "ab".repeat(32),
        CLIENT_GPS.0,
        CLIENT_GPS.1
    );
    let report = Report::about(people.officer_enterprise)
        .set("identity", "named")
        .set("name", REPORTER_NAME)
        .set("phone", REPORTER_PHONE)
        .set("lat", &STOOD.0.to_string())
        .set("lon", &STOOD.1.to_string())
        .set("accuracy", "12")
        .photo(photos::camera_jpeg(1600, 1200, 1))
        .meta(&meta);
    let res = worker
        .post_multipart("/api/v1/reports", report.form())
        .await;
    assert_eq!(res.status(), 201);
    let code = res.json::<serde_json::Value>().await.unwrap()["receipt_code"]
        .as_str()
        .unwrap()
        .to_string();
    let id = app.report_by_code(&code).await;
    worker.act("/me/receipts", &[("codes", &code)]).await;
    worker
        .act(
            &format!("/r/{code}/messages"),
            &[("body", REPORTER_MESSAGE)],
        )
        .await;
    let inspector = app.signed_in("inspector").await;
    inspector
        .act(
            &format!("/union/reports/{id}/messages"),
            &[("body", UNION_MESSAGE)],
        )
        .await;
    // The union still reads all of it, through the keys.
    let (_, view) = inspector.json(&format!("/api/v1/reports/{id}")).await;
    let text = view.to_string();
    for shown in [
        REPORTER_MESSAGE,
        UNION_MESSAGE,
        "34.7521",
        "113.6402",
        "2026-07-14T10:20:00",
    ] {
        assert!(
            text.contains(shown),
            "the union's view lacks {shown}: {text}"
        );
    }
    let originals: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT original_key FROM photo_evidence"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    (Filed { code, id }, originals)
}

fn secrets(filed: &Filed) -> Vec<(String, Vec<u8>)> {
    let spaced = format!(
        "{} {} {}",
        &REPORTER_PHONE[..3],
        &REPORTER_PHONE[3..7],
        &REPORTER_PHONE[7..]
    );
    let plain_code = filed.code.replace('-', "");
    needles(
        &[
            REPORTER_NAME,
            REPORTER_PHONE,
            &spaced,
            WORKER_PHONE,
            REPORTER_MESSAGE,
            UNION_MESSAGE,
            &filed.code,
            &plain_code,
            "2026-07-14",
        ],
        &[STOOD.0, STOOD.1, CLIENT_GPS.0, CLIENT_GPS.1, EXIF_GPS.0],
    )
}

both_backends! {
    async fn a_stolen_copy_of_the_database_and_photos_reads_as_nothing(app) {
        let (filed, originals) = file_everything(&app).await;
        let copy = stolen_copy(&app).await;
        assert_nothing_readable(&copy, &secrets(&filed));
        // No original decodes; what decodes is a stripped derivative.
        let derivatives: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT display_key FROM report_photos UNION SELECT thumb_key FROM report_photos"
        )
        .fetch_all(pool)
        .await)
        .unwrap();
        assert!(!originals.is_empty());
        for (path, bytes) in copy.iter().filter(|(p, _)| p.contains("photos")) {
            let name = path.rsplit('/').next().unwrap();
            let decodes = photos::decodes(bytes);
            if originals.iter().any(|o| o == name) {
                assert!(!decodes && bytes.starts_with(app::backend::vault::FILE_MAGIC), "the original {name} decodes");
            } else {
                assert!(derivatives.iter().any(|d| d == name), "{name} is neither an original nor a derivative");
            }
        }
        // With the keys the same rows open: the union's reveal path and the original as evidence.
        let inspector = app.signed_in("inspector").await;
        let photo: uuid::Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT photo_id FROM photo_evidence").fetch_one(pool).await).unwrap();
        let res = inspector.get(&format!("/photos/{photo}/original")).await;
        assert_eq!(res.status(), 200);
        assert!(photos::decodes(&res.bytes().await.unwrap()), "the union's evidence is the photo");
    }

    async fn a_sealed_value_copied_to_another_report_does_not_open(app) {
        let (first, _) = file_everything(&app).await;
        let second = app.file_report(&Report::about(app.enterprise("").await)
            .set("identity", "named").set("name", "李四").set("phone", "13700001111")
            .photo(photos::plain_jpeg(800, 600))).await;
        // The thief with write access swaps the first reporter's sealed name into the second
        // report: it opens as nothing, not as the first reporter.
        app::db_run!(&app.db, |pool| sqlx::query(
            "UPDATE report_reporters SET name = (SELECT name FROM report_reporters WHERE report_id = $1) WHERE report_id = $2")
            .bind(first.id).bind(second.id).execute(pool).await.map(|_| ())).unwrap();
        let (name,): (String,) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT name FROM report_reporters WHERE report_id = $1").bind(second.id).fetch_one(pool).await).unwrap();
        assert_eq!(app.data_key(second.id).await.open(field::REPORTER_NAME, &name), None);
        assert_eq!(app.data_key(first.id).await.open(field::REPORTER_NAME, &name).as_deref(), Some(REPORTER_NAME));
    }

    async fn the_master_key_rotates_under_a_running_server(app) {
        let (filed, _) = file_everything(&app).await;
        let path = app.config.master_key_file.clone();
        let before = std::fs::read_to_string(&path).unwrap();
        let old_id = app.state.vault.current_id();
        // `server keys rotate` is this function; the running server is `app`.
        let done = server::store::at_rest::rotate(&app.db, &app.state.vault, std::time::Duration::ZERO).await.unwrap();
        assert!(done.rewrapped >= 2, "the report's key and the accounts' key: {done:?}");
        assert_eq!(done.retired, 1);
        let after = std::fs::read_to_string(&path).unwrap();
        assert_ne!(before, after);
        assert!(!after.contains(&old_id) && after.contains(&done.key_id), "{after}");
        let left: i64 = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM data_keys WHERE master_id <> $1").bind(&done.key_id).fetch_one(pool).await).unwrap();
        assert_eq!(left, 0, "every data key is wrapped by the new master key");
        // The server goes on: what was sealed before opens, new reports are sealed anew, the
        // worker signs in by phone.
        let inspector = app.signed_in("inspector").await;
        let (_, view) = inspector.json(&format!("/api/v1/reports/{}", filed.id)).await;
        assert!(view.to_string().contains(REPORTER_MESSAGE), "{view}");
        let later = app.file_report(&Report::about(app.enterprise("").await).photo(photos::plain_jpeg(800, 600))).await;
        let (master,): (String,) = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT master_id FROM data_keys WHERE owner = $1").bind(format!("report:{}", later.id)).fetch_one(pool).await).unwrap();
        assert_eq!(master, done.key_id);
        let _ = app.signed_in(WORKER_PHONE).await;
        // The old key file (a backup from before) opens nothing any more.
        let stale = app::backend::vault::Vault::with_key("stale", [0u8; 32], &[0u8; 32]);
        assert!(app::backend::vault::report_key(&app.db, &stale, filed.id).await.unwrap().is_none());
    }

    async fn rows_stored_before_encryption_at_rest_are_sealed_at_start_up(app) {
        let (filed, _) = file_everything(&app).await;
        // Put the report back as an earlier version stored it: no data key, the reporter sealed
        // with the secret's key, the rest in the clear, the original file as received.
        let secret = app.state.secret_key.as_slice();
        let identity = IdentityKey::from_secret(secret);
        let photo: uuid::Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT photo_id FROM photo_evidence").fetch_one(pool).await).unwrap();
        let facts = app.evidence(photo).await;
        let original = app.original(photo).await;
        let plain_key = server::photos::sha256_hex(&original);
        app.state.store.put(&plain_key, &original).unwrap();
        let messages: Vec<(uuid::Uuid, String)> = app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT id, body FROM report_messages").fetch_all(pool).await).unwrap();
        let key = app.data_key(filed.id).await;
        let worker = app.people().await.id(WORKER_PHONE);
        app::db_run!(&app.db, |pool| {
            for (id, body) in &messages {
                let plain = key.open(&field::message(*id), body).unwrap();
                sqlx::query("UPDATE report_messages SET body = $1 WHERE id = $2").bind(plain).bind(id).execute(pool).await.unwrap();
            }
            sqlx::query("UPDATE report_reporters SET name = $1, phone = $2").bind(identity.seal(REPORTER_NAME)).bind(identity.seal(REPORTER_PHONE)).execute(pool).await.unwrap();
            sqlx::query("UPDATE photo_evidence SET sealed = NULL, original_key = $1, exif_taken_at = $2, exif_lat = $3, exif_lon = $4, client_lat = $5, client_lon = $6")
                .bind(&plain_key).bind(&facts.exif_taken_at).bind(EXIF_GPS.0).bind(EXIF_GPS.1).bind(CLIENT_GPS.0).bind(CLIENT_GPS.1).execute(pool).await.unwrap();
            sqlx::query("UPDATE reports SET fingerprint = $1, location_sealed = NULL, lat = $2, lon = $3").bind("0".repeat(64)).bind(STOOD.0).bind(STOOD.1).execute(pool).await.unwrap();
            sqlx::query("UPDATE users SET phone = $1, phone_sealed = NULL WHERE id = $2").bind(WORKER_PHONE).bind(worker).execute(pool).await.unwrap();
            sqlx::query("DELETE FROM data_keys WHERE owner = $1").bind(format!("report:{}", filed.id)).execute(pool).await.unwrap();
        });
        let before = stolen_copy(&app).await;
        let all: Vec<u8> = before.iter().flat_map(|(_, b)| b.clone()).collect();
        assert!(all.windows(REPORTER_MESSAGE.len()).any(|w| w == REPORTER_MESSAGE.as_bytes()), "the earlier version's rows are in the clear");

        // What start-up runs.
        let legacy = server::store::at_rest::Legacy {
            identity,
            fingerprints: KeyedHash::from_secret(secret, purpose::FINGERPRINT),
        };
        let seal = || server::store::at_rest::seal_plain_rows(&app.db, &app.state.vault, &legacy, app.state.store.as_ref());
        if app.engine == Engine::Postgres {
            // Two servers starting at once: each report is converted once, by one of them.
            let (a, b) = tokio::join!(seal(), seal());
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(a.0 + b.0 >= 1 && a.1 + b.1 >= 1, "{a:?} {b:?}");
        } else {
            assert_eq!(seal().await.unwrap(), (1, 1));
        }
        assert_eq!(server::store::at_rest::seal_plain_rows(&app.db, &app.state.vault, &legacy, app.state.store.as_ref()).await.unwrap(), (0, 0), "once");
        assert_nothing_readable(&stolen_copy(&app).await, &secrets(&filed));
        assert!(!app.state.store.exists(&plain_key), "the plain original is gone");
        // And it all reads as before, through the keys.
        let inspector = app.signed_in("inspector").await;
        let (_, view) = inspector.json(&format!("/api/v1/reports/{}", filed.id)).await;
        let text = view.to_string();
        for shown in [REPORTER_MESSAGE, UNION_MESSAGE, "34.7521", "113.6402", &facts.sha256] {
            assert!(text.contains(shown), "after sealing, the union's view lacks {shown}: {text}");
        }
        assert_eq!(app.original(photo).await, original);
        let _ = app.signed_in(WORKER_PHONE).await;
        let k = app.data_key(filed.id).await;
        let (name,): (String,) = app::db_run!(&app.db, |pool| sqlx::query_as("SELECT name FROM report_reporters").fetch_one(pool).await).unwrap();
        assert_eq!(k.open(field::REPORTER_NAME, &name).as_deref(), Some(REPORTER_NAME));
    }
}
