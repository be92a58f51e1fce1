//! Slow and oversized requests get an answer, never a hang: headers that trickle in are cut off,
//! a body that stalls or crawls is a 408 with a message, a body over the limit is a 413 before
//! it is read, and uploads beyond the number read at once are a 503 with `Retry-After`. The
//! limits are shortened here (the defaults are `server::limits`' constants).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use safesnap_tests::{site_root, spawn_with, Engine, TestApp};
use server::{config::Config, limits::Limits};
use std::time::{Duration, Instant};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn app_with(limits: Limits) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::local(data_dir.path(), None, &site_root());
    config.limits = limits;
    spawn_with(config, Engine::Sqlite, data_dir, None).await
}

/// Everything the server writes until it closes the connection (or `within` passes).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&out).into()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

fn post_head(path: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: zh-CN\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_trickle_in_are_cut_off_and_the_server_keeps_answering() {
    let app = app_with(Limits {
        header_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let began = Instant::now();
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    // Then nothing more: the connection is closed once the header timeout passes.
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the connection was still open after 5 s");
    assert!(began.elapsed() >= Duration::from_millis(900));
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_or_crawls_is_a_408_with_a_message() {
    let app = app_with(Limits {
        body_idle: Duration::from_secs(1),
        body_grace: Duration::from_secs(1),
        body_min_rate: 100_000,
        ..Limits::default()
    })
    .await;
    // Stalls: 100 of 5000 bytes, then nothing.
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(post_head("/api/v1/reports", 5000).as_bytes())
        .await
        .unwrap();
    stream.write_all(&[b'a'; 100]).await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("no answer to a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("上传太慢"), "{answer}");

    // Crawls: a byte every 200 ms never stalls, but is far under the minimum rate.
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(post_head("/report", 5000).as_bytes())
        .await
        .unwrap();
    let crawl = async {
        for _ in 0..50 {
            if stream.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), crawl).await;
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("no answer to a crawling body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A form target (not /api/) answers with the message as text.
    assert!(answer.contains("text/plain"), "{answer}");
    assert!(answer.contains("上传太慢"), "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_before_it_is_read() {
    let app = app_with(Limits::default()).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(post_head("/api/v1/reports", 100 * 1024 * 1024).as_bytes())
        .await
        .unwrap();
    let began = Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("no answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(began.elapsed() < Duration::from_secs(2));
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("上传的内容太大（最大 40 MB）"), "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_beyond_the_number_read_at_once_are_told_to_come_back() {
    let app = app_with(Limits {
        uploads_at_once: 1,
        upload_wait: Duration::from_millis(500),
        ..Limits::default()
    })
    .await;
    let large = 2 * 1024 * 1024;
    // One large upload in progress holds the only place.
    let mut first = TcpStream::connect(app.addr).await.unwrap();
    first
        .write_all(post_head("/api/v1/reports", large).as_bytes())
        .await
        .unwrap();
    first.write_all(&vec![b'a'; 64 * 1024]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let res = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("accept-language", "zh-CN")
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b'a'; large])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "busy");
    assert!(
        body["message"].as_str().unwrap().contains("服务器正忙"),
        "{body}"
    );
    // A small request is not an upload: it is served meanwhile.
    assert_eq!(app.get("/healthz").await.status(), 200);

    // Once the first upload is gone, the place is free again.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b'a'; large])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 503, "the place was not given back");
    app.stop().await;
}
