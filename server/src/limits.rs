//! Time and memory limits on every request, so that slow or hostile clients get an answer
//! (408, 413 or 503, with a message) and never hold the server:
//!
//! - the request line and headers must arrive within [`HEADER_TIMEOUT`] (HTTP/1, by hyper's
//!   header-read timer; [`serve`] is `axum::serve` with that timer set);
//! - a body is read here before any handler sees it: no byte for [`BODY_IDLE_TIMEOUT`], or after
//!   [`BODY_GRACE`] less than [`BODY_MIN_RATE`] on average, is a 408; more than
//!   [`MAX_BUFFERED_BODY`] is a 413 (a declared length up to [`MAX_DRAINED_BODY`] is read and
//!   dropped first, so the sender sees the answer; beyond it, answered at once);
//! - bodies larger than [`LARGE_BODY`] (photos, imports) are read [`DEFAULT_UPLOADS_AT_ONCE`] at a
//!   time (`SAFESNAP_UPLOADS_AT_ONCE`); the next waits up to [`UPLOAD_WAIT`], then gets a 503 with
//!   `Retry-After` (the phone's outbox sends again by itself);
//! - the whole request, body and handler, ends within [`REQUEST_TIMEOUT`] (503).

use crate::{api::reports::MAX_BODY_BYTES, error::AppError, request::lang_of};
use app::i18n::fill;
use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::{header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use http_body_util::BodyExt;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
    service::TowerToHyperService,
};
use std::{future::Future, io, sync::Arc, time::Duration};
use tokio::{
    net::TcpListener,
    sync::{watch, Semaphore},
    time::Instant,
};
use tower::ServiceExt;

/// Longest the request line and headers may take to arrive.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest a body may go without a byte arriving.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Slowest a body may arrive on average, once [`BODY_GRACE`] has passed (bytes per second):
/// a phone on a weak 2G signal still sends several KB/s.
pub const BODY_MIN_RATE: u64 = 1024;
/// Time a body has before [`BODY_MIN_RATE`] applies.
pub const BODY_GRACE: Duration = Duration::from_secs(30);
/// Longest a whole request may take, reading its body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Largest body read at all (the largest route limit; each route's own limit applies after).
pub const MAX_BUFFERED_BODY: usize = MAX_BODY_BYTES;
/// A body above this counts against the uploads read at once.
pub const LARGE_BODY: u64 = 1024 * 1024;
/// A body declared over [`MAX_BUFFERED_BODY`] but not over this is read and dropped before its
/// 413 (the sender then reads the answer; a connection closed under an upload is a reset, and
/// the phone shows "network error"). A larger one is answered at once.
pub const MAX_DRAINED_BODY: u64 = 2 * MAX_BUFFERED_BODY as u64;
/// Default number of large bodies read and held at once.
pub const DEFAULT_UPLOADS_AT_ONCE: usize = 8;
/// Longest a large body waits for its turn before the request is answered 503.
pub const UPLOAD_WAIT: Duration = Duration::from_secs(10);

/// The limits a server runs with (the constants above; tests shorten them).
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_idle: Duration,
    pub body_grace: Duration,
    pub body_min_rate: u64,
    pub request_timeout: Duration,
    pub uploads_at_once: usize,
    pub upload_wait: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: HEADER_TIMEOUT,
            body_idle: BODY_IDLE_TIMEOUT,
            body_grace: BODY_GRACE,
            body_min_rate: BODY_MIN_RATE,
            request_timeout: REQUEST_TIMEOUT,
            uploads_at_once: DEFAULT_UPLOADS_AT_ONCE,
            upload_wait: UPLOAD_WAIT,
        }
    }
}

/// The places for large bodies, shared by the process.
#[derive(Debug, Clone)]
pub struct Uploads {
    permits: Arc<Semaphore>,
    pub limits: Limits,
}

impl Uploads {
    pub fn new(limits: &Limits) -> Uploads {
        Uploads {
            permits: Arc::new(Semaphore::new(limits.uploads_at_once.max(1))),
            limits: limits.clone(),
        }
    }
}

/// The refusal in the caller's language: JSON under `/api/`, a line of text elsewhere (a form
/// posted without JavaScript shows it as the page).
pub(crate) fn refuse(parts: &Parts, error: AppError) -> Response {
    let lang = lang_of(parts);
    if parts.uri.path().starts_with("/api/") {
        return error.json(lang);
    }
    let mut res = (
        error.status(),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        error.message(lang),
    )
        .into_response();
    error.set_headers(&mut res);
    res
}

fn too_large(parts: &Parts) -> Response {
    let t = lang_of(parts).tr();
    let message = fill(
        t.api_body_too_large(),
        &[("max", &(MAX_BUFFERED_BODY / (1024 * 1024)))],
    );
    refuse(
        parts,
        AppError::TooLarge {
            message: Some(message),
            field: None,
        },
    )
}

