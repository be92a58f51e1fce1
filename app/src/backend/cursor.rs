//! Queue cursors, sealed. A cursor names where the next page of a list starts (urgent or not, a
//! time, an id). It travels through the browser, so it is encrypted and authenticated
//! (XChaCha20-Poly1305 under a key derived from the server's secret): a client can neither read
//! the time in it nor craft one to probe the list (a tampered cursor does not open: `400`).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit},
    XChaCha20Poly1305, XNonce,
};
use uuid::Uuid;

/// A position in a queue: the last row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub urgent: bool,
    /// The time the list is ordered by (submission for the union, notice for the enterprise).
    pub at: i64,
    pub id: Uuid,
}

/// The key that seals cursors (every server process with the same secret opens them).
#[derive(Clone)]
pub struct CursorKey(XChaCha20Poly1305);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(…)")
    }
}

impl CursorKey {
    /// Derived from the server secret (HKDF-SHA256, its own label).
    pub fn from_secret(secret: &[u8]) -> CursorKey {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"safesnap"), secret);
        let mut key = [0u8; 32];
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = hk.expand(b"queue-cursor v1", &mut key);
        CursorKey(XChaCha20Poly1305::new(&key.into()))
    }

    /// The cursor as a URL-safe string.
    pub fn seal(&self, c: &Cursor) -> String {
        let mut plain = Vec::with_capacity(25);
        plain.push(u8::from(c.urgent));
        plain.extend_from_slice(&c.at.to_be_bytes());
        plain.extend_from_slice(c.id.as_bytes());
        let mut nonce = [0u8; 24];
        nonce[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        nonce[16..].copy_from_slice(&Uuid::new_v4().as_bytes()[..8]);
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), plain.as_slice())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// `None` for anything this key did not seal, or that was changed.
    pub fn open(&self, sealed: &str) -> Option<Cursor> {
        let raw = URL_SAFE_NO_PAD.decode(sealed.trim()).ok()?;
        if raw.len() < 24 {
            return None;
        }
        let plain = self
            .0
            .decrypt(XNonce::from_slice(&raw[..24]), &raw[24..])
            .ok()?;
        if plain.len() != 25 || plain[0] > 1 {
            return None;
        }
        let at = i64::from_be_bytes(plain[1..9].try_into().ok()?);
        let id = Uuid::from_slice(&plain[9..25]).ok()?;
        Some(Cursor {
            urgent: plain[0] == 1,
            at,
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_cursor_opens_and_shows_nothing() {
        let key = CursorKey::from_secret(b"secret of this server");
        let c = Cursor {
            urgent: true,
            at: 1_782_867_600_000,
            id: Uuid::new_v4(),
        };
        let sealed = key.seal(&c);
        assert_eq!(key.open(&sealed), Some(c));
        assert!(!sealed.contains(&c.at.to_string()) && !sealed.contains(&c.id.to_string()));
        assert_ne!(key.seal(&c), sealed, "a fresh nonce every time");
    }

    #[test]
    fn a_tampered_or_foreign_cursor_does_not_open() {
        let key = CursorKey::from_secret(b"one");
        let c = Cursor {
            urgent: false,
            at: 5,
            id: Uuid::new_v4(),
        };
        let sealed = key.seal(&c);
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap_or_default();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(key.open(&URL_SAFE_NO_PAD.encode(&bytes)), None);
        assert_eq!(CursorKey::from_secret(b"other").open(&sealed), None);
        assert_eq!(
            key.open("0.1782867600000.6f1c0e3a-0000-4000-8000-000000000000"),
            None
        );
        assert_eq!(key.open(""), None);
    }
}
