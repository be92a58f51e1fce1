//! Photo pipeline benchmark: `cargo bench -p server --bench photo_pipeline`.
//!
//! Generates a corpus of twelve-megapixel camera-like JPEGs (4000×3000, detailed content, mixed
//! EXIF orientations 1/3/6/8, GPS and capture time), then measures, per photo, in the same run:
//!
//! - the server pipeline (display ≤ 1600 px + thumbnail ≤ 320 px, orientation, hashing, EXIF),
//!   each photo in a child process so its CPU time and peak memory are the process's own;
//! - `vipsthumbnail` (Debian libvips-tools) producing the same two sizes (two runs per photo,
//!   as the tool makes one size per run), metadata stripped;
//! - pipeline throughput on every core, and the display copies' sizes;
//! - `POST /api/v1/reports` latency with one 1600 px photo from 4 concurrent clients.
//!
//! Options (after `--`): `--photos N` (default 20), `--requests N` per client (default 50).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is fine
#![allow(unsafe_code)] // wait4(2): the only way to read one child process's CPU time and peak memory

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

/// CPU time and peak memory of one finished child process.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    cpu: Duration,
    max_rss_kb: i64,
}

#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also reads its usage
fn run_measured(cmd: &mut Command) -> Usage {
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, writing into a zeroed rusage we own.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: {cmd:?}"
    );
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Usage {
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        max_rss_kb: ru.ru_maxrss,
    }
}

