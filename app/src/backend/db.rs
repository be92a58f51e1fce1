//! The database handle: an SQLite file (embedded default) or PostgreSQL, behind one type.
//!
//! Queries are written once, in SQL that both engines accept (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`), and run through [`db_run!`](crate::db_run), which instantiates the same code for
//! whichever pool is live. Ids are UUIDs (native on PostgreSQL, 16-byte blobs on SQLite) and
//! instants are `BIGINT` milliseconds since the Unix epoch, so ordering and keyset pagination
//! behave identically on both engines.

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    ConnectOptions, PgPool, SqlitePool,
};
use std::{path::Path, str::FromStr, time::Duration};

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A pool on one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool a [`Db`] holds:
/// `db_run!(db, |pool| sqlx::query("…").execute(pool).await)`.
#[macro_export]
macro_rules! db_run {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::backend::db::Db::Sqlite($pool) => $body,
            $crate::backend::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Every row `sql` answers with `$1` bound to `key` (a report's id, a user's…), on whichever
/// engine `db` holds.
pub async fn fetch_all_for<T>(db: &Db, sql: &str, key: uuid::Uuid) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    db_run!(db, |pool| sqlx::query_as(sql)
        .bind(key)
        .fetch_all(pool)
        .await)
}

/// Opening a write transaction: `BEGIN IMMEDIATE` on SQLite (take the single writer's lock at
/// once instead of failing on upgrade), a plain `BEGIN` on PostgreSQL.
pub trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Whether an error is a unique-constraint violation on a column whose name contains `column`.
pub fn is_unique_violation(e: &sqlx::Error, column: &str) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                && (db.constraint().is_some_and(|c| c.contains(column))
                    || db.message().contains(column))
        }
        _ => false,
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Why the database could not be opened or migrated. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got \"{0}\")")]
    UnsupportedUrl(String),
    #[error("DATABASE_URL is not a valid database URL: {0}")]
    BadUrl(String),
    #[error("cannot open the SQLite database {path}: {source} (check that the data directory exists and is writable)")]
    SqliteOpen { path: String, source: sqlx::Error },
    #[error("cannot connect to PostgreSQL at {target}: {source} (is the server running, and does the database exist?)")]
    PostgresConnect { target: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// The migrations both engines run, embedded in the binary (portable SQL).
static SHARED: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
/// Migrations whose SQL differs between the engines: the same version in both folders.
static SQLITE_ONLY: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_ONLY: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Every migration of an engine, in version order: the shared ones and that engine's own.
/// Once committed a migration is never edited (a database that ran it would refuse to start);
/// `migrations/CHECKSUMS` holds every one's checksum and a test compares them.
pub fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    let own = match backend {
        Backend::Sqlite => &SQLITE_ONLY,
        Backend::Postgres => &POSTGRES_ONLY,
    };
    let mut migrations: Vec<sqlx::migrate::Migration> =
        SHARED.iter().chain(own.iter()).cloned().collect();
    migrations.sort_by_key(|m| m.version);
    sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(migrations),
        ..sqlx::migrate::Migrator::DEFAULT
    }
}

/// How an SQLite commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// `synchronous=FULL`: the write-ahead log is synced at every commit, so a report the server
    /// answered with a receipt survives a power cut. The default, and what production runs.
    #[default]
    Full,
    /// `synchronous=NORMAL`: synced at checkpoints only (a power cut can roll back the last
    /// commits). Only for measuring what `Full` costs (`cargo bench --bench photo_pipeline`).
    Normal,
}

impl Db {
    /// Opens the database a URL names: `sqlite://path/file.db` (created if missing, WAL, every
    /// commit synced, foreign keys on) or `postgres://…`. Fails fast (5 s) when PostgreSQL does
    /// not answer.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        Db::connect_with(url, max_connections, SqliteSync::Full).await
    }

    /// [`Db::connect`] with a chosen SQLite sync mode.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        sync: SqliteSync,
    ) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| DbError::BadUrl(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match sync {
                    SqliteSync::Full => SqliteSynchronous::Full,
                    SqliteSync::Normal => SqliteSynchronous::Normal,
                })
                // Deleted rows (retention, values replaced by their sealed copies) are
                // overwritten with zeros, not left in free pages for a copy of the file to show.
                .pragma("secure_delete", "ON")
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .log_slow_statements(log::LevelFilter::Warn, Duration::from_millis(250));
            let path = options.get_filename().display().to_string();
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|source| DbError::SqliteOpen { path, source })?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| DbError::BadUrl(e.to_string()))?
                .log_slow_statements(log::LevelFilter::Warn, Duration::from_millis(250))
                // Short queries only: JIT compiling a prepared statement's generic plan (whose
                // cost estimate for a keyset page is far above `jit_above_cost`) took 20–1300 ms
                // in the queue benchmark, for queries that run in under 2 ms without it.
                .options([("jit", "off")]);
            let target = format!(
                "{}:{}/{}",
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or("postgres")
            );
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(|source| DbError::PostgresConnect { target, source })?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// The URL of an SQLite file in `dir`.
    pub fn sqlite_url_in(dir: &Path) -> String {
        format!("sqlite://{}", dir.join("safesnap.db").display())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every embedded migration that has not run yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = migrator(self.backend());
        db_run!(self, |pool| migrator.run(pool).await)?;
        Ok(())
    }

    /// One round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        db_run!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Closes every connection (graceful shutdown; tests use it to simulate a lost database).
    pub async fn close(&self) {
        db_run!(self, |pool| pool.close().await)
    }
}

/// A URL with any password replaced, safe to log or print.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite://data/a.db"), "sqlite://data/a.db");
    }

    #[tokio::test]
    async fn an_sqlite_file_opens_in_wal_mode_with_foreign_keys_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&Db::sqlite_url_in(dir.path()), 2)
            .await
            .unwrap();
        let Db::Sqlite(pool) = &db else {
            panic!("expected sqlite")
        };
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert!(dir.path().join("safesnap.db").exists());
    }

    /// `version backend description sha384` of every migration, as committed.
    fn checksums() -> String {
        let mut lines = Vec::new();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            for m in migrator(backend).iter() {
                lines.push(format!(
                    "{} {} {} {}",
                    m.version,
                    backend.name(),
                    m.description,
                    hex::encode(&m.checksum)
                ));
            }
        }
        lines.join("\n") + "\n"
    }

    #[test]
    fn a_released_migration_is_never_edited() {
        let committed = include_str!("../../migrations/CHECKSUMS");
        let now = checksums();
        assert!(
            committed == now,
            "a migration changed, or a new one is missing from app/migrations/CHECKSUMS. \
             Never edit a committed migration: add a new one, then add its line. Now:\n{now}"
        );
    }

    #[test]
    fn every_engine_runs_each_version_once_in_order() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let versions: Vec<i64> = migrator(backend).iter().map(|m| m.version).collect();
            let mut sorted = versions.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(versions, sorted, "{}", backend.name());
        }
    }

    #[tokio::test]
    async fn an_unknown_scheme_is_refused_with_a_hint() {
        let err = Db::connect("mysql://root@localhost/x", 1)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("sqlite:// or postgres://"),
            "{err}"
        );
    }
}
