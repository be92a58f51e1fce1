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

/// Every stored-file key a row refers to: the copies, the released copies and the originals
/// (what the photo sweep keeps).
pub async fn referenced_keys(
    db: &app::backend::Db,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let keys: Vec<String> = app::db_run!(db, |pool| {
        sqlx::query_scalar(
            "SELECT display_key FROM report_photos
             UNION SELECT thumb_key FROM report_photos
             UNION SELECT released_display_key FROM report_photos WHERE released_display_key IS NOT NULL
             UNION SELECT released_thumb_key FROM report_photos WHERE released_thumb_key IS NOT NULL
             UNION SELECT original_key FROM photo_evidence",
        )
        .fetch_all(pool)
        .await
    })?;
    Ok(keys.into_iter().collect())
}
