//! Reading users: as union admins manage them (with their grants, and the facts the policy
//! needs to say who may manage whom), and each person's own account with its sessions and linked
//! reports. Every change to a user is `server::store::users`.

use super::{
    auth,
    reports::field,
    vault::{DataKey, Vault},
    Db,
};
pub use crate::views::{Account, UserSummary};
use crate::{
    db_run,
    domain::{
        phone::mask,
        policy::{Grants, Role, UserFacts},
    },
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Every user with their grants (the caller filters by the policy).
pub async fn all(db: &Db, vault: &Vault) -> Result<Vec<UserSummary>, sqlx::Error> {
    summaries(db, vault, None).await
}

/// One user with their grants (disabled or not).
pub async fn one(db: &Db, vault: &Vault, id: Uuid) -> Result<Option<UserSummary>, sqlx::Error> {
    Ok(summaries(db, vault, Some(id)).await?.pop())
}

/// An account's phone number, masked for display (`138****5678`): opened from `phone_sealed`.
fn masked_phone(key: &DataKey, user: Uuid, sealed: Option<&str>) -> Option<String> {
    sealed
        .and_then(|s| key.open(&field::phone(user), s))
        .map(|p| mask(&p))
}

async fn summaries(
    db: &Db,
    vault: &Vault,
    only: Option<Uuid>,
) -> Result<Vec<UserSummary>, sqlx::Error> {
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
        "SELECT id, username, phone_sealed, display_name, disabled FROM users{users_where} ORDER BY display_name, id"
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
    let key = super::vault::users_key(db, vault).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, username, phone, display_name, disabled)| UserSummary {
                id,
                username,
                phone_masked: masked_phone(&key, id, phone.as_deref()),
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

pub async fn account(db: &Db, vault: &Vault, user: Uuid) -> Result<Option<Account>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>, String)> =
        db_run!(db, |pool| sqlx::query_as(
            "SELECT username, phone_sealed, display_name FROM users WHERE id = $1"
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
        phone_masked: masked_phone(
            &super::vault::users_key(db, vault).await?,
            user,
            phone.as_deref(),
        ),
        display_name,
        grants,
        enterprise_names,
        sessions,
    }))
}

/// The account a phone number signs in to, if any (found by the number's keyed hash).
pub async fn id_by_phone(
    db: &Db,
    vault: &Vault,
    phone: &crate::domain::phone::PhoneNumber,
) -> Result<Option<Uuid>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE phone = $1"
    )
    .bind(vault.phone_hash(phone.as_str()))
    .fetch_optional(pool)
    .await)
}

/// The receipt codes (`XXXX-XXXX-XXX`) of reports linked to an account, with category and
/// submission time, newest first.
pub async fn linked_receipts(
    db: &Db,
    keys: &super::receipts::ReceiptKeys,
    user: Uuid,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows: Vec<(Option<String>, String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT r.receipt_sealed, r.category, r.created_at FROM account_reports a JOIN reports r ON r.id = a.report_id
         WHERE a.user_id = $1 ORDER BY r.created_at DESC"
    )
    .bind(user)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(sealed, category, at)| {
            let code = keys.open(sealed.as_deref()?)?;
            Some((code.display(), category, at))
        })
        .collect())
}
