//! Migrations and the demo directory, on both engines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use app::domain::{Uscc, DISTRICTS, INDUSTRIES};
use safesnap_tests::both_backends;
use server::seed;

both_backends! {
    async fn migrations_create_the_directory_and_load_reference_data(app) {
        let counts = seed::counts(&app.db).await.unwrap();
        assert_eq!(counts.districts, DISTRICTS.len() as i64);
        assert_eq!(counts.industries, INDUSTRIES.len() as i64);
        assert_eq!(counts.enterprises, 0);
        // Running the migrations again is a no-op.
        app.db.migrate().await.unwrap();
        let name: String = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT name_zh FROM districts WHERE gb2260 = $1")
            .bind("410185").fetch_one(pool).await).unwrap();
        assert_eq!(name, "登封市");
        let zones: i64 = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM districts WHERE kind = 'zone' AND gb2260 IS NULL")
            .fetch_one(pool).await).unwrap();
        assert_eq!(zones, 4);
    }

    async fn seed_demo_is_idempotent(app) {
        let first = seed::seed_demo(&app.db, 1_000).await.unwrap();
        assert_eq!(first.enterprises, 200);
        assert_eq!(first.coal_mines, 20);
        let second = seed::seed_demo(&app.db, 2_000).await.unwrap();
        assert_eq!(first, second);
        let codes: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT uscc FROM enterprises").fetch_all(pool).await).unwrap();
        assert_eq!(codes.len(), 200);
        for code in codes {
            Uscc::parse(&code).unwrap_or_else(|e| panic!("stored {code}: {e}"));
        }
        let mine_districts: Vec<String> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT DISTINCT d.name_zh FROM enterprises e JOIN districts d ON d.code = e.district_code WHERE e.is_coal_mine ORDER BY 1")
            .fetch_all(pool).await).unwrap();
        assert_eq!(mine_districts.len(), 3);
        for d in &mine_districts {
            assert!(["新密市", "登封市", "巩义市"].contains(&d.as_str()), "{d}");
        }
    }

    async fn the_database_refuses_an_enterprise_in_an_unknown_district(app) {
        let result = app::db_run!(&app.db, |pool| sqlx::query(
            "INSERT INTO enterprises (id, name, uscc, district_code, industry_code, created_at, updated_at)
             VALUES ($1, 'x', '91350100M000100Y43', '999999', 'food', 0, 0)")
            .bind(uuid::Uuid::new_v4()).execute(pool).await.map(|_| ()));
        assert!(result.is_err(), "foreign key not enforced");
    }
}
