//! Account-probing benchmark: `cargo bench -p server --bench probing`.
//!
//! An employer testing its staff list must learn nothing from how long the answers take. Through
//! the real actions (the same code the forms and routes call, with a different client address
//! per try so that the rate limits stay out of the way), this times, for `--rounds` phone numbers
//! that have a worker's account and as many that do not, taken in turn:
//! a sign-in with a wrong password, a registration code request and a password-reset code
//! request. It prints the median and 90th percentile of each, and the gap between the medians.
//! On SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set (`--sqlite-only`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is fine

use app::{
    domain::{
        forms::account::{CodeForm, LoginForm, NewUser, Secret},
        phone::PhoneNumber,
        policy::{Grants, Role},
    },
    i18n::Lang,
};
use server::actions::{account, Caller};
use std::{path::Path, time::Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Median and p90 in milliseconds.
fn summary(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (quantile(&ms, 0.5), quantile(&ms, 0.9))
}

async fn run(engine: &str, db_url: Option<String>, rounds: usize) {
    let data = tempfile::tempdir().unwrap();
    let config = server::config::Config::local(data.path(), db_url, Path::new("target/site"));
    let app = server::Application::build(&config).await.unwrap();
    let state = app.state().clone();
    let known: Vec<String> = (0..rounds)
        .map(|i| format!("139{:08}", 10_000 + i))
        .collect();
    let unknown: Vec<String> = (0..rounds)
        .map(|i| format!("137{:08}", 10_000 + i))
        .collect();
    for phone in &known {
        let user = NewUser {
            username: None,
            phone: Some(PhoneNumber::parse(phone).unwrap()),
            display_name: "职工".into(),
            password: Secret::new("worker-password-1"),
            grants: Grants {
                roles: [Role::Worker].into(),
                ..Grants::default()
            },
        };
        server::store::users::create(&state.db, &state.vault, &user, None, "127.0.0.1", 0)
            .await
            .unwrap();
    }
    let mut rows = Vec::new();
    for what in ["sign-in, wrong password", "registration code", "reset code"] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..rounds {
            // Each round in the other order, so that neither side always goes first.
            let mut pair = [(&known, &mut a, 1), (&unknown, &mut b, 2)];
            if i % 2 == 1 {
                pair.reverse();
            }
            for (phones, times, tag) in pair {
                let addr = format!("10.{tag}.{}.{}", i / 250, i % 250);
                let who = Caller {
                    actor: None,
                    lang: Lang::ZhCn,
                    addr: &addr,
                };
                let phone = phones[i].clone();
                let start = Instant::now();
                match what {
                    "sign-in, wrong password" => {
                        let form = LoginForm {
                            login: Some(phone),
                            password: Some(Secret::new("not-the-password")),
                        };
                        let r = account::login(&state, who, "bench", None, None, form).await;
                        assert!(r.is_err());
                    }
                    _ => {
                        let purpose = if what == "reset code" {
                            "reset"
                        } else {
                            "register"
                        };
                        let form = CodeForm {
                            phone: Some(phone),
                            purpose: Some(purpose.into()),
                        };
                        account::send_code(&state, who, form).await.unwrap();
                    }
                }
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        let (ka, kp) = summary(a);
        let (ua, up) = summary(b);
        rows.push(format!(
            "| {engine} | {what} | {ka:.2} / {kp:.2} ms | {ua:.2} / {up:.2} ms | {:.2} ms |",
            (ka - ua).abs()
        ));
    }
    for r in rows {
        println!("{r}");
    }
}

#[tokio::main]
async fn main() {
    let rounds: usize = arg("--rounds").and_then(|r| r.parse().ok()).unwrap_or(100);
    println!("{rounds} numbers with an account and {rounds} without, in turn");
    println!("| database | answer | has an account: median / p90 | no account: median / p90 | gap of the medians |");
    println!("|---|---|---|---|---|");
    run("SQLite", None, rounds).await;
    let pg = std::env::var("TEST_DATABASE_URL").ok();
    if let (Some(url), false) = (pg, std::env::args().any(|a| a == "--sqlite-only")) {
        // A database of its own, dropped afterwards.
        let name = format!("probing_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
        run("PostgreSQL", Some(format!("{base}/{name}")), rounds).await;
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await;
    }
}
