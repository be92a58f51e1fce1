//! The built front end: the hashed `/pkg/<build>/…` files (JS, WASM, CSS) and the public assets.
//!
//! At start-up the server hashes the JS, WASM and CSS that `scripts/build-site` wrote and links
//! them from every page as `/pkg/<hash>/…`, so a browser may keep them for a year: a new build
//! has a new hash. Files are served precompressed (`.br`, `.gz` written by
//! `scripts/build-site --precompress`) when the browser accepts it; anything else is compressed
//! on the fly by the router's compression layer.

use axum::{
    body::Body,
    extract::{Path as UrlPath, Request, State},
    http::{header, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::startup::AppState;

/// Cache policy for content-hashed files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy for files whose URL does not change with their content.
pub const REVALIDATE: &str = "no-cache";
/// Cache policy for icons and other rarely changing public assets.
pub const PUBLIC_DAY: &str = "public, max-age=86400";

/// The Content-Security-Policy of the service worker script, which governs the worker itself:
/// it imports `/outbox-queue.js` and `/sw-text.js` and fetches from this origin only. (Other
/// files get the API's `default-src 'none'; sandbox`, under which a worker could neither import
/// nor fetch.)
pub const SERVICE_WORKER_CSP: &str =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// What the server knows about the front-end build it serves.
#[derive(Debug, Clone)]
pub struct SiteAssets {
    pub root: PathBuf,
    pub output_name: String,
    /// Content hash of the JS, WASM and CSS together (12 hex digits), `"dev"` when missing.
    pub build: String,
    /// Whether the JS and WASM exist (pages render without them, but nothing hydrates).
    pub complete: bool,
}

impl SiteAssets {
    pub fn scan(root: &Path, output_name: &str) -> SiteAssets {
        let pkg = root.join("pkg");
        let mut hasher = Sha256::new();
        let mut complete = true;
        for ext in ["js", "wasm", "css"] {
            match std::fs::read(pkg.join(format!("{output_name}.{ext}"))) {
                Ok(bytes) => {
                    hasher.update((bytes.len() as u64).to_le_bytes());
                    hasher.update(&bytes);
                }
                Err(_) => complete = false,
            }
        }
        let build = if complete {
            hex::encode(&hasher.finalize()[..6])
        } else {
            "dev".to_string()
        };
        warn_about_stale_precompressed(&pkg);
        SiteAssets {
            root: root.to_path_buf(),
            output_name: output_name.to_string(),
            build,
            complete,
        }
    }

    /// The `site_pkg_dir` pages link from: `pkg/<build>`.
    pub fn pkg_dir(&self) -> String {
        format!("pkg/{}", self.build)
    }
}

/// A `.br`/`.gz` older than its source would be served instead of it: say so loudly.
fn warn_about_stale_precompressed(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "br" && ext != "gz" {
            continue;
        }
        let source = path.with_extension("");
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if let (Some(compressed), Some(original)) = (modified(&path), modified(&source)) {
            if compressed < original {
                tracing::warn!(file = %path.display(), "precompressed file is older than its source and will be served instead of it: rebuild with `scripts/build-site --precompress`");
            }
        }
    }
}

fn serve_dir(root: &Path) -> ServeDir {
    ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
}

async fn serve_from(dir: &Path, path: &str, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let uri = match format!("/{path}").parse::<Uri>() {
        Ok(uri) => uri,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    parts.uri = uri;
    match serve_dir(dir)
        .oneshot(Request::from_parts(parts, body))
        .await
    {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    }
}

fn with_cache(mut res: Response, policy: &'static str) -> Response {
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

/// `GET /pkg/{build}/{*file}`: the current build's files, cacheable for a year. A page from an
/// older build still gets today's files, but without the long cache lifetime.
pub async fn hashed_pkg(
    State(state): State<AppState>,
    UrlPath((build, file)): UrlPath<(String, String)>,
    req: Request,
) -> Response {
    let assets = &state.assets;
    let res = serve_from(&assets.root.join("pkg"), &file, req).await;
    with_cache(
        res,
        if build == assets.build {
            IMMUTABLE
        } else {
            REVALIDATE
        },
    )
}

/// Everything else: a public asset if one exists at the path, otherwise the 404 page.
pub async fn static_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().trim_start_matches('/').to_string();
    if !path.is_empty() && !path.contains("..") {
        let (parts, body) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::empty());
        let res = serve_from(&state.assets.root, &path, probe).await;
        if res.status() != StatusCode::NOT_FOUND {
            let policy =
                // Scripts at the root (service worker, outbox, push switch) must match the
                // pages of this build: revalidated, never kept a day.
                if path.starts_with("pkg/") || path.ends_with(".js") || path.ends_with(".webmanifest") {
                    REVALIDATE
                } else {
                    PUBLIC_DAY
                };
            let mut res = with_cache(res, policy);
            if path == "sw.js" {
                res.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(SERVICE_WORKER_CSP),
                );
            }
            return res;
        }
        let req = Request::from_parts(parts, body);
        return crate::routes::pages::not_found(state, req).await;
    }
    crate::routes::pages::not_found(state, req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_hash_follows_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        assert_eq!(SiteAssets::scan(dir.path(), "x").build, "dev");
        for ext in ["js", "wasm", "css"] {
            std::fs::write(pkg.join(format!("x.{ext}")), ext).unwrap();
        }
        let first = SiteAssets::scan(dir.path(), "x");
        assert!(first.complete);
        assert_eq!(first.build.len(), 12);
        std::fs::write(pkg.join("x.css"), "body{}").unwrap();
        assert_ne!(SiteAssets::scan(dir.path(), "x").build, first.build);
    }
}
