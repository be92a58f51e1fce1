//! The rows of a report's photos and their union-only evidence, written inside the transaction
//! of the step that brings them (the submission, a rectification). The files themselves are in
//! the photo store ([`crate::photos::store`]), written before that transaction.

/// Inserts photo rows and their evidence inside a transaction:
/// `insert_photo_rows!(tx, report_id, kind, first_position, &photos, now)`.
macro_rules! insert_photo_rows {
    ($tx:ident, $report:expr, $kind:expr, $first:expr, $photos:expr, $now:expr) => {{
        for (i, p) in $photos.iter().enumerate() {
            let position = $first + i;
            let photo_id = p.id;
            sqlx::query(
                "INSERT INTO report_photos (id, report_id, kind, position, display_key, display_width,
                    display_height, display_bytes, thumb_key, thumb_width, thumb_height, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(photo_id)
            .bind($report)
            .bind($kind)
            .bind(position as i32)
            .bind(&p.display_key)
            .bind(p.display_size.0 as i32)
            .bind(p.display_size.1 as i32)
            .bind(p.display_bytes as i32)
            .bind(&p.thumb_key)
            .bind(p.thumb_size.0 as i32)
            .bind(p.thumb_size.1 as i32)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            let e = &p.evidence;
            sqlx::query(
                "INSERT INTO photo_evidence (photo_id, original_key, received_bytes, received_format,
                    original_width, original_height, exif_orientation, sealed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(photo_id)
            .bind(&e.original_key)
            .bind(e.received_bytes as i64)
            .bind(&e.received_format)
            .bind(e.original_size.0 as i32)
            .bind(e.original_size.1 as i32)
            .bind(e.exif_orientation.map(i32::from))
            .bind(&e.sealed)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use insert_photo_rows;

/// Which of these stored-file keys some photo row still refers to (to know which files of a
/// failed submission may be deleted).
pub async fn keys_in_use(
    db: &app::backend::Db,
    keys: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let mut used = Vec::new();
    for key in keys {
        let n: i64 = app::db_run!(db, |pool| {
            sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM report_photos WHERE display_key = $1 OR thumb_key = $1
                        OR released_display_key = $1 OR released_thumb_key = $1)
                  + (SELECT COUNT(*) FROM photo_evidence WHERE original_key = $1)"
        )
        .bind(key)
        .fetch_one(pool)
        .await
        })?;
        if n > 0 {
            used.push(key.clone());
        }
    }
    Ok(used)
}
