//! Configuration: command-line options, environment variables and an optional TOML file.
//!
//! Precedence, highest first: command line, environment, the file named by `--config` /
//! `SAFESNAP_CONFIG`, built-in defaults. `server --help` lists every setting with its variable.

use app::domain::{deadlines::Deadlines, heat::CityRules};
use clap::{
    parser::ValueSource, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum,
};
use std::{
    ffi::OsString,
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
};

/// The SafeSnap (安全随手拍) server: workers report workplace hazards, the union follows them up.
#[derive(Debug, Parser)]
#[command(name = "server", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Serve the web app and the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo directory of Zhengzhou (districts, ~200 enterprises) and a demo user for
    /// every role. Idempotent. Not for production: the demo passwords are public, so a database
    /// that holds anything else (an enterprise outside the demo directory, a staff account that
    /// is not a demo login) is refused unless `--force`.
    SeedDemo {
        /// Seed even a database that holds data that is not the demo's.
        #[arg(long)]
        force: bool,
    },
    /// Manage accounts from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage the programs that may post CAP alerts.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Manage the master keys that wrap each report's data key.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `server keys …`
#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum KeysCommand {
    /// Put a new master key in the master key file, re-wrap every data key under it, then drop
    /// the old key. Servers keep running: they notice the file changed. Back up the new file.
    Rotate {
        /// Seconds to wait before the last pass, for a write a running server began with the
        /// old key just before the new one was added.
        #[arg(long, default_value_t = 60)]
        grace_secs: u64,
    },
}

/// `server alerts …`
#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum AlertsCommand {
    /// Register a CAP source (a weather service's feed). Its API key is printed on this terminal
    /// once; the server keeps only its SHA-256.
    AddSource {
        /// The source's name, as admins see it (e.g. 郑州市气象台).
        #[arg(long)]
        name: String,
    },
}

