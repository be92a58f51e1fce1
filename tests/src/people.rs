//! People in the tests: the demo users (one for every role), signed-in browsers-without-a-browser
//! (an HTTP client with its own cookie jar that sends forms the way a page of this site does).

use crate::TestApp;
use reqwest::{header, multipart::Form, Response};
use std::collections::BTreeMap;
use uuid::Uuid;

pub use server::seed::DEMO_PASSWORD;

/// The demo directory and users, loaded into a test's database.
#[derive(Debug, Clone)]
pub struct People {
    /// Demo login → user id.
    pub users: BTreeMap<String, Uuid>,
    /// The enterprise of the demo officer (`officer`, 金水区 construction).
    pub officer_enterprise: Uuid,
    /// The enterprise of `officer-zhongyuan` (中原区 manufacturing).
    pub other_enterprise: Uuid,
    /// A coal mine of 新密 (supervised by `mine-supervisor`).
    pub mine: Uuid,
    /// An enterprise nobody is responsible for: 二七区 logistics (no inspector covers 二七区).
    pub uncovered_enterprise: Uuid,
}

impl People {
    pub fn id(&self, login: &str) -> Uuid {
        self.users[login]
    }
}

impl TestApp {
    /// Loads the demo directory and the demo users (idempotent).
    pub async fn people(&self) -> People {
        let now = self.now();
        server::seed::seed_demo(&self.db, now)
            .await
            .expect("seed directory");
        let logins = server::seed::seed_demo_users(&self.db, &self.state.vault, now)
            .await
            .expect("seed users");
        let mut users = BTreeMap::new();
        for l in logins {
            let id: Uuid = app::db_run!(&self.db, |pool| sqlx::query_scalar(
                "SELECT id FROM users WHERE username = $1 OR phone = $2"
            )
            .bind(&l.login)
            .bind(self.state.vault.phone_hash(&l.login))
            .fetch_one(pool)
            .await)
            .expect("demo user");
            users.insert(l.login, id);
        }
        let officer_enterprise = self
            .only(
                "SELECT enterprise_id FROM enterprise_officers WHERE user_id = $1",
                users["officer"],
            )
            .await;
        let other_enterprise = self
            .only(
                "SELECT enterprise_id FROM enterprise_officers WHERE user_id = $1",
                users["officer-zhongyuan"],
            )
            .await;
        let mine: Uuid = app::db_run!(&self.db, |pool| sqlx::query_scalar(
            "SELECT enterprise_id FROM mine_supervisors WHERE user_id = $1 LIMIT 1"
        )
        .bind(users["mine-supervisor"])
        .fetch_one(pool)
        .await)
        .expect("a mine");
        let uncovered_enterprise: Uuid = app::db_run!(&self.db, |pool| sqlx::query_scalar(
            "SELECT id FROM enterprises WHERE district_code = '410103' AND NOT is_coal_mine ORDER BY uscc LIMIT 1"
        )
        .fetch_one(pool)
        .await)
        .expect("an enterprise in 二七区");
        People {
            users,
            officer_enterprise,
            other_enterprise,
            mine,
            uncovered_enterprise,
        }
    }

    async fn only(&self, sql: &str, user: Uuid) -> Uuid {
        app::db_run!(&self.db, |pool| sqlx::query_scalar(sql)
            .bind(user)
            .fetch_one(pool)
            .await)
        .expect(sql)
    }

    /// The server's current time (the manual clock when the test has one).
    pub fn now(&self) -> i64 {
        self.state.clock.now_ms()
    }

    /// A browser of its own (cookie jar), not signed in.
    pub fn visitor(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .expect("client"),
        }
    }

    /// A browser signed in as `login` with the demo password.
    pub async fn signed_in(&self, login: &str) -> Browser {
        let b = self.visitor();
        let res = b.sign_in(login, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303, "{login} could not sign in");
        b
    }

    /// Advances the manual clock.
    pub fn advance(&self, ms: i64) {
        self.clock
            .as_ref()
            .expect("this test has no manual clock")
            .advance(ms);
    }

    /// Another server process on the same database and clock (not serving; its state runs jobs).
    pub async fn second_server(&self) -> server::AppState {
        let mut config = self.config.clone();
        config.addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let app = server::Application::build_with_clock(&config, self.state.clock.clone())
            .await
            .expect("second server");
        app.state().clone()
    }

    /// Runs the background jobs once (confirmation timeouts, escalations).
    pub async fn run_jobs(&self) -> server::actions::jobs::RunReport {
        server::actions::jobs::run_once(&self.state)
            .await
            .expect("jobs")
    }
}

