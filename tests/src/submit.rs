//! Building report submissions as the app and the plain form send them.

use crate::TestApp;
use reqwest::multipart::{Form, Part};
use uuid::Uuid;

/// The fields and photos of one submission.
#[derive(Debug, Clone)]
pub struct Report {
    pub fields: Vec<(String, String)>,
    pub photos: Vec<Vec<u8>>,
    pub metas: Vec<String>,
}

impl Report {
    /// A complete, valid anonymous report about an enterprise, without photos.
    pub fn about(enterprise: Uuid) -> Report {
        Report {
            fields: vec![
                ("client_id".into(), Uuid::new_v4().to_string()),
                ("category".into(), "fall".into()),
                ("q.fall.guard".into(), "no".into()),
                ("q.fall.height".into(), "12".into()),
                ("enterprise_id".into(), enterprise.to_string()),
                ("site".into(), "3号楼东侧脚手架".into()),
                ("severity".into(), "stop_production".into()),
                (
                    "description".into(),
                    "脚手架没有护栏，有人在上面作业".into(),
                ),
                ("identity".into(), "anonymous".into()),
            ],
            photos: Vec::new(),
            metas: Vec::new(),
        }
    }

    pub fn set(mut self, name: &str, value: &str) -> Report {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.into(), value.into()));
        self
    }

    pub fn without(mut self, name: &str) -> Report {
        self.fields.retain(|(k, _)| k != name);
        self
    }

    pub fn photo(mut self, bytes: Vec<u8>) -> Report {
        self.photos.push(bytes);
        self
    }

    pub fn meta(mut self, json: &str) -> Report {
        self.metas.push(json.into());
        self
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn form(&self) -> Form {
        let mut form = Form::new();
        for (k, v) in &self.fields {
            form = form.text(k.clone(), v.clone());
        }
        for (i, bytes) in self.photos.iter().enumerate() {
            let part = Part::bytes(bytes.clone())
                .file_name(format!("photo-{}.jpg", i + 1))
                .mime_str("image/jpeg")
                .expect("mime");
            form = form.part("photo", part);
        }
        for m in &self.metas {
            form = form.text("photo_meta", m.clone());
        }
        form
    }
}

impl TestApp {
    /// Loads the demo directory and returns the id of the enterprise with this exact name, or of
    /// the first one when `name` is empty.
    pub async fn enterprise(&self, name: &str) -> Uuid {
        server::seed::seed_demo(&self.db, 0).await.expect("seed");
        let ids: Vec<(Uuid, String)> = app::db_run!(&self.db, |pool| sqlx::query_as(
            "SELECT id, name FROM enterprises ORDER BY name"
        )
        .fetch_all(pool)
        .await)
        .expect("enterprises");
        ids.into_iter()
            .find(|(_, n)| name.is_empty() || n == name)
            .map(|(id, _)| id)
            .expect("no such enterprise")
    }

    /// `POST /api/v1/reports`.
    pub async fn submit(&self, report: &Report) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/reports"))
            .multipart(report.form())
            .send()
            .await
            .expect("post report")
    }

    /// Rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        app::db_run!(&self.db, |pool| sqlx::query_scalar(&sql)
            .fetch_one(pool)
            .await)
        .expect("count")
    }

    /// Files under the photo directory.
    pub fn photo_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p, out);
                    } else {
                        out.push(p);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.config.photo_dir, &mut out);
        out
    }

    /// A report's data key, as the server opens it (with the master key file).
    pub async fn data_key(&self, report: uuid::Uuid) -> app::backend::vault::DataKey {
        app::backend::vault::report_key(&self.db, &self.state.vault, report)
            .await
            .expect("data key")
            .expect("every report has a data key that opens")
    }

    /// A photo's report's data key, and what the evidence row holds in the clear: its sealed
    /// facts and the stored original's key.
    async fn evidence_row(
        &self,
        photo: uuid::Uuid,
    ) -> (app::backend::vault::DataKey, String, String) {
        let (report, sealed, original): (uuid::Uuid, String, String) =
            app::db_run!(&self.db, |pool| sqlx::query_as(
                "SELECT p.report_id, e.sealed, e.original_key FROM photo_evidence e
                 JOIN report_photos p ON p.id = e.photo_id WHERE e.photo_id = $1"
            )
            .bind(photo)
            .fetch_one(pool)
            .await)
            .expect("evidence row");
        (self.data_key(report).await, sealed, original)
    }

    /// A photo's evidence, opened with its report's key (what the union's evidence view shows).
    pub async fn evidence(&self, photo: uuid::Uuid) -> app::backend::reports::EvidenceFacts {
        let (key, sealed, _) = self.evidence_row(photo).await;
        let json = key
            .open(&app::backend::reports::field::evidence(photo), &sealed)
            .expect("the evidence opens with its report's key");
        serde_json::from_str(&json).expect("evidence JSON")
    }

    /// A photo's original file as received: stored sealed, opened with its report's key.
    pub async fn original(&self, photo: uuid::Uuid) -> Vec<u8> {
        let (key, _, stored) = self.evidence_row(photo).await;
        key.open_bytes(
            &app::backend::reports::field::original(photo),
            &self.photo_file(&stored),
        )
        .expect("the original opens with its report's key")
    }

    /// A stored photo file by key.
    pub fn photo_file(&self, key: &str) -> Vec<u8> {
        std::fs::read(
            self.config
                .photo_dir
                .join(&key[0..2])
                .join(&key[2..4])
                .join(key),
        )
        .expect("photo file")
    }
}

/// The multipart body of a report, as bytes (for raw requests).
pub fn multipart_body(report: &Report, boundary: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in &report.fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (i, photo) in report.photos.iter().enumerate() {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p{i}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(photo);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// POSTs a large body over a raw connection, reading the answer while still sending: a server
/// that refuses early (413) answers before the client has finished, and a normal client would
/// report the closed connection instead of the answer.
pub async fn post_raw(
    addr: std::net::SocketAddr,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let sender = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_ok() {
            for chunk in body.chunks(64 * 1024) {
                if writer.write_all(chunk).await.is_err() {
                    break;
                }
            }
        }
    });
    let mut response = Vec::new();
    let _ = reader.read_to_end(&mut response).await;
    sender.abort();
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
