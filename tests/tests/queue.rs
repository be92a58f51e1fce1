//! The union queue's keyset pages over HTTP on both databases: following `next` from the first
//! page returns every report exactly once, urgent first and then newest, whichever side of the
//! urgent reports a cursor falls on, with ties in time broken by id; also for a view merged from
//! several enterprises (a mine supervisor's mines) and with filters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safesnap_tests::{both_backends, people::Browser, TestApp};
use uuid::Uuid;

/// Stores a report as submission would, with a chosen time, urgency and state (the queue's
/// order is what is under test, so the times must be exact and many reports share one).
async fn stored(
    app: &TestApp,
    n: usize,
    enterprise: Uuid,
    urgent: bool,
    state: &str,
    at: i64,
) -> Uuid {
    let (district, industry, coal): (String, String, bool) =
        app::db_run!(&app.db, |pool| sqlx::query_as(
            "SELECT district_code, industry_code, is_coal_mine FROM enterprises WHERE id = $1"
        )
        .bind(enterprise)
        .fetch_one(pool)
        .await)
        .unwrap();
    let id = Uuid::new_v4();
    app::db_run!(&app.db, |pool| sqlx::query(
        "INSERT INTO reports (id, client_id, fingerprint, receipt_hash, category, answers, enterprise_id,
            district_code, industry_code, is_coal_mine, severity, urgent, state, lang, via, created_at, updated_at)
         VALUES ($1, $2, 'test', $3, 'dust', '{}', $4, $5, $6, $7, $8, $9, $10, 'zh-CN', 'app', $11, $11)"
    )
    .bind(id)
    .bind(Uuid::new_v4())
    .bind(format!("Q{n:011}"))
    .bind(enterprise)
    .bind(district)
    .bind(industry)
    .bind(coal)
    .bind(if urgent { "life_threatening" } else { "immediate" })
    .bind(urgent)
    .bind(state)
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    id
}

/// The database's own order of `ids` (urgent first, newest, then id): the oracle.
async fn expected(app: &TestApp, filter: &str) -> Vec<Uuid> {
    let sql = format!("SELECT id FROM reports r WHERE {filter} ORDER BY r.urgent DESC, r.created_at DESC, r.id DESC");
    app::db_run!(&app.db, |pool| sqlx::query_scalar(&sql)
        .fetch_all(pool)
        .await)
    .unwrap()
}

/// Follows `next` from the first page; returns every id in the order shown and the page count.
async fn walk(b: &Browser, query: &str) -> (Vec<Uuid>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/queue?{query}&after={a}"),
            None => format!("/api/v1/queue?{query}"),
        };
        let (status, page) = b.json(&path).await;
        assert_eq!(status, 200, "{path}: {page}");
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 20, "a page holds at most 20");
        ids.extend(
            items
                .iter()
                .map(|i| Uuid::parse_str(i["id"].as_str().unwrap()).unwrap()),
        );
        match page["next"].as_str() {
            Some(n) => {
                assert_eq!(items.len(), 20, "only a full page has a next page");
                after = Some(n.to_string());
            }
            None => break,
        }
        assert!(pages < 50, "the pages never end");
    }
    (ids, pages)
}

