//! Building and running the application: checked start-up, the router, graceful shutdown.
//!
//! [`Application::build`] does everything that can fail (directories, secret, database,
//! migrations, binding the port) before serving, and each failure is one [`StartupError`] whose
//! message says what is wrong and how to fix it.

pub use crate::state::AppState;
use crate::{
    api,
    assets::{self, SiteAssets},
    config::Config,
    photos::{store::LocalStore, Pipeline},
    routes, security,
    store::reference,
};
use app::backend::{
    clock::{SharedClock, SystemClock},
    cursor::CursorKey,
    identity::IdentityKey,
    ratelimit::RateLimiter,
    Db, DbError,
};
use axum::{http::HeaderName, routing::get, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::{future::Future, io, net::SocketAddr, path::Path, sync::Arc};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

/// The output name of the front-end build (`safesnap.js`, `safesnap.wasm`, `safesnap.css`).
pub const OUTPUT_NAME: &str = "safesnap";
/// The header carrying each request's id (set if the client did not send one, echoed back).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Why the server could not start. Printed as one line by `main`.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("data directory {path} is not usable: {source} (set SAFESNAP_DATA_DIR to a writable directory)")]
    DataDir { path: String, source: io::Error },
    #[error("photo directory {path} is not usable: {source} (set SAFESNAP_PHOTO_DIR to a writable directory)")]
    PhotoDir { path: String, source: io::Error },
    #[error("secret key file {path}: {message}")]
    SecretFile { path: String, message: String },
    #[error(
        "{0} (set SAFESNAP_MASTER_KEY_FILE to the master key file; keep it apart from the data)"
    )]
    MasterKeys(#[from] app::backend::vault::VaultError),
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("cannot prepare the database (reference data, stored receipt codes): {0}")]
    Reference(sqlx::Error),
    #[error("{0}")]
    Admin(String),
    #[error("cannot prepare Web Push: {0}")]
    Push(String),
    #[error("cannot prepare text messages: {0}")]
    Sms(String),
    #[error("cannot listen on {addr}: address already in use (stop the other process or choose another port with SAFESNAP_PORT)")]
    PortInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source} (check SAFESNAP_HOST and SAFESNAP_PORT)")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// The secret key and the master keys (each read, or created on first start). A master key
/// file made now for a database that already holds data keys is a wrong or missing path, not a
/// first start: refused (and the new file removed), since nothing stored would open.
pub async fn open_keys(
    config: &Config,
    db: &Db,
) -> Result<(Vec<u8>, app::backend::vault::Vault), StartupError> {
    let secret_key = match &config.secret_key {
        Some(key) => key.clone(),
        None => load_or_create_secret(&config.secret_key_file)?,
    };
    let vault = app::backend::vault::Vault::open_or_create(&config.master_key_file, &secret_key)?;
    if vault.created() {
        let held: i64 = app::db_run!(db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM data_keys"
        )
        .fetch_one(pool)
        .await)
        .map_err(StartupError::Reference)?;
        if held > 0 {
            let _ = std::fs::remove_file(&config.master_key_file);
            return Err(StartupError::MasterKeys(app::backend::vault::VaultError::File {
                path: config.master_key_file.display().to_string(),
                message: format!(
                    "does not exist, but the database holds {held} data keys wrapped by a master key"
                ),
            }));
        }
    }
    let inside = |dir: &Path| {
        std::fs::canonicalize(dir).is_ok_and(|d| {
            std::fs::canonicalize(&config.master_key_file).is_ok_and(|k| k.starts_with(d))
        })
    };
    if inside(&config.data_dir) || inside(&config.photo_dir) {
        tracing::warn!(
            file = %config.master_key_file.display(),
            "the master key file is inside the data directory: a copy of it opens everything sealed (set SAFESNAP_MASTER_KEY_FILE, and SAFESNAP_SECRET_KEY_FILE, to a folder of their own)"
        );
    }
    Ok((secret_key, vault))
}

/// A built, bound, not yet serving application.
pub struct Application {
    jobs_interval: Option<std::time::Duration>,
    listener: TcpListener,
    router: Router,
    state: AppState,
    addr: SocketAddr,
}