/// `server admin …`
#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum AdminCommand {
    /// Create a union admin (the first one, or to recover access). A random password is printed
    /// on this terminal only, never logged.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Name shown to others.
        #[arg(long)]
        name: String,
        /// The district they administer (GB/T 2260 code or zone code); the whole city if omitted.
        #[arg(long)]
        district: Option<String>,
    },
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Every setting. Field names are the long options and, in kebab-case, the config-file keys.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// TOML file with any of these settings as `key = value` (keys as the long options without
    /// `--`, e.g. `port = 8080`). Environment variables and options override it.
    #[arg(long, env = "SAFESNAP_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on.
    #[arg(
        long,
        env = "SAFESNAP_HOST",
        default_value = "127.0.0.1",
        global = true
    )]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free port).
    #[arg(long, env = "SAFESNAP_PORT", default_value_t = 3000, global = true)]
    pub port: u16,

    /// Database: `sqlite://FILE` or `postgres://USER@HOST:PORT/DB`.
    /// [default: sqlite://<data-dir>/safesnap.db]
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Maximum database connections in the pool.
    #[arg(
        long,
        env = "SAFESNAP_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// Directory for the SQLite file, the generated secret key and (by default) photos.
    #[arg(long, env = "SAFESNAP_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Directory for uploaded photos. [default: <data-dir>/photos]
    #[arg(long, env = "SAFESNAP_PHOTO_DIR", global = true)]
    pub photo_dir: Option<PathBuf>,

    /// The built front end (`scripts/build-site` output: pkg/, icons, manifest).
    #[arg(
        long,
        env = "SAFESNAP_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,

    /// Secret key (at least 64 hex characters) for signing sessions and tokens.
    /// [default: generated once and kept in <data-dir>/secret.key]
    #[arg(
        long,
        env = "SAFESNAP_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,

    /// The file the secret key is kept in when `SAFESNAP_SECRET_KEY` is not set (generated on
    /// first start, mode 0600). Keep it out of the data directory and its backups: a copy of the
    /// database and the photos without it does not open what is sealed.
    /// [default: <data-dir>/secret.key]
    #[arg(long, env = "SAFESNAP_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,

    /// The master key file: the keys that wrap each report's data key (generated on first
    /// start, mode 0600; `server keys rotate` replaces the key in it). Never in the data
    /// directory or the photo store (a warning at start when it is), and backed up apart from
    /// them: without it nothing sealed in the database or the photos can be read.
    /// [default: master.keys beside the secret key file]
    #[arg(long, env = "SAFESNAP_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,

    /// Mark cookies Secure (set when the site is served over HTTPS, directly or behind a proxy).
    #[arg(
        long,
        env = "SAFESNAP_SECURE_COOKIES",
        default_value_t = false,
        global = true
    )]
    pub secure_cookies: bool,

    /// Memory the photos being decoded at once may hold, in MiB (a photo's share is known from
    /// its header before decoding; a photo that cannot get it in time is answered 503).
    #[arg(
        long,
        env = "SAFESNAP_DECODE_BUDGET_MB",
        default_value_t = crate::photos::budget::DEFAULT_DECODE_BUDGET_MB,
        global = true
    )]
    pub decode_budget_mb: u64,

    /// Uploads (reports with photos, after-photos, imports) whose bodies are read at once; the
    /// next waits, and is answered 503 if no place frees in time.
    #[arg(
        long,
        env = "SAFESNAP_UPLOADS_AT_ONCE",
        default_value_t = crate::limits::DEFAULT_UPLOADS_AT_ONCE,
        global = true
    )]
    pub uploads_at_once: usize,

    /// Web Push contact for the push services (VAPID `sub`): a `mailto:` or `https:` address.
    #[arg(
        long,
        env = "SAFESNAP_PUSH_SUBJECT",
        default_value = "mailto:push@safesnap.invalid",
        global = true
    )]
    pub push_subject: String,

    /// Seconds before one request to a push service is given up (and retried later).
    #[arg(
        long,
        env = "SAFESNAP_PUSH_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub push_timeout_secs: u64,

    /// Requests in flight at once to one push service.
    #[arg(
        long,
        env = "SAFESNAP_PUSH_PER_ORIGIN",
        default_value_t = 64,
        global = true
    )]
    pub push_per_origin: usize,

    /// Accept plain `http://` push endpoints and endpoints on private or loopback addresses
    /// (only for a push service on a trusted network).
    #[arg(
        long,
        env = "SAFESNAP_PUSH_ALLOW_HTTP",
        default_value_t = false,
        global = true
    )]
    pub push_allow_http: bool,

    /// The site's address as people open it (`https://aq.example.cn`): the short links in text
    /// messages start with it. [default: http://<host>:<port>]
    #[arg(long, env = "SAFESNAP_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Who sends text messages: `dev` (the server log; the default) or `aliyun` (Alibaba
    /// Cloud SMS, with the `SAFESNAP_ALIYUN_*` settings and `SAFESNAP_SMS_TEMPLATES`).
    #[arg(
        long,
        env = "SAFESNAP_SMS_PROVIDER",
        default_value = "dev",
        global = true
    )]
    pub sms_provider: String,

    /// The sign name (签名) approved for the deployment's text messages.
    #[arg(
        long,
        env = "SAFESNAP_SMS_SIGN_NAME",
        default_value = "安全随手拍",
        global = true
    )]
    pub sms_sign_name: String,

    /// The provider's approved template codes, `NAME=CODE,…`, for `register_code`,
    /// `reset_code`, `already_registered` and each kind sent by SMS (`urgent`, `notice`,
    /// `overdue`, `escalated`, `alert_red`, …; `other` for a kind without its own text).
    #[arg(
        long,
        env = "SAFESNAP_SMS_TEMPLATES",
        default_value = "",
        global = true
    )]
    pub sms_templates: String,

    /// The notification kinds that also go by text message (comma-separated; empty: none).
    #[arg(long, env = "SAFESNAP_SMS_KINDS", default_value = crate::sms::channels::DEFAULT_SMS_KINDS, global = true)]
    pub sms_kinds: String,

    /// Text messages one phone number may get in an hour (more wait; none is dropped).
    #[arg(long, env = "SAFESNAP_SMS_PER_PHONE_PER_HOUR", default_value_t = crate::sms::worker::DEFAULT_SMS_PER_PHONE_PER_HOUR, global = true)]
    pub sms_per_phone_per_hour: u32,

    /// The secret last part of the delivery-receipt address given to the provider
    /// (`/hooks/sms/aliyun/<token>`); unset: receipts are not accepted.
    #[arg(
        long,
        env = "SAFESNAP_SMS_RECEIPT_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub sms_receipt_token: Option<String>,

    /// Alibaba Cloud SMS: the API address (the tests point it at their stand-in).
    #[arg(long, env = "SAFESNAP_ALIYUN_SMS_ENDPOINT", default_value = crate::sms::aliyun::DEFAULT_ENDPOINT, global = true)]
    pub aliyun_sms_endpoint: String,

    /// Alibaba Cloud SMS: the region of the calls.
    #[arg(
        long,
        env = "SAFESNAP_ALIYUN_REGION",
        default_value = "cn-hangzhou",
        global = true
    )]
    pub aliyun_region: String,

    /// Alibaba Cloud: the AccessKey ID (a RAM user allowed only `dysms:SendSms`).
    #[arg(long, env = "SAFESNAP_ALIYUN_ACCESS_KEY_ID", global = true)]
    pub aliyun_access_key_id: Option<String>,

    /// Alibaba Cloud: the AccessKey secret.
    #[arg(
        long,
        env = "SAFESNAP_ALIYUN_ACCESS_KEY_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub aliyun_access_key_secret: Option<String>,

    /// CAP `sender` of the alerts issued here (no spaces or commas).
    #[arg(
        long,
        env = "SAFESNAP_ALERT_SENDER",
        default_value = "safesnap.zhengzhou",
        global = true
    )]
    pub alert_sender: String,

    /// CAP `senderName` of the alerts issued here.
    #[arg(
        long,
        env = "SAFESNAP_ALERT_SENDER_NAME",
        default_value = "郑州市总工会",
        global = true
    )]
    pub alert_sender_name: String,

    /// The city's heat and cold rules: only from the config file's `[heat]` table.
    #[arg(skip)]
    pub heat: CityRules,

    /// Working days an enterprise has to acknowledge a rectification notice.
    #[arg(long, env = "SAFESNAP_ACK_WORKING_DAYS", default_value_t = Deadlines::default().ack_working_days, global = true)]
    pub ack_working_days: u32,

    /// Default deadline, in days, to fix an ordinary (一般) hazard.
    #[arg(long, env = "SAFESNAP_FIX_DAYS_ORDINARY", default_value_t = Deadlines::default().fix_days_ordinary, global = true)]
    pub fix_days_ordinary: u32,

    /// Default deadline, in days, to fix a major (重大) hazard.
    #[arg(long, env = "SAFESNAP_FIX_DAYS_MAJOR", default_value_t = Deadlines::default().fix_days_major, global = true)]
    pub fix_days_major: u32,

    /// Days the reporter has to confirm or dispute a verified fix before it closes on its own.
    #[arg(long, env = "SAFESNAP_CONFIRM_DAYS", default_value_t = Deadlines::default().confirm_days, global = true)]
    pub confirm_days: u32,

    /// Days overdue before the district union admin is told.
    #[arg(long, env = "SAFESNAP_ESCALATE_DISTRICT_DAYS", default_value_t = Deadlines::default().escalate_district_days, global = true)]
    pub escalate_district_days: u32,

    /// Days overdue before the city union is told.
    #[arg(long, env = "SAFESNAP_ESCALATE_CITY_DAYS", default_value_t = Deadlines::default().escalate_city_days, global = true)]
    pub escalate_city_days: u32,

    /// Days after a report closes before the reporter's identity, the account link, the photo
    /// evidence and the original photos are deleted (0 keeps them for ever).
    #[arg(long, env = "SAFESNAP_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS, global = true)]
    pub retention_days: u32,

    /// Seconds between runs of the background jobs (confirmation timeouts, escalations);
    /// 0 turns them off in this process.
    #[arg(
        long,
        env = "SAFESNAP_JOBS_INTERVAL_SECS",
        default_value_t = 60,
        global = true
    )]
    pub jobs_interval_secs: u64,

    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = "info,sqlx=warn,tower_http=info",
        global = true
    )]
    pub log: String,
}

