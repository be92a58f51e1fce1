//! Encryption at rest: what would name or locate a reporter is sealed with a data key of its own
//! report (the reporter's name and phone, where they stood, the photo evidence and the original
//! files, the messages with the union), and the phone numbers of accounts with a shared data key
//! `users`. Each data key is stored in `data_keys` wrapped by a master key that is never in the
//! database or the photo store: it lives in the master key file (`SAFESNAP_MASTER_KEY_FILE`).
//!
//! Every sealed value is bound to its owner and its field (AEAD associated data), so a value
//! copied to another row or another column does not open. A copy of the database and the photos
//! without the master key file reads as nothing.
//!
//! The master key file holds one key per line (`<id> <base64>`), the last one current. Rotation
//! (`server keys rotate`) appends a new key, re-wraps every data key under it and then drops the
//! old ones; servers notice the file changed and follow without a restart.

use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::RwLock,
    time::SystemTime,
};
use uuid::Uuid;

use super::{keyed::KeyedHash, Db};
use crate::db_run;

/// Sealed text starts with this (and sealed files with [`FILE_MAGIC`]).
const TEXT_PREFIX: &str = "v2:";
/// The first bytes of a sealed file.
pub const FILE_MAGIC: &[u8; 4] = b"SSv2";
const NONCE: usize = 24;
/// The owner of the data key that seals accounts' phone numbers.
pub const USERS: &str = "users";

/// The owner name of a report's data key.
pub fn report_owner(report: Uuid) -> String {
    format!("report:{report}")
}

/// Why the master key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("master key file {path}: {message}")]
    File { path: String, message: String },
}

/// The master keys: the current one wraps new data keys; every one listed opens what it wrapped.
pub struct Vault {
    file: Option<PathBuf>,
    ring: RwLock<Ring>,
    /// Finds an account by its phone number without storing the number (`users.phone`).
    phone_hash: PhoneHash,
    /// The file was made by this process (start-up refuses that when data keys exist).
    created: bool,
}

/// The keyed hash under which an account's phone number is found (`users.phone`: `h:` and 64
/// hex digits); the number itself is sealed in `users.phone_sealed`.
#[derive(Clone, Debug)]
pub struct PhoneHash(KeyedHash);

impl PhoneHash {
    pub fn from_secret(secret: &[u8]) -> PhoneHash {
        PhoneHash(KeyedHash::from_secret(secret, super::keyed::purpose::PHONE))
    }

    pub fn of(&self, phone: &str) -> String {
        format!("h:{}", self.0.hex(phone))
    }
}

#[derive(Clone)]
struct Ring {
    keys: Vec<(String, [u8; 32])>,
    stamp: Option<(SystemTime, u64)>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("file", &self.file).finish()
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if getrandom::fill(&mut out).is_err() {
        // No randomness from the OS call: UUIDv4's bytes are OS randomness too.
        for chunk in out.chunks_mut(16) {
            let b = *Uuid::new_v4().as_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
    }
    out
}

fn new_key_id() -> String {
    format!("m{}", &Uuid::new_v4().simple().to_string()[..12])
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn file_error(path: &Path, message: impl Into<String>) -> VaultError {
    VaultError::File {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn parse_ring(path: &Path, text: &str) -> Result<Vec<(String, [u8; 32])>, VaultError> {
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || file_error(path, format!("line {} is not `<id> <base64 key>`", n + 1));
        let (id, b64) = line.split_once(' ').ok_or_else(bad)?;
        let bytes = STANDARD_NO_PAD
            .decode(b64.trim().trim_end_matches('='))
            .map_err(|_| bad())?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
        keys.push((id.to_string(), key));
    }
    if keys.is_empty() {
        return Err(file_error(path, "holds no key"));
    }
    Ok(keys)
}

fn render_ring(keys: &[(String, [u8; 32])]) -> String {
    let mut out = String::from(
        "# SafeSnap master keys: the last line is the current one. Keep a copy apart from the data\n\
         # and its backups; without this file nothing sealed in them can be read.\n",
    );
    for (id, key) in keys {
        out.push_str(&format!("{id} {}\n", STANDARD_NO_PAD.encode(key)));
    }
    out
}

/// Writes the file whole or not at all (a temporary file, synced, then renamed), mode 0600.
fn write_ring(path: &Path, keys: &[(String, [u8; 32])]) -> Result<(), VaultError> {
    let err = |e: std::io::Error| file_error(path, e.to_string());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(err)?;
            // Only a folder made here: one shared with other programs keeps its mode.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
            }
        }
    }
    // A name of its own: two processes writing at once never share a temporary file.
    let tmp = path.with_extension(format!("tmp.{}", Uuid::new_v4().simple()));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(err)?;
        f.write_all(render_ring(keys).as_bytes()).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn read_ring(path: &Path) -> Result<Vec<(String, [u8; 32])>, VaultError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e.to_string()))?;
    parse_ring(path, &text)
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.into())
}

