//! Alibaba Cloud SMS (阿里云短信服务): `SendSms` of API version 2017-05-25, an RPC-style call
//! signed with signature version 1.0 (HMAC-SHA1 over the sorted, percent-encoded parameters,
//! keyed with the AccessKey secret and `&`), posted as a form so the number stays out of URLs;
//! and the delivery receipts (`SmsReport`) the service pushes to a configured address as a JSON
//! array, answered `{"code":0}`.
//!
//! Answers: `Code` `OK` is taken (its `BizId` is what the receipt names); the flow-control
//! codes (`isv.BUSINESS_LIMIT_CONTROL`, `isv.DAY_LIMIT_CONTROL`, `Throttling…`) and the
//! service's own failures are tried again later; anything else (a bad number, a template or sign
//! not approved, wrong keys) is refused for good.

use super::{Accepted, SendError, Sms, SmsGateway};
use base64::Engine as _;
use std::{collections::BTreeMap, future::Future, pin::Pin, time::Duration};

/// The service's public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";
/// The API version `SendSms` belongs to.
pub const API_VERSION: &str = "2017-05-25";
/// Seconds before a request to the service is given up (and tried again later).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The adapter's settings.
#[derive(Clone)]
pub struct AliyunConfig {
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The approved sign name (签名), shown as 【sign】.
    pub sign_name: String,
    /// The approved template codes by our template names.
    pub templates: super::channels::Templates,
    pub region: String,
}

impl std::fmt::Debug for AliyunConfig {
    // The secret is not for a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AliyunConfig")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .finish()
    }
}

/// The gateway.
#[derive(Debug)]
pub struct AliyunSms {
    config: AliyunConfig,
    client: reqwest::Client,
}

impl AliyunSms {
    pub fn new(config: AliyunConfig) -> Result<AliyunSms, String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(AliyunSms { config, client })
    }

    /// The signed form of one message (`nonce` and `timestamp` as the request carries them).
    fn form(&self, sms: &Sms, code: &str, nonce: &str, timestamp: &str) -> String {
        let params: serde_json::Map<String, serde_json::Value> = sms
            .params
            .iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
            .collect();
        let mut p: BTreeMap<&str, String> = BTreeMap::new();
        p.insert("AccessKeyId", self.config.access_key_id.clone());
        p.insert("Action", "SendSms".into());
        p.insert("Format", "JSON".into());
        p.insert("PhoneNumbers", sms.to.as_str().to_string());
        p.insert("RegionId", self.config.region.clone());
        p.insert("SignName", self.config.sign_name.clone());
        p.insert("SignatureMethod", "HMAC-SHA1".into());
        p.insert("SignatureNonce", nonce.into());
        p.insert("SignatureVersion", "1.0".into());
        p.insert("TemplateCode", code.into());
        p.insert(
            "TemplateParam",
            serde_json::Value::Object(params).to_string(),
        );
        p.insert("Timestamp", timestamp.into());
        p.insert("Version", API_VERSION.into());
        if let Some(out) = &sms.out_id {
            p.insert("OutId", out.clone());
        }
        let (query, signature) = sign("POST", &p, &self.config.access_key_secret);
        format!("{query}&Signature={}", percent_encode(&signature))
    }
}

/// RFC 3986 percent-encoding as the service wants it: every byte but `A-Z a-z 0-9 - _ . ~`
/// as `%XX` (so a space is `%20`, never `+`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical query string of `params` (sorted by name, each part encoded) and its
/// signature: Base64(HMAC-SHA1(secret + "&", METHOD & %2F & encode(query))).
pub fn sign(method: &str, params: &BTreeMap<&str, String>, secret: &str) -> (String, String) {
    let query = params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&query)
    );
    let key = ring::hmac::Key::new(
        ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        format!("{secret}&").as_bytes(),
    );
    let tag = ring::hmac::sign(&key, to_sign.as_bytes());
    (
        query,
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref()),
    )
}

/// `2017-07-12T02:42:19Z`: an instant in UTC as the service's `Timestamp` wants it.
pub fn timestamp(epoch_ms: i64) -> String {
    // `LocalTime` reads Asia/Shanghai (UTC+8); eight hours earlier it reads UTC.
    let t = app::domain::time::LocalTime::shanghai(
        epoch_ms - app::domain::time::SHANGHAI_OFFSET_SECS * 1000,
    );
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// What `SendSms` answers.
#[derive(Debug, serde::Deserialize)]
struct Answer {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "BizId")]
    biz_id: Option<String>,
}

