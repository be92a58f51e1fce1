//! Web Push message encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188).
//!
//! This module owns everything between a notification's plaintext and the request body a push
//! service accepts: parsing a subscription's `p256dh`/`auth` keys, the per-message ephemeral
//! P-256 key and ECDH agreement, the two HKDF-SHA-256 steps, the single AES-128-GCM record and the
//! RFC 8188 header in front of it. It also defines [`PushCryptoError`], shared with the VAPID
//! module next to it.
//!
//! A body is `salt (16) || rs (u32 BE, 4096) || idlen (1, = 65) || keyid (65, the ephemeral
//! public key) || AES-128-GCM(plaintext || 0x02) || tag (16)`: one record, no padding, and the
//! request that carries it needs the `Content-Encoding: aes128gcm` header.
//!
//! [`encrypt`] runs on `ring` (assembly P-256 and AES-GCM: about five times the throughput of the
//! pure-Rust curve). `ring` only makes ephemeral ECDH keys from its own random source, so the
//! deterministic [`encrypt_with`] (the RFC test vector) does its ECDH with the `p256` crate and
//! shares the key schedule and record sealing with [`encrypt`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{aead, agreement};
use sha2::Sha256;

/// Why a push message could not be encrypted or signed, or why its inputs were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushCryptoError {
    /// A key field was not base64url (with or without `=` padding).
    #[error("{field} is not valid base64url")]
    Base64 {
        /// Which input: `p256dh`, `auth`, ….
        field: &'static str,
    },
    /// A decoded key field had the wrong number of bytes.
    #[error("{field} must be {expected} bytes, got {actual}")]
    Length {
        /// Which input: `p256dh`, `auth`, `VAPID secret key`.
        field: &'static str,
        /// The required length.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// `p256dh` is 65 bytes but not an uncompressed point on P-256.
    #[error("p256dh is not an uncompressed point on the P-256 curve")]
    InvalidPoint,
    /// A secret key is zero or not below the P-256 group order.
    #[error("not a valid P-256 secret key")]
    InvalidSecretKey,
    /// The plaintext would make the body exceed 4096 bytes; see [`MAX_PAYLOAD`].
    #[error("payload of {len} bytes exceeds the Web Push limit of {max} bytes")]
    PayloadTooLarge {
        /// The plaintext's length.
        len: usize,
        /// [`MAX_PAYLOAD`].
        max: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// AES-GCM refused to encrypt (cannot happen for inputs within [`MAX_PAYLOAD`]).
    #[error("AES-128-GCM encryption failed")]
    Encrypt,
    /// A push endpoint is not an absolute `http://` or `https://` URL with a host.
    #[error("invalid push endpoint: {0}")]
    InvalidEndpoint(String),
}

/// The record size written into every header: the whole message is one record of at most this
/// many bytes (ciphertext plus tag).
pub const RECORD_SIZE: u32 = 4096;

/// Length of the RFC 8188 header this module writes: salt (16) + rs (4) + idlen (1) + keyid (65).
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;

/// Length of the AES-GCM authentication tag at the end of the record.
const TAG_LEN: usize = 16;

/// The largest plaintext [`encrypt`] accepts.
///
/// RFC 8291 §4 lets a push service refuse bodies over 4096 bytes, so the whole body must fit in
/// 4096: 4096 − 86 (header: salt 16, rs 4, idlen 1, keyid 65) − 16 (AES-GCM tag) − 1 (the `0x02`
/// last-record padding delimiter) = 3993. The record itself (3993 + 1 + 16 = 4010 bytes) is then
/// also within the record size of 4096 the header declares.
pub const MAX_PAYLOAD: usize = 4096 - HEADER_LEN - TAG_LEN - 1;

/// Length of an uncompressed SEC1 P-256 point: `0x04 || x || y`.
const POINT_LEN: usize = 65;

/// Length of a subscription's `auth` secret.
const AUTH_LEN: usize = 16;

/// A browser subscription's encryption keys: `keys.p256dh` and `keys.auth` of
/// `PushSubscription.toJSON()`.
#[derive(Clone)]
pub struct ClientKeys {
    /// The user agent's public key as the 65 uncompressed bytes the browser sent, checked to lie
    /// on the curve (ECDH input and part of the HKDF info).
    public_bytes: [u8; POINT_LEN],
    /// The 16-byte authentication secret.
    auth: [u8; AUTH_LEN],
}

impl std::fmt::Debug for ClientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKeys")
            .field("p256dh", &URL_SAFE_NO_PAD.encode(self.public_bytes))
            .field("auth", &"<redacted>")
            .finish()
    }
}