/// An HTTP client with its own cookies, posting forms as this site's pages do (same origin).
#[derive(Debug, Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The page's text content (tags removed), for asserting what a person reads.
    pub async fn text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, visible_text(&res.text().await.unwrap_or_default()))
    }

    /// POSTs a form from a page of this site.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .header(header::ORIGIN, &self.base)
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// POSTs a multipart form from a page of this site.
    pub async fn post_multipart(&self, path: &str, form: Form) -> Response {
        self.client
            .post(self.url(path))
            .header(header::ORIGIN, &self.base)
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub async fn sign_in(&self, login: &str, password: &str) -> Response {
        self.post("/login", &[("login", login), ("password", password)])
            .await
    }

    /// A form action that must succeed (303 back to its page with `ok`).
    pub async fn act(&self, path: &str, form: &[(&str, &str)]) {
        let res = self.post(path, form).await;
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = visible_text(&res.text().await.unwrap_or_default());
        assert_eq!(
            status,
            303,
            "POST {path} {form:?} was refused: {}",
            excerpt(&body)
        );
        assert!(location.contains("ok="), "POST {path} went to {location}");
    }

    /// JSON from the API.
    pub async fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// The text a person reads on a page: `<main>` without tags, scripts or styles, whitespace
/// collapsed.
pub fn visible_text(html: &str) -> String {
    let main = match (html.find("<main"), html.rfind("</main>")) {
        (Some(a), Some(b)) if b > a => &html[a..b],
        _ => html,
    };
    let mut out = String::with_capacity(main.len());
    let mut in_tag = false;
    let mut rest = main;
    while let Some(c) = rest.chars().next() {
        if !in_tag && (rest.starts_with("<script") || rest.starts_with("<style")) {
            let end = if rest.starts_with("<script") {
                "</script>"
            } else {
                "</style>"
            };
            match rest.find(end) {
                Some(i) => {
                    rest = &rest[i + end.len()..];
                    continue;
                }
                None => break,
            }
        }
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first few hundred characters, for failure messages.
pub fn excerpt(s: &str) -> String {
    s.chars().take(400).collect()
}

/// A report as filed: its receipt code (`XXXX-XXXX-XXX`) and id.
#[derive(Debug, Clone)]
pub struct Filed {
    pub code: String,
    pub id: Uuid,
}

impl Filed {
    /// The receipt page path.
    pub fn receipt_path(&self) -> String {
        format!("/r/{}", self.code.replace('-', ""))
    }
}

/// The name and phone number the named test reports carry.
pub const REPORTER_NAME: &str = "王小明";
pub const REPORTER_PHONE: &str = "13912345678";

impl TestApp {
    /// Files a report about an enterprise (with one photo), named (实名) or anonymous.
    pub async fn file(&self, enterprise: Uuid, named: bool) -> Filed {
        let mut report =
            crate::submit::Report::about(enterprise).photo(crate::photos::camera_jpeg(640, 480, 1));
        if named {
            report = report
                .set("identity", "named")
                .set("name", REPORTER_NAME)
                .set("phone", REPORTER_PHONE);
        }
        self.file_report(&report).await
    }

    /// As `inspector`: grades a report ordinary and sends its rectification notice, due in a
    /// week.
    pub async fn grade_and_notice(&self, inspector: &Browser, report: &Filed) {
        inspector
            .act(
                &format!("/union/reports/{}/grade", report.id),
                &[("grade", "ordinary"), ("note", "已核实")],
            )
            .await;
        let due = app::components::page::date_of(self.now() + 7 * 24 * 3600 * 1000);
        inspector
            .act(
                &format!("/union/reports/{}/notice", report.id),
                &[
                    ("responsible_person", "项目经理 张三"),
                    ("measures", "立即在3号楼东侧加装临边防护栏和安全网"),
                    ("deadline", &due),
                    ("standard", "JGJ 80-2016 建筑施工高处作业安全技术规范"),
                    ("acceptance_person", "公司安全部 李四"),
                ],
            )
            .await;
    }

    pub async fn file_report(&self, report: &crate::submit::Report) -> Filed {
        let res = self.submit(report).await;
        assert_eq!(res.status(), 201, "the report was refused");
        let body: serde_json::Value = res.json().await.expect("json");
        let code = body["receipt_code"]
            .as_str()
            .expect("receipt code")
            .to_string();
        let id: Uuid = self.report_by_code(&code).await;
        Filed { code, id }
    }
}

/// The first receipt code shown (`XXXX-XXXX-XXX`) in a page's text or HTML.
pub fn receipt_code_in(text: &str) -> Option<app::domain::receipt::ReceiptCode> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(13).find_map(|w| {
        let shaped = w.iter().enumerate().all(|(i, c)| match i {
            4 | 9 => *c == '-',
            _ => c.is_ascii_digit() || c.is_ascii_uppercase(),
        });
        shaped
            .then(|| app::domain::receipt::ReceiptCode::parse(&w.iter().collect::<String>()).ok())
            .flatten()
    })
}