/// xorshift64*: deterministic "camera noise".
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A 4000×3000 picture with gradients, stripes, rings and sensor noise: at quality 92 it makes
/// JPEGs of about the size phone cameras write for twelve megapixels (3–5 MB).
fn camera_picture(seed: u64, w: usize, h: usize) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut rgb = vec![0u8; w * h * 3];
    let cx = (rng.next() % w as u64) as f64;
    let cy = (rng.next() % h as u64) as f64;
    for y in 0..h {
        for x in 0..w {
            // Sensor noise after in-camera denoising: a few levels either way.
            let n = (rng.next() >> 60) as i32 - 8;
            let d = (((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt() / 9.0).sin();
            let stripes = if (x / 37 + y / 53) % 2 == 0 { 30 } else { -30 };
            let i = (y * w + x) * 3;
            rgb[i] = (((x * 255) / w) as i32 + n + stripes).clamp(0, 255) as u8;
            rgb[i + 1] = ((120.0 + 80.0 * d) as i32 + n).clamp(0, 255) as u8;
            rgb[i + 2] = (((y * 255) / h) as i32 + n - stripes).clamp(0, 255) as u8;
        }
    }
    rgb
}

fn corpus(dir: &Path, count: usize) -> Vec<PathBuf> {
    let (w, h) = (4000, 3000);
    (0..count)
        .map(|i| {
            let orientation = [1u8, 6, 3, 8][i % 4];
            let rgb = camera_picture(i as u64 + 1, w, h);
            let image = turbojpeg::Image {
                pixels: &rgb[..],
                width: w,
                pitch: w * 3,
                height: h,
                format: turbojpeg::PixelFormat::RGB,
            };
            let jpeg = turbojpeg::compress(image, 92, turbojpeg::Subsamp::Sub2x2)
                .unwrap()
                .to_vec();
            let tiff = app::domain::exif::fixture::tiff_block(
                u16::from(orientation),
                "2026:07:14 10:22:33",
                (34, 45, 3600),
                (113, 37, 1800),
            );
            let path = dir.join(format!("IMG_{i:04}_o{orientation}.jpg"));
            std::fs::write(&path, app::domain::exif::fixture::with_exif(&jpeg, &tiff)).unwrap();
            path
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    (mean, percentile(&v, 0.5), percentile(&v, 0.95))
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: run the pipeline on one file, write the two derivatives.
    if let Some(i) = args.iter().position(|a| a == "--one") {
        let input = std::fs::read(&args[i + 1]).unwrap();
        let out = PathBuf::from(&args[i + 2]);
        let p = server::photos::process(&input).expect("pipeline");
        std::fs::write(out.join("display.jpg"), &p.display).unwrap();
        std::fs::write(out.join("thumb.jpg"), &p.thumb).unwrap();
        return;
    }
    let count = arg("--photos", 20);
    let requests = arg("--requests", 50);
    let dir = tempfile::tempdir().unwrap();
    println!("Generating {count} twelve-megapixel JPEGs (4000×3000, orientations 1/6/3/8)…");
    let files = corpus(dir.path(), count);
    let sizes: Vec<f64> = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len() as f64 / 1024.0 / 1024.0)
        .collect();
    let (mean_mb, _, _) = stats(sizes);
    println!("corpus: {count} files, mean {mean_mb:.2} MB\n");

    let exe = std::env::current_exe().unwrap();
    let vips = Command::new("vipsthumbnail")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut display_kb = Vec::new();
    let mut vips_display_kb = Vec::new();
    for f in &files {
        let out = tempfile::tempdir().unwrap();
        ours.push(run_measured(
            Command::new(&exe).arg("--one").arg(f).arg(out.path()),
        ));
        display_kb.push(
            std::fs::metadata(out.path().join("display.jpg"))
                .unwrap()
                .len() as f64
                / 1024.0,
        );
        if vips.is_ok() {
            let d = out.path().join("vd.jpg");
            let t = out.path().join("vt.jpg");
            let a = run_measured(
                Command::new("vipsthumbnail")
                    .arg(f)
                    .args(["--size", "1600x1600", "-o"])
                    .arg(format!("{}[Q=80,strip]", d.display())),
            );
            let b = run_measured(
                Command::new("vipsthumbnail")
                    .arg(f)
                    .args(["--size", "320x320", "-o"])
                    .arg(format!("{}[Q=75,strip]", t.display())),
            );
            theirs.push(Usage {
                cpu: a.cpu + b.cpu,
                max_rss_kb: a.max_rss_kb.max(b.max_rss_kb),
            });
            vips_display_kb.push(std::fs::metadata(&d).unwrap().len() as f64 / 1024.0);
        }
    }

    let ms = |u: &[Usage]| {
        u.iter()
            .map(|x| x.cpu.as_secs_f64() * 1000.0)
            .collect::<Vec<_>>()
    };
    let mb = |u: &[Usage]| {
        u.iter()
            .map(|x| x.max_rss_kb as f64 / 1024.0)
            .collect::<Vec<_>>()
    };
    println!("Per photo (12 MP JPEG → 1600 px display + 320 px thumbnail), one process per photo:");
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>14}",
        "", "CPU mean", "CPU p50", "CPU p95", "peak RSS p95"
    );
    let (m, p50, p95) = stats(ms(&ours));
    let (_, _, rss95) = stats(mb(&ours));
    println!(
        "{:<28} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>11.1} MB",
        "server pipeline", m, p50, p95, rss95
    );
    match &vips {
        Ok(version) => {
            let (vm, v50, v95) = stats(ms(&theirs));
            let (_, _, vrss95) = stats(mb(&theirs));
            println!(
                "{:<28} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>11.1} MB",
                format!("vipsthumbnail ×2 ({version})"),
                vm,
                v50,
                v95,
                vrss95
            );
            println!(
                "{:<28} {:>9.2}× (target ≤ 0.60×)",
                "pipeline CPU / vips CPU",
                m / vm
            );
        }
        Err(_) => println!("vipsthumbnail not found (apt install libvips-tools) — no comparison"),
    }
    let (dm, d50, d95) = stats(display_kb.clone());
    println!("\nDisplay copy size: mean {dm:.0} KB, p50 {d50:.0} KB, p95 {d95:.0} KB (target p95 ≤ 400 KB)");
    if !vips_display_kb.is_empty() {
        let (vm, _, v95) = stats(vips_display_kb);
        println!("  (vipsthumbnail's at Q=80: mean {vm:.0} KB, p95 {v95:.0} KB)");
    }

    // Throughput: every core busy, in one process.
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let inputs: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= inputs.len() * 2 {
                    break;
                }
                server::photos::process(&inputs[i % inputs.len()]).unwrap();
            });
        }
    });
    let rate = (inputs.len() * 2) as f64 / start.elapsed().as_secs_f64();
    println!("\nThroughput on {cores} cores: {rate:.1} photos/s (target ≥ 10)");

    submit_latency(requests);
}

