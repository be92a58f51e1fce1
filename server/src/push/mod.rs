//! Web Push: the VAPID key (RFC 8292), message encryption (RFC 8291, `aes128gcm`), and the
//! delivery worker that sends queued push deliveries to the push services (RFC 8030).

pub mod address;
pub mod ece;
pub mod vapid;
pub mod worker;

pub use worker::{PushConfig, PushRun, Pusher};
