//! Web Push benchmark: `cargo bench -p server --bench push`.
//!
//! 1. Encryption throughput on one core: RFC 8291 `aes128gcm` messages (a fresh ephemeral P-256
//!    key, ECDH, HKDF, AES-128-GCM per message) of an alert-sized payload, and VAPID signatures.
//! 2. Fan-out: one alert issued to an enterprise whose officer has `--subscriptions` devices
//!    (default 10 000), through the real server code — the fan-out transaction that queues one
//!    push delivery per device, then the delivery worker (claim, encrypt, POST, record) against a
//!    local push endpoint (an HTTP server in this process that answers `201 Created` like a push
//!    service and counts what it received). Reported: time to queue, time until every delivery
//!    is `sent`, messages per second. On SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//!    set (`--sqlite-only`, `--postgres-only`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is fine

use axum::{routing::post, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use ring::agreement;
use server::{
    push::{ece, vapid::VapidKey},
    store::alerts::{self as alerts, NewAlert},
};
use std::{
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Instant,
};
use uuid::Uuid;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// A subscription's keys as a browser makes them.
fn client_keys() -> (String, String) {
    let rng = ring::rand::SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
    let public = private.compute_public_key().unwrap();
    let mut auth = [0u8; 16];
    getrandom::fill(&mut auth).unwrap();
    (
        URL_SAFE_NO_PAD.encode(public.as_ref()),
        URL_SAFE_NO_PAD.encode(auth),
    )
}

const PAYLOAD: &str = r#"{"title":"【预警】郑州市金水区高温红色预警","body":"今天停止安排室外露天作业。；不安排怀孕女职工和未成年工在高温天气室外露天作业，也不安排她们在33℃以上的工作场所作业。；采取通风、空调等措施，尽量把工作场所温度降到33℃以下","url":"/alerts/0195e3b1-8c1a-7e22-9d5b-3f1f0c2a9b77","tag":"0195e3b18c1a7e229d5b3f1f0c2a9b77","alert":"0195e3b1-8c1a-7e22-9d5b-3f1f0c2a9b77"}"#;

fn crypto() {
    let (p256dh, auth) = client_keys();
    let keys = ece::ClientKeys::parse(&p256dh, &auth).unwrap();
    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(ece::encrypt(&keys, PAYLOAD.as_bytes()).unwrap());
    }
    let enc = n as f64 / start.elapsed().as_secs_f64();
    let key = VapidKey::generate();
    let start = Instant::now();
    for i in 0..n {
        std::hint::black_box(key.authorization(
            "https://push.example",
            "mailto:push@safesnap.invalid",
            1_800_000_000 + i,
        ));
    }
    let sig = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "| one core, {n} messages of {} bytes | per second |",
        PAYLOAD.len()
    );
    println!("|---|---|");
    println!("| RFC 8291 encryption (target ≥ 4 000) | {enc:.0} |");
    println!("| VAPID signature (cached per push service in the worker) | {sig:.0} |");
    println!();
}

async fn push_endpoint() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let app = Router::new().route(
        "/push/{id}",
        post(move |body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                // A push service stores the encrypted record for the device: it only checks size.
                if body.len() > 4096 {
                    return axum::http::StatusCode::PAYLOAD_TOO_LARGE;
                }
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), count)
}

async fn fan_out(engine: &str, db_url: Option<String>, subscriptions: usize) {
    let data = tempfile::tempdir().unwrap();
    let mut config = server::config::Config::local(data.path(), db_url, Path::new("target/site"));
    config.push.timeout = std::time::Duration::from_secs(10);
    let app = server::Application::build(&config).await.unwrap();
    let state = app.state().clone();
    let now = state.clock.now_ms();
    server::seed::seed_demo(&state.db, now).await.unwrap();
    server::seed::seed_demo_users(&state.db, &state.vault, now)
        .await
        .unwrap();
    let officer: Uuid = app::db_run!(&state.db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = 'officer'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let (base, received) = push_endpoint().await;
    // Devices (inserted directly: an account keeps at most ten through the API).
    let (p256dh, auth) = client_keys();
    let start = Instant::now();
    app::db_run!(&state.db, |pool| {
        let mut tx = pool.begin().await.unwrap();
        for i in 0..subscriptions {
            sqlx::query(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::new_v4())
            .bind(officer)
            .bind(format!("{base}/push/{i}"))
            .bind(&p256dh)
            .bind(&auth)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    });
    let seeded = start.elapsed();

    let districts = ["410105".to_string()].into_iter().collect();
    let new = NewAlert {
        sender: "bench".into(),
        identifier: format!("bench-{}", Uuid::new_v4()),
        sent_at: now,
        source_id: None,
        issued_by: None,
        event: app::domain::heat::Event::Heat,
        level: app::domain::heat::Level::Red,
        temperature: Some(405),
        valid_from: now,
        valid_to: now + 12 * 3_600_000,
        headline: "郑州市金水区高温红色预警".into(),
        instruction: String::new(),
        districts,
        replaces: None,
    };
    let start = Instant::now();
    // The alert and its fan-out: one transaction.
    let queued = alerts::issue(&state.db, &state.heat_rules, &new, None, now)
        .await
        .unwrap()
        .told;
    let t_queue = start.elapsed();
    let run = state
        .pusher
        .run_once(&state.db, &state.clock)
        .await
        .unwrap();
    let t_all = start.elapsed();
    let sent: i64 = app::db_run!(&state.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM deliveries WHERE channel = 'push' AND state = 'sent'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(queued.pushes, subscriptions);
    assert_eq!(sent as usize, subscriptions, "{run:?}");
    assert_eq!(received.load(Ordering::Relaxed), subscriptions);
    let send = t_all - t_queue;
    println!(
        "| {engine} | {subscriptions} | {:.2} s | {:.2} s | {:.2} s | {:.0} | {:.1} s |",
        t_queue.as_secs_f64(),
        send.as_secs_f64(),
        t_all.as_secs_f64(),
        subscriptions as f64 / t_all.as_secs_f64(),
        seeded.as_secs_f64(),
    );
}

fn main() {
    let subscriptions: usize = arg("--subscriptions")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    crypto();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| fan-out of one alert | devices | queue (inbox + deliveries) | send (claim, encrypt, POST, record) | issue → all sent (target ≤ 5 s) | messages/s | (seeding devices) |");
    println!("|---|---|---|---|---|---|---|");
    if !flag("--postgres-only") {
        rt.block_on(fan_out("SQLite", None, subscriptions));
    }
    if !flag("--sqlite-only") {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) => {
                // A fresh database for the run.
                let name = format!("push_bench_{}", std::process::id());
                let admin = url.clone();
                rt.block_on(async {
                    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
                    sqlx::query(&format!("CREATE DATABASE {name}"))
                        .execute(&pool)
                        .await
                        .unwrap();
                    let db_url = match url.rsplit_once('/') {
                        Some((base, _)) => format!("{base}/{name}"),
                        None => url.clone(),
                    };
                    fan_out("PostgreSQL", Some(db_url), subscriptions).await;
                    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await
                        .unwrap();
                });
            }
            Err(_) => println!("(PostgreSQL skipped: TEST_DATABASE_URL is not set)"),
        }
    }
}
