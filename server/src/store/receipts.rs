//! Receipt codes at rest (`reports.receipt_hash`, `reports.receipt_sealed`): the reports written
//! before codes were kept as keyed hashes still hold the code as typed; at start-up each is
//! replaced by its keyed hash and its sealed copy, in one transaction. New reports are written
//! that way by [`super::steps::submit`].

use app::{
    backend::{receipts::ReceiptKeys, BeginWrite, Db},
    db_run,
    domain::receipt::ReceiptCode,
};
use uuid::Uuid;

/// Converts every report whose code is still stored as typed. Returns how many.
#[tracing::instrument(skip_all)]
pub async fn hash_plain_codes(db: &Db, keys: &ReceiptKeys) -> Result<usize, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let plain: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, receipt_hash FROM reports WHERE receipt_sealed IS NULL")
                .fetch_all(&mut *tx)
                .await?;
        let mut converted = 0;
        for (id, stored) in plain {
            let Ok(code) = ReceiptCode::parse(&stored) else {
                continue;
            };
            sqlx::query("UPDATE reports SET receipt_hash = $1, receipt_sealed = $2 WHERE id = $3")
                .bind(keys.hash(&code))
                .bind(keys.seal(&code))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            converted += 1;
        }
        tx.commit().await?;
        if converted > 0 {
            tracing::info!(converted, "receipt codes now kept as keyed hashes");
        }
        Ok(converted)
    })
}
