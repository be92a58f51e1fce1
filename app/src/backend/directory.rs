//! Reading the enterprise directory: search for the report form, resolving what a worker typed
//! to exactly one enterprise, the admin's lists, and looking enterprises up by credit code.
//! Writing it is `server::store::directory`.

use super::Db;
pub use crate::views::EnterpriseRecord;
use crate::{db_run, domain::Uscc, views::EnterpriseHit};
use uuid::Uuid;

/// How many hits the search returns.
pub const SEARCH_LIMIT: i64 = 10;

type HitRow = (Uuid, String, String, String, String, bool);

fn hit((id, name, uscc, district_code, industry_code, is_coal_mine): HitRow) -> EnterpriseHit {
    EnterpriseHit {
        id,
        name,
        uscc,
        district_code,
        industry_code,
        is_coal_mine,
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Enterprises whose name contains `q`, or whose USCC starts with it (case-insensitive).
pub async fn search(db: &Db, q: &str) -> Result<Vec<EnterpriseHit>, sqlx::Error> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let name_pattern = format!("%{}%", like_escape(q));
    let uscc_pattern = format!("{}%", like_escape(&q.to_ascii_uppercase()));
    let sql = "SELECT id, name, uscc, district_code, industry_code, is_coal_mine FROM enterprises
               WHERE name LIKE $1 ESCAPE '\\' OR uscc LIKE $2 ESCAPE '\\'
               ORDER BY length(name), name LIMIT $3";
    let rows: Vec<HitRow> = db_run!(db, |pool| sqlx::query_as(sql)
        .bind(&name_pattern)
        .bind(&uscc_pattern)
        .bind(SEARCH_LIMIT)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(hit).collect())
}

/// One enterprise by id.
pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<EnterpriseHit>, sqlx::Error> {
    let sql = "SELECT id, name, uscc, district_code, industry_code, is_coal_mine FROM enterprises WHERE id = $1";
    let row: Option<HitRow> = db_run!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(hit))
}

/// What a typed name or code resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    One(EnterpriseHit),
    None,
    Many(Vec<EnterpriseHit>),
}

impl Resolved {
    /// The one enterprise, or the `enterprise` field's error: none, or more than one, matched.
    pub fn one(
        self,
        lang: crate::i18n::Lang,
    ) -> Result<EnterpriseHit, crate::domain::report::FieldError> {
        let t = lang.tr();
        match self {
            Resolved::One(e) => Ok(e),
            Resolved::None => Err(crate::domain::report::FieldError::new(
                "enterprise",
                t.field_enterprise_not_found(),
            )),
            Resolved::Many(_) => Err(crate::domain::report::FieldError::new(
                "enterprise",
                t.field_enterprise_ambiguous(),
            )),
        }
    }
}

/// A valid USCC, an exact name, or a name fragment that matches exactly one enterprise.
pub async fn resolve(db: &Db, typed: &str) -> Result<Resolved, sqlx::Error> {
    let typed = typed.trim();
    if let Ok(uscc) = Uscc::parse(typed) {
        let sql = "SELECT id, name, uscc, district_code, industry_code, is_coal_mine FROM enterprises WHERE uscc = $1";
        let row: Option<HitRow> = db_run!(db, |pool| sqlx::query_as(sql)
            .bind(uscc.as_str())
            .fetch_optional(pool)
            .await)?;
        return Ok(row.map(hit).map(Resolved::One).unwrap_or(Resolved::None));
    }
    let hits = search(db, typed).await?;
    if let Some(exact) = hits.iter().find(|h| h.name == typed) {
        return Ok(Resolved::One(exact.clone()));
    }
    let mut hits = hits;
    Ok(match hits.len() {
        0 => Resolved::None,
        1 => Resolved::One(hits.remove(0)),
        _ => Resolved::Many(hits),
    })
}

type RecordRow = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
    Option<Uuid>,
);

fn record(r: RecordRow) -> EnterpriseRecord {
    EnterpriseRecord {
        id: r.0,
        name: r.1,
        uscc: r.2,
        district_code: r.3,
        industry_code: r.4,
        address: r.5,
        is_coal_mine: r.6,
        has_outdoor_work: r.7,
        designated_inspector_id: r.8,
    }
}

const RECORD_COLUMNS: &str =
    "id, name, uscc, district_code, industry_code, address, is_coal_mine, has_outdoor_work, designated_inspector_id";

pub async fn record_by_id(db: &Db, id: Uuid) -> Result<Option<EnterpriseRecord>, sqlx::Error> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM enterprises WHERE id = $1");
    let row: Option<RecordRow> = db_run!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(record))
}

/// Enterprises of a district (or all), by name, keyset-paginated on (name, id).
pub async fn list(
    db: &Db,
    district: Option<&str>,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> Result<Vec<EnterpriseRecord>, sqlx::Error> {
    let (after_name, after_id) = after.unwrap_or_default();
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM enterprises
         WHERE ($1 IS NULL OR district_code = $1) AND (name, id) > ($2, $3)
         ORDER BY name, id LIMIT $4"
    );
    let rows: Vec<RecordRow> = db_run!(db, |pool| sqlx::query_as(&sql)
        .bind(district)
        .bind(after_name)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(record).collect())
}

/// Enterprises by USCC (for the user form's scope lists).
pub async fn ids_by_uscc(
    db: &Db,
    codes: &[String],
) -> Result<Vec<(String, Option<Uuid>)>, sqlx::Error> {
    let mut out = Vec::new();
    for c in codes {
        let id: Option<Uuid> = match Uscc::parse(c) {
            Ok(u) => db_run!(db, |pool| sqlx::query_scalar(
                "SELECT id FROM enterprises WHERE uscc = $1"
            )
            .bind(u.as_str())
            .fetch_optional(pool)
            .await)?,
            Err(_) => None,
        };
        out.push((c.clone(), id));
    }
    Ok(out)
}

/// USCCs of enterprises by id (to show scope lists).
pub async fn usccs(db: &Db, ids: &[Uuid]) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for id in ids {
        let row: Option<(String, String)> = db_run!(db, |pool| sqlx::query_as(
            "SELECT uscc, name FROM enterprises WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        if let Some((uscc, name)) = row {
            out.push((*id, uscc, name));
        }
    }
    Ok(out)
}

/// Where the enterprises already holding these credit codes are: (code, district). A row that
/// would overwrite one of them must be in the admin's scope on both sides.
pub async fn districts_by_uscc(
    db: &Db,
    codes: &[&str],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for c in codes {
        let d: Option<String> = db_run!(db, |pool| sqlx::query_scalar(
            "SELECT district_code FROM enterprises WHERE uscc = $1"
        )
        .bind(*c)
        .fetch_optional(pool)
        .await)?;
        if let Some(d) = d {
            out.push((c.to_string(), d));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::like_escape;

    #[test]
    fn like_wildcards_in_what_people_type_are_literal() {
        assert_eq!(like_escape("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}
