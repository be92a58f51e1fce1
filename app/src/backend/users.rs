//! Users as union admins manage them, and each person's own account: creating, granting roles
//! with their scopes, disabling (which ends their sessions), registering as a worker, changing
//! one's password, linking receipts. Every change is in the audit log.

use super::{audit, auth, BeginWrite, Db};
pub use crate::views::{Account, UserSummary};
use crate::{
    db_run,
    domain::{
        phone::{mask, PhoneNumber},
        policy::{Grants, Role, UserFacts},
    },
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// A new account.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub display_name: String,
    pub password: String,
    pub grants: Grants,
}

/// Why an account change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum UserError {
    /// The username or phone is taken (field name).
    Taken(&'static str),
    PasswordTooShort,
    WrongPassword,
    NotFound,
    Internal(String),
}

impl From<sqlx::Error> for UserError {
    fn from(e: sqlx::Error) -> Self {
        if super::db::is_unique_violation(&e, "username") {
            UserError::Taken("username")
        } else if super::db::is_unique_violation(&e, "phone") {
            UserError::Taken("phone")
        } else {
            UserError::Internal(e.to_string())
        }
    }
}

/// Writes a user's grants (replacing all earlier ones) inside a transaction.
macro_rules! write_grants {
    ($tx:expr, $user:expr, $g:expr, $now:expr) => {{
        for table in ["user_roles", "inspector_coverage", "mine_supervisors", "enterprise_officers", "admin_scopes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1")).bind($user).execute(&mut *$tx).await?;
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
            sqlx::query("INSERT INTO inspector_coverage (user_id, district_code, industry_code) VALUES ($1, $2, $3)")
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

/// Creates an account with its grants. `by` is the admin (or `None` for the command line).
pub async fn create(
    db: &Db,
    u: &NewUser,
    by: Option<Uuid>,
    address: &str,
    now: i64,
) -> Result<Uuid, UserError> {
    if u.password.chars().count() < auth::MIN_PASSWORD_CHARS {
        return Err(UserError::PasswordTooShort);
    }
    let hash = auth::hash_password(&u.password).map_err(UserError::Internal)?;
    let id = Uuid::now_v7();
    let phone = u.phone.as_ref().map(|p| p.as_str().to_string());
    let detail = serde_json::json!({
        "username": u.username,
        "phone": u.phone.as_ref().map(|p| p.masked()),
        "grants": u.grants,
    })
    .to_string();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, username, phone, display_name, password_hash, disabled, created_at, updated_at, password_changed_at)
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6, $6)",
        )
        .bind(id)
        .bind(&u.username)
        .bind(&phone)
        .bind(&u.display_name)
        .bind(&hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        write_grants!(tx, id, u.grants, now);
        sqlx::query(audit::INSERT)
            .bind(Uuid::now_v7())
            .bind(now)
            .bind(by)
            .bind("user_created")
            .bind("user")
            .bind(id.to_string())
            .bind(address)
            .bind(&detail)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(id)
}

