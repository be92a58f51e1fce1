//! A stand-in Alibaba Cloud SMS for the tests (`tests/sms_service.py`): it checks each
//! `SendSms` call's signature and parameters as the service documents them, with its own
//! implementation, answers as the service does (success, flow control, outage, refusal, per
//! number) and records what it accepted. [`SmsService::settings`] gives the server the
//! settings that send through it.

use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

/// The stand-in's AccessKey pair and sign name.
pub const KEY_ID: &str = "LTAI5tTestKeyId";
pub const KEY_SECRET: &str = "test-secret-0123456789";
pub const SIGN_NAME: &str = "郑州市总工会";
/// The delivery-receipt token the settings give the server.
pub const RECEIPT_TOKEN: &str = "receipt-token-0123456789abcdef";

/// Our template names, the provider's codes, and the parameters each template has.
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    ("register_code", "SMS_100001", "code,minutes"),
    ("reset_code", "SMS_100002", "code,minutes"),
    ("already_registered", "SMS_100003", ""),
    ("urgent", "SMS_200001", "url"),
    ("notice", "SMS_200002", "url"),
    ("overdue", "SMS_200003", "url"),
    ("escalated", "SMS_200004", "url"),
    ("alert_red", "SMS_200005", "url"),
    ("other", "SMS_200009", "url"),
];

pub struct SmsService {
    pub base: String,
    child: Child,
    client: reqwest::Client,
}

impl SmsService {
    /// Starts the stand-in on a free port and waits until it listens.
    pub fn start() -> SmsService {
        let script = crate::workspace_root().join("tests").join("sms_service.py");
        let mut cmd = Command::new("python3");
        cmd.arg(&script).args([
            "--port", "0", "--key-id", KEY_ID, "--secret", KEY_SECRET, "--sign", SIGN_NAME,
        ]);
        for (_, code, vars) in TEMPLATES {
            cmd.arg("--template").arg(format!("{code}={vars}"));
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 tests/sms_service.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("SMS service output");
        let base = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("SMS service did not start: {line:?}"))
            .to_string();
        SmsService {
            base,
            child,
            client: reqwest::Client::new(),
        }
    }

    /// The server's text-message settings that send through this stand-in.
    pub fn settings(&self) -> server::config::SmsSettings {
        let templates = TEMPLATES
            .iter()
            .map(|(name, code, _)| format!("{name}={code}"))
            .collect::<Vec<_>>()
            .join(",");
        server::config::SmsSettings {
            provider: server::config::SmsProvider::Aliyun(server::sms::aliyun::AliyunConfig {
                endpoint: format!("{}/", self.base),
                access_key_id: KEY_ID.into(),
                access_key_secret: KEY_SECRET.into(),
                sign_name: SIGN_NAME.into(),
                templates: server::sms::channels::Templates::parse(&templates).unwrap(),
                region: "cn-hangzhou".into(),
            }),
            sign_name: SIGN_NAME.into(),
            public_url: Some("https://aq.example.cn".into()),
            receipt_token: Some(RECEIPT_TOKEN.into()),
            ..Default::default()
        }
    }

    /// How the stand-in answers for a number: `ok`, `throttle-once`, `down-once`, `refuse`.
    pub async fn behave(&self, phone: &str, behaviour: &str) {
        self.client
            .post(format!("{}/behave", self.base))
            .json(&serde_json::json!({ "phone": phone, "behaviour": behaviour }))
            .send()
            .await
            .expect("behave");
    }

    /// Every message accepted, oldest first.
    pub async fn sent(&self) -> Vec<Value> {
        self.get("/sent").await
    }

    /// The error codes answered, oldest first.
    pub async fn refused(&self) -> Vec<Value> {
        self.get("/refused").await
    }

    async fn get(&self, path: &str) -> Vec<Value> {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect(path)
            .json()
            .await
            .expect("json")
    }
}

impl Drop for SmsService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