/// Whether a `Code` is the service's flow control, its own failure, or a fault of this server's
/// credentials or clock that fixing the deployment cures (to be tried again, not failed for
/// every message queued meanwhile).
fn try_again(code: &str) -> bool {
    code.starts_with("Throttling")
        || code.starts_with("InvalidAccessKeyId")
        || code.starts_with("InvalidTimeStamp")
        || code == "SignatureDoesNotMatch"
        || code == "SignatureNonceUsed"
        || matches!(
            code,
            "isv.BUSINESS_LIMIT_CONTROL"
                | "isv.DAY_LIMIT_CONTROL"
                | "isv.AMOUNT_NOT_ENOUGH"
                | "ServiceUnavailable"
                | "InternalError"
                | "isp.SYSTEM_ERROR"
                | "isp.RAM_PERMISSION_DENY"
        )
}

impl SmsGateway for AliyunSms {
    fn send<'a>(
        &'a self,
        sms: &'a Sms,
    ) -> Pin<Box<dyn Future<Output = Result<Accepted, SendError>> + Send + 'a>> {
        Box::pin(async move {
            let code = self.config.templates.code(sms.template).ok_or_else(|| {
                SendError::Refused(format!("no template code for `{}`", sms.template))
            })?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or_default();
            let nonce = uuid::Uuid::new_v4().to_string();
            let body = self.form(sms, code, &nonce, &timestamp(now));
            let res = self
                .client
                .post(&self.config.endpoint)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded; charset=utf-8",
                )
                .body(body)
                .send()
                .await
                .map_err(|e| {
                    SendError::Unavailable(if e.is_timeout() {
                        "timeout".into()
                    } else {
                        format!("network: {}", e.without_url())
                    })
                })?;
            let status = res.status();
            let answer: Option<Answer> = res.json().await.ok();
            let Some(Answer {
                code: Some(code),
                message,
                biz_id,
            }) = answer
            else {
                return Err(SendError::Unavailable(format!(
                    "HTTP {}: no answer the API documents",
                    status.as_u16()
                )));
            };
            let why = format!("{code}: {}", message.unwrap_or_default());
            if code == "OK" {
                Ok(Accepted {
                    provider_ref: biz_id,
                })
            } else if try_again(&code) {
                Err(SendError::Throttled(why))
            } else if status.is_server_error() {
                Err(SendError::Unavailable(why))
            } else {
                Err(SendError::Refused(why))
            }
        })
    }
}

/// One delivery receipt of the service's `SmsReport` push.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Receipt {
    #[serde(default)]
    pub biz_id: String,
    #[serde(default)]
    pub out_id: String,
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub err_code: String,
    #[serde(default)]
    pub err_msg: String,
}

/// The answer the service expects to a receipt push (it reads only that `code` is a number).
pub const RECEIPT_ANSWER: &str = r#"{"code":0,"msg":"接收成功"}"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the service's documentation ("HTTP协议及签名"): these parameters, the
    /// secret `testSecret`, GET, give this signature.
    #[test]
    fn signs_the_documented_example() {
        let p: BTreeMap<&str, String> = [
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", r#"{"customer":"test"}"#),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
        let (query, signature) = sign("GET", &p, "testSecret");
        assert_eq!(signature, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        assert!(query.contains("SignName=%E9%98%BF%E9%87%8C%E4%BA%91"));
        assert!(query.contains("TemplateParam=%7B%22customer%22%3A%22test%22%7D"));
    }

    #[test]
    fn encodes_spaces_stars_and_tildes_as_the_service_does() {
        assert_eq!(percent_encode("a b*c~d+e/"), "a%20b%2Ac~d%2Be%2F");
    }

    #[test]
    fn timestamps_are_utc() {
        // 2017-07-12T02:42:19Z
        assert_eq!(timestamp(1_499_827_339_000), "2017-07-12T02:42:19Z");
    }

    #[test]
    fn flow_control_is_tried_again_and_a_bad_number_is_not() {
        assert!(try_again("isv.BUSINESS_LIMIT_CONTROL"));
        assert!(try_again("Throttling.User"));
        assert!(!try_again("isv.MOBILE_NUMBER_ILLEGAL"));
        assert!(
            try_again("SignatureDoesNotMatch"),
            "our keys: fixed by the deployment"
        );
        assert!(!try_again("isv.SMS_TEMPLATE_ILLEGAL"));
    }
}