/// A setting that cannot be used. The message says which and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    FileRead {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    FileParse { path: String, message: String },
    #[error("config file {path}: unknown setting `{key}` (known: {known})")]
    UnknownKey {
        path: String,
        key: String,
        known: String,
    },
    #[error("config file {path}: {message}")]
    FileValue { path: String, message: String },
    #[error("SAFESNAP_SECRET_KEY must be at least 64 hexadecimal characters (generate one with `openssl rand -hex 32`)")]
    BadSecret,
    #[error("text messages: {0}")]
    Sms(String),
}

/// Parses the process's arguments and environment, then fills unset values from the config file.
pub fn parse() -> Result<Cli, ConfigError> {
    parse_from(std::env::args_os().collect())
}

/// [`parse`] for a given argument list (the environment is still read).
pub fn parse_from(args: Vec<OsString>) -> Result<Cli, ConfigError> {
    let matches = Cli::command().get_matches_from(args.clone());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let Some(path) = cli.settings.config.clone() else {
        return Ok(cli);
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::FileRead {
        path: shown.clone(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::FileParse {
        path: shown.clone(),
        message: e.message().to_string(),
    })?;

    let known: Vec<String> = Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .filter(|l| l != "config" && l != "help" && l != "version")
        .collect();
    let mut extra: Vec<OsString> = Vec::new();
    let mut heat = None;
    for (key, value) in &table {
        if key == "heat" {
            let rules: CityRules =
                value
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| ConfigError::FileValue {
                        path: shown.clone(),
                        message: format!("[heat]: {}", e.message()),
                    })?;
            rules.validate().map_err(|message| ConfigError::FileValue {
                path: shown.clone(),
                message: format!("[heat]: {message}"),
            })?;
            heat = Some(rules);
            continue;
        }
        let key_kebab = key.replace('_', "-");
        if !known.contains(&key_kebab) {
            return Err(ConfigError::UnknownKey {
                path: shown,
                key: key.clone(),
                known: known.join(", "),
            });
        }
        let id = key_kebab.replace('-', "_");
        // Command line and environment win over the file.
        if matches!(
            matches.value_source(&id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let value = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::FileValue {
                    path: shown,
                    message: format!(
                        "`{key}` must be a string, number or boolean, not {}",
                        other.type_str()
                    ),
                })
            }
        };
        extra.push(format!("--{key_kebab}={value}").into());
    }
    if extra.is_empty() {
        let mut cli = cli;
        cli.settings.heat = heat.unwrap_or_default();
        return Ok(cli);
    }
    // Re-parse with the file's values inserted right after the program name, so a later
    // subcommand still parses, and report a bad value as coming from the file.
    let mut merged = Vec::with_capacity(args.len() + extra.len());
    merged.extend(args.first().cloned());
    merged.extend(extra);
    merged.extend(args.into_iter().skip(1));
    let matches =
        Cli::command()
            .try_get_matches_from(merged)
            .map_err(|e| ConfigError::FileValue {
                path: shown.clone(),
                message: first_line(&e.to_string()),
            })?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| ConfigError::FileValue {
        path: shown,
        message: first_line(&e.to_string()),
    })?;
    cli.settings.heat = heat.unwrap_or_default();
    Ok(cli)
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim_start_matches("error: ")
        .to_string()
}

