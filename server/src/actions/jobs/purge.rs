//! Retention: `retention_ms` after a report closes, the reporter's identity (their sealed name
//! and phone, the link to their account), the photo evidence (EXIF time and GPS, what the phone
//! read, the hashes) and the original files are deleted; the stripped display copies, the
//! notice, the rectification and the timeline stay, with a tombstone entry the reporter reads
//! too. Rows go in the step's transaction; the files after it, each only when no other evidence
//! names it (files are content-addressed).

use super::{RunReport, BATCH};
use crate::{
    actions::rec,
    error::AppError,
    state::AppState,
    store::steps::{self, By, Extra, Step, Visibility},
};
use app::{domain::workflow::Party, i18n::Lang};

pub(super) async fn run(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), AppError> {
    let Some(keep) = state.retention_ms else {
        return Ok(());
    };
    for id in steps::purgeable(&state.db, now - keep, BATCH).await? {
        let originals = steps::original_keys(&state.db, id).await?;
        let step = Step::new(id, "purge", By::Party(Party::System), None)
            .entry(rec().jobs_purged().to_string(), Visibility::Reporter)
            .extra(Extra::Purge);
        match steps::record(&state.db, &step, now, Lang::ZhCn).await {
            Ok(_) => {}
            // Another process purged it in the meantime.
            Err(AppError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        }
        for key in originals {
            if !steps::original_in_use(&state.db, &key).await? {
                if let Err(e) = state.store.delete(&key) {
                    tracing::warn!(error = %e, "an original photo could not be deleted");
                }
            }
        }
        out.purged.push(id);
    }
    Ok(())
}
