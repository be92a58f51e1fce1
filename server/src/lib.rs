//! The SafeSnap server as a library: `main.rs` runs it, the end-to-end tests spawn it.

pub mod actions;
pub mod alerts;
pub mod api;
pub mod assets;
pub mod config;
pub mod error;
pub mod limits;
pub mod photos;
pub mod push;
pub mod request;
pub mod routes;
pub mod security;
pub mod seed;
pub mod sms;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

pub use error::AppError;
pub use startup::{Application, StartupError};
pub use state::AppState;

/// Fills `{state}` in a message with the state's label.
pub fn i18n_fill(
    template: &str,
    state: app::domain::report::ReportState,
    lang: app::i18n::Lang,
) -> String {
    app::i18n::fill(template, &[("state", &state.label(lang.tr()))])
}
