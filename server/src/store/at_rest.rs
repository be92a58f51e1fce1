//! Encryption at rest, the storage side ([`app::backend::vault`] has the keys and the ciphers):
//! converting what was stored before reports had data keys (at start-up), and rotating the
//! master key (`server keys rotate`).
//!
//! A report stored before is recognised by its unkeyed fingerprint. Its conversion is one
//! transaction: a data key; the reporter's name and phone (sealed before with a key derived from
//! the secret) re-sealed with it; where the worker stood, the messages and the photo evidence
//! sealed; each original file replaced by its sealed copy; the fingerprint keyed. The old files
//! are removed after the commit. Accounts' phone numbers are replaced by their keyed hash and a
//! sealed copy.

use crate::photos::{sha256_hex, store::PhotoStore};
use app::{
    backend::{
        identity::IdentityKey,
        keyed::KeyedHash,
        reports::{field, EvidenceFacts, SealedLocation},
        vault::{self, Vault},
        BeginWrite, Db,
    },
    db_run,
};
use uuid::Uuid;

/// The keys rows stored before were written with.
pub struct Legacy {
    /// Sealed reporters' names and phones before each report had its own key.
    pub identity: IdentityKey,
    /// Keys the fingerprints (`reports.fingerprint`).
    pub fingerprints: KeyedHash,
}

type EvidenceRow = (
    Uuid,
    String,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<i32>,
);

/// Seals every row stored before encryption at rest. Returns how many reports and accounts.
#[tracing::instrument(skip_all)]
pub async fn seal_plain_rows(
    db: &Db,
    vault: &Vault,
    legacy: &Legacy,
    store: &dyn PhotoStore,
) -> Result<(usize, usize), sqlx::Error> {
    let reports: Vec<(Uuid, String, Option<f64>, Option<f64>, Option<f64>)> =
        db_run!(db, |pool| sqlx::query_as(
            "SELECT id, fingerprint, lat, lon, location_accuracy_m FROM reports
             WHERE fingerprint NOT LIKE 'k1:%'"
        )
        .fetch_all(pool)
        .await)?;
    let converted = reports.len();
    for (id, fingerprint, lat, lon, accuracy) in reports {
        seal_report(
            db,
            vault,
            legacy,
            store,
            id,
            &fingerprint,
            lat.zip(lon),
            accuracy,
        )
        .await?;
    }
    let accounts = seal_phones(db, vault).await?;
    if converted + accounts > 0 {
        forget_plain_pages(db).await?;
        tracing::info!(
            reports = converted,
            accounts,
            "rows stored before encryption at rest are sealed"
        );
    }
    Ok((converted, accounts))
}

