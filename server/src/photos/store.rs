//! Where photo files live: content-addressed (the key is the SHA-256 of the file), behind a small
//! trait so another backend (object storage) can replace the local directory.

use std::{
    io,
    path::{Path, PathBuf},
};

/// A content-addressed file store.
pub trait PhotoStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under their SHA-256; `Ok(true)` if the file is new, `Ok(false)` if it was
    /// already there (the same bytes, uploaded before).
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<bool>;
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    fn delete(&self, key: &str) -> io::Result<()>;
    fn exists(&self, key: &str) -> bool;
}

/// Files under a directory, fanned out as `ab/cd/abcd…` so no directory grows huge.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: &Path) -> LocalStore {
        LocalStore {
            root: root.to_path_buf(),
        }
    }

    /// The path of a key; refuses anything that is not 64 hex digits.
    pub fn path_of(&self, key: &str) -> io::Result<PathBuf> {
        if key.len() != 64
            || !key
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a photo key",
            ));
        }
        Ok(self.root.join(&key[0..2]).join(&key[2..4]).join(key))
    }
}

impl PhotoStore for LocalStore {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<bool> {
        let path = self.path_of(key)?;
        if path.exists() {
            return Ok(false);
        }
        let dir = path.parent().ok_or_else(|| io::Error::other("no parent"))?;
        std::fs::create_dir_all(dir)?;
        // Write beside the target, then rename: a reader never sees half a file.
        let tmp = dir.join(format!(".{key}.{}.tmp", uuid::Uuid::new_v4().simple()));
        std::fs::write(&tmp, bytes)?;
        if let Err(e) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(true)
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path_of(key)?)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path_of(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn exists(&self, key: &str) -> bool {
        self.path_of(key).map(|p| p.exists()).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_stored_once_under_their_hash_and_can_be_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let key = super::super::sha256_hex(b"photo");
        assert!(store.put(&key, b"photo").unwrap());
        assert!(
            !store.put(&key, b"photo").unwrap(),
            "second put of the same bytes is not new"
        );
        assert_eq!(store.get(&key).unwrap(), b"photo");
        assert!(store
            .path_of(&key)
            .unwrap()
            .starts_with(dir.path().join(&key[..2]).join(&key[2..4])));
        store.delete(&key).unwrap();
        assert!(!store.exists(&key));
        store.delete(&key).unwrap();
    }

    #[test]
    fn keys_cannot_escape_the_directory() {
        let store = LocalStore::new(Path::new("/tmp/x"));
        assert!(store.path_of("../../etc/passwd").is_err());
        assert!(store.path_of(&"A".repeat(64)).is_err());
    }
}
