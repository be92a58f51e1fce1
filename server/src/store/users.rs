//! Accounts: the `users` table, a user's grants (`user_roles`, `inspector_coverage`,
//! `mine_supervisors`, `enterprise_officers`, `admin_scopes`), their password (stored only as an
//! argon2id hash, made and checked here and nowhere else) and the reports linked to an account
//! (`account_reports`). Every change to a user writes its audit row in the same transaction;
//! disabling a user or changing a password ends sessions in it too. Reading users is
//! `app::backend::users`.

use crate::{
    error::AppError,
    store::audit::{audit_row, Entry},
};
use app::{
    backend::{auth, db::is_unique_violation, BeginWrite, Db},
    db_run,
    domain::{
        forms::account::{NewUser, MIN_PASSWORD_CHARS},
        policy::Grants,
        receipt::ReceiptCode,
    },
};
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use uuid::Uuid;

/// Why an account change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The username or the phone number (the field named) belongs to someone else.
    #[error("the {0} is taken")]
    Taken(&'static str),
    #[error("the password is too short")]
    PasswordTooShort,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("no such user")]
    NotFound,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for UserError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e, "username") {
            UserError::Taken("username")
        } else if is_unique_violation(&e, "phone") {
            UserError::Taken("phone")
        } else {
            UserError::Db(e)
        }
    }
}

/// A taken name, a wrong or short password are each desk's to word as a field message; an
/// action that lets one through unworded answers "please try again".
impl From<UserError> for AppError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::NotFound => AppError::NotFound(None),
            UserError::Db(e) => AppError::from(e),
            other => AppError::Internal(Box::new(other)),
        }
    }
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| UserError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| UserError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

/// Whether `password` is the one `hash` was made from.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of nothing anybody knows: checked when the account does not exist, so that a wrong
/// username takes as long as a wrong password.
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password nobody has").unwrap_or_default())
}

/// A random password of 16 characters from an unambiguous alphabet (about 80 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    let mut bytes = [0u8; 16];
    // No randomness from the operating system is a broken machine: better to stop than to issue
    // a guessable password.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Writes a user's grants (replacing all earlier ones) inside a transaction.
macro_rules! write_grants {
    ($tx:ident, $user:expr, $g:expr, $now:expr) => {{
        for table in [
            "user_roles",
            "inspector_coverage",
            "mine_supervisors",
            "enterprise_officers",
            "admin_scopes",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind($user)
                .execute(&mut *$tx)
                .await?;
        }
        for role in &$g.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role, granted_at) VALUES ($1, $2, $3)")
                .bind($user)
                .bind(role.as_str())
                .bind($now)
                .execute(&mut *$tx)
                .await?;
        }
        for (d, i) in &$g.coverage {
            sqlx::query(
                "INSERT INTO inspector_coverage (user_id, district_code, industry_code) VALUES ($1, $2, $3)",
            )
            .bind($user)
            .bind(d)
            .bind(i)
            .execute(&mut *$tx)
            .await?;
        }
        for e in &$g.mines {
            sqlx::query("INSERT INTO mine_supervisors (user_id, enterprise_id) VALUES ($1, $2)")
                .bind($user)
                .bind(e)
                .execute(&mut *$tx)
                .await?;
        }
        for e in &$g.enterprises {
            sqlx::query("INSERT INTO enterprise_officers (user_id, enterprise_id) VALUES ($1, $2)")
                .bind($user)
                .bind(e)
                .execute(&mut *$tx)
                .await?;
        }
        if let Some(district) = &$g.admin_of {
            sqlx::query("INSERT INTO admin_scopes (user_id, district_code) VALUES ($1, $2)")
                .bind($user)
                .bind(district)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

/// Creates an account with its grants. `by` is the admin (`None` for a worker registering, the
/// demo data and the command line).
#[tracing::instrument(skip_all, fields(by = ?by))]
pub async fn create(
    db: &Db,
    vault: &app::backend::vault::Vault,
    u: &NewUser,
    by: Option<Uuid>,
    address: &str,
    now: i64,
) -> Result<Uuid, UserError> {
    if u.password.expose().chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::PasswordTooShort);
    }
    let hash = hash_password(u.password.expose())?;
    let id = Uuid::new_v4();
    // Found by its keyed hash, shown from its sealed copy: the number is not in the database.
    let (phone, phone_sealed) = match &u.phone {
        Some(p) => {
            let key = app::backend::vault::users_key(db, vault).await?;
            (
                Some(vault.phone_hash(p.as_str())),
                Some(key.seal(&app::backend::reports::field::phone(id), p.as_str())),
            )
        }
        None => (None, None),
    };
    let entry = Entry {
        at: now,
        actor: by,
        action: "user_created",
        subject_type: Some("user"),
        subject_id: Some(id.to_string()),
        address,
        detail: serde_json::json!({
            "username": u.username,
            "phone": u.phone.is_some(),
            "grants": u.grants,
        })
        .to_string(),
    };
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, username, phone, display_name, password_hash, disabled, created_at, updated_at, password_changed_at, phone_sealed)
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6, $6, $7)",
        )
        .bind(id)
        .bind(&u.username)
        .bind(&phone)
        .bind(&u.display_name)
        .bind(&hash)
        .bind(now)
        .bind(&phone_sealed)
        .execute(&mut *tx)
        .await?;
        write_grants!(tx, id, u.grants, now);
        audit_row!(tx, &entry);
        tx.commit().await?;
    });
    Ok(id)
}