fn seal_raw(cipher: &XChaCha20Poly1305, aad: &str, plain: &[u8]) -> Vec<u8> {
    let nonce = random::<NONCE>();
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: aad.as_bytes(),
            },
        )
        .unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    out
}

fn open_raw(cipher: &XChaCha20Poly1305, aad: &str, raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() < NONCE {
        return None;
    }
    cipher
        .decrypt(
            XNonce::from_slice(&raw[..NONCE]),
            Payload {
                msg: &raw[NONCE..],
                aad: aad.as_bytes(),
            },
        )
        .ok()
}

/// A data key as stored: which master key wrapped it, and the wrapped bytes (base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapped {
    pub master_id: String,
    pub wrapped: String,
}

impl Vault {
    /// Reads the master key file, creating it with one new key if it does not exist.
    pub fn open_or_create(path: &Path, secret: &[u8]) -> Result<Vault, VaultError> {
        let created = !path.exists();
        if created {
            write_ring(path, &[(new_key_id(), random::<32>())])?;
        }
        let keys = read_ring(path)?;
        Ok(Vault {
            file: Some(path.to_path_buf()),
            ring: RwLock::new(Ring {
                keys,
                stamp: stamp(path),
            }),
            phone_hash: PhoneHash::from_secret(secret),
            created,
        })
    }

    /// Whether this process made the master key file (it did not exist).
    pub fn created(&self) -> bool {
        self.created
    }

    /// The master key file.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// A vault with one given master key and no file (tools and unit tests).
    pub fn with_key(id: &str, key: [u8; 32], secret: &[u8]) -> Vault {
        Vault {
            file: None,
            ring: RwLock::new(Ring {
                keys: vec![(id.to_string(), key)],
                stamp: None,
            }),
            phone_hash: PhoneHash::from_secret(secret),
            created: false,
        }
    }

    /// The keyed hash under which an account's phone number is found (`users.phone`).
    pub fn phone_hash(&self, phone: &str) -> String {
        self.phone_hash.of(phone)
    }

    /// Re-reads the file if it changed since it was read (a rotation by another process).
    fn refresh(&self, force: bool) {
        let Some(path) = &self.file else { return };
        let now = stamp(path);
        let changed = self.ring.read().map(|r| r.stamp != now).unwrap_or(true);
        if !(changed || force) {
            return;
        }
        match read_ring(path) {
            Ok(keys) => {
                if let Ok(mut ring) = self.ring.write() {
                    *ring = Ring { keys, stamp: now };
                }
            }
            // Keep the keys we have: a half-written file is never renamed into place, so this
            // is a file someone broke; say so and go on with what worked.
            Err(e) => tracing::error!(error = %e, "cannot re-read the master key file"),
        }
    }