/// The master key file's name when only the secret key file is configured (beside it).
pub const MASTER_KEY_FILE_NAME: &str = "master.keys";

/// Days a closed report keeps its reporter's identity and evidence.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Settings resolved into what the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    pub db_max_connections: u32,
    pub data_dir: PathBuf,
    pub photo_dir: PathBuf,
    pub site_root: PathBuf,
    /// `None`: read or create `secret_key_file` at start-up.
    pub secret_key: Option<Vec<u8>>,
    pub secret_key_file: PathBuf,
    pub master_key_file: PathBuf,
    /// How SQLite commits reach the disk (always `Full` from the settings; benchmarks compare).
    pub sqlite_sync: app::backend::db::SqliteSync,
    pub log_format: LogFormat,
    pub log: String,
    pub secure_cookies: bool,
    pub deadlines: Deadlines,
    /// `None`: this process runs no background jobs (and sends no pushes).
    pub jobs_interval: Option<std::time::Duration>,
    /// How long after closing a report's identity and evidence are kept (`None`: for ever).
    pub retention_ms: Option<i64>,
    pub heat: CityRules,
    pub push: crate::push::PushConfig,
    pub push_allow_http: bool,
    /// Text messages: the provider, the texts' sign and links, which kinds, the receipt token.
    pub sms: SmsSettings,
    pub alert_sender: String,
    pub alert_sender_name: String,
    /// The decode budget, in bytes.
    pub decode_budget: u64,
    /// Timeouts and the cap on uploads read at once.
    pub limits: crate::limits::Limits,
}

