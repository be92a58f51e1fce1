//! The CAP feeds allowed to post alerts (`alert_sources`): registering one by the SHA-256 of its
//! API key, and finding the enabled feed a key belongs to. The key itself is never stored.

use app::{backend::Db, db_run};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The SHA-256 (hex) an API key is stored as.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

/// Registers a CAP source by the SHA-256 of its API key ([`key_hash`]).
#[tracing::instrument(skip(db, key_hash))]
pub async fn add_source(
    db: &Db,
    name: &str,
    key_hash: &str,
    now: i64,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    db_run!(db, |pool| sqlx::query(
        "INSERT INTO alert_sources (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(id)
    .bind(name)
    .bind(key_hash)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(id)
}

/// The enabled source with this key hash: its id and name.
#[tracing::instrument(skip_all)]
pub async fn source_by_key(db: &Db, key_hash: &str) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT id, name FROM alert_sources WHERE key_hash = $1 AND NOT disabled"
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await)
}
