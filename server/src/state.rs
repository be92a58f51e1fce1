//! What every handler, action and server function shares: the database, the photo store and
//! pipeline, the rate limiter, the clock, the keys and the city's rules. Built once by
//! [`crate::startup::Application::build`].

use crate::{
    assets::SiteAssets,
    photos::{store::PhotoStore, Pipeline},
};
use app::{
    backend::{clock::SharedClock, cursor::CursorKey, ratelimit::RateLimiter, Db},
    domain::{deadlines::Deadlines, heat::CityRules},
};
use axum::extract::FromRef;
use leptos::{config::LeptosOptions, prelude::provide_context};
use std::{path::PathBuf, sync::Arc};

/// Shared by every handler and server function.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Leptos options as built (site root, output name).
    pub leptos: LeptosOptions,
    /// The same, with `site_pkg_dir` pointing at the hashed `pkg/<build>` URLs pages link.
    pub page_options: LeptosOptions,
    pub db: Db,
    pub assets: Arc<SiteAssets>,
    pub photo_dir: PathBuf,
    pub secret_key: Arc<Vec<u8>>,
    pub store: Arc<dyn PhotoStore>,
    pub photos: Pipeline,
    /// The places for large request bodies and the request limits (`crate::limits`).
    pub uploads: crate::limits::Uploads,
    pub limiter: Arc<RateLimiter>,
    pub clock: SharedClock,
    /// The master keys: open each report's data key (and the accounts' phone numbers).
    pub vault: Arc<app::backend::vault::Vault>,
    /// Keys what a submission carried (`reports.fingerprint`).
    pub fingerprints: app::backend::keyed::KeyedHash,
    /// Seals the queues' page cursors.
    pub cursor_key: CursorKey,
    /// Keep receipt codes as keyed hashes (and sealed) in the database.
    pub receipts: app::backend::receipts::ReceiptKeys,
    /// Names the sign-in failure counters and the known-device cookie.
    pub sign_in: crate::store::sessions::SignInKeys,
    pub deadlines: Deadlines,
    /// How long after closing a report's identity and evidence are kept (`None`: for ever).
    pub retention_ms: Option<i64>,
    /// Mark cookies `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The city's heat and cold rules.
    pub heat_rules: Arc<CityRules>,
    /// CAP `sender` of the alerts issued here, and the name shown as `senderName`.
    pub alert_sender: String,
    pub alert_sender_name: String,
    /// Sends text messages (the development gateway until a provider is configured).
    pub sms: Arc<dyn crate::sms::SmsGateway>,
    /// Sends queued text-message deliveries (its worker runs with the background jobs).
    pub sms_worker: Arc<crate::sms::worker::SmsWorker>,
    /// The secret last part of the SMS provider's delivery-receipt address (`None`: no receipts).
    pub sms_receipt_token: Option<String>,
    /// Sends queued Web Push deliveries (its worker runs with the background jobs).
    pub pusher: Arc<crate::push::Pusher>,
    /// Accept `http://` push endpoints (a push service on the local network, for tests).
    pub push_allow_http: bool,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// What server functions and pages can `use_context` for.
    pub fn provide_contexts(&self) {
        provide_context(self.db.clone());
        provide_context(self.limiter.clone());
        provide_context(self.cursor_key.clone());
        provide_context(self.receipts.clone());
        provide_context(self.vault.clone());
        provide_context(self.clock.clone());
        provide_context(self.deadlines);
        provide_context((*self.heat_rules).clone());
    }
}
