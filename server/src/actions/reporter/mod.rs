//! The reporter's steps, by receipt code (no account needed): confirm or dispute a verified fix,
//! and write to the union. The enterprise never sees any of it.

mod confirm;
mod dispute;
mod message;

pub use confirm::confirm;
pub use dispute::dispute;
pub use message::message;

use crate::error::AppError;
use app::{
    backend::reports,
    domain::receipt::ReceiptCode,
    i18n::{Lang, Localize},
};
use uuid::Uuid;

/// The report a typed receipt code names (a malformed code says what is wrong with it).
async fn report_of(
    state: &crate::state::AppState,
    typed: &str,
    lang: Lang,
) -> Result<Uuid, AppError> {
    let code = ReceiptCode::parse(typed).map_err(|e| AppError::Invalid {
        message: Some(e.localize(lang)),
        fields: Vec::new(),
    })?;
    reports::id_by_code(&state.db, &state.receipts, &code)
        .await?
        .ok_or(AppError::NotFound(None))
}
