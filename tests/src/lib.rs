//! The end-to-end test harness: the real server on port 0 with a fresh database per test, and
//! headless Chromium on a phone viewport.
//!
//! - [`spawn_app`] / [`spawn_app_on`]: a temporary SQLite file, or a fresh PostgreSQL database
//!   (created, migrated, dropped afterwards) when `TEST_DATABASE_URL` is set.
//! - [`both_backends!`]: writes a test once and runs it on both engines.
//! - [`browser`]: Chromium at 360×740 with a screenshot under `target/browser-failures/` when a
//!   browser test fails.
//! - [`web`]: axe-core and Lighthouse from `tests/web/node_modules` (`scripts/setup-web`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test harness: failing loudly is its job

pub mod browser;
pub mod network;
pub mod people;
mod pg;
pub mod photos;
pub mod push;
pub mod sms;
pub mod submit;
pub mod web;

use app::backend::Db;
use server::{config::Config, Application};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};
use tokio::{sync::oneshot, task::JoinHandle};

pub use pg::{postgres_url, with_database, PgTestDatabase};

/// The workspace root (the tests crate lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where `scripts/build-site` writes the site.
pub fn site_root() -> PathBuf {
    workspace_root().join("target").join("site")
}

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub db: Db,
    pub engine: Engine,
    pub data_dir: tempfile::TempDir,
    pub config: Config,
    /// The server's shared state (to run its background jobs by hand).
    pub state: server::AppState,
    /// The server's clock, when the test drives time.
    pub clock: Option<app::backend::clock::ManualClock>,
    /// A client that does not follow redirects and keeps cookies.
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    // Dropped last: the database outlives the server that uses it.
    _pg: Option<PgTestDatabase>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// What the database holds for a receipt code (its keyed hash; dashes are ignored).
    pub fn receipt_hash(&self, code: &str) -> String {
        let code = app::domain::receipt::ReceiptCode::parse(code).expect("a receipt code");
        self.state.receipts.hash(&code)
    }

    /// The report a receipt code names.
    pub async fn report_by_code(&self, code: &str) -> uuid::Uuid {
        let hash = self.receipt_hash(code);
        app::db_run!(&self.db, |pool| sqlx::query_scalar(
            "SELECT id FROM reports WHERE receipt_hash = $1"
        )
        .bind(&hash)
        .fetch_one(pool)
        .await)
        .unwrap_or_else(|e| panic!("no report has the code {code}: {e}"))
    }

    /// Stops the server gracefully and waits for it (in-flight requests finish).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task panicked")
                .expect("server failed");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A server on a fresh SQLite file.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(Engine::Sqlite)
        .await
        .expect("SQLite is always available")
}

/// A server on the given engine; `None` for PostgreSQL when `TEST_DATABASE_URL` is not set
/// (outside CI: a note is printed; under `CI=true` that is a failure).
pub async fn spawn_app_on(engine: Engine) -> Option<TestApp> {
    spawn_app_with_clock(engine, None).await
}

/// The manual clock's start in the tests that move time: 2026-07-01 09:00 in Zhengzhou.
pub const START: i64 = 1_782_867_600_000;

/// A server whose manual clock starts at `START`.
pub async fn spawn_app_at_start(engine: Engine) -> Option<TestApp> {
    spawn_app_with_clock(engine, Some(app::backend::clock::ManualClock::new(START))).await
}

/// A server whose clock the test sets (`ManualClock`), or the system clock.
pub async fn spawn_app_with_clock(
    engine: Engine,
    clock: Option<app::backend::clock::ManualClock>,
) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let pg = match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(PgTestDatabase::create().await?),
    };
    let config = Config::local(
        data_dir.path(),
        pg.as_ref().map(|p| p.url.clone()),
        &site_root(),
    );
    Some(spawn_with_clock(config, engine, data_dir, pg, clock).await)
}

/// Starts a server with a prepared configuration.
pub async fn spawn_with(
    config: Config,
    engine: Engine,
    data_dir: tempfile::TempDir,
    pg: Option<PgTestDatabase>,
) -> TestApp {
    spawn_with_clock(config, engine, data_dir, pg, None).await
}

/// [`spawn_with`] with a manual clock.
pub async fn spawn_with_clock(
    config: Config,
    engine: Engine,
    data_dir: tempfile::TempDir,
    pg: Option<PgTestDatabase>,
    clock: Option<app::backend::clock::ManualClock>,
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        server::telemetry::init(server::config::LogFormat::Human, "info,sqlx=warn");
    }
    let shared: app::backend::clock::SharedClock = match &clock {
        Some(c) => std::sync::Arc::new(c.clone()),
        None => std::sync::Arc::new(app::backend::clock::SystemClock),
    };
    let app = Application::build_with_clock(&config, shared)
        .await
        .unwrap_or_else(|e| panic!("server did not start: {e}"));
    let addr = app.addr();
    let db = app.state().db.clone();
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        addr,
        base: format!("http://{addr}"),
        db,
        engine,
        data_dir,
        config,
        state,
        clock,
        client,
        shutdown: Some(tx),
        task: Some(task),
        _pg: pg,
    }
}

/// Writes each test once and runs it against SQLite and against PostgreSQL:
///
/// ```text
/// both_backends! {
///     async fn readyz_answers(app) { assert_eq!(app.get("/readyz").await.status(), 200); }
/// }
/// ```
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::spawn_app().await).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::spawn_app_on($crate::Engine::Postgres).await {
                        run(app).await
                    }
                }
            }
        )*
    };
}
