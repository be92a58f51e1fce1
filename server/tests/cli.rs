//! The `server` binary's start-up: a bad setting ends it with one clear line and a non-zero status,
//! never a panic backtrace.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "cli/bombs.rs"]
mod bombs;
#[path = "cli/durability.rs"]
mod durability;

use std::{
    net::TcpListener,
    process::{Command, Output},
};

fn server(args: &[&str], env: &[(&str, &str)]) -> Output {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SAFESNAP_DATA_DIR", data.path())
        .env("SAFESNAP_PORT", "0")
        .env("RUST_LOG", "error");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn assert_one_clear_line(out: &Output, needle: &str) {
    assert!(!out.status.success(), "exited successfully");
    let err = stderr(out);
    let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got:\n{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

#[test]
fn an_unreachable_postgres_is_one_clear_line() {
    // Port 1 on loopback: nothing listens there.
    let out = server(
        &["migrate"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere")],
    );
    assert_one_clear_line(&out, "cannot connect to PostgreSQL at 127.0.0.1:1/nowhere");
}

#[test]
fn an_unsupported_database_url_is_one_clear_line() {
    let out = server(
        &["migrate"],
        &[("DATABASE_URL", "mysql://root@localhost/x")],
    );
    assert_one_clear_line(
        &out,
        "DATABASE_URL must start with sqlite:// or postgres://",
    );
}

#[test]
fn a_password_in_the_database_url_is_never_printed() {
    let out = server(
        &["migrate"],
        &[("DATABASE_URL", "redis://user:hunter2@localhost/x")],
    );
    assert_one_clear_line(&out, "redis://user:***@localhost/x");
    assert!(!stderr(&out).contains("hunter2"));
}

#[test]
fn an_unwritable_data_directory_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let path = file.join("data");
    let out = server(&[], &[("SAFESNAP_DATA_DIR", path.to_str().unwrap())]);
    assert_one_clear_line(&out, "data directory");
    assert!(stderr(&out).contains("SAFESNAP_DATA_DIR"));
}

#[test]
fn a_port_in_use_is_one_clear_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = server(&[], &[("SAFESNAP_PORT", &port)]);
    assert_one_clear_line(&out, "address already in use");
    assert!(stderr(&out).contains("SAFESNAP_PORT"));
}

#[test]
fn a_bad_secret_is_one_clear_line() {
    let out = server(&["migrate"], &[("SAFESNAP_SECRET_KEY", "short")]);
    assert_one_clear_line(
        &out,
        "SAFESNAP_SECRET_KEY must be at least 64 hexadecimal characters",
    );
}

#[test]
fn help_lists_every_setting_and_its_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "SAFESNAP_CONFIG",
        "SAFESNAP_HOST",
        "SAFESNAP_PORT",
        "DATABASE_URL",
        "SAFESNAP_DB_MAX_CONNECTIONS",
        "SAFESNAP_DATA_DIR",
        "SAFESNAP_PHOTO_DIR",
        "SAFESNAP_SITE_ROOT",
        "SAFESNAP_SECRET_KEY",
        "SAFESNAP_SECRET_KEY_FILE",
        "SAFESNAP_MASTER_KEY_FILE",
        "LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(help.contains(var), "--help does not mention {var}");
    }
    for cmd in ["serve", "migrate", "seed-demo", "keys"] {
        assert!(help.contains(cmd), "--help does not mention {cmd}");
    }
}