/// The plain values were overwritten, but earlier versions of their pages linger: in SQLite's
/// write-ahead log and free pages, in PostgreSQL's dead tuples. Rewrite the tables and empty the
/// log, so a copy of the database files taken afterwards holds only the sealed values.
async fn forget_plain_pages(db: &Db) -> Result<(), sqlx::Error> {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query("VACUUM").execute(pool).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await?;
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "VACUUM FULL reports, report_reporters, report_messages, photo_evidence, users",
            )
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn seal_report(
    db: &Db,
    vault: &Vault,
    legacy: &Legacy,
    store: &dyn PhotoStore,
    id: Uuid,
    fingerprint: &str,
    at: Option<(f64, f64)>,
    accuracy_m: Option<f64>,
) -> Result<(), sqlx::Error> {
    let owner = vault::report_owner(id);
    let (key, wrapped) = vault.new_data_key(&owner);
    let evidence: Vec<EvidenceRow> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT e.photo_id, e.original_key, e.exif_taken_at, e.exif_lat, e.exif_lon, e.client_sha256,
                e.client_bytes, e.client_taken_at, e.client_lat, e.client_lon, e.client_orientation
         FROM photo_evidence e JOIN report_photos p ON p.id = e.photo_id
         WHERE p.report_id = $1 AND e.sealed IS NULL"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    })?;
    // The sealed originals go in first (a crash before the commit leaves only unused files).
    let mut sealed_evidence = Vec::new();
    let mut old_files = Vec::new();
    for e in &evidence {
        let facts = EvidenceFacts {
            sha256: e.1.clone(),
            exif_taken_at: e.2.clone(),
            exif_location: e.3.zip(e.4),
            client_sha256: e.5.clone(),
            client_bytes: e.6.map(|b| b as u64),
            client_taken_at: e.7.clone(),
            client_location: e.8.zip(e.9),
            client_orientation: e.10.and_then(|o| u8::try_from(o).ok()),
        };
        let original_key = match store.get(&e.1) {
            Ok(plain) if plain.starts_with(vault::FILE_MAGIC) => e.1.clone(),
            Ok(plain) => {
                let sealed = key.seal_bytes(&field::original(e.0), &plain);
                let new_key = sha256_hex(&sealed);
                store
                    .put(&new_key, &sealed)
                    .map_err(|err| sqlx::Error::Protocol(format!("sealing an original: {err}")))?;
                old_files.push(e.1.clone());
                new_key
            }
            // Gone already (retention): the row keeps its key. Any other error stops start-up
            // rather than leave a plain original behind a row that says it is sealed.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => e.1.clone(),
            Err(err) => {
                return Err(sqlx::Error::Protocol(format!(
                    "reading an original to seal it: {err}"
                )))
            }
        };
        let json = serde_json::to_string(&facts).unwrap_or_default();
        sealed_evidence.push((e.0, original_key, key.seal(&field::evidence(e.0), &json)));
    }
    let reporter: Option<(String, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT name, phone FROM report_reporters WHERE report_id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    // Sealed with the secret's key before (`v1:`); a value that does not open with it is a
    // wrong secret key, and start-up stops rather than seal it as if it were the name.
    let reseal = |f: &str, stored: &str| -> Result<String, sqlx::Error> {
        let plain = match legacy.identity.open(stored) {
            Some(plain) => plain,
            None if stored.starts_with("v1:") || vault::is_sealed(stored) => {
                return Err(sqlx::Error::Protocol(
                    "a reporter's identity does not open with the secret key: is SAFESNAP_SECRET_KEY_FILE the right file?".into(),
                ))
            }
            None => stored.to_string(),
        };
        Ok(key.seal(f, &plain))
    };
    let reporter = match reporter {
        Some((name, phone)) => match (
            reseal(field::REPORTER_NAME, &name),
            reseal(field::REPORTER_PHONE, &phone),
        ) {
            (Ok(name), Ok(phone)) => Some((name, phone)),
            (Err(e), _) | (_, Err(e)) => {
                // Another server starting at once converted this report between our reads (its
                // fingerprint is keyed now): nothing is wrong and nothing is left to do.
                let still: Option<String> = db_run!(db, |pool| sqlx::query_scalar(
                    "SELECT fingerprint FROM reports WHERE id = $1"
                )
                .bind(id)
                .fetch_optional(pool)
                .await)?;
                if still.as_deref() != Some(fingerprint) {
                    return Ok(());
                }
                return Err(e);
            }
        },
        None => None,
    };
    let messages: Vec<(Uuid, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT id, body FROM report_messages WHERE report_id = $1"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    let location = at.map(|(lat, lon)| {
        let json = serde_json::to_string(&SealedLocation {
            lat,
            lon,
            accuracy_m,
        })
        .unwrap_or_default();
        key.seal(field::LOCATION, &json)
    });
    let keyed = crate::actions::reports::keyed_fingerprint(&legacy.fingerprints, fingerprint);
    let converted = db_run!(db, |pool| {
        async {
        let mut tx = pool.begin_write().await?;
        // First, and only if no other server converted it meanwhile (two starting at once):
        // the row's lock makes the second wait, then find the fingerprint changed.
        let mine = sqlx::query(
            "UPDATE reports SET fingerprint = $1, location_sealed = $2, lat = NULL, lon = NULL,
                location_accuracy_m = NULL
             WHERE id = $3 AND fingerprint = $4",
        )
        .bind(&keyed)
        .bind(&location)
        .bind(id)
        .bind(fingerprint)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if mine != 1 {
            tx.rollback().await?;
            return Ok::<bool, sqlx::Error>(false);
        }
        sqlx::query("INSERT INTO data_keys (owner, master_id, wrapped) VALUES ($1, $2, $3)")
            .bind(&owner)
            .bind(&wrapped.master_id)
            .bind(&wrapped.wrapped)
            .execute(&mut *tx)
            .await?;
        if let Some((name, phone)) = &reporter {
            sqlx::query("UPDATE report_reporters SET name = $1, phone = $2 WHERE report_id = $3")
                .bind(name)
                .bind(phone)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for (message, body) in &messages {
            if vault::is_sealed(body) {
                continue;
            }
            sqlx::query("UPDATE report_messages SET body = $1 WHERE id = $2")
                .bind(key.seal(&field::message(*message), body))
                .bind(message)
                .execute(&mut *tx)
                .await?;
        }
        for (photo, original_key, sealed) in &sealed_evidence {
            sqlx::query(
                "UPDATE photo_evidence SET original_key = $1, sealed = $2, exif_taken_at = NULL,
                    exif_lat = NULL, exif_lon = NULL, client_sha256 = NULL, client_bytes = NULL,
                    client_taken_at = NULL, client_lat = NULL, client_lon = NULL, client_orientation = NULL
                 WHERE photo_id = $3",
            )
            .bind(original_key)
            .bind(sealed)
            .bind(photo)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok::<bool, sqlx::Error>(true)
    }
    .await
    })?;
    if !converted {
        // Its sealed copies of the originals are unnamed: the photo sweep removes them.
        return Ok(());
    }
    for old in old_files {
        if !super::steps::original_in_use(db, &old).await? {
            if let Err(e) = store.delete(&old) {
                tracing::warn!(error = %e, "could not remove an original replaced by its sealed copy");
            }
        }
    }
    Ok(())
}

/// Replaces each account's phone number by its keyed hash and a sealed copy.
async fn seal_phones(db: &Db, vault: &Vault) -> Result<usize, sqlx::Error> {
    let plain: Vec<(Uuid, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT id, phone FROM users WHERE phone IS NOT NULL AND phone NOT LIKE 'h:%'"
    )
    .fetch_all(pool)
    .await)?;
    if plain.is_empty() {
        return Ok(0);
    }
    let key = vault::users_key(db, vault).await?;
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        for (id, phone) in &plain {
            sqlx::query(
                "UPDATE users SET phone = $1, phone_sealed = $2 WHERE id = $3 AND phone = $4",
            )
            .bind(vault.phone_hash(phone))
            .bind(key.seal(&field::phone(*id), phone))
            .bind(id)
            .bind(phone)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    Ok(plain.len())
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The new master key's id.
    pub key_id: String,
    pub rewrapped: usize,
    /// How many old master keys left the file.
    pub retired: usize,
}

/// How many data keys one pass re-wraps per query.
const REWRAP_BATCH: i64 = 500;

/// Rotates the master key: a new key in the file, every data key re-wrapped under it (twice
/// over, `grace` apart, for a write a running server began with the old key), then the old keys
/// dropped from the file. Nothing is dropped if a data key does not open.
pub async fn rotate(db: &Db, vault: &Vault, grace: std::time::Duration) -> Result<Rotated, String> {
    let key_id = vault.add_key().map_err(|e| e.to_string())?;
    let mut rewrapped = rewrap_all(db, vault, &key_id).await?;
    tokio::time::sleep(grace).await;
    rewrapped += rewrap_all(db, vault, &key_id).await?;
    // A report wrapped with an old key and committed after the last pass: keep the old keys.
    let stale: i64 = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_keys WHERE master_id <> $1"
    )
    .bind(&key_id)
    .fetch_one(pool)
    .await)
    .map_err(|e| e.to_string())?;
    if stale > 0 {
        return Err(format!(
            "{stale} data keys were wrapped with an old key during the rotation; the old keys were kept (run it again)"
        ));
    }
    let retired = vault.retire_all_but(&key_id).map_err(|e| e.to_string())?;
    tracing::info!(key = %key_id, rewrapped, retired, "master key rotated");
    Ok(Rotated {
        key_id,
        rewrapped,
        retired,
    })
}