impl ClientKeys {
    /// Parses the base64url `p256dh` (a 65-byte uncompressed P-256 point) and `auth` (16 bytes)
    /// of a subscription. Padding (`=`) is optional; wrong lengths, compressed points and points
    /// not on the curve are refused.
    pub fn parse(p256dh_b64url: &str, auth_b64url: &str) -> Result<ClientKeys, PushCryptoError> {
        let point = decode_b64url(p256dh_b64url, "p256dh")?;
        let point: [u8; POINT_LEN] =
            point
                .as_slice()
                .try_into()
                .map_err(|_| PushCryptoError::Length {
                    field: "p256dh",
                    expected: POINT_LEN,
                    actual: point.len(),
                })?;
        if point[0] != 0x04 {
            return Err(PushCryptoError::InvalidPoint);
        }
        PublicKey::from_sec1_bytes(&point).map_err(|_| PushCryptoError::InvalidPoint)?;
        let auth = decode_b64url(auth_b64url, "auth")?;
        let auth: [u8; AUTH_LEN] =
            auth.as_slice()
                .try_into()
                .map_err(|_| PushCryptoError::Length {
                    field: "auth",
                    expected: AUTH_LEN,
                    actual: auth.len(),
                })?;
        Ok(ClientKeys {
            public_bytes: point,
            auth,
        })
    }
}

/// Decodes base64url with or without `=` padding (the standard alphabet's `+` and `/` are
/// accepted too, as some client libraries send them).
fn decode_b64url(text: &str, field: &'static str) -> Result<Vec<u8>, PushCryptoError> {
    let trimmed = text.trim().trim_end_matches('=');
    let normalised: String = trimmed
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    URL_SAFE_NO_PAD
        .decode(normalised.as_bytes())
        .map_err(|_| PushCryptoError::Base64 { field })
}

/// Fills `buf` from the operating system's random number generator.
fn random_bytes(buf: &mut [u8]) -> Result<(), PushCryptoError> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| PushCryptoError::Random)
}

/// A fresh random P-256 secret key (rejection sampling: a draw of zero or ≥ n, probability
/// about 2⁻³², is drawn again).
pub(super) fn random_secret_key() -> Result<SecretKey, PushCryptoError> {
    loop {
        let mut bytes = [0u8; 32];
        random_bytes(&mut bytes)?;
        if let Ok(key) = SecretKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
}

/// Encrypts `plaintext` (at most [`MAX_PAYLOAD`] bytes) for one subscription, with a random
/// 16-byte salt and a fresh ephemeral P-256 key. The result is the complete request body for
/// `Content-Encoding: aes128gcm`.
pub fn encrypt(keys: &ClientKeys, plaintext: &[u8]) -> Result<Vec<u8>, PushCryptoError> {
    check_len(plaintext)?;
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| PushCryptoError::Random)?;
    let ephemeral = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| PushCryptoError::Random)?;
    let as_public: [u8; POINT_LEN] = ephemeral
        .compute_public_key()
        .map_err(|_| PushCryptoError::Random)?
        .as_ref()
        .try_into()
        .map_err(|_| PushCryptoError::InvalidSecretKey)?;
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, &keys.public_bytes);
    let ikm = agreement::agree_ephemeral(ephemeral, &peer, |ecdh_secret| {
        derive_ikm(keys, &as_public, ecdh_secret)
    })
    .map_err(|_| PushCryptoError::InvalidPoint)??;
    seal(plaintext, &salt, &as_public, &ikm)
}

/// [`encrypt`] with a caller-chosen salt and ephemeral secret key: deterministic, for the
/// RFC 8291 Appendix A test vector. Slower than [`encrypt`] (pure-Rust curve arithmetic), and a
/// salt/key pair must never be reused for real messages.
#[doc(hidden)]
pub fn encrypt_with(
    keys: &ClientKeys,
    plaintext: &[u8],
    salt: [u8; 16],
    ephemeral_secret: &[u8; 32],
) -> Result<Vec<u8>, PushCryptoError> {
    check_len(plaintext)?;
    let ephemeral =
        SecretKey::from_slice(ephemeral_secret).map_err(|_| PushCryptoError::InvalidSecretKey)?;
    let as_public: [u8; POINT_LEN] = ephemeral
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .try_into()
        .map_err(|_| PushCryptoError::InvalidSecretKey)?;
    let ua_public = PublicKey::from_sec1_bytes(&keys.public_bytes)
        .map_err(|_| PushCryptoError::InvalidPoint)?;
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), ua_public.as_affine());
    let ikm = derive_ikm(keys, &as_public, shared.raw_secret_bytes())?;
    seal(plaintext, &salt, &as_public, &ikm)
}

