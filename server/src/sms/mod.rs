//! Text messages (短信) to a phone: the adapter every sender goes through ([`SmsGateway`]).
//! Two gateways: the development one (no provider configured) writes each message to the server
//! log with the number masked (the demo's one-time codes are read there) and keeps the last
//! [`KEPT`] in memory for the tests; [`aliyun::AliyunSms`] sends through Alibaba Cloud SMS
//! (`SendSms`, signed as its documentation says). Another provider (Tencent Cloud SMS, …) is one
//! more implementation of the trait.
//!
//! A message names a template ([`Sms::template`]) with its parameters, as Chinese providers
//! require (each template's wording is approved beforehand, under the deployment's sign name),
//! and carries the same text rendered for the log. One-time codes go out at once in the
//! background ([`send_later`]: whether a message was sent cannot be timed); notices go through
//! the `deliveries` table and [`worker`], with retries and delivery receipts.

pub mod aliyun;
pub mod channels;
pub mod worker;

use app::domain::phone::PhoneNumber;
use std::{
    collections::VecDeque,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
};

/// Messages the development gateway keeps in memory.
pub const KEPT: usize = 200;

/// One message.
#[derive(Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: PhoneNumber,
    /// The template's name here (`register_code`, `urgent`, …); the provider's code for it is
    /// configured ([`channels::Templates`]).
    pub template: &'static str,
    /// The template's parameters, in order.
    pub params: Vec<(&'static str, String)>,
    /// The whole text as the phone shows it (the development gateway's log and memory).
    pub text: String,
    /// Our name for the message, which the provider's delivery receipt repeats (the delivery's
    /// id), when there is one.
    pub out_id: Option<String>,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sms({} to {})", self.template, self.to.masked())
    }
}

/// The provider took the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id of the message (Alibaba Cloud's `BizId`).
    pub provider_ref: Option<String>,
}

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The provider's flow control: try again later.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The provider cannot be reached or failed on its side: try again later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The provider refused this message (a bad number, a template not approved, wrong keys):
    /// trying again will not help.
    #[error("refused: {0}")]
    Refused(String),
}

/// A way of sending text messages.
pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    fn send<'a>(
        &'a self,
        sms: &'a Sms,
    ) -> Pin<Box<dyn Future<Output = Result<Accepted, SendError>> + Send + 'a>>;

    /// The development gateway, to read what it sent (the tests).
    fn as_dev(&self) -> Option<&DevGateway> {
        None
    }
}

/// The development gateway: the log (number masked), and memory.
#[derive(Debug, Default)]
pub struct DevGateway {
    sent: Mutex<VecDeque<Sms>>,
}

impl DevGateway {
    /// The messages sent to a number, oldest first.
    pub fn sent_to(&self, to: &str) -> Vec<String> {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|m| m.to.as_str() == to)
            .map(|m| m.text.clone())
            .collect()
    }
}

impl SmsGateway for DevGateway {
    fn send<'a>(
        &'a self,
        sms: &'a Sms,
    ) -> Pin<Box<dyn Future<Output = Result<Accepted, SendError>> + Send + 'a>> {
        Box::pin(async move {
            tracing::info!(to = %sms.to.masked(), text = %sms.text, "text message (development gateway)");
            let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            if sent.len() == KEPT {
                sent.pop_front();
            }
            sent.push_back(sms.clone());
            Ok(Accepted::default())
        })
    }

    fn as_dev(&self) -> Option<&DevGateway> {
        Some(self)
    }
}

/// Sends in the background (a failure is logged with the number masked).
pub fn send_later(gateway: Arc<dyn SmsGateway>, sms: Sms) {
    tokio::spawn(async move {
        if let Err(e) = gateway.send(&sms).await {
            tracing::warn!(to = %sms.to.masked(), error = %e, "text message not sent");
        }
    });
}