/// Replaces a user's roles and scopes.
pub async fn set_grants(
    db: &Db,
    user: Uuid,
    grants: &Grants,
    by: Uuid,
    address: &str,
    now: i64,
) -> Result<(), UserError> {
    let before = super::auth::actor(db, user).await?.map(|a| Grants::of(&a));
    let detail = serde_json::json!({ "before": before, "after": grants }).to_string();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        write_grants!(tx, user, grants, now);
        sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query(audit::INSERT)
            .bind(Uuid::now_v7())
            .bind(now)
            .bind(by)
            .bind("roles_changed")
            .bind("user")
            .bind(user.to_string())
            .bind(address)
            .bind(&detail)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// Disables (ending every session) or re-enables an account.
pub async fn set_disabled(
    db: &Db,
    user: Uuid,
    disabled: bool,
    by: Uuid,
    address: &str,
    now: i64,
) -> Result<(), UserError> {
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
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(audit::INSERT)
            .bind(Uuid::now_v7())
            .bind(now)
            .bind(by)
            .bind(if disabled {
                "user_disabled"
            } else {
                "user_enabled"
            })
            .bind("user")
            .bind(user.to_string())
            .bind(address)
            .bind("{}")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// Changes one's own password (the current one is needed) and ends every other session.
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
    if !hash
        .as_deref()
        .is_some_and(|h| auth::verify_password(current, h))
    {
        return Err(UserError::WrongPassword);
    }
    if new.chars().count() < auth::MIN_PASSWORD_CHARS {
        return Err(UserError::PasswordTooShort);
    }
    let new_hash = auth::hash_password(new).map_err(UserError::Internal)?;
    let keep = auth::token_id(keep_session);
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3")
            .bind(&new_hash)
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user)
            .bind(&keep)
            .execute(&mut *tx)
            .await?;
        sqlx::query(audit::INSERT)
            .bind(Uuid::now_v7())
            .bind(now)
            .bind(user)
            .bind("password_changed")
            .bind("user")
            .bind(user.to_string())
            .bind(address)
            .bind("{}")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// A worker registers with a phone number and a password.
pub async fn register_worker(
    db: &Db,
    phone: &PhoneNumber,
    name: &str,
    password: &str,
    address: &str,
    now: i64,
) -> Result<Uuid, UserError> {
    let display_name = if name.trim().is_empty() {
        phone.masked()
    } else {
        name.trim().to_string()
    };
    let new = NewUser {
        username: None,
        phone: Some(phone.clone()),
        display_name,
        password: password.to_string(),
        grants: Grants {
            roles: [Role::Worker].into(),
            ..Grants::default()
        },
    };
    create(db, &new, None, address, now).await
}

/// Every user with their grants (the caller filters by the policy).
pub async fn all(db: &Db) -> Result<Vec<UserSummary>, sqlx::Error> {
    summaries(db, None).await
}

/// One user with their grants (disabled or not).
pub async fn one(db: &Db, id: Uuid) -> Result<Option<UserSummary>, sqlx::Error> {
    Ok(summaries(db, Some(id)).await?.pop())
}

async fn summaries(db: &Db, only: Option<Uuid>) -> Result<Vec<UserSummary>, sqlx::Error> {
    // `only` narrows every query to one user; the bind is skipped when there is no filter.
    let (users_where, grants_where) = match only {
        Some(_) => (" WHERE id = $1", " WHERE user_id = $1"),
        None => ("", ""),
    };
    macro_rules! fetch {
        ($sql:expr) => {{
            let sql = $sql;
            db_run!(db, |pool| {
                let q = sqlx::query_as(&sql);
                match only {
                    Some(id) => q.bind(id).fetch_all(pool).await,
                    None => q.fetch_all(pool).await,
                }
            })?
        }};
    }
    let rows: Vec<(Uuid, Option<String>, Option<String>, String, bool)> = fetch!(format!(
        "SELECT id, username, phone, display_name, disabled FROM users{users_where} ORDER BY display_name, id"
    ));
    let mut grants: BTreeMap<Uuid, Grants> = BTreeMap::new();
    let roles: Vec<(Uuid, String)> = fetch!(format!(
        "SELECT user_id, role FROM user_roles{grants_where}"
    ));
    for (u, r) in roles {
        if let Some(r) = Role::parse(&r) {
            grants.entry(u).or_default().roles.insert(r);
        }
    }
    let coverage: Vec<(Uuid, String, String)> = fetch!(format!(
        "SELECT user_id, district_code, industry_code FROM inspector_coverage{grants_where}"
    ));
    for (u, d, i) in coverage {
        grants.entry(u).or_default().coverage.insert((d, i));
    }
    let mines: Vec<(Uuid, Uuid)> = fetch!(format!(
        "SELECT user_id, enterprise_id FROM mine_supervisors{grants_where}"
    ));
    for (u, e) in mines {
        grants.entry(u).or_default().mines.insert(e);
    }
    let officers: Vec<(Uuid, Uuid)> = fetch!(format!(
        "SELECT user_id, enterprise_id FROM enterprise_officers{grants_where}"
    ));
    for (u, e) in officers {
        grants.entry(u).or_default().enterprises.insert(e);
    }
    let admins: Vec<(Uuid, Option<String>)> = fetch!(format!(
        "SELECT user_id, district_code FROM admin_scopes{grants_where}"
    ));
    for (u, d) in admins {
        grants.entry(u).or_default().admin_of = Some(d);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, username, phone, display_name, disabled)| UserSummary {
                id,
                username,
                phone_masked: phone.as_deref().map(mask),
                display_name,
                disabled,
                grants: grants.remove(&id).unwrap_or_default(),
            },
        )
        .collect())
}