#[test]
fn migrate_and_seed_demo_work_on_a_fresh_sqlite_file() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("SAFESNAP_DATA_DIR", data.path())
            // The counts, not the log (the key files' warning carries a time).
            .env("RUST_LOG", "error")
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&["seed-demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(first.contains("200 enterprises (20 coal mines)"), "{first}");
    let out = run(&["seed-demo"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        first,
        "second run changed the counts"
    );
    assert!(data.path().join("safesnap.db").exists());
    // A database with a real account is not the demo's: refused (nothing seeded), unless forced.
    let out = run(&["admin", "create", "--username", "liu-real", "--name", "刘"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["seed-demo"]);
    assert_one_clear_line(&out, "1 staff account(s) such as `liu-real`");
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    let out = run(&["seed-demo", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), first);
}

#[test]
fn the_master_key_rotates_from_the_terminal_and_a_broken_key_file_is_one_clear_line() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let master = keys.path().join("master.keys");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("SAFESNAP_DATA_DIR", data.path())
            .env("SAFESNAP_SECRET_KEY_FILE", keys.path().join("secret.key"))
            .env_remove("SAFESNAP_MASTER_KEY_FILE")
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    // The demo's accounts have phone numbers: their data key is wrapped by the first master
    // key, made beside the secret key (not in the data directory).
    let out = run(&["seed-demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = std::fs::read_to_string(&master).unwrap();
    assert!(!data.path().join("master.keys").exists());
    let out = run(&["keys", "rotate", "--grace-secs", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.contains("master key rotated: 1 data keys re-wrapped")
            && said.contains("1 old key(s) removed"),
        "{said}"
    );
    let second = std::fs::read_to_string(&master).unwrap();
    assert_ne!(first, second);
    let ids = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&second).len(), 1);
    assert!(said.contains(&ids(&second)[0]));
    // Seeding again opens the re-wrapped key with the new file.
    let out = run(&["seed-demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A missing key file is a wrong path, not a first start: refused, and no new key is made.
    std::fs::rename(&master, keys.path().join("elsewhere.keys")).unwrap();
    assert_one_clear_line(
        &run(&["seed-demo"]),
        "does not exist, but the database holds 1 data keys",
    );
    assert!(!master.exists());
    std::fs::rename(keys.path().join("elsewhere.keys"), &master).unwrap();
    // A broken key file stops the server with one line that names it.
    std::fs::write(&master, "m1 not-a-key\n").unwrap();
    assert_one_clear_line(&run(&["keys", "rotate"]), "master key file");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["seed-demo"])
        .env("SAFESNAP_DATA_DIR", data.path())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success());
    // Logs go to stdout alongside the summary; every log line must parse as JSON.
    let text = String::from_utf8_lossy(&out.stdout);
    let logs: Vec<_> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!logs.is_empty(), "no JSON log lines in:\n{text}");
    for line in logs {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{line}"
        );
    }
}

#[test]
fn the_first_admin_is_created_from_the_terminal_and_signs_in() {
    let data = tempfile::tempdir().unwrap();
    let command = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.args(args)
            .env("SAFESNAP_DATA_DIR", data.path())
            .env("RUST_LOG", "debug")
            .env("SAFESNAP_JOBS_INTERVAL_SECS", "0")
            .env_remove("DATABASE_URL")
            .env_remove("SAFESNAP_PORT");
        cmd
    };
    let create = [
        "admin",
        "create",
        "--username",
        "boss",
        "--name",
        "市总工会 管理员",
    ];
    let out = command(&create).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let line = stdout
        .lines()
        .find(|l| l.contains("union admin `boss` created"))
        .unwrap_or_else(|| panic!("no password line in:\n{stdout}"));
    let password = line.rsplit(' ').next().unwrap().to_string();
    assert!(password.chars().count() >= 16, "{line}");
    // Printed once, on that line, and in no log line.
    assert_eq!(stdout.matches(&password).count(), 1, "{stdout}");
    assert!(!stderr(&out).contains(&password));

    // A second admin with the same name is refused with one clear line.
    let again = command(&create).output().unwrap();
    assert_one_clear_line(&again, "the username `boss` is already taken");

    // A bad district is refused before anything is stored.
    let bad = command(&[
        "admin",
        "create",
        "--username",
        "other",
        "--name",
        "x",
        "--district",
        "999999",
    ])
    .output()
    .unwrap();
    assert_one_clear_line(&bad, "is not a district of Zhengzhou");

    // The server on that data directory lets the admin sign in with the printed password.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = command(&["serve"])
        .env("SAFESNAP_PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        for _ in 0..200 {
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let sign_in = |password: String| {
            let client = client.clone();
            let base = base.clone();
            async move {
                client
                    .post(format!("{base}/login"))
                    .header("origin", &base)
                    .form(&[("login", "boss"), ("password", password.as_str())])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let wrong = sign_in("not-the-password".into()).await;
        let right = sign_in(password.clone()).await;
        let me = client
            .get(format!("{base}/me"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (wrong, right, me)
    });
    let _ = child.kill();
    let _ = child.wait();
    let (wrong, right, me) = result;
    assert_ne!(wrong.as_u16(), 303, "a wrong password signed in");
    assert_eq!(right.as_u16(), 303, "the printed password does not sign in");
    assert!(
        me.contains("市总工会 管理员"),
        "the account page does not name the admin"
    );
}