fn check_len(plaintext: &[u8]) -> Result<(), PushCryptoError> {
    if plaintext.len() > MAX_PAYLOAD {
        return Err(PushCryptoError::PayloadTooLarge {
            len: plaintext.len(),
            max: MAX_PAYLOAD,
        });
    }
    Ok(())
}

/// RFC 8291 §3.3–3.4: `PRK_key = HKDF-Extract(salt = auth_secret, IKM = ecdh_secret)`, then
/// `IKM = HKDF-Expand(PRK_key, "WebPush: info" || 0x00 || ua_public || as_public, 32)`.
fn derive_ikm(
    keys: &ClientKeys,
    as_public: &[u8; POINT_LEN],
    ecdh_secret: &[u8],
) -> Result<[u8; 32], PushCryptoError> {
    let mut key_info = [0u8; 14 + 2 * POINT_LEN];
    key_info[..14].copy_from_slice(b"WebPush: info\0");
    key_info[14..14 + POINT_LEN].copy_from_slice(&keys.public_bytes);
    key_info[14 + POINT_LEN..].copy_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), ecdh_secret)
        .expand(&key_info, &mut ikm)
        .map_err(|_| PushCryptoError::Encrypt)?;
    Ok(ikm)
}

/// RFC 8188 §2: `PRK = HKDF-Extract(salt, IKM)`, the content-encryption key and nonce expanded
/// from it, and the header followed by the single sealed record `plaintext || 0x02 || tag`
/// (record sequence number 0, so the nonce is used as derived).
fn seal(
    plaintext: &[u8],
    salt: &[u8; 16],
    as_public: &[u8; POINT_LEN],
    ikm: &[u8; 32],
) -> Result<Vec<u8>, PushCryptoError> {
    let prk = Hkdf::<Sha256>::new(Some(salt), ikm);
    let mut cek = [0u8; 16];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| PushCryptoError::Encrypt)?;
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| PushCryptoError::Encrypt)?;

    let mut body = Vec::with_capacity(HEADER_LEN + plaintext.len() + 1 + TAG_LEN);
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65); // idlen: the keyid is the 65-byte ephemeral public key
    body.extend_from_slice(as_public);
    body.extend_from_slice(plaintext);
    body.push(0x02); // last (and only) record, no padding
    let key =
        aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| PushCryptoError::Encrypt)?;
    let tag = aead::LessSafeKey::new(key)
        .seal_in_place_separate_tag(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::empty(),
            &mut body[HEADER_LEN..],
        )
        .map_err(|_| PushCryptoError::Encrypt)?;
    body.extend_from_slice(tag.as_ref());
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8291 Appendix A.
    const PLAINTEXT: &str = "When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    fn rfc_keys() -> ClientKeys {
        ClientKeys::parse(UA_PUBLIC, AUTH).unwrap()
    }

    /// The user agent's side of RFC 8291, written independently of `encrypt_with_key`'s buffer
    /// handling, to open messages in tests.
    fn decrypt(body: &[u8], ua_private: &SecretKey, auth: &[u8; 16]) -> Vec<u8> {
        let salt = &body[..16];
        assert_eq!(u32::from_be_bytes(body[16..20].try_into().unwrap()), 4096);
        let idlen = body[20] as usize;
        let as_public_bytes = &body[21..21 + idlen];
        let as_public = PublicKey::from_sec1_bytes(as_public_bytes).unwrap();
        let shared =
            p256::ecdh::diffie_hellman(ua_private.to_nonzero_scalar(), as_public.as_affine());
        let ua_public = ua_private.public_key().to_encoded_point(false);
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(ua_public.as_bytes());
        info.extend_from_slice(as_public_bytes);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut cek = [0u8; 16];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).unwrap());
        let mut record = body[21 + idlen..].to_vec();
        let opened = key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::empty(),
                &mut record,
            )
            .unwrap();
        let mut plaintext = opened.to_vec();
        assert_eq!(plaintext.pop(), Some(0x02), "last-record delimiter");
        plaintext
    }

    #[test]
    fn encrypt_with_reproduces_the_rfc_8291_appendix_a_message_byte_for_byte() {
        let salt: [u8; 16] = b64(SALT).try_into().unwrap();
        let secret: [u8; 32] = b64(AS_PRIVATE).try_into().unwrap();
        let body = encrypt_with(&rfc_keys(), PLAINTEXT.as_bytes(), salt, &secret).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), BODY);
    }

    #[test]
    fn the_rfc_message_decrypts_with_the_user_agent_private_key() {
        let ua_private = SecretKey::from_slice(&b64(UA_PRIVATE)).unwrap();
        let auth: [u8; 16] = b64(AUTH).try_into().unwrap();
        assert_eq!(
            decrypt(&b64(BODY), &ua_private, &auth),
            PLAINTEXT.as_bytes()
        );
    }

    #[test]
    fn encrypt_round_trips_with_a_fresh_salt_and_ephemeral_key_each_time() {
        let ua_private = random_secret_key().unwrap();
        let ua_public = ua_private.public_key().to_encoded_point(false);
        let auth = [7u8; 16];
        let keys = ClientKeys::parse(
            &URL_SAFE_NO_PAD.encode(ua_public.as_bytes()),
            &URL_SAFE_NO_PAD.encode(auth),
        )
        .unwrap();
        let message = br#"{"title":"Spill in bay 4","report":42}"#;
        let first = encrypt(&keys, message).unwrap();
        let second = encrypt(&keys, message).unwrap();
        assert_eq!(first.len(), HEADER_LEN + message.len() + 1 + TAG_LEN);
        assert_ne!(first[..16], second[..16], "salt is random");
        assert_ne!(first[21..86], second[21..86], "ephemeral key is fresh");
        assert_eq!(decrypt(&first, &ua_private, &auth), message);
        assert_eq!(decrypt(&second, &ua_private, &auth), message);
    }

    #[test]
    fn max_payload_fills_exactly_a_4096_byte_body_and_one_more_byte_is_refused() {
        assert_eq!(MAX_PAYLOAD, 3993);
        let keys = rfc_keys();
        let body = encrypt(&keys, &[b'x'; MAX_PAYLOAD]).unwrap();
        assert_eq!(body.len(), 4096);
        assert_eq!(
            encrypt(&keys, &[b'x'; MAX_PAYLOAD + 1]),
            Err(PushCryptoError::PayloadTooLarge {
                len: MAX_PAYLOAD + 1,
                max: MAX_PAYLOAD
            })
        );
    }

    #[test]
    fn client_keys_accept_padded_and_unpadded_base64url() {
        let padded_auth = format!("{AUTH}==");
        assert!(ClientKeys::parse(UA_PUBLIC, &padded_auth).is_ok());
        let padded_point = format!("{UA_PUBLIC}=");
        assert!(ClientKeys::parse(&padded_point, AUTH).is_ok());
    }

    #[test]
    fn client_keys_reject_wrong_lengths() {
        let short_point = URL_SAFE_NO_PAD.encode(&b64(UA_PUBLIC)[..64]);
        assert_eq!(
            ClientKeys::parse(&short_point, AUTH).unwrap_err(),
            PushCryptoError::Length {
                field: "p256dh",
                expected: 65,
                actual: 64
            }
        );
        let long_auth = URL_SAFE_NO_PAD.encode([1u8; 17]);
        assert!(matches!(
            ClientKeys::parse(UA_PUBLIC, &long_auth),
            Err(PushCryptoError::Length { field: "auth", .. })
        ));
        assert!(matches!(
            ClientKeys::parse(UA_PUBLIC, ""),
            Err(PushCryptoError::Length { field: "auth", .. })
        ));
        assert!(matches!(
            ClientKeys::parse("not base64!", AUTH),
            Err(PushCryptoError::Base64 { field: "p256dh" })
        ));
    }

    #[test]
    fn client_keys_reject_points_off_the_curve_and_compressed_points() {
        let mut off_curve = b64(UA_PUBLIC);
        off_curve[64] ^= 1;
        assert_eq!(
            ClientKeys::parse(&URL_SAFE_NO_PAD.encode(&off_curve), AUTH).unwrap_err(),
            PushCryptoError::InvalidPoint
        );
        let mut zeros = [0u8; 65];
        zeros[0] = 4;
        assert_eq!(
            ClientKeys::parse(&URL_SAFE_NO_PAD.encode(zeros), AUTH).unwrap_err(),
            PushCryptoError::InvalidPoint
        );
        let mut wrong_tag = b64(UA_PUBLIC);
        wrong_tag[0] = 0x02;
        assert_eq!(
            ClientKeys::parse(&URL_SAFE_NO_PAD.encode(&wrong_tag), AUTH).unwrap_err(),
            PushCryptoError::InvalidPoint
        );
    }

    #[test]
    fn encrypt_with_refuses_a_zero_ephemeral_secret() {
        assert_eq!(
            encrypt_with(&rfc_keys(), b"x", [0; 16], &[0; 32]),
            Err(PushCryptoError::InvalidSecretKey)
        );
    }

    #[test]
    fn debug_output_does_not_reveal_the_auth_secret() {
        let shown = format!("{:?}", rfc_keys());
        assert!(!shown.contains(AUTH), "{shown}");
    }
}
