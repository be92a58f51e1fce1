//! `import_enterprises`: an admin imports a CSV file of enterprises (created or updated by
//! credit code): every row is checked and nothing is written from a file with a bad row or a row
//! outside the admin's districts.

use super::outside_scope;
use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::directory,
};
use app::domain::{
    enterprise_import::parse_import,
    forms::admin::import_problems,
    policy::{decide, Action, Object},
};

/// Whether the caller may import at all (asked before the file is read, and again by the
/// action).
pub fn may_import(who: Caller<'_>) -> Result<(), AppError> {
    allow(decide(who.actor, Action::ManageDirectory, &Object::None))
}

/// `file`: the CSV file's bytes, if one was sent. Returns how many rows were written.
#[tracing::instrument(skip_all, fields(bytes = file.as_ref().map(Vec::len)))]
pub async fn import_enterprises(
    state: &AppState,
    who: Caller<'_>,
    file: Option<Vec<u8>>,
) -> Result<usize, AppError> {
    may_import(who)?;
    let t = who.lang.tr();
    let text = file
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .ok_or(AppError::BadRequest(None))?;
    let rows = parse_import(&text, who.lang).map_err(|errors| AppError::Invalid {
        message: Some(import_problems(&errors, who.lang)),
        fields: Vec::new(),
    })?;
    let outside = outside_scope(&state.db, who, &rows).await?;
    if !outside.is_empty() {
        let names: Vec<String> = outside.into_iter().collect();
        return Err(AppError::Forbidden(Some(format!(
            "{}：{}",
            t.directory_outside_scope(),
            names.join("、")
        ))));
    }
    Ok(directory::upsert(&state.db, &rows, state.clock.now_ms()).await?)
}