/// The district of each enterprise (to place officers and supervisors).
pub async fn enterprise_districts(
    db: &Db,
    ids: &BTreeSet<Uuid>,
) -> Result<BTreeMap<Uuid, String>, sqlx::Error> {
    let mut out = BTreeMap::new();
    for id in ids {
        let d: Option<String> = db_run!(db, |pool| sqlx::query_scalar(
            "SELECT district_code FROM enterprises WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        if let Some(d) = d {
            out.insert(*id, d);
        }
    }
    Ok(out)
}

/// What the policy needs to know to decide who may manage this user (or these grants).
pub async fn facts(db: &Db, id: Uuid, grants: &Grants) -> Result<UserFacts, sqlx::Error> {
    let ids: BTreeSet<Uuid> = grants
        .mines
        .iter()
        .chain(grants.enterprises.iter())
        .copied()
        .collect();
    let places = enterprise_districts(db, &ids).await?;
    Ok(UserFacts {
        id,
        roles: grants.roles.clone(),
        districts: grants.districts(|e| places.get(&e).cloned()),
        city_admin: grants.roles.contains(&Role::UnionAdmin) && grants.admin_of == Some(None),
    })
}

pub async fn account(db: &Db, user: Uuid) -> Result<Option<Account>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>, String)> =
        db_run!(db, |pool| sqlx::query_as(
            "SELECT username, phone, display_name FROM users WHERE id = $1"
        )
        .bind(user)
        .fetch_optional(pool)
        .await)?;
    let Some((username, phone, display_name)) = row else {
        return Ok(None);
    };
    let grants = auth::actor(db, user)
        .await?
        .map(|a| Grants::of(&a))
        .unwrap_or_default();
    let mut enterprise_names = BTreeMap::new();
    for id in grants.mines.iter().chain(grants.enterprises.iter()) {
        let name: Option<String> = db_run!(db, |pool| sqlx::query_scalar(
            "SELECT name FROM enterprises WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        if let Some(n) = name {
            enterprise_names.insert(*id, n);
        }
    }
    let sessions = auth::sessions_of(db, user).await?;
    Ok(Some(Account {
        id: user,
        username,
        phone_masked: phone.as_deref().map(mask),
        display_name,
        grants,
        enterprise_names,
        sessions,
    }))
}

/// Links a report to a worker's account (they hold its receipt code). Returns whether a report
/// was found. After linking, the union can see this account reported it; the enterprise never.
pub async fn link_receipt(
    db: &Db,
    user: Uuid,
    code: &crate::domain::receipt::ReceiptCode,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let report: Option<Uuid> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM reports WHERE receipt_code = $1"
    )
    .bind(code.as_str())
    .fetch_optional(pool)
    .await)?;
    let Some(report) = report else {
        return Ok(false);
    };
    db_run!(db, |pool| {
        sqlx::query(
        "INSERT INTO account_reports (user_id, report_id, linked_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, report_id) DO NOTHING"
    )
    .bind(user)
    .bind(report)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    Ok(true)
}

/// The receipt codes (`XXXX-XXXX-XXX`) of reports linked to an account, with category and
/// submission time, newest first.
pub async fn linked_receipts(
    db: &Db,
    user: Uuid,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT r.receipt_code, r.category, r.created_at FROM account_reports a JOIN reports r ON r.id = a.report_id
         WHERE a.user_id = $1 ORDER BY r.created_at DESC"
    )
    .bind(user)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(code, category, at)| {
            let shown = crate::domain::receipt::ReceiptCode::parse(&code)
                .map(|c| c.display())
                .unwrap_or(code);
            (shown, category, at)
        })
        .collect())
}
