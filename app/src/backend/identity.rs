//! Reporters' names and phone numbers are stored encrypted (XChaCha20-Poly1305, with a key
//! derived from the server's secret key): a copy of the database alone does not tell who
//! reported. Only the union admin's reveal action decrypts them.

use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit},
    XChaCha20Poly1305, XNonce,
};

/// Stored values start with this, so a future key or cipher can be told apart.
const PREFIX: &str = "v1:";

/// The key that seals reporter identities.
#[derive(Clone)]
pub struct IdentityKey(XChaCha20Poly1305);

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityKey(…)")
    }
}

impl IdentityKey {
    /// Derived from the server secret (HKDF-SHA256, its own label).
    pub fn from_secret(secret: &[u8]) -> IdentityKey {
        IdentityKey::derived(secret, "reporter-identity v1")
    }

    /// A key of the same kind for another purpose (its own HKDF label).
    pub fn derived(secret: &[u8], label: &str) -> IdentityKey {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"safesnap"), secret);
        let mut key = [0u8; 32];
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = hk.expand(label.as_bytes(), &mut key);
        IdentityKey(XChaCha20Poly1305::new(&key.into()))
    }

    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        if getrandom::fill(&mut nonce).is_err() {
            // No randomness: use a fresh UUIDv4's bytes (also OS randomness) for the nonce.
            nonce[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            nonce[16..].copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..8]);
        }
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(out))
    }

    /// `None` if the value was not sealed with this key (or was tampered with).
    pub fn open(&self, stored: &str) -> Option<String> {
        let raw = STANDARD_NO_PAD.decode(stored.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < 24 {
            return None;
        }
        let plain = self
            .0
            .decrypt(XNonce::from_slice(&raw[..24]), &raw[24..])
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_sealed_and_opened_only_with_the_same_secret() {
        let key = IdentityKey::from_secret(&[7u8; 32]);
        let sealed = key.seal("13812345678");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("1381234"));
        assert_ne!(sealed, key.seal("13812345678"), "a fresh nonce each time");
        assert_eq!(key.open(&sealed).as_deref(), Some("13812345678"));
        assert_eq!(IdentityKey::from_secret(&[8u8; 32]).open(&sealed), None);
        let mut tampered = sealed.clone();
        tampered.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert_eq!(key.open(&tampered), None);
        assert_eq!(key.open("王师傅"), None, "plain text is not a sealed value");
    }
}
