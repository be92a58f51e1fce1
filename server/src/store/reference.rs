//! The reference tables `districts` and `industries`, kept equal to the lists in
//! [`app::domain`], which are the single source of that data (the browser needs them without a
//! round trip).

use app::{
    backend::Db,
    db_run,
    domain::{DISTRICTS, INDUSTRIES},
};

/// Upserts every district and industry. Idempotent; runs at every start-up.
#[tracing::instrument(skip_all)]
pub async fn sync(db: &Db) -> Result<(), sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        for (i, d) in DISTRICTS.iter().enumerate() {
            sqlx::query(
                "INSERT INTO districts (code, name_zh, name_en, kind, gb2260, sort_order)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh,
                   name_en = excluded.name_en, kind = excluded.kind, gb2260 = excluded.gb2260,
                   sort_order = excluded.sort_order",
            )
            .bind(d.code)
            .bind(d.name_zh)
            .bind(d.name_en)
            .bind(d.kind.as_str())
            .bind(d.gb2260())
            .bind(i as i32)
            .execute(&mut *tx)
            .await?;
        }
        for (i, ind) in INDUSTRIES.iter().enumerate() {
            sqlx::query(
                "INSERT INTO industries (code, name_zh, name_en, gbt4754, sort_order)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh,
                   name_en = excluded.name_en, gbt4754 = excluded.gbt4754,
                   sort_order = excluded.sort_order",
            )
            .bind(ind.code)
            .bind(ind.name_zh)
            .bind(ind.name_en)
            .bind(ind.gbt4754)
            .bind(i as i32)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    })
}
