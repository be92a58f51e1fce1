//! `server`: runs SafeSnap, or one of its maintenance commands. See `server --help`.

use server::{
    config::{self, Command, Config},
    seed, startup, telemetry, Application, StartupError,
};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match config::parse() {
        Ok(cli) => cli,
        Err(e) => return fail(&StartupError::from(e)),
    };
    let config = match Config::from_settings(&cli.settings) {
        Ok(config) => config,
        Err(e) => return fail(&StartupError::from(e)),
    };
    telemetry::init(config.log_format, &config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(&config).await,
            Command::Migrate => {
                startup::open_database(&config).await?;
                println!(
                    "migrations applied to {}",
                    app::backend::db::redact_url(&config.database_url)
                );
                Ok(())
            }
            Command::SeedDemo { force } => seed_demo(&config, force).await,
            Command::Admin(config::AdminCommand::Create {
                username,
                name,
                district,
            }) => create_admin(&config, &username, &name, district.as_deref()).await,
            Command::Alerts(config::AlertsCommand::AddSource { name }) => {
                add_source(&config, &name).await
            }
            Command::Keys(config::KeysCommand::Rotate { grace_secs }) => {
                rotate_keys(&config, grace_secs).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One line on stderr, no backtrace, exit status 1.
fn fail(e: &StartupError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

async fn serve(config: &Config) -> Result<(), StartupError> {
    let app = Application::build(config).await?;
    let addr = app.addr();
    tracing::info!(%addr, database = app.state().db.backend().name(), build = %app.state().assets.build, "SafeSnap is serving");
    println!("SafeSnap (安全随手拍) is running: open http://{addr}/");
    app.run_until(startup::shutdown_signal())
        .await
        .map_err(|source| StartupError::Bind { addr, source })
}

async fn seed_demo(config: &Config, force: bool) -> Result<(), StartupError> {
    let db = startup::open_database(config).await?;
    if !force {
        let foreign = seed::not_demo(&db).await.map_err(StartupError::Reference)?;
        if let Some(what) = foreign {
            db.close().await;
            return Err(StartupError::Admin(format!(
                "this database holds data that is not the demo's ({what}); the demo logins have public passwords, so seed-demo refuses it (pass --force to seed it anyway)"
            )));
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let counts = seed::seed_demo(&db, now)
        .await
        .map_err(StartupError::Reference)?;
    println!(
        "demo data loaded: {} districts and zones, {} industries, {} enterprises ({} coal mines)",
        counts.districts, counts.industries, counts.enterprises, counts.coal_mines
    );
    let (_, vault) = startup::open_keys(config, &db).await?;
    let logins = seed::seed_demo_users(&db, &vault, now)
        .await
        .map_err(StartupError::Reference)?;
    println!("demo logins (password for all: {}):", seed::DEMO_PASSWORD);
    for l in logins {
        println!("  {:<22} {}", l.login, l.who);
    }
    if let Some(headline) = seed::seed_demo_alert(&db, &config.heat, now)
        .await
        .map_err(StartupError::Reference)?
    {
        println!("demo alert in force: {headline} (see /heat?district=410105)");
    }
    db.close().await;
    Ok(())
}

async fn rotate_keys(config: &Config, grace_secs: u64) -> Result<(), StartupError> {
    let db = startup::open_database(config).await?;
    let (_, vault) = startup::open_keys(config, &db).await?;
    let result =
        server::store::at_rest::rotate(&db, &vault, std::time::Duration::from_secs(grace_secs))
            .await;
    db.close().await;
    match result {
        Ok(done) => {
            println!(
                "master key rotated: {} data keys re-wrapped under {}, {} old key(s) removed from {}. Back up the new file now.",
                done.rewrapped,
                done.key_id,
                done.retired,
                config.master_key_file.display()
            );
            Ok(())
        }
        Err(message) => Err(StartupError::Admin(message)),
    }
}

async fn add_source(config: &Config, name: &str) -> Result<(), StartupError> {
    let db = startup::open_database(config).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| StartupError::Admin(format!("no randomness: {e}")))?;
    let key = hex::encode(bytes);
    let result =
        server::store::feeds::add_source(&db, name, &server::store::feeds::key_hash(&key), now)
            .await;
    db.close().await;
    match result {
        Ok(_) => {
            // The terminal only: not the log.
            println!("CAP source `{name}` registered. API key (shown once; send it as `Authorization: Bearer <key>`): {key}");
            Ok(())
        }
        Err(e) => Err(StartupError::Admin(format!(
            "cannot register `{name}` (is the name taken?): {e}"
        ))),
    }
}

async fn create_admin(
    config: &Config,
    username: &str,
    name: &str,
    district: Option<&str>,
) -> Result<(), StartupError> {
    let db = startup::open_database(config).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let (_, vault) = startup::open_keys(config, &db).await?;
    let result = seed::create_admin(&db, &vault, username, name, district, now).await;
    db.close().await;
    match result {
        Ok(password) => {
            // The terminal only: not the log.
            println!("union admin `{username}` created. Password (shown once, change it after signing in): {password}");
            Ok(())
        }
        Err(message) => Err(StartupError::Admin(message)),
    }
}
