//! The app shell as served over HTTP: document, assets, caching, compression, language, 404.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use safesnap_tests::{spawn_app, TestApp};
use std::io::Read;

async fn html(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    res.text().await.unwrap()
}

/// The value of `attr` on the first tag containing `marker`.
fn attr_of(html: &str, marker: &str, attr: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no `{marker}` in page"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>').unwrap()];
    let key = format!("{attr}=\"");
    let v = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {attr} in {tag}"))
        + key.len();
    tag[v..v + tag[v..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_report_page_is_a_chinese_mobile_document_with_the_four_destinations() {
    let app = spawn_app().await;
    let page = html(&app, "/").await;
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..80]);
    assert!(page.contains("<html lang=\"zh-CN\""));
    assert!(
        page.contains("<title>随手拍：报告安全隐患 · 安全随手拍</title>"),
        "title missing"
    );
    assert!(page.contains("name=\"viewport\" content=\"width=device-width, initial-scale=1"));
    assert_eq!(
        attr_of(&page, "name=\"theme-color\"", "content"),
        app::THEME_COLOR
    );
    assert!(page.contains("rel=\"manifest\""));
    assert!(page.contains("href=\"/favicon.ico\""));
    for (href, label) in [
        ("/", "随手拍"),
        ("/my", "我的报告"),
        ("/heat", "高温提醒"),
        ("/me", "我的"),
    ] {
        assert!(
            page.contains(&format!("href=\"{href}\"")),
            "nav link {href}"
        );
        assert!(
            page.contains(&format!("<span>{label}</span>")),
            "nav label {label}"
        );
    }
    assert!(page.contains("aria-current=\"page\""));
    // The islands are in the page, server-rendered, before any WASM runs.
    assert!(page.contains("<leptos-island"), "no island in the page");
    assert!(page.contains("tel:119") && page.contains("tel:12350"));
    // Controls that need the island are marked, and the form is not marked ready until the
    // island runs (the stylesheet hides `.js-only` until then).
    assert!(page.contains("class=\"report-form\"") && !page.contains("data-ready"));
    assert!(attr_of(&page, "data-action=\"locate\"", "class").contains("js-only"));
    // The plain form that works without JavaScript.
    assert!(
        page.contains("action=\"/report\"") && page.contains("enctype=\"multipart/form-data\"")
    );
}

#[tokio::test]
async fn each_tab_marks_itself_current() {
    let app = spawn_app().await;
    for (path, title) in [("/my", "我的报告"), ("/heat", "高温提醒"), ("/me", "我的")] {
        let page = html(&app, path).await;
        assert!(
            page.contains(&format!("<title>{title} · 安全随手拍</title>")),
            "{path}"
        );
        assert_eq!(attr_of(&page, "aria-current=\"page\"", "href"), path);
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_served_compressed() {
    let app = spawn_app().await;
    assert!(
        app.config.site_root.join("pkg/safesnap.wasm").exists(),
        "front end not built: run scripts/test (it runs `scripts/build-site`)"
    );
    let page = html(&app, "/").await;
    let css = attr_of(&page, "rel=\"stylesheet\"", "href");
    assert!(
        css.starts_with("/pkg/") && css.ends_with("/safesnap.css"),
        "{css}"
    );
    let build = css.split('/').nth(2).unwrap().to_string();
    assert_eq!(build.len(), 12, "build hash in {css}");
    assert!(
        page.contains(&format!("/pkg/{build}/safesnap.wasm")),
        "WASM not linked from the hashed dir"
    );

    let wasm_path = format!("/pkg/{build}/safesnap.wasm");
    let original = std::fs::read(app.config.site_root.join("pkg/safesnap.wasm")).unwrap();
    for (encoding, decode) in [("br", true), ("gzip", true), ("identity", false)] {
        let res = app
            .client
            .get(app.url(&wasm_path))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(res.headers()["content-type"], "application/wasm");
        let got = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        let body = res.bytes().await.unwrap();
        let plain = match (encoding, decode) {
            ("br", true) => {
                assert_eq!(got.as_deref(), Some("br"));
                let mut out = Vec::new();
                brotli_decompress(&body, &mut out);
                out
            }
            ("gzip", true) => {
                assert_eq!(got.as_deref(), Some("gzip"));
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
            _ => {
                assert_eq!(got, None);
                body.to_vec()
            }
        };
        assert_eq!(
            plain, original,
            "{encoding} body differs from the WASM on disk"
        );
    }

    // An older build's URL still works but must not be cached for long.
    let res = app.get("/pkg/000000000000/safesnap.css").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    // Pages themselves are compressed on the fly.
    let res = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
}

fn brotli_decompress(input: &[u8], out: &mut Vec<u8>) {
    brotli::BrotliDecompress(&mut &input[..], out).unwrap();
}

#[tokio::test]
async fn public_assets_are_served() {
    let app = spawn_app().await;
    for (path, ty) in [
        ("/favicon.ico", "image/x-icon"),
        ("/icons/icon.svg", "image/svg+xml"),
        ("/icons/icon-192.png", "image/png"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], ty, "{path}");
    }
    let manifest: serde_json::Value = app.get("/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["name"], "安全随手拍");
    assert_eq!(manifest["lang"], "zh-CN");
    assert_eq!(manifest["theme_color"], app::THEME_COLOR);
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page_in_chinese() {
    let app = spawn_app().await;
    let res = app.get("/no-such-page").await;
    assert_eq!(res.status(), 404);
    let body = res.text().await.unwrap();
    assert!(body.contains("页面不存在"), "{body}");
    assert!(body.contains("返回随手拍"));
    let res = app.get("/pkg/nothing-here.js").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let app = spawn_app().await;
    let res = app.get("/lang/en?next=/heat").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/heat");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("Max-Age="),
        "{cookie}"
    );
    // The client keeps the cookie: the next page is English.
    let page = html(&app, "/heat").await;
    assert!(page.contains("<html lang=\"en\""));
    assert!(page.contains("<title>Heat alerts · SafeSnap</title>"));
    assert!(page.contains("<span>My reports</span>"));
    // And back.
    app.get("/lang/zh-CN?next=/").await;
    assert!(html(&app, "/").await.contains("<html lang=\"zh-CN\""));
    // Never redirects off-site.
    let res = app.get("/lang/en?next=//evil.example/").await;
    assert_eq!(res.headers()["location"], "/");
}