    fn ring(&self) -> Ring {
        match self.ring.read() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The id of the current master key.
    pub fn current_id(&self) -> String {
        self.refresh(false);
        self.ring()
            .keys
            .last()
            .map(|k| k.0.clone())
            .unwrap_or_default()
    }

    /// A new data key for `owner`, and how to store it.
    pub fn new_data_key(&self, owner: &str) -> (DataKey, Wrapped) {
        let key = random::<32>();
        let wrapped = self.wrap(owner, &key);
        (DataKey::new(owner, &key), wrapped)
    }

    fn wrap(&self, owner: &str, key: &[u8; 32]) -> Wrapped {
        self.refresh(false);
        let ring = self.ring();
        let (id, master) = ring.keys.last().cloned().unwrap_or_default();
        Wrapped {
            master_id: id,
            wrapped: STANDARD_NO_PAD.encode(seal_raw(&cipher(&master), &wrap_aad(owner), key)),
        }
    }

    fn unwrap_raw(&self, owner: &str, stored: &Wrapped) -> Option<[u8; 32]> {
        // A key dropped from the file by a rotation opens nothing here either.
        self.refresh(false);
        let find = |ring: &Ring| {
            ring.keys
                .iter()
                .find(|(id, _)| *id == stored.master_id)
                .map(|(_, k)| *k)
        };
        let master = match find(&self.ring()) {
            Some(k) => k,
            None => {
                self.refresh(true);
                find(&self.ring())?
            }
        };
        let raw = STANDARD_NO_PAD.decode(&stored.wrapped).ok()?;
        open_raw(&cipher(&master), &wrap_aad(owner), &raw)?
            .try_into()
            .ok()
    }

    /// Opens a stored data key (`None`: not wrapped by a key in the file, or not `owner`'s).
    pub fn unwrap(&self, owner: &str, stored: &Wrapped) -> Option<DataKey> {
        self.unwrap_raw(owner, stored)
            .map(|k| DataKey::new(owner, &k))
    }

    /// The same data key wrapped under the current master key (rotation).
    pub fn rewrap(&self, owner: &str, stored: &Wrapped) -> Option<Wrapped> {
        let key = self.unwrap_raw(owner, stored)?;
        Some(self.wrap(owner, &key))
    }

    /// Rotation, first half: appends a new master key to the file (it becomes the current one;
    /// the old ones still open what they wrapped). Returns its id.
    pub fn add_key(&self) -> Result<String, VaultError> {
        let Some(path) = &self.file else {
            return Err(file_error(Path::new("-"), "no master key file to rotate"));
        };
        let mut keys = read_ring(path)?;
        let id = new_key_id();
        keys.push((id.clone(), random::<32>()));
        write_ring(path, &keys)?;
        self.refresh(true);
        Ok(id)
    }

    /// Rotation, last half: keeps only the key `keep` in the file.
    pub fn retire_all_but(&self, keep: &str) -> Result<usize, VaultError> {
        let Some(path) = &self.file else {
            return Err(file_error(Path::new("-"), "no master key file to rotate"));
        };
        let keys = read_ring(path)?;
        let before = keys.len();
        let kept: Vec<_> = keys.into_iter().filter(|(id, _)| id == keep).collect();
        if kept.is_empty() {
            return Err(file_error(path, format!("does not hold the key {keep}")));
        }
        write_ring(path, &kept)?;
        self.refresh(true);
        Ok(before - 1)
    }
}

fn wrap_aad(owner: &str) -> String {
    format!("safesnap data-key v2|{owner}")
}

/// One owner's data key: seals and opens that owner's values, each bound to its field.
#[derive(Clone)]
pub struct DataKey {
    owner: String,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({}, …)", self.owner)
    }
}

impl DataKey {
    fn new(owner: &str, key: &[u8; 32]) -> DataKey {
        DataKey {
            owner: owner.to_string(),
            cipher: cipher(key),
        }
    }

    fn aad(&self, field: &str) -> String {
        format!("safesnap v2|{}|{field}", self.owner)
    }

    /// Text sealed for `field` (`v2:` then base64).
    pub fn seal(&self, field: &str, plain: &str) -> String {
        format!(
            "{TEXT_PREFIX}{}",
            STANDARD_NO_PAD.encode(seal_raw(&self.cipher, &self.aad(field), plain.as_bytes()))
        )
    }

    /// `None` when `stored` was not sealed by this key for this field (or was changed).
    pub fn open(&self, field: &str, stored: &str) -> Option<String> {
        let raw = STANDARD_NO_PAD
            .decode(stored.strip_prefix(TEXT_PREFIX)?)
            .ok()?;
        String::from_utf8(open_raw(&self.cipher, &self.aad(field), &raw)?).ok()
    }

    /// A file's bytes sealed for `field` ([`FILE_MAGIC`], nonce, ciphertext).
    pub fn seal_bytes(&self, field: &str, plain: &[u8]) -> Vec<u8> {
        let mut out = FILE_MAGIC.to_vec();
        out.extend(seal_raw(&self.cipher, &self.aad(field), plain));
        out
    }

    pub fn open_bytes(&self, field: &str, stored: &[u8]) -> Option<Vec<u8>> {
        open_raw(
            &self.cipher,
            &self.aad(field),
            stored.strip_prefix(FILE_MAGIC.as_slice())?,
        )
    }
}

/// Whether a stored text value is sealed (by [`DataKey::seal`]).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(TEXT_PREFIX)
}

