//! Text messages (短信) to a phone: the adapter every sender goes through. Until a provider is
//! configured (Alibaba Cloud SMS: a later issue), the development gateway is the only one: it
//! writes each message to the server log with the number masked (the demo's one-time codes are
//! read there) and keeps the last [`KEPT`] in memory for the tests. Sending never delays the
//! answer to the request that caused it: [`send_later`] hands the message to a task, so that
//! whether a message was sent (an account exists or not) cannot be timed.

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
    pub text: String,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sms(to {})", self.to.masked())
    }
}

/// A way of sending text messages.
pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    fn send<'a>(
        &'a self,
        sms: &'a Sms,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

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
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            tracing::info!(to = %sms.to.masked(), text = %sms.text, "text message (development gateway)");
            let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            if sent.len() == KEPT {
                sent.pop_front();
            }
            sent.push_back(sms.clone());
            Ok(())
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