/// Replaces a user's roles and scopes (the audit row keeps them before and after).
#[tracing::instrument(skip(db, grants, address))]
pub async fn set_grants(
    db: &Db,
    user: Uuid,
    grants: &Grants,
    by: Uuid,
    address: &str,
    now: i64,
) -> Result<(), UserError> {
    let before = auth::actor(db, user).await?.map(|a| Grants::of(&a));
    let entry = Entry {
        at: now,
        actor: Some(by),
        action: "roles_changed",
        subject_type: Some("user"),
        subject_id: Some(user.to_string()),
        address,
        detail: serde_json::json!({ "before": before, "after": grants }).to_string(),
    };
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        write_grants!(tx, user, grants, now);
        sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        audit_row!(tx, &entry);
        tx.commit().await?;
    });
    Ok(())
}

/// Ends a user's sessions inside a transaction: all of them, or all but `keep` (a session id).
macro_rules! end_sessions {
    ($tx:ident, $user:expr, $keep:expr) => {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)")
            .bind($user)
            .bind($keep)
            .execute(&mut *$tx)
            .await?;
    };
}

/// Disables (ending every session) or re-enables an account.
#[tracing::instrument(skip(db, address))]
pub async fn set_disabled(
    db: &Db,
    user: Uuid,
    disabled: bool,
    by: Uuid,
    address: &str,
    now: i64,
) -> Result<(), UserError> {
    let action = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    let entry = Entry::about_user(now, Some(by), action, user, address);
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let n = sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(disabled)
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(UserError::NotFound);
        }
        if disabled {
            end_sessions!(tx, user, None::<&str>);
        }
        audit_row!(tx, &entry);
        tx.commit().await?;
    });
    Ok(())
}

/// Changes one's own password (the current one is needed) and ends every session but
/// `keep_session` (a token).
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn change_password(
    db: &Db,
    user: Uuid,
    current: &str,
    new: &str,
    keep_session: &str,
    address: &str,
    now: i64,
) -> Result<(), UserError> {
    let hash: Option<Option<String>> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE id = $1"
    )
    .bind(user)
    .fetch_optional(pool)
    .await)?;
    let Some(hash) = hash else {
        return Err(UserError::NotFound);
    };
    if !hash.as_deref().is_some_and(|h| verify_password(current, h)) {
        return Err(UserError::WrongPassword);
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::PasswordTooShort);
    }
    let keep = auth::token_id(keep_session);
    store_password(db, user, new, Some(&keep), "password_changed", address, now).await
}

/// Writes a new password hash and ends the user's sessions (all but `keep`, a session id), with
/// its audit row, in one transaction.
async fn store_password(
    db: &Db,
    user: Uuid,
    new: &str,
    keep: Option<&str>,
    action: &'static str,
    address: &str,
    now: i64,
) -> Result<(), UserError> {
    let new_hash = hash_password(new)?;
    let entry = Entry::about_user(now, Some(user), action, user, address);
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(&new_hash)
        .bind(now)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        end_sessions!(tx, user, keep);
        audit_row!(tx, &entry);
        tx.commit().await?;
    });
    Ok(())
}

/// Sets a new password for the account of a phone number (who proved they hold it), ending every
/// session of it. `None`: no account has this number.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    db: &Db,
    vault: &app::backend::vault::Vault,
    phone: &app::domain::phone::PhoneNumber,
    new: &str,
    address: &str,
    now: i64,
) -> Result<Option<Uuid>, UserError> {
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::PasswordTooShort);
    }
    let Some(user) = app::backend::users::id_by_phone(db, vault, phone).await? else {
        return Ok(None);
    };
    store_password(db, user, new, None, "password_reset", address, now).await?;
    Ok(Some(user))
}

/// Links a report to a worker's account (they hold its receipt code). Returns whether a report
/// was found. After linking, the union can see this account reported it; the enterprise never.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn link_receipt(
    db: &Db,
    keys: &app::backend::receipts::ReceiptKeys,
    user: Uuid,
    code: &ReceiptCode,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let report = app::backend::reports::id_by_code(db, keys, code).await?;
    let Some(report) = report else {
        return Ok(false);
    };
    db_run!(db, |pool| sqlx::query(
        "INSERT INTO account_reports (user_id, report_id, linked_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, report_id) DO NOTHING"
    )
    .bind(user)
    .bind(report)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn random_passwords_are_long_and_differ() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.chars().count(), 16);
        assert!(a.chars().count() >= MIN_PASSWORD_CHARS);
        assert_ne!(a, b);
    }
}
