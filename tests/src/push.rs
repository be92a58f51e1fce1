//! A stand-in Web Push service for the tests (`tests/push_service.py`): it hands out
//! subscriptions like a browser's `PushSubscription.toJSON()`, checks each push's VAPID JWT and
//! RFC 8030 headers, decrypts the payload with Python's `http_ece` (not our code), and answers
//! 201, 404, 410, 429, 500 or slowly as each subscription's behaviour says.

use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

pub struct PushService {
    pub base: String,
    child: Child,
    client: reqwest::Client,
}

impl PushService {
    /// Starts the service on a free port and waits until it listens.
    pub fn start() -> PushService {
        let script = crate::workspace_root()
            .join("tests")
            .join("push_service.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 tests/push_service.py (installed by scripts/setup)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("push service output");
        let base = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("push service did not start: {line:?}"))
            .to_string();
        PushService {
            base,
            child,
            client: reqwest::Client::new(),
        }
    }

    /// A new subscription (`ok`, `gone`, `notfound`, `throttle`, `fail-twice`, `slow`).
    pub async fn subscribe(&self, behaviour: &str) -> Value {
        self.client
            .post(format!("{}/subscribe", self.base))
            .json(&serde_json::json!({ "behaviour": behaviour }))
            .send()
            .await
            .expect("subscribe")
            .json()
            .await
            .expect("subscription json")
    }

    /// Every push received for a subscription (its endpoint), oldest first.
    pub async fn received(&self, endpoint: &str) -> Vec<Value> {
        let id = endpoint.rsplit('/').next().unwrap_or_default();
        self.client
            .get(format!("{}/received?id={id}", self.base))
            .send()
            .await
            .expect("received")
            .json()
            .await
            .expect("received json")
    }

    /// Every push received.
    pub async fn all_received(&self) -> Vec<Value> {
        self.client
            .get(format!("{}/received", self.base))
            .send()
            .await
            .expect("received")
            .json()
            .await
            .expect("received json")
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
