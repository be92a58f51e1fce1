//! Where photo files live: content-addressed (the key is the SHA-256 of the file), behind a small
//! trait so another backend (object storage) can replace the local directory.

use std::{
    io,
    path::{Path, PathBuf},
};

/// A content-addressed file store.
pub trait PhotoStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under their SHA-256, durably (on disk when it returns); `Ok(true)` if the
    /// file is new, `Ok(false)` if it was already there intact (the same bytes, uploaded
    /// before). A damaged file under the key (a crash's zero-length file) is written again.
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<bool>;
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    fn delete(&self, key: &str) -> io::Result<()>;
    fn exists(&self, key: &str) -> bool;
    /// Every stored file and every temporary file a crash left, with when each was last
    /// written (for the sweep).
    fn list(&self) -> io::Result<Vec<Listed>>;
    /// Removes a temporary file [`PhotoStore::list`] found.
    fn remove_temporary(&self, name: &str) -> io::Result<()>;
    /// Deletes a stored file if it was last written (or stored again) before `cutoff`; whether
    /// it did. A request storing the same bytes at that moment finds the file fresh or gone,
    /// never deleted after it was told the file is there.
    fn delete_if_older(&self, key: &str, cutoff: std::time::SystemTime) -> io::Result<bool>;
}

/// One entry of [`PhotoStore::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    File {
        key: String,
        modified: std::time::SystemTime,
    },
    /// A half-written file (`.<key>.<random>.tmp`), by its path relative to the store.
    Temporary {
        name: String,
        modified: std::time::SystemTime,
    },
}

/// Syncs a directory, so a file created or renamed in it survives a power cut.
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
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
        if let Ok(existing) = std::fs::read(&path) {
            if existing.len() == bytes.len() && super::sha256_hex(&existing) == key {
                // Fresh again: the sweep leaves files younger than its grace period alone, and
                // this request's row is about to name it. Gone in between (the sweep took it
                // aside): written again below.
                let touched = std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(std::time::SystemTime::now()));
                match touched {
                    Ok(()) => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            tracing::warn!(
                key,
                stored = existing.len(),
                "a damaged photo file is written again"
            );
        }
        let dir = path.parent().ok_or_else(|| io::Error::other("no parent"))?;
        std::fs::create_dir_all(dir)?;
        // Write beside the target, sync, then rename and sync the directory: a reader never
        // sees half a file, and once this returns the file survives a crash or a power cut.
        let tmp = dir.join(format!(".{key}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let written = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            sync_dir(dir)?;
            // The fan-out folders may be new too.
            for up in dir.ancestors().skip(1).take(2) {
                sync_dir(up)?;
            }
            Ok(())
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(true)
    }

    fn list(&self) -> io::Result<Vec<Listed>> {
        let mut out = Vec::new();
        let mut dirs = vec![self.root.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let meta = entry.metadata()?;
                if meta.is_dir() {
                    dirs.push(entry.path());
                    continue;
                }
                let name = entry.file_name().to_string_lossy().to_string();
                let modified = meta.modified()?;
                if name.starts_with('.') && (name.ends_with(".tmp") || name.ends_with(".sweep")) {
                    let rel = entry
                        .path()
                        .strip_prefix(&self.root)
                        .map(|p| p.display().to_string())
                        .unwrap_or(name);
                    out.push(Listed::Temporary {
                        name: rel,
                        modified,
                    });
                } else if self.path_of(&name).is_ok_and(|p| p == entry.path()) {
                    out.push(Listed::File {
                        key: name,
                        modified,
                    });
                }
            }
        }
        Ok(out)
    }

    fn delete_if_older(&self, key: &str, cutoff: std::time::SystemTime) -> io::Result<bool> {
        let path = self.path_of(key)?;
        if std::fs::metadata(&path)?.modified()? >= cutoff {
            return Ok(false);
        }
        // Aside first: from here a request storing these bytes cannot touch this file (it finds
        // none and writes its own); one that touched it just before shows in the time.
        let aside = path.with_file_name(format!(".{key}.{}.sweep", uuid::Uuid::new_v4().simple()));
        std::fs::rename(&path, &aside)?;
        if std::fs::metadata(&aside)?.modified()? >= cutoff {
            // Stored again meanwhile: put it back (unless a request wrote it anew already: the
            // same bytes, so either copy serves).
            if path.exists() {
                std::fs::remove_file(&aside)?;
            } else {
                std::fs::rename(&aside, &path)?;
            }
            return Ok(false);
        }
        std::fs::remove_file(&aside)?;
        Ok(true)
    }

    fn remove_temporary(&self, name: &str) -> io::Result<()> {
        let path = self.root.join(name);
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(file.starts_with('.') && (file.ends_with(".tmp") || file.ends_with(".sweep")))
            || name.contains("..")
            || Path::new(name).is_absolute()
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a temporary photo file",
            ));
        }
        match std::fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
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
    fn a_damaged_file_is_written_again_and_crash_leftovers_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let key = super::super::sha256_hex(b"photo bytes");
        let path = store.path_of(&key).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // What a crash between create and write leaves: a zero-length file under the key.
        std::fs::write(&path, b"").unwrap();
        assert!(
            store.put(&key, b"photo bytes").unwrap(),
            "the empty file is not the photo"
        );
        assert_eq!(store.get(&key).unwrap(), b"photo bytes");
        std::fs::write(&path, b"photo bytez").unwrap();
        assert!(
            store.put(&key, b"photo bytes").unwrap(),
            "same length, other bytes"
        );
        assert!(!store.put(&key, b"photo bytes").unwrap());
        let tmp = path.parent().unwrap().join(format!(".{key}.abc.tmp"));
        std::fs::write(&tmp, b"half").unwrap();
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 2, "{listed:?}");
        let temporary = listed
            .iter()
            .find_map(|l| match l {
                Listed::Temporary { name, .. } => Some(name.clone()),
                _ => None,
            })
            .unwrap();
        assert!(listed
            .iter()
            .any(|l| matches!(l, Listed::File { key: k, .. } if *k == key)));
        assert!(store.remove_temporary("../x.tmp").is_err());
        assert!(store.remove_temporary("/etc/.x.tmp").is_err());
        // The sweep's delete: not a file stored again since the cutoff, only an older one.
        let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let age = || {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(cutoff - std::time::Duration::from_secs(60))
                .unwrap()
        };
        assert!(!store.delete_if_older(&key, cutoff).unwrap(), "fresh");
        age();
        assert!(
            !store.put(&key, b"photo bytes").unwrap(),
            "stored again: fresh"
        );
        assert!(!store.delete_if_older(&key, cutoff).unwrap());
        age();
        assert!(store.delete_if_older(&key, cutoff).unwrap());
        assert!(!store.exists(&key));
        store.remove_temporary(&temporary).unwrap();
        assert!(!tmp.exists());
    }

    #[test]
    fn keys_cannot_escape_the_directory() {
        let store = LocalStore::new(Path::new("/tmp/x"));
        assert!(store.path_of("../../etc/passwd").is_err());
        assert!(store.path_of(&"A".repeat(64)).is_err());
    }
}