impl Application {
    /// Prepares directories, the secret, the database (migrated, reference data loaded) and the
    /// listening socket.
    pub async fn build(config: &Config) -> Result<Application, StartupError> {
        Application::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with a given clock (tests drive time with a manual one).
    pub async fn build_with_clock(
        config: &Config,
        clock: SharedClock,
    ) -> Result<Application, StartupError> {
        ensure_writable_dir(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        ensure_writable_dir(&config.photo_dir).map_err(|source| StartupError::PhotoDir {
            path: config.photo_dir.display().to_string(),
            source,
        })?;
        let db = open_database(config).await?;
        let (secret_key, vault) = open_keys(config, &db).await?;
        let vault = Arc::new(vault);
        let store: Arc<dyn crate::photos::store::PhotoStore> =
            Arc::new(LocalStore::new(&config.photo_dir));

        let receipts = app::backend::receipts::ReceiptKeys::from_secret(&secret_key);
        crate::store::receipts::hash_plain_codes(&db, &receipts)
            .await
            .map_err(StartupError::Reference)?;
        let fingerprints = app::backend::keyed::KeyedHash::from_secret(
            &secret_key,
            app::backend::keyed::purpose::FINGERPRINT,
        );
        crate::store::at_rest::seal_plain_rows(
            &db,
            &vault,
            &crate::store::at_rest::Legacy {
                identity: IdentityKey::from_secret(&secret_key),
                fingerprints: fingerprints.clone(),
            },
            store.as_ref(),
        )
        .await
        .map_err(StartupError::Reference)?;
        let db_for_push = db.clone();
        let clock_now = clock.now_ms();

        let assets = SiteAssets::scan(&config.site_root, OUTPUT_NAME);
        if !assets.complete {
            tracing::warn!(
                site_root = %config.site_root.display(),
                "no front-end build found: pages render but nothing hydrates (run `scripts/build-site`)"
            );
        }

        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| match source.kind() {
                    io::ErrorKind::AddrInUse => StartupError::PortInUse { addr: config.addr },
                    _ => StartupError::Bind {
                        addr: config.addr,
                        source,
                    },
                })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.addr,
            source,
        })?;

        let leptos = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(leptos::config::Env::PROD)
            .build();
        let mut page_options = leptos.clone();
        page_options.site_pkg_dir = assets.pkg_dir().into();

        crate::sms::channels::configure(config.sms.channels.clone());
        let sms: Arc<dyn crate::sms::SmsGateway> = match &config.sms.provider {
            crate::config::SmsProvider::Dev => Arc::new(crate::sms::DevGateway::default()),
            crate::config::SmsProvider::Aliyun(c) => {
                Arc::new(crate::sms::aliyun::AliyunSms::new(c.clone()).map_err(StartupError::Sms)?)
            }
        };
        let sms_worker = Arc::new(crate::sms::worker::SmsWorker::new(
            sms.clone(),
            vault.clone(),
            crate::sms::worker::SmsConfig {
                sign_name: config.sms.sign_name.clone(),
                public_url: config
                    .sms
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{addr}")),
                per_phone_per_hour: config.sms.per_phone_per_hour,
            },
        ));
        let state = AppState {
            leptos,
            page_options,
            db,
            assets: Arc::new(assets),
            photo_dir: config.photo_dir.clone(),
            secret_key: Arc::new(secret_key.clone()),
            store,
            photos: Pipeline::per_core(crate::photos::budget::Budget::new(
                config.decode_budget,
                crate::photos::budget::BUDGET_WAIT,
            )),
            uploads: crate::limits::Uploads::new(&config.limits),
            limiter: Arc::new(RateLimiter::default()),
            clock,
            vault,
            fingerprints,
            cursor_key: CursorKey::from_secret(&secret_key),
            sign_in: crate::store::sessions::SignInKeys::from_secret(&secret_key),
            receipts,
            sms,
            sms_worker,
            sms_receipt_token: config.sms.receipt_token.clone(),
            deadlines: config.deadlines,
            retention_ms: config.retention_ms,
            secure_cookies: config.secure_cookies,
            heat_rules: Arc::new(config.heat.clone()),
            alert_sender: config.alert_sender.clone(),
            alert_sender_name: config.alert_sender_name.clone(),
            pusher: Arc::new(
                crate::push::Pusher::load(&db_for_push, config.push.clone(), clock_now)
                    .await
                    .map_err(StartupError::Push)?,
            ),
            push_allow_http: config.push_allow_http,
        };
        let router = router(state.clone());
        Ok(Application {
            jobs_interval: config.jobs_interval,
            listener,
            router,
            state,
            addr,
        })
    }

    /// The address actually bound (the port is real even when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let db = self.state.db.clone();
        let jobs = self
            .jobs_interval
            .map(|every| crate::actions::jobs::spawn(self.state.clone(), every));
        // Push deliveries go out with the jobs: a process without jobs sends none.
        let pushes = self.jobs_interval.map(|_| {
            self.state
                .pusher
                .clone()
                .spawn(self.state.db.clone(), self.state.clock.clone())
        });
        let texts = self.jobs_interval.map(|_| {
            self.state
                .sms_worker
                .clone()
                .spawn(self.state.db.clone(), self.state.clock.clone())
        });
        let limits = self.state.uploads.limits.clone();
        let result = crate::limits::serve(self.listener, self.router, &limits, shutdown).await;
        if let Some(jobs) = jobs {
            jobs.abort();
        }
        if let Some(pushes) = pushes {
            pushes.abort();
        }
        if let Some(texts) = texts {
            texts.abort();
        }
        db.close().await;
        result
    }
}