/// `POST /api/v1/reports` with one 1600 px photo, 4 clients at once, against a real server on
/// SQLite (and on PostgreSQL when TEST_DATABASE_URL is set).
fn submit_latency(per_client: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use app::backend::db::SqliteSync;
        // SQLite as it runs (every commit synced) and as it ran before (synced at checkpoints).
        let mut targets = vec![("SQLite FULL", None, SqliteSync::Full), ("SQLite NORMAL", None, SqliteSync::Normal)];
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            targets.push(("PostgreSQL", Some(url), SqliteSync::Full));
        }
        println!("\nSubmit latency, one 1600×1200 photo per report, 4 concurrent clients, {per_client} reports each:");
        println!("{:<14} {:>9} {:>9} {:>9} {:>9}", "database", "p50", "p95", "p99", "max");
        for (label, admin_url, sync) in targets {
            let data = tempfile::tempdir().unwrap();
            let (db_url, _guard) = match admin_url {
                Some(admin) => {
                    let name = format!("safesnap_bench_{}", uuid::Uuid::new_v4().simple());
                    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
                    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.unwrap();
                    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                    (Some(format!("{base}/{name}")), Some((admin, name)))
                }
                None => (None, None),
            };
            let mut config = server::config::Config::local(data.path(), db_url, Path::new("target/site"));
            config.db_max_connections = 10;
            config.sqlite_sync = sync;
            let app = server::Application::build(&config).await.unwrap();
            let addr = app.addr();
            let db = app.state().db.clone();
            server::seed::seed_demo(&db, 0).await.unwrap();
            let enterprise: uuid::Uuid =
                app::db_run!(&db, |pool| sqlx::query_scalar("SELECT id FROM enterprises LIMIT 1").fetch_one(pool).await).unwrap();
            tokio::spawn(app.run_until(std::future::pending()));
            let rgb = camera_picture(99, 1600, 1200);
            let image = turbojpeg::Image { pixels: &rgb[..], width: 1600, pitch: 4800, height: 1200, format: turbojpeg::PixelFormat::RGB };
            let photo = turbojpeg::compress(image, 80, turbojpeg::Subsamp::Sub2x2).unwrap().to_vec();
            // The server allows 30 reports per address per hour: spread the load over loopback
            // addresses (127.0.0.0/8 is all loopback on Linux) as many phones would be.
            let clients: Vec<reqwest::Client> = (0..32u8)
                .map(|i| reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 1, i + 1])).build().unwrap())
                .collect();
            let url = format!("http://{addr}/api/v1/reports");
            let mut tasks = Vec::new();
            for task in 0..4usize {
                let (clients, url, photo) = (clients.clone(), url.clone(), photo.clone());
                tasks.push(tokio::spawn(async move {
                    let mut times = Vec::new();
                    for n in 0..per_client {
                        let client = &clients[(task + 4 * n) % clients.len()];
                        let form = reqwest::multipart::Form::new()
                            .text("client_id", uuid::Uuid::new_v4().to_string())
                            .text("category", "dust")
                            .text("enterprise_id", enterprise.to_string())
                            .text("severity", "immediate")
                            .text("identity", "anonymous")
                            .part("photo", reqwest::multipart::Part::bytes(photo.clone()).file_name("p.jpg"));
                        let t = Instant::now();
                        let res = client.post(&url).multipart(form).send().await.unwrap();
                        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    times
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            all.sort_by(|a, b| a.partial_cmp(b).unwrap());
            println!(
                "{:<14} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>7.1}ms",
                label,
                percentile(&all, 0.5),
                percentile(&all, 0.95),
                percentile(&all, 0.99),
                all.last().copied().unwrap_or(0.0)
            );
            db.close().await;
            if let Some((admin, name)) = _guard {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await;
            }
        }
        println!("(target: p95 ≤ 50 ms; requests come from 32 loopback addresses to stay under the {} reports/hour/address limit)",
            app::backend::ratelimit::SUBMIT_PER_ADDRESS.burst);
    });
}