both_backends! {
    async fn following_next_shows_every_report_once_in_order(app) {
        let people = app.people().await;
        let supervisor = people.id("mine-supervisor");
        let mines: Vec<Uuid> = app::db_run!(&app.db, |pool| sqlx::query_scalar(
            "SELECT enterprise_id FROM mine_supervisors WHERE user_id = $1 ORDER BY enterprise_id"
        )
        .bind(supervisor)
        .fetch_all(pool)
        .await)
        .unwrap();
        assert!(mines.len() >= 2, "the demo supervisor has several mines");
        let places: Vec<Uuid> = [people.officer_enterprise, people.other_enterprise]
            .into_iter()
            .chain(mines.iter().copied().take(3))
            .collect();
        // 90 reports: 30 urgent (more than a page, so a cursor lands among them), pairs sharing
        // a millisecond (the id breaks the tie), one in six closed.
        let base = 1_790_000_000_000_i64;
        for n in 0..90 {
            let state = if n % 6 == 0 { "closed" } else { "submitted" };
            stored(&app, n, places[n % places.len()], n % 3 == 0, state, base + (n as i64 / 2) * 60_000).await;
        }

        let admin = app.signed_in("admin").await;
        let (ids, pages) = walk(&admin, "view=area&state=all").await;
        assert_eq!(ids, expected(&app, "1 = 1").await, "every report once, urgent first, newest first");
        assert_eq!(pages, 5, "90 reports are 5 pages of 20");

        let (open, _) = walk(&admin, "view=area").await;
        assert_eq!(open, expected(&app, "r.state NOT IN ('closed', 'rejected')").await);

        let (urgent, _) = walk(&admin, "view=area&urgent=1").await;
        assert_eq!(urgent, expected(&app, "r.urgent = TRUE AND r.state NOT IN ('closed', 'rejected')").await);

        let (closed, _) = walk(&admin, "view=area&state=closed").await;
        assert_eq!(closed, expected(&app, "r.state = 'closed'").await);
        assert_eq!(closed.len(), 15);

        // A mine supervisor's view merges their mines' reports and nothing else.
        let mine_list = mines.iter().map(|m| match &app.db {
            app::backend::Db::Sqlite(_) => format!("X'{}'", m.simple()),
            app::backend::Db::Postgres(_) => format!("'{m}'"),
        }).collect::<Vec<_>>().join(", ");
        let supervisor = app.signed_in("mine-supervisor").await;
        let (theirs, pages) = walk(&supervisor, "view=area&state=all").await;
        let want = expected(&app, &format!("r.enterprise_id IN ({mine_list})")).await;
        assert_eq!(theirs, want);
        assert!(want.len() > 20 && pages >= 2, "the merged view spans pages ({} reports)", want.len());
        let (theirs_open, _) = walk(&supervisor, "view=area").await;
        assert_eq!(theirs_open, expected(&app, &format!("r.enterprise_id IN ({mine_list}) AND r.state NOT IN ('closed', 'rejected')")).await);

        // A cursor the server did not seal — made up, or one of its own with a byte changed —
        // is refused (400), never read as a position or a first page.
        let (_, first) = admin.json("/api/v1/queue?view=area&state=all").await;
        let sealed = first["next"].as_str().expect("a next page").to_string();
        let mut tampered = sealed.clone().into_bytes();
        let i = tampered.len() / 2;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        for cursor in ["garbage", "0.1782867600000.6f1c0e3a-0000-4000-8000-000000000000", tampered.as_str()] {
            let (status, v) = admin.json(&format!("/api/v1/queue?view=area&state=all&after={cursor}")).await;
            assert_eq!(status, 400, "{cursor}: {v}");
            assert_eq!(v["error"], "bad_request", "{v}");
        }
        let (status, _) = admin.json(&format!("/api/v1/queue?view=area&state=all&after={sealed}")).await;
        assert_eq!(status, 200, "the server's own cursor opens");
        // A filter value the queue does not know is named, never an empty or first page.
        for (query, field) in [
            ("view=area&state=pending_forever", "state"),
            ("view=area&grade=huge", "grade"),
            ("view=area&category=weather", "category"),
            ("view=area&district=999999", "district"),
            ("view=area&enterprise=acme", "enterprise"),
            ("view=area&urgent=maybe", "urgent"),
            ("view=everything", "view"),
        ] {
            let (status, v) = admin.json(&format!("/api/v1/queue?{query}")).await;
            assert_eq!(status, 422, "{query}: {v}");
            assert_eq!(v["fields"][0]["field"], field, "{query}: {v}");
            assert!(v["fields"][0]["message"].as_str().unwrap().contains(field), "{v}");
        }
        let (status, _) = app.visitor().json("/api/v1/queue?state=nonsense").await;
        assert_eq!(status, 401, "who may ask comes before what was asked");
    }
}