/// Opens and migrates the database and loads the reference data (also used by CLI commands).
pub async fn open_database(config: &Config) -> Result<Db, StartupError> {
    ensure_writable_dir(&config.data_dir).map_err(|source| StartupError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let db = Db::connect_with(
        &config.database_url,
        config.db_max_connections,
        config.sqlite_sync,
    )
    .await?;
    db.migrate().await?;
    reference::sync(&db)
        .await
        .map_err(StartupError::Reference)?;
    Ok(db)
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let page_options = state.page_options.clone();
    let context_state = state.clone();
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);

    let mut router = Router::new();
    for (_method, path, handler) in api::routes().into_iter().chain(routes::form_routes()) {
        router = router.route(path, handler);
    }
    router
        .route("/pkg/{build}/{*file}", get(assets::hashed_pkg))
        .leptos_routes_with_context(
            &state,
            routes,
            move || context_state.provide_contexts(),
            move || app::shell(page_options.clone()),
        )
        .fallback(assets::static_or_not_found)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &axum::http::Request<_>| {
                            let id = req
                                .headers()
                                .get(REQUEST_ID_HEADER)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!("request", method = %req.method(), path = %crate::telemetry::path_for_log(req.uri().path()), request_id = %id)
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CompressionLayer::new())
                .layer(axum::middleware::from_fn(security::headers))
                .layer(axum::middleware::from_fn(security::refuse_cross_site))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    security::load_user,
                ))
                .layer(axum::middleware::from_fn({
                    let uploads = state.uploads.clone();
                    move |req, next| crate::limits::guard(uploads.clone(), req, next)
                })),
        )
        .with_state(state)
}

/// Creates the directory if needed and proves it is writable.
fn ensure_writable_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(&probe)
}

/// Reads the secret key file, or creates it (32 random bytes, hex, mode 0600) on first start.
fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, StartupError> {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => crate::config::parse_secret(&text).map_err(|_| StartupError::SecretFile {
            path: shown,
            message: "is not 64+ hex characters; delete it to have a new one generated".into(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                private_dir(parent).map_err(|e| StartupError::SecretFile {
                    path: shown.clone(),
                    message: format!("cannot create its folder: {e}"),
                })?;
            }
            let mut key = vec![0u8; 32];
            getrandom::fill(&mut key).map_err(|e| StartupError::SecretFile {
                path: shown.clone(),
                message: format!("no randomness: {e}"),
            })?;
            write_private(path, hex::encode(&key).as_bytes()).map_err(|e| {
                StartupError::SecretFile {
                    path: shown,
                    message: e.to_string(),
                }
            })?;
            Ok(key)
        }
        Err(e) => Err(StartupError::SecretFile {
            path: shown,
            message: e.to_string(),
        }),
    }
}

/// A folder only this user can enter (for a key file kept outside the data directory).
fn private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn a_key_file_outside_the_data_directory_gets_a_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("safesnap").join("secret.key");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let folder = std::fs::metadata(path.parent().unwrap()).unwrap();
            assert_eq!(folder.permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn an_unwritable_directory_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        assert!(ensure_writable_dir(&file.join("sub")).is_err());
    }
}
