//! Inspector queue benchmark: `cargo bench -p server --bench queue`.
//!
//! Seeds 1 000 000 reports (three years of a busy campaign: most closed, the recent ones spread
//! over every state, 2 % urgent, skewed towards the bigger enterprises) across the demo directory,
//! then measures the queue the union's pages and `GET /api/v1/queue` use, on SQLite and (when
//! `TEST_DATABASE_URL` is set) on PostgreSQL:
//!
//! - in the database: `backend::cases::queue`, one caller, each scenario's first page and a deep
//!   keyset page (a cursor half-way back through the data), with the filters a desk uses;
//! - over HTTP: 50 concurrent clients, each signed in as a demo user, cycling through the
//!   scenarios through the real server (session lookup, policy, JSON): once with no pause between
//!   requests (the server saturated: latency is then 50 ÷ throughput), once with about
//!   `--think-ms` between a client's requests (people clicking through pages);
//! - the query plan of every scenario (no `OFFSET`, no `COUNT(*)`: keyset pagination on indexes).
//!
//! Options (after `--`): `--reports N` (default 1000000), `--samples N` per scenario (default 200),
//! `--clients N` (default 50), `--requests N` per client (default 60), `--think-ms N` (default
//! 250), `--sqlite-only`, `--postgres-only`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is fine

use app::backend::{
    cases::{self, QueueQuery},
    Db,
};
use std::{
    collections::BTreeMap,
    path::Path,
    time::{Duration, Instant},
};
use uuid::Uuid;

const DAY: i64 = 86_400_000;
/// The benchmark's "now": reports span the three years before it.
const NOW: i64 = 1_795_000_000_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(10_000) < percent * 100
    }
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(
            ((self.next() as u128) << 64 | self.next() as u128).to_le_bytes(),
        )
        .into_uuid()
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// An enterprise of the demo directory and who handles its reports.
#[derive(Clone)]
struct Target {
    enterprise: Option<Uuid>,
    district: String,
    industry: Option<String>,
    coal: bool,
    assignee: Uuid,
}

/// A demo user's id, by username.
async fn user_id(db: &Db, login: &str) -> Option<Uuid> {
    app::db_run!(db, |pool| sqlx::query_scalar::<_, Uuid>(
        "SELECT id FROM users WHERE username = $1"
    )
    .bind(login)
    .fetch_optional(pool)
    .await)
    .unwrap()
}

/// Who handles which district in the benchmark: the demo inspectors where the demo has them,
/// the mine supervisor for 新密's mines, and one bench inspector per other district.
async fn handlers(db: &Db) -> (BTreeMap<String, Uuid>, Option<Uuid>) {
    use app::domain::{
        forms::account::{NewUser, Secret},
        policy::{Grants, Role},
    };
    use server::store::users;
    let id_of = |login| user_id(db, login);
    let mut by_district = BTreeMap::new();
    by_district.insert("410105".to_string(), id_of("inspector").await.unwrap());
    by_district.insert(
        "410102".to_string(),
        id_of("inspector-zhongyuan").await.unwrap(),
    );
    for d in app::domain::district::DISTRICTS {
        if by_district.contains_key(d.code) {
            continue;
        }
        let coverage = app::domain::industry::INDUSTRIES
            .iter()
            .map(|i| (d.code.to_string(), i.code.to_string()))
            .collect();
        let new = NewUser {
            username: Some(format!("bench-{}", d.code)),
            phone: None,
            display_name: format!("{}检查员", d.name_zh),
            password: Secret::new(server::seed::DEMO_PASSWORD),
            grants: Grants {
                roles: [Role::Inspector].into(),
                coverage,
                ..Grants::default()
            },
        };
        // No phone numbers here: nothing is sealed, any vault serves.
        let vault = app::backend::vault::Vault::with_key("bench", [7u8; 32], &[7u8; 32]);
        let id = users::create(db, &vault, &new, None, "bench", NOW - 1200 * DAY)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        by_district.insert(d.code.to_string(), id);
    }
    (by_district, id_of("mine-supervisor").await)
}