impl Config {
    pub fn from_settings(s: &Settings) -> Result<Config, ConfigError> {
        let secret_key = match &s.secret_key {
            Some(hex_key) => Some(parse_secret(hex_key)?),
            None => None,
        };
        Ok(Config {
            addr: SocketAddr::new(s.host, s.port),
            database_url: s
                .database_url
                .clone()
                .unwrap_or_else(|| app::backend::Db::sqlite_url_in(&s.data_dir)),
            db_max_connections: s.db_max_connections,
            photo_dir: s
                .photo_dir
                .clone()
                .unwrap_or_else(|| s.data_dir.join("photos")),
            data_dir: s.data_dir.clone(),
            site_root: s.site_root.clone(),
            secret_key,
            secret_key_file: s
                .secret_key_file
                .clone()
                .unwrap_or_else(|| s.data_dir.join("secret.key")),
            sqlite_sync: app::backend::db::SqliteSync::Full,
            master_key_file: s.master_key_file.clone().unwrap_or_else(|| {
                s.secret_key_file
                    .as_deref()
                    .unwrap_or(&s.data_dir.join("secret.key"))
                    .with_file_name(MASTER_KEY_FILE_NAME)
            }),
            log_format: s.log_format,
            log: s.log.clone(),
            secure_cookies: s.secure_cookies,
            jobs_interval: (s.jobs_interval_secs > 0)
                .then(|| std::time::Duration::from_secs(s.jobs_interval_secs)),
            retention_ms: (s.retention_days > 0).then(|| i64::from(s.retention_days) * DAY_MS),
            deadlines: Deadlines {
                ack_working_days: s.ack_working_days,
                fix_days_ordinary: s.fix_days_ordinary,
                fix_days_major: s.fix_days_major,
                confirm_days: s.confirm_days,
                escalate_district_days: s.escalate_district_days,
                escalate_city_days: s.escalate_city_days,
                ..Deadlines::default()
            },
            heat: s.heat.clone(),
            push: crate::push::PushConfig {
                subject: s.push_subject.clone(),
                timeout: std::time::Duration::from_secs(s.push_timeout_secs.max(1)),
                per_origin: s.push_per_origin.max(1),
                allow_local: s.push_allow_http,
            },
            push_allow_http: s.push_allow_http,
            sms: SmsSettings::from_settings(s)?,
            alert_sender: s.alert_sender.clone(),
            alert_sender_name: s.alert_sender_name.clone(),
            decode_budget: s.decode_budget_mb.saturating_mul(1 << 20),
            limits: crate::limits::Limits {
                uploads_at_once: s.uploads_at_once.max(1),
                ..Default::default()
            },
        })
    }

    /// A configuration for tests and tools: port 0 on loopback, everything under `data_dir`.
    pub fn local(data_dir: &Path, database_url: Option<String>, site_root: &Path) -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.unwrap_or_else(|| app::backend::Db::sqlite_url_in(data_dir)),
            db_max_connections: 5,
            data_dir: data_dir.to_path_buf(),
            photo_dir: data_dir.join("photos"),
            site_root: site_root.to_path_buf(),
            secret_key: None,
            secret_key_file: data_dir.join("secret.key"),
            master_key_file: data_dir.join(MASTER_KEY_FILE_NAME),
            sqlite_sync: app::backend::db::SqliteSync::Full,
            log_format: LogFormat::Human,
            log: "warn".into(),
            secure_cookies: false,
            deadlines: Deadlines::default(),
            // Tests run the jobs themselves (`actions::jobs::run_once`) with a manual clock.
            jobs_interval: None,
            retention_ms: Some(i64::from(DEFAULT_RETENTION_DAYS) * DAY_MS),
            heat: CityRules::default(),
            push: crate::push::PushConfig {
                timeout: std::time::Duration::from_secs(2),
                allow_local: true,
                ..Default::default()
            },
            // The tests' push service listens on loopback over plain HTTP.
            push_allow_http: true,
            sms: SmsSettings::default(),
            alert_sender: "safesnap.test".into(),
            alert_sender_name: "郑州市总工会".into(),
            decode_budget: crate::photos::budget::DEFAULT_DECODE_BUDGET_MB << 20,
            limits: crate::limits::Limits::default(),
        }
    }
}

