//! The photo sweep: files go into the store before the transaction that names them commits, and
//! nothing on a request's path deletes one (a failed request could otherwise delete the file a
//! concurrent request with the same bytes just committed). Instead, this sweep removes the
//! stored files no row names and the temporary files a crash left, once each is older than
//! [`SWEEP_GRACE`] (a file is made fresh again each time a request stores the same bytes). It
//! runs when a server with jobs starts and every [`SWEEP_EVERY`], and logs what it removed.

use crate::{error::AppError, photos::store::Listed, state::AppState};
use std::time::{Duration, SystemTime};

/// How old an unnamed file must be before the sweep removes it: far longer than any request.
pub const SWEEP_GRACE: Duration = Duration::from_secs(3600);
/// How often a server with jobs sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// What one sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Stored files no row named.
    pub files: Vec<String>,
    /// Temporary files a crash left.
    pub temporary: Vec<String>,
}

/// Removes what no row names and was last written before `cutoff`.
#[tracing::instrument(skip_all)]
pub async fn run(state: &AppState, cutoff: SystemTime) -> Result<Swept, AppError> {
    let store = state.store.clone();
    let listed = tokio::task::spawn_blocking(move || store.list())
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    // Read after the listing: a row committed in between names a file listed as unnamed only
    // if its request stored it before the listing, and then the file is fresh (below).
    let named = crate::store::photos::referenced_keys(&state.db).await?;
    let store = state.store.clone();
    let swept = tokio::task::spawn_blocking(move || {
        let mut swept = Swept::default();
        for entry in listed {
            match entry {
                Listed::File { key, modified } if modified < cutoff && !named.contains(&key) => {
                    // Not if it was stored again since the listing: a request is naming it.
                    match store.delete_if_older(&key, cutoff) {
                        Ok(true) => swept.files.push(key),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(key, error = %e, "the sweep could not remove a file"),
                    }
                }
                Listed::Temporary { name, modified } if modified < cutoff => {
                    match store.remove_temporary(&name) {
                        Ok(()) => swept.temporary.push(name),
                        Err(e) => tracing::warn!(name, error = %e, "the sweep could not remove a temporary file"),
                    }
                }
                _ => {}
            }
        }
        swept
    })
    .await
    .map_err(AppError::internal)?;
    if !swept.files.is_empty() || !swept.temporary.is_empty() {
        tracing::info!(
            files = swept.files.len(),
            temporary = swept.temporary.len(),
            removed = ?swept.files,
            "photo sweep removed files no row names"
        );
    }
    Ok(swept)
}

/// A sweep with the usual grace period, as the job runs it.
pub async fn run_now(state: &AppState) -> Result<Swept, AppError> {
    run(
        state,
        SystemTime::now()
            .checked_sub(SWEEP_GRACE)
            .unwrap_or(SystemTime::UNIX_EPOCH),
    )
    .await
}