/// The stored data key of `owner`, opened (`None`: there is none, or it does not open).
pub async fn data_key(db: &Db, vault: &Vault, owner: &str) -> Result<Option<DataKey>, sqlx::Error> {
    let row: Option<(String, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT master_id, wrapped FROM data_keys WHERE owner = $1"
    )
    .bind(owner)
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(master_id, wrapped)| vault.unwrap(owner, &Wrapped { master_id, wrapped })))
}

/// A report's data key (`None` for a report stored before data keys, until start-up converts it).
pub async fn report_key(
    db: &Db,
    vault: &Vault,
    report: Uuid,
) -> Result<Option<DataKey>, sqlx::Error> {
    data_key(db, vault, &report_owner(report)).await
}

/// The data key of `owner`, made and stored if there is none yet (a race stores one: both read
/// the winner's).
pub async fn data_key_or_new(db: &Db, vault: &Vault, owner: &str) -> Result<DataKey, sqlx::Error> {
    if let Some(k) = data_key(db, vault, owner).await? {
        return Ok(k);
    }
    let (_, wrapped) = vault.new_data_key(owner);
    db_run!(db, |pool| {
        sqlx::query(
        "INSERT INTO data_keys (owner, master_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT (owner) DO NOTHING"
    )
    .bind(owner)
    .bind(&wrapped.master_id)
    .bind(&wrapped.wrapped)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    data_key(db, vault, owner).await?.ok_or_else(|| {
        sqlx::Error::Protocol(format!(
            "the data key of {owner} does not open with the master key file (was the file replaced?)"
        ))
    })
}

/// The data key that seals accounts' phone numbers.
pub async fn users_key(db: &Db, vault: &Vault) -> Result<DataKey, sqlx::Error> {
    data_key_or_new(db, vault, USERS).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::with_key("m1", [3u8; 32], &[1u8; 32])
    }

    #[test]
    fn values_open_only_for_their_owner_and_field() {
        let v = vault();
        let (key, wrapped) = v.new_data_key("report:a");
        let sealed = key.seal("reporter/phone", "13812345678");
        assert!(is_sealed(&sealed) && !sealed.contains("1381234"));
        assert_eq!(
            key.open("reporter/phone", &sealed).as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            key.open("reporter/name", &sealed),
            None,
            "bound to its field"
        );
        let again = v.unwrap("report:a", &wrapped).unwrap();
        assert_eq!(
            again.open("reporter/phone", &sealed).as_deref(),
            Some("13812345678")
        );
        assert!(
            v.unwrap("report:b", &wrapped).is_none(),
            "a data key is bound to its owner"
        );
        let (other, _) = v.new_data_key("report:b");
        assert_eq!(
            other.open("reporter/phone", &sealed),
            None,
            "bound to its report"
        );
        let file = key.seal_bytes("original/x", b"\xff\xd8jpeg");
        assert!(file.starts_with(FILE_MAGIC));
        assert_eq!(
            key.open_bytes("original/x", &file).unwrap(),
            b"\xff\xd8jpeg"
        );
        assert_eq!(key.open_bytes("original/y", &file), None);
    }

    #[test]
    fn rotation_rewraps_and_retires_through_the_file() {
        let dir = std::env::temp_dir().join(format!("vault-{}", Uuid::new_v4()));
        let path = dir.join("master.keys");
        let v = Vault::open_or_create(&path, &[1u8; 32]).unwrap();
        let old = v.current_id();
        let (key, wrapped) = v.new_data_key("users");
        let sealed = key.seal("phone", "13800000000");
        // Another process (the rotation command) changes the file.
        let other = Vault::open_or_create(&path, &[1u8; 32]).unwrap();
        let new = other.add_key().unwrap();
        assert_ne!(new, old);
        assert_eq!(v.current_id(), new, "a running server follows the file");
        let moved = other.rewrap("users", &wrapped).unwrap();
        assert_eq!(moved.master_id, new);
        assert_eq!(other.retire_all_but(&new).unwrap(), 1);
        assert!(v.unwrap("users", &wrapped).is_none(), "the old key is gone");
        let k = v.unwrap("users", &moved).unwrap();
        assert_eq!(k.open("phone", &sealed).as_deref(), Some("13800000000"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner reads the key file");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_broken_key_file_is_refused_with_its_line() {
        let e = parse_ring(Path::new("k"), "m1 notbase64!\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(parse_ring(Path::new("k"), "# only a comment\n").is_err());
    }
}