/// Who sends text messages.
#[derive(Debug, Clone, Default)]
pub enum SmsProvider {
    /// The development gateway: the server log.
    #[default]
    Dev,
    Aliyun(crate::sms::aliyun::AliyunConfig),
}

/// Text-message settings.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    pub provider: SmsProvider,
    pub sign_name: String,
    /// `None`: `http://` and the address bound.
    pub public_url: Option<String>,
    pub channels: crate::sms::channels::Channels,
    pub per_phone_per_hour: u32,
    pub receipt_token: Option<String>,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            provider: SmsProvider::Dev,
            sign_name: "安全随手拍".into(),
            public_url: None,
            channels: Default::default(),
            per_phone_per_hour: crate::sms::worker::DEFAULT_SMS_PER_PHONE_PER_HOUR,
            receipt_token: None,
        }
    }
}

/// Receipt tokens shorter than this are refused (the address is the only lock on the door).
pub const MIN_RECEIPT_TOKEN_CHARS: usize = 24;

impl SmsSettings {
    fn from_settings(s: &Settings) -> Result<SmsSettings, ConfigError> {
        let bad = |m: String| ConfigError::Sms(m);
        let channels = crate::sms::channels::Channels::parse(&s.sms_kinds);
        let templates = crate::sms::channels::Templates::parse(&s.sms_templates)
            .map_err(|e| bad(format!("SAFESNAP_SMS_TEMPLATES: {e}")))?;
        let provider = match s.sms_provider.trim() {
            "" | "dev" => SmsProvider::Dev,
            "aliyun" => {
                let (Some(id), Some(secret)) =
                    (&s.aliyun_access_key_id, &s.aliyun_access_key_secret)
                else {
                    return Err(bad("SAFESNAP_SMS_PROVIDER=aliyun needs SAFESNAP_ALIYUN_ACCESS_KEY_ID and SAFESNAP_ALIYUN_ACCESS_KEY_SECRET".into()));
                };
                if s.public_url.is_none() {
                    return Err(bad("SAFESNAP_SMS_PROVIDER=aliyun needs SAFESNAP_PUBLIC_URL (the address the texts' links open, https://…)".into()));
                }
                let missing = templates.missing(&channels);
                if !missing.is_empty() {
                    return Err(bad(format!(
                        "SAFESNAP_SMS_TEMPLATES has no template code for: {} (give each as NAME=SMS_CODE)",
                        missing.join(", ")
                    )));
                }
                SmsProvider::Aliyun(crate::sms::aliyun::AliyunConfig {
                    endpoint: s.aliyun_sms_endpoint.clone(),
                    access_key_id: id.clone(),
                    access_key_secret: secret.clone(),
                    sign_name: s.sms_sign_name.clone(),
                    templates,
                    region: s.aliyun_region.clone(),
                })
            }
            other => {
                return Err(bad(format!(
                    "SAFESNAP_SMS_PROVIDER `{other}` is not `dev` or `aliyun`"
                )))
            }
        };
        if let Some(t) = &s.sms_receipt_token {
            if t.chars().count() < MIN_RECEIPT_TOKEN_CHARS
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(bad(format!("SAFESNAP_SMS_RECEIPT_TOKEN must be at least {MIN_RECEIPT_TOKEN_CHARS} letters, digits, - or _ (generate one with `openssl rand -hex 16`)")));
            }
        }
        if let Some(u) = &s.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(bad(
                    "SAFESNAP_PUBLIC_URL must start with https:// (or http://)".into(),
                ));
            }
        }
        Ok(SmsSettings {
            provider,
            sign_name: s.sms_sign_name.clone(),
            public_url: s.public_url.clone(),
            channels,
            per_phone_per_hour: s.sms_per_phone_per_hour,
            receipt_token: s.sms_receipt_token.clone(),
        })
    }
}

