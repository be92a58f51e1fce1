//! A network switch between the phone and the server: a TCP relay the browser connects to
//! instead of the server, which can lose the signal, hang mid-upload or stand for a failing
//! server (a gateway answering 500). The page's own view of the network (`navigator.onLine`,
//! the `online` event) is switched with Chromium's network emulation at the same time; the relay
//! makes the service worker's requests fail too, which page emulation alone does not reach.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

/// What the network does with a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Relayed to the server.
    Online,
    /// Closed at once: no signal.
    Offline,
    /// Accepted and never read: an upload that hangs (a lift, a tunnel).
    Stalled,
    /// Every request is answered `500 Internal Server Error` and never reaches the server.
    Failing,
}

struct Shared {
    signal: Mutex<Signal>,
    open: Mutex<Vec<AbortHandle>>,
    failed_reports: AtomicUsize,
}

/// The relay. `base` is the URL the browser opens (its own origin).
pub struct NetworkSwitch {
    pub base: String,
    shared: Arc<Shared>,
    accept: AbortHandle,
}

impl NetworkSwitch {
    /// A relay to `server`, online.
    pub async fn start(server: SocketAddr) -> NetworkSwitch {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let base = format!("http://{}", listener.local_addr().expect("relay address"));
        let shared = Arc::new(Shared {
            signal: Mutex::new(Signal::Online),
            open: Mutex::new(Vec::new()),
            failed_reports: AtomicUsize::new(0),
        });
        let state = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((phone, _)) = listener.accept().await {
                let signal = *state.signal.lock().expect("signal lock");
                let conn_state = state.clone();
                let task = tokio::spawn(async move {
                    match signal {
                        Signal::Offline => drop(phone),
                        Signal::Online => relay(phone, server).await,
                        Signal::Stalled => {
                            let _held = phone;
                            std::future::pending::<()>().await
                        }
                        Signal::Failing => fail(phone, &conn_state).await,
                    }
                });
                state
                    .open
                    .lock()
                    .expect("open lock")
                    .push(task.abort_handle());
            }
        })
        .abort_handle();
        NetworkSwitch {
            base,
            shared,
            accept,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Switches the network; connections already open are cut (the phone lost them).
    pub fn set(&self, signal: Signal) {
        *self.shared.signal.lock().expect("signal lock") = signal;
        for conn in self.shared.open.lock().expect("open lock").drain(..) {
            conn.abort();
        }
    }

    /// How many report submissions were answered 500 while `Failing`.
    pub fn failed_reports(&self) -> usize {
        self.shared.failed_reports.load(Ordering::SeqCst)
    }
}

impl Drop for NetworkSwitch {
    fn drop(&mut self) {
        self.accept.abort();
        self.set(Signal::Offline);
    }
}

async fn relay(mut phone: TcpStream, server: SocketAddr) {
    if let Ok(mut upstream) = TcpStream::connect(server).await {
        let _ = tokio::io::copy_bidirectional(&mut phone, &mut upstream).await;
    }
}

/// Reads one request (head and `Content-Length` body), answers 500 and closes.
async fn fail(mut phone: TcpStream, state: &Shared) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match phone.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf.len() - head_end;
    while body < length {
        match phone.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body += n,
        }
    }
    if head.starts_with("POST /api/v1/reports") {
        state.failed_reports.fetch_add(1, Ordering::SeqCst);
    }
    let message = r#"{"error":"internal","message":"服务器内部错误，请稍后再试"}"#;
    let answer = format!(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
        message.len()
    );
    let _ = phone.write_all(answer.as_bytes()).await;
    let _ = phone.shutdown().await;
}