async fn targets(db: &Db) -> Vec<Target> {
    let (by_district, supervisor) = handlers(db).await;
    let rows: Vec<(Uuid, String, String, bool)> = app::db_run!(db, |pool| sqlx::query_as(
        "SELECT id, district_code, industry_code, is_coal_mine FROM enterprises ORDER BY uscc"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    rows.into_iter()
        .map(|(id, district, industry, coal)| Target {
            enterprise: Some(id),
            assignee: match supervisor {
                Some(s) if coal && district == "410183" => s,
                _ => by_district[&district],
            },
            district,
            industry: Some(industry),
            coal,
        })
        .chain(app::domain::district::DISTRICTS.iter().map(|d| Target {
            enterprise: None,
            district: d.code.to_string(),
            industry: None,
            coal: false,
            assignee: by_district[d.code],
        }))
        .collect()
}

/// One generated report row.
struct Row {
    id: Uuid,
    client_id: Uuid,
    receipt: String,
    category: &'static str,
    t: Target,
    severity: &'static str,
    urgent: bool,
    state: &'static str,
    grade: Option<&'static str>,
    created_at: i64,
    ack_due_at: Option<i64>,
    fix_due_at: Option<i64>,
    confirm_due_at: Option<i64>,
}

fn generate(rng: &mut Rng, n: usize, i: usize, targets: &[Target]) -> Row {
    let categories: Vec<&'static str> = app::domain::category::CATEGORIES
        .iter()
        .map(|c| c.code)
        .collect();
    // Oldest first over three years; enterprises skewed (the big ones report more).
    let created_at = NOW - 3 * 365 * DAY + (i as i64) * (3 * 365 * DAY / n as i64);
    let named = targets.len() - app::domain::district::DISTRICTS.len();
    let t = if rng.chance(10) {
        targets[named + rng.below((targets.len() - named) as u64) as usize].clone()
    } else {
        let r = rng.below(1_000_000) as f64 / 1_000_000.0;
        targets[((r * r) * named as f64) as usize].clone()
    };
    let urgent = rng.chance(2);
    let age = NOW - created_at;
    let state = if age > 60 * DAY {
        match rng.below(100) {
            0..=92 => "closed",
            93..=97 => "rejected",
            98 => "notice_sent",
            _ => "acknowledged",
        }
    } else {
        match rng.below(100) {
            0..=19 => "submitted",
            20..=29 => "triaged",
            30..=34 => "rejected",
            35..=49 => "notice_sent",
            50..=64 => "acknowledged",
            65..=74 => "rectification_submitted",
            75..=79 => "verified",
            80..=81 => "reopened",
            _ => "closed",
        }
    };
    let graded = !matches!(state, "submitted" | "rejected");
    let grade = graded.then(|| if rng.chance(10) { "major" } else { "ordinary" });
    let noticed = matches!(
        state,
        "notice_sent"
            | "acknowledged"
            | "rectification_submitted"
            | "verified"
            | "closed"
            | "reopened"
    );
    let fix_days = if grade == Some("major") { 30 } else { 7 };
    Row {
        id: rng.uuid(),
        client_id: rng.uuid(),
        receipt: format!("B{i:011}"),
        category: categories[rng.below(categories.len() as u64) as usize],
        t,
        severity: if urgent {
            "life_threatening"
        } else {
            "immediate"
        },
        urgent,
        state,
        grade,
        created_at,
        ack_due_at: noticed.then_some(created_at + 3 * DAY),
        fix_due_at: noticed.then_some(created_at + fix_days * DAY),
        confirm_due_at: (state == "verified").then_some(created_at + 14 * DAY),
    }
}

async fn seed_reports(db: &Db, n: usize) {
    let targets = targets(db).await;
    let mut rng = Rng(0x5AFE_5AA9);
    let started = Instant::now();
    const CHUNK: usize = 1000;
    let mut i = 0;
    while i < n {
        let rows: Vec<Row> = (i..(i + CHUNK).min(n))
            .map(|k| generate(&mut rng, n, k, &targets))
            .collect();
        i += rows.len();
        app::db_run!(db, |pool| {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO reports (id, client_id, fingerprint, receipt_code, category, answers, \
                 enterprise_id, district_code, industry_code, is_coal_mine, site, severity, urgent, \
                 state, lang, via, created_at, updated_at, assignee_id, routed_by, grade, \
                 supervised, ack_due_at, fix_due_at, confirm_due_at) ",
            );
            qb.push_values(&rows, |mut b, r| {
                b.push_bind(r.id)
                    .push_bind(r.client_id)
                    .push_bind("bench")
                    .push_bind(&r.receipt)
                    .push_bind(r.category)
                    .push_bind("{}")
                    .push_bind(r.t.enterprise)
                    .push_bind(&r.t.district)
                    .push_bind(&r.t.industry)
                    .push_bind(r.t.coal)
                    .push_bind("一号车间")
                    .push_bind(r.severity)
                    .push_bind(r.urgent)
                    .push_bind(r.state)
                    .push_bind("zh-CN")
                    .push_bind("app")
                    .push_bind(r.created_at)
                    .push_bind(r.created_at)
                    .push_bind(r.t.assignee)
                    .push_bind("coverage")
                    .push_bind(r.grade)
                    .push_bind(r.grade == Some("major"))
                    .push_bind(r.ack_due_at)
                    .push_bind(r.fix_due_at)
                    .push_bind(r.confirm_due_at);
            });
            qb.build().execute(pool).await.unwrap();
        });
        if i % 100_000 == 0 {
            eprint!(
                "\r  seeded {i} reports in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    // One photo per report (the queue shows its thumbnail).
    let photos = "SELECT {uuid}, id, 'hazard', 0, 'k', 1600, 1200, 200000, 't', 320, 240, created_at FROM reports";
    let insert = "INSERT INTO report_photos (id, report_id, kind, position, display_key, display_width, \
                  display_height, display_bytes, thumb_key, thumb_width, thumb_height, created_at) ";
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(&format!(
                "{insert}{}",
                photos.replace("{uuid}", "randomblob(16)")
            ))
            .execute(pool)
            .await
            .unwrap();
            sqlx::query("ANALYZE").execute(pool).await.unwrap();
        }
        Db::Postgres(pool) => {
            sqlx::query(&format!(
                "{insert}{}",
                photos.replace("{uuid}", "gen_random_uuid()")
            ))
            .execute(pool)
            .await
            .unwrap();
            sqlx::query("VACUUM ANALYZE").execute(pool).await.unwrap();
        }
    }
    eprintln!(
        "\r  seeded {n} reports and {n} photos in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// A queue a desk opens: its query for the database and its URL for HTTP, with who asks.
struct Scenario {
    name: String,
    login: &'static str,
    query: QueueQuery,
    params: String,
}

async fn scenarios(db: &Db) -> Vec<Scenario> {
    let id_of = |login| async move { user_id(db, login).await.expect("a demo user") };
    let inspector = id_of("inspector").await;
    let supervisor = id_of("mine-supervisor").await;
    let mines: Vec<Uuid> = app::db_run!(db, |pool| sqlx::query_scalar(
        "SELECT enterprise_id FROM mine_supervisors WHERE user_id = $1"
    )
    .bind(supervisor)
    .fetch_all(pool)
    .await)
    .unwrap();
    let coverage: Vec<(String, String)> = app::db_run!(db, |pool| sqlx::query_as(
        "SELECT district_code, industry_code FROM inspector_coverage WHERE user_id = $1 ORDER BY industry_code"
    )
    .bind(inspector)
    .fetch_all(pool)
    .await)
    .unwrap();
    // The busiest enterprise of 金水区.
    let enterprise: Uuid = app::db_run!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM enterprises WHERE district_code = '410105' AND NOT is_coal_mine ORDER BY uscc LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let q = |f: &dyn Fn(&mut QueueQuery)| {
        let mut q = QueueQuery {
            limit: cases::QUEUE_PAGE,
            ..QueueQuery::default()
        };
        f(&mut q);
        q
    };
    let s = |name: &str, login, query, params: &str| Scenario {
        name: name.to_string(),
        login,
        query,
        params: params.to_string(),
    };
    let list = vec![
        s("city, open", "admin", q(&|_| {}), "view=area"),
        s(
            "city, urgent",
            "admin",
            q(&|q| q.urgent = true),
            "view=area&urgent=1",
        ),
        s(
            "city, overdue",
            "admin",
            q(&|q| q.overdue = true),
            "view=area&overdue=1",
        ),
        s(
            "city, major",
            "admin",
            q(&|q| q.grade = Some("major".into())),
            "view=area&grade=major",
        ),
        s(
            "city, category",
            "admin",
            q(&|q| q.category = Some("confined".into())),
            "view=area&category=confined",
        ),
        s(
            "city, all states",
            "admin",
            q(&|q| q.state = Some("all".into())),
            "view=area&state=all",
        ),
        s(
            "city, closed",
            "admin",
            q(&|q| q.state = Some("closed".into())),
            "view=area&state=closed",
        ),
        s(
            "district, open",
            "jinshui-admin",
            q(&|q| q.district = Some("410105".into())),
            "view=area",
        ),
        s(
            "district, notice sent",
            "jinshui-admin",
            q(&|q| {
                q.district = Some("410105".into());
                q.state = Some("notice_sent".into())
            }),
            "view=area&state=notice_sent",
        ),
        s(
            "enterprise, all states",
            "admin",
            q(&|q| {
                q.enterprises = Some(vec![enterprise]);
                q.state = Some("all".into())
            }),
            &format!("view=area&enterprise={enterprise}&state=all"),
        ),
        s(
            "my queue, open",
            "inspector",
            q(&|q| q.assignee = Some(inspector)),
            "view=mine",
        ),
        s(
            "my queue, overdue",
            "inspector",
            q(&|q| {
                q.assignee = Some(inspector);
                q.overdue = true
            }),
            "view=mine&overdue=1",
        ),
        s(
            "my area, open",
            "inspector",
            q(&|q| q.coverage = Some(coverage.clone())),
            "view=area",
        ),
        s(
            "mines, open",
            "mine-supervisor",
            q(&|q| q.enterprises = Some(mines.clone())),
            "view=area",
        ),
    ];
    assert!(
        app::domain::category::Category::find("confined").is_some(),
        "the category the benchmark filters by exists"
    );
    list
}

/// A cursor half-way back through the data: the queue as someone sees it after paging deep.
fn deep_cursor() -> app::backend::cursor::Cursor {
    app::backend::cursor::Cursor {
        urgent: false,
        at: NOW - 18 * 30 * DAY,
        id: uuid::Uuid::max(),
    }
}

fn time_db(
    rt: &tokio::runtime::Runtime,
    db: &Db,
    q: &QueueQuery,
    samples: usize,
) -> (usize, Vec<f64>) {
    rt.block_on(async {
        let mut times = Vec::with_capacity(samples);
        let mut rows = 0;
        for _ in 0..samples {
            let t = Instant::now();
            let page = cases::queue(db, q, NOW).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            rows = page.items.len();
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        (rows, times)
    })
}

async fn explain(db: &Db, q: &QueueQuery) -> String {
    let (sql, shown) = cases::queue_sql(q, NOW);
    // Inline the parameters (for the plan only); longest names first so $10 is not read as $1.
    let mut inlined = sql.clone();
    let mut by_len = shown.clone();
    by_len.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, value) in &by_len {
        let value = match db {
            // UUIDs are 16-byte blobs in SQLite.
            Db::Sqlite(_) if value.len() == 38 && value.starts_with('\'') => {
                format!("X'{}'", value.trim_matches('\'').replace('-', ""))
            }
            Db::Postgres(_) if value.len() == 38 && value.starts_with('\'') => {
                format!("{value}::uuid")
            }
            _ => value.clone(),
        };
        inlined = inlined.replace(name, &value);
    }
    match db {
        Db::Sqlite(pool) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {inlined}"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            rows.into_iter()
                .map(|r| format!("    {}", r.3))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Db::Postgres(pool) => {
            let rows: Vec<(String,)> = sqlx::query_as(&format!(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {inlined}"
            ))
            .fetch_all(pool)
            .await
            .unwrap();
            rows.into_iter()
                .map(|r| format!("    {}", r.0))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

async fn http_load(
    addr: std::net::SocketAddr,
    deep: &str,
    scenarios: &[Scenario],
    clients: usize,
    per_client: usize,
    think: Duration,
) -> (Vec<f64>, Duration) {
    // One signed-in session per demo login, shared by that login's clients.
    let mut cookies: BTreeMap<&str, String> = BTreeMap::new();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for s in scenarios {
        if cookies.contains_key(s.login) {
            continue;
        }
        let res = plain
            .post(format!("http://{addr}/login"))
            .header("origin", format!("http://{addr}"))
            .form(&[
                ("login", s.login),
                ("password", server::seed::DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{} signs in", s.login);
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("ss_session="))
            .map(|v| v.split(';').next().unwrap().to_string())
            .expect("a session cookie");
        cookies.insert(s.login, cookie);
    }
    let requests: Vec<(String, String)> = scenarios
        .iter()
        .flat_map(|s| {
            let cookie = cookies[s.login].clone();
            [
                (
                    format!("http://{addr}/api/v1/queue?{}", s.params),
                    cookie.clone(),
                ),
                (
                    format!("http://{addr}/api/v1/queue?{}&after={deep}", s.params),
                    cookie,
                ),
            ]
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let requests = requests.clone();
        let client = reqwest::Client::new();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_client);
            // People do not all click at the same instant: paced clients start staggered.
            tokio::time::sleep(think * c as u32 / clients as u32).await;
            for n in 0..per_client {
                let (url, cookie) = &requests[(c * 7 + n) % requests.len()];
                let t = Instant::now();
                let res = client
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200, "{url}");
                let body = res.bytes().await.unwrap();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(body.starts_with(b"{"), "{url}");
                if !think.is_zero() {
                    // Start times spread out so the clients do not click in lockstep.
                    let jitter = (c as u64 * 37 + n as u64 * 11) % (think.as_millis() as u64 + 1);
                    tokio::time::sleep(think / 2 + Duration::from_millis(jitter)).await;
                }
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (all, elapsed)
}

fn main() {
    let reports: usize = arg("--reports").map_or(1_000_000, |v| v.parse().unwrap());
    let samples: usize = arg("--samples").map_or(200, |v| v.parse().unwrap());
    let clients: usize = arg("--clients").map_or(50, |v| v.parse().unwrap());
    let per_client: usize = arg("--requests").map_or(60, |v| v.parse().unwrap());
    let think_ms: u64 = arg("--think-ms").map_or(250, |v| v.parse().unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut targets = Vec::new();
    if !flag("--postgres-only") {
        targets.push(("SQLite", None));
    }
    if let (Ok(url), false) = (std::env::var("TEST_DATABASE_URL"), flag("--sqlite-only")) {
        targets.push(("PostgreSQL", Some(url)));
    }
    for (label, admin_url) in targets {
        let data = tempfile::tempdir().unwrap();
        let (db_url, guard) = match &admin_url {
            Some(admin) => rt.block_on(async {
                let name = format!("safesnap_bench_{}", Uuid::new_v4().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(admin)
                    .await
                    .unwrap();
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                (Some(format!("{base}/{name}")), Some((admin.clone(), name)))
            }),
            None => (None, None),
        };
        let config = server::config::Config {
            db_max_connections: 10,
            ..server::config::Config::local(data.path(), db_url, Path::new("target/site"))
        };
        let app = rt.block_on(server::Application::build(&config)).unwrap();
        let addr = app.addr();
        let db = app.state().db.clone();
        let vault = app.state().vault.clone();
        // The deep page as the browser would ask for it: the cursor sealed by this server.
        let deep = app.state().cursor_key.seal(&deep_cursor());
        println!("\n## {label}: {reports} reports");
        let scenarios = rt.block_on(async {
            server::seed::seed_demo(&db, NOW - 1200 * DAY)
                .await
                .unwrap();
            server::seed::seed_demo_users(&db, &vault, NOW - 1200 * DAY)
                .await
                .unwrap();
            seed_reports(&db, reports).await;
            scenarios(&db).await
        });
        let open: i64 = rt
            .block_on(async {
                app::db_run!(&db, |pool| sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM reports r WHERE {}",
                    cases::open_sql()
                ))
                .fetch_one(pool)
                .await)
            })
            .unwrap();
        println!("({open} of them open)\n");
        println!("In the database, `cases::queue`, one caller, {samples} runs each (ms):");
        println!(
            "{:<26} {:>5} {:>7} {:>7} {:>7} | {:>5} {:>7} {:>7} {:>7}",
            "scenario", "rows", "p50", "p99", "max", "rows", "p50", "p99", "max"
        );
        println!("{:<26} {:^29} | {:^29}", "", "first page", "deep page");
        let mut worst: f64 = 0.0;
        for s in &scenarios {
            let (rows, first) = time_db(&rt, &db, &s.query, samples);
            let deep_q = QueueQuery {
                after: Some(deep_cursor()),
                ..s.query.clone()
            };
            let (deep_rows, deep) = time_db(&rt, &db, &deep_q, samples);
            worst = worst
                .max(percentile(&first, 0.99))
                .max(percentile(&deep, 0.99));
            println!(
                "{:<26} {:>5} {:>7.2} {:>7.2} {:>7.2} | {:>5} {:>7.2} {:>7.2} {:>7.2}",
                s.name,
                rows,
                percentile(&first, 0.5),
                percentile(&first, 0.99),
                first.last().unwrap(),
                deep_rows,
                percentile(&deep, 0.5),
                percentile(&deep, 0.99),
                deep.last().unwrap(),
            );
        }
        println!("worst p99 in the database: {worst:.2} ms (target ≤ 5 ms)");

        rt.spawn(app.run_until(std::future::pending()));
        println!(
            "\nOver HTTP, GET /api/v1/queue, {clients} concurrent signed-in clients × {per_client} requests \
             (every scenario, first and deep pages), target p99 ≤ 20 ms:"
        );
        for think in [Duration::ZERO, Duration::from_millis(think_ms)] {
            let (all, elapsed) = rt.block_on(http_load(
                addr, &deep, &scenarios, clients, per_client, think,
            ));
            println!(
                "  {:<28} p50 {:>6.1} ms, p95 {:>6.1} ms, p99 {:>6.1} ms, max {:>6.1} ms; {:>5.0} requests/s",
                if think.is_zero() {
                    "no pause (saturation):".to_string()
                } else {
                    format!("~{} ms between clicks:", think.as_millis())
                },
                percentile(&all, 0.5),
                percentile(&all, 0.95),
                percentile(&all, 0.99),
                all.last().unwrap(),
                all.len() as f64 / elapsed.as_secs_f64()
            );
        }

        {
            println!("\nQuery plans (first page):");
            for s in &scenarios {
                let plan = rt.block_on(explain(&db, &s.query));
                println!("  {}:\n{plan}", s.name);
            }
        }
        rt.block_on(db.close());
        if let Some((admin, name)) = guard {
            rt.block_on(async {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .unwrap();
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            });
        }
    }
}
