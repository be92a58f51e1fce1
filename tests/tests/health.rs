//! `/healthz`, `/readyz`, request ids.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use safesnap_tests::{both_backends, Engine, TestApp};

both_backends! {
    async fn healthz_and_readyz_answer_when_all_is_well(app) {
        let res = app.get("/healthz").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ok");

        let res = app.get("/readyz").await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ready");
        let expected = match app.engine { Engine::Sqlite => "sqlite", Engine::Postgres => "postgres" };
        assert_eq!(body["database"], expected);
    }

    async fn readyz_says_503_when_the_database_is_gone(app) {
        lose_database(&app).await;
        let res = app.get("/readyz").await;
        assert_eq!(res.status(), 503);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "unavailable");
        // The process itself is still up.
        assert_eq!(app.get("/healthz").await.status(), 200);
    }

    async fn every_response_carries_a_request_id(app) {
        let res = app.get("/healthz").await;
        let id = res.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_string();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        let res = app.client.get(app.url("/")).header("x-request-id", "trace-me-42").send().await.unwrap();
        assert_eq!(res.headers()["x-request-id"], "trace-me-42");
    }
}

/// PostgreSQL: the database is dropped under the server. SQLite: the pool is closed.
async fn lose_database(app: &TestApp) {
    match app.engine {
        Engine::Sqlite => app.db.close().await,
        Engine::Postgres => {
            let name = app
                .config
                .database_url
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            let admin = safesnap_tests::postgres_url().unwrap();
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap();
            sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn the_server_stops_gracefully() {
    let app = safesnap_tests::spawn_app().await;
    let addr = app.addr;
    app.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting connections after shutdown"
    );
}