async fn rewrap_all(db: &Db, vault: &Vault, to: &str) -> Result<usize, String> {
    let mut done = 0;
    loop {
        let rows: Vec<(String, String, String)> = db_run!(db, |pool| sqlx::query_as(
            "SELECT owner, master_id, wrapped FROM data_keys WHERE master_id <> $1 ORDER BY owner LIMIT $2"
        )
        .bind(to)
        .bind(REWRAP_BATCH)
        .fetch_all(pool)
        .await)
        .map_err(|e| e.to_string())?;
        if rows.is_empty() {
            return Ok(done);
        }
        for (owner, master_id, wrapped) in rows {
            let stored = vault::Wrapped { master_id, wrapped };
            let new = vault.rewrap(&owner, &stored).ok_or_else(|| {
                format!(
                    "the data key of {owner} does not open with any key in the master key file \
                     (wrapped by {}); the old keys were kept",
                    stored.master_id
                )
            })?;
            if new.master_id != to {
                return Err(format!(
                    "the master key file changed during the rotation (now {}); run it again",
                    new.master_id
                ));
            }
            db_run!(db, |pool| sqlx::query(
                "UPDATE data_keys SET master_id = $1, wrapped = $2 WHERE owner = $3 AND master_id = $4"
            )
            .bind(&new.master_id)
            .bind(&new.wrapped)
            .bind(&owner)
            .bind(&stored.master_id)
            .execute(pool)
            .await
            .map(|_| ()))
            .map_err(|e| e.to_string())?;
            done += 1;
        }
    }
}