/// Middleware: reads the body within the limits (see the module), then runs the handler within
/// [`Limits::request_timeout`].
pub async fn guard(uploads: Uploads, req: Request, next: Next) -> Response {
    let limits = &uploads.limits;
    let deadline = Instant::now() + limits.request_timeout;
    let (parts, body) = req.into_parts();
    let length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = parts.headers.contains_key(header::TRANSFER_ENCODING);
    if let Some(n) = length.filter(|n| *n > MAX_BUFFERED_BODY as u64) {
        // Read and dropped first when not absurd, so a phone still uploading sees the answer
        // rather than a connection reset under it.
        if n <= MAX_DRAINED_BODY {
            let Ok(_place) = upload_place(&uploads).await else {
                return busy(&parts, limits);
            };
            let _ = read_body(body, limits, deadline, None).await;
        }
        return closing(too_large(&parts));
    }
    // Nothing to read: straight to the handler.
    if length.unwrap_or(0) == 0 && !chunked {
        let req = Request::from_parts(parts, body);
        return within(deadline, &uploads, next.run(req)).await;
    }
    let _place = if length.is_none_or(|n| n > LARGE_BODY) {
        match upload_place(&uploads).await {
            Ok(permit) => Some(permit),
            Err(()) => return busy(&parts, limits),
        }
    } else {
        None
    };
    let bytes = match read_body(body, limits, deadline, Some(length)).await {
        Ok(bytes) => bytes,
        Err(BodyFault::TooLarge) => return too_large(&parts),
        Err(BodyFault::Slow) => {
            tracing::info!(path = %crate::telemetry::path_for_log(parts.uri.path()), "request body too slow: 408");
            return closing(refuse(&parts, AppError::Timeout));
        }
        Err(BodyFault::Broken) => {
            let t = lang_of(&parts).tr();
            return refuse(
                &parts,
                AppError::BadRequest(Some(t.api_bad_upload().to_string())),
            );
        }
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    within(deadline, &uploads, next.run(req)).await
}

async fn within(
    deadline: Instant,
    uploads: &Uploads,
    run: impl Future<Output = Response>,
) -> Response {
    match tokio::time::timeout_at(deadline, run).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(
                limit_secs = uploads.limits.request_timeout.as_secs(),
                "request took too long: 503"
            );
            AppError::Busy(Duration::from_secs(30)).json(app::i18n::Lang::ZhCn)
        }
    }
}

enum BodyFault {
    TooLarge,
    Slow,
    Broken,
}

/// One of the upload places, waiting at most [`Limits::upload_wait`].
async fn upload_place(uploads: &Uploads) -> Result<tokio::sync::OwnedSemaphorePermit, ()> {
    match tokio::time::timeout(
        uploads.limits.upload_wait,
        uploads.permits.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(()),
    }
}

fn busy(parts: &Parts, limits: &Limits) -> Response {
    tracing::warn!(path = %crate::telemetry::path_for_log(parts.uri.path()), "uploads at their limit: answering busy");
    refuse(
        parts,
        AppError::Busy(limits.upload_wait.max(Duration::from_secs(5))),
    )
}

/// The answer, and the connection closed after it (the rest of the body is not read).
fn closing(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    res
}

/// Reads the body within the idle and rate limits: kept (`Some(declared length)`, at most
/// [`MAX_BUFFERED_BODY`]; the buffer is allocated once at the declared size), or read and
/// dropped (`None`, at most [`MAX_DRAINED_BODY`]).
async fn read_body(
    body: Body,
    limits: &Limits,
    deadline: Instant,
    keep: Option<Option<u64>>,
) -> Result<axum::body::Bytes, BodyFault> {
    let started = Instant::now();
    let mut body = body;
    let declared = keep.flatten().unwrap_or(0).min(MAX_BUFFERED_BODY as u64);
    let mut out = Vec::with_capacity(declared as usize);
    let keep = keep.is_some();
    let mut seen: u64 = 0;
    loop {
        let idle = Instant::now() + limits.body_idle;
        let frame = match tokio::time::timeout_at(idle.min(deadline), body.frame()).await {
            Err(_) => return Err(BodyFault::Slow),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyFault::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            seen += data.len() as u64;
            let max = if keep {
                MAX_BUFFERED_BODY as u64
            } else {
                MAX_DRAINED_BODY
            };
            if seen > max {
                return Err(BodyFault::TooLarge);
            }
            if keep {
                out.extend_from_slice(&data);
            }
        }
        let elapsed = started.elapsed();
        if elapsed > limits.body_grace
            && seen < limits.body_min_rate.saturating_mul(elapsed.as_secs())
        {
            return Err(BodyFault::Slow);
        }
    }
    Ok(out.into())
}

/// Until the shutdown signal is raised (the guard `wait_for` hands out is not held).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
}

/// `axum::serve` with hyper's header-read timer: serves `router` on `listener` until `shutdown`
/// completes, then lets the open connections finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, done_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut stopping = stop_rx.clone();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, as axum does.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stopping) => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                req.map(Body::new)
            });
        let service = TowerToHyperService::new(service);
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                // A client that shuts its side once its request is sent still gets the answer.
                .half_close(true);
            builder.http2().timer(TokioTimer::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    drop(listener);
    drop(done_rx);
    // Every connection task holds a receiver: closed when the last one finishes.
    done_tx.closed().await;
    Ok(())
}