/// A hex secret of at least 32 bytes.
pub fn parse_secret(hex_key: &str) -> Result<Vec<u8>, ConfigError> {
    let bytes = hex::decode(hex_key.trim()).map_err(|_| ConfigError::BadSecret)?;
    if bytes.len() < 32 {
        return Err(ConfigError::BadSecret);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn defaults_serve_sqlite_in_the_data_directory_on_port_3000() {
        let cli = parse_from(args(&["server"])).unwrap();
        let config = Config::from_settings(&cli.settings).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, "sqlite://data/safesnap.db");
        assert_eq!(config.photo_dir, PathBuf::from("data/photos"));
        assert_eq!(cli.command, None);
    }

    #[test]
    fn the_config_file_fills_what_the_command_line_does_not_set() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("safesnap.toml");
        std::fs::write(
            &file,
            "port = 8080\ndata-dir = \"/srv/safesnap\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let cli = parse_from(args(&[
            "server",
            "--config",
            path,
            "--port",
            "9000",
            "seed-demo",
        ]))
        .unwrap();
        assert_eq!(cli.settings.port, 9000, "command line beats the file");
        assert_eq!(cli.settings.data_dir, PathBuf::from("/srv/safesnap"));
        assert_eq!(cli.settings.log_format, LogFormat::Json);
        assert_eq!(cli.command, Some(Command::SeedDemo { force: false }));
    }

    #[test]
    fn a_city_sets_its_own_heat_rules_in_the_config_file() {
        use app::domain::heat::Celsius10;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("zz.toml");
        std::fs::write(
            &file,
            "port = 8080\n[heat]\nstop_outdoor_from = 39\npause_to = \"16:00\"\nallowance_yuan_per_day = 20\n",
        )
        .unwrap();
        let cli = parse_from(args(&["server", "--config", file.to_str().unwrap()])).unwrap();
        let heat = &cli.settings.heat;
        assert_eq!(heat.stop_outdoor_from, Celsius10(390));
        assert_eq!(heat.pause_to, "16:00");
        assert_eq!(heat.allowance_yuan_per_day, 20);
        assert_eq!(
            heat.high_temperature,
            Celsius10(350),
            "unset keys keep the national rule"
        );
        let config = Config::from_settings(&cli.settings).unwrap();
        assert_eq!(config.heat.stop_outdoor_from, Celsius10(390));
        // Without a [heat] table: the national rules.
        std::fs::write(&file, "port = 8080\n").unwrap();
        let cli = parse_from(args(&["server", "--config", file.to_str().unwrap()])).unwrap();
        assert_eq!(cli.settings.heat, app::domain::heat::CityRules::default());
        // A stop below the 6-hour band, or an unknown key, is refused at start.
        std::fs::write(&file, "[heat]\nstop_outdoor_from = 36\n").unwrap();
        let err = parse_from(args(&["server", "--config", file.to_str().unwrap()])).unwrap_err();
        assert!(err.to_string().contains("[heat]"), "{err}");
        std::fs::write(&file, "[heat]\nstop_at = 39\n").unwrap();
        let err = parse_from(args(&["server", "--config", file.to_str().unwrap()])).unwrap_err();
        assert!(err.to_string().contains("stop_at"), "{err}");
    }

    #[test]
    fn a_config_file_with_an_unknown_key_or_bad_value_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "prot = 8080\n").unwrap();
        let err = parse_from(args(&["server", "--config", file.to_str().unwrap()])).unwrap_err();
        assert!(err.to_string().contains("unknown setting `prot`"), "{err}");
        std::fs::write(&file, "port = \"eighty\"\n").unwrap();
        let err = parse_from(args(&["server", "--config", file.to_str().unwrap()])).unwrap_err();
        assert!(err.to_string().contains("eighty"), "{err}");
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(parse_secret("abcd").is_err());
        assert!(parse_secret(&"ab".repeat(32)).is_ok());
        assert!(parse_secret(&"zz".repeat(32)).is_err());
    }
}
