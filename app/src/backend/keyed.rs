//! Keyed hashes: HMAC-SHA256 under a key derived from the server secret, one key per purpose.
//! What the database must find again but must not show (a receipt code, what someone typed to
//! sign in) is stored under its keyed hash: a copy of the database without the secret cannot be
//! searched for a value, and a hash made for one purpose matches nothing made for another.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One purpose's key.
#[derive(Clone)]
pub struct KeyedHash([u8; 32]);

impl std::fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyedHash(…)")
    }
}

/// The purposes, each its own key.
pub mod purpose {
    /// Receipt codes (`reports.receipt_hash`).
    pub const RECEIPT: &str = "receipt-code v1";
    /// What was typed to sign in, and the address it came from (`sign_in_failures.key`).
    pub const SIGN_IN: &str = "sign-in v1";
    /// The cookie of a browser that has signed in to an account before (`ss_known`).
    pub const KNOWN_DEVICE: &str = "known-device v1";
    /// Accounts' phone numbers (`users.phone`; the number itself is sealed in `phone_sealed`).
    pub const PHONE: &str = "account-phone v1";
    /// What a submission carried (`reports.fingerprint`): a retry is recognised, and a copy of
    /// the database cannot be searched for a reporter's name or phone in it.
    pub const FINGERPRINT: &str = "submission-fingerprint v1";
}

impl KeyedHash {
    /// Derived from the server secret (HKDF-SHA256, the purpose as its label).
    pub fn from_secret(secret: &[u8], purpose: &str) -> KeyedHash {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"safesnap"), secret);
        let mut key = [0u8; 32];
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = hk.expand(purpose.as_bytes(), &mut key);
        KeyedHash(key)
    }

    /// The keyed hash of `value`, as 64 hex digits.
    pub fn hex(&self, value: &str) -> String {
        hex::encode(self.mac(value).finalize().into_bytes())
    }

    /// Whether `hex` is the keyed hash of `value` (compared in constant time).
    pub fn matches(&self, value: &str, hex: &str) -> bool {
        hex::decode(hex).is_ok_and(|tag| self.mac(value).verify_slice(&tag).is_ok())
    }

    fn mac(&self, value: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(value.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_hash_depends_on_the_secret_and_the_purpose() {
        let a = KeyedHash::from_secret(&[1u8; 32], purpose::RECEIPT);
        let h = a.hex("ABCDEFGHJK0");
        assert_eq!(h.len(), 64);
        assert_eq!(h, a.hex("ABCDEFGHJK0"), "the same value finds the same row");
        assert!(a.matches("ABCDEFGHJK0", &h));
        assert!(!a.matches("ABCDEFGHJK1", &h));
        assert!(!a.matches("ABCDEFGHJK0", "not hex"));
        assert_ne!(
            h,
            KeyedHash::from_secret(&[2u8; 32], purpose::RECEIPT).hex("ABCDEFGHJK0")
        );
        assert_ne!(
            h,
            KeyedHash::from_secret(&[1u8; 32], purpose::SIGN_IN).hex("ABCDEFGHJK0")
        );
    }
}
