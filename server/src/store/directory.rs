//! The enterprise directory: the `enterprises` table (created or updated by credit code, one
//! form or a whole CSV import in one transaction; edited by id with its designated inspector).
//! Searching and listing it is `app::backend::directory`.

use app::{
    backend::{BeginWrite, Db},
    db_run,
    domain::enterprise_import::EnterpriseInput,
};
use sqlx::query::Query;
use uuid::Uuid;

/// Binds an enterprise's columns in the order both writes name them: name, credit code,
/// district, industry, address, coal mine, outdoor work.
fn bind_columns<'q, DB: sqlx::Database>(
    query: Query<'q, DB, DB::Arguments<'q>>,
    e: &'q EnterpriseInput,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(e.name.as_str())
        .bind(e.uscc.as_str())
        .bind(e.district.as_str())
        .bind(e.industry.as_str())
        .bind(e.address.as_str())
        .bind(e.is_coal_mine)
        .bind(e.has_outdoor_work)
}

/// Creates or updates enterprises (by credit code) in one transaction. Returns how many rows.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn upsert(db: &Db, rows: &[EnterpriseInput], now: i64) -> Result<usize, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        for e in rows {
            let insert = sqlx::query(
                "INSERT INTO enterprises (id, name, uscc, district_code, industry_code, address, is_coal_mine, has_outdoor_work, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                 ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, district_code = excluded.district_code,
                   industry_code = excluded.industry_code, address = excluded.address, is_coal_mine = excluded.is_coal_mine,
                   has_outdoor_work = excluded.has_outdoor_work, updated_at = excluded.updated_at",
            )
            .bind(Uuid::new_v4());
            bind_columns(insert, e).bind(now).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(rows.len())
}

/// Updates one enterprise by id, its designated inspector included. A credit code another
/// enterprise holds is a unique violation on `uscc`.
#[tracing::instrument(skip(db, e, designated))]
pub async fn update(
    db: &Db,
    id: Uuid,
    e: &EnterpriseInput,
    designated: Option<Uuid>,
    now: i64,
) -> Result<(), sqlx::Error> {
    db_run!(db, |pool| {
        let update = sqlx::query(
        "UPDATE enterprises SET name = $1, uscc = $2, district_code = $3, industry_code = $4, address = $5,
           is_coal_mine = $6, has_outdoor_work = $7, designated_inspector_id = $8, updated_at = $9 WHERE id = $10"
    );
        bind_columns(update, e)
            .bind(designated)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Whether `inspector` may be an enterprise's designated inspector there: an active user who
/// covers `district`.
#[tracing::instrument(skip(db))]
pub async fn may_be_designated(
    db: &Db,
    inspector: Uuid,
    district: &str,
) -> Result<bool, sqlx::Error> {
    let covers: i64 = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM inspector_coverage c JOIN users u ON u.id = c.user_id
         WHERE c.user_id = $1 AND c.district_code = $2 AND NOT u.disabled"
    )
    .bind(inspector)
    .bind(district)
    .fetch_one(pool)
    .await)?;
    Ok(covers > 0)
}
