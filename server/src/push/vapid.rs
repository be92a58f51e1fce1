//! VAPID (RFC 8292): the server's P-256 identity towards push services.
//!
//! This module owns the application server key pair (its 32-byte secret as stored in the
//! database, its public key as the browser's `applicationServerKey`), the ES256-signed JWT and
//! the `Authorization: vapid t=…, k=…` header built from it, and [`origin_of`], which names the
//! push service an endpoint belongs to (the JWT's `aud`, and the key for per-origin limits).

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::SecretKey;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

use super::ece::{random_secret_key, PushCryptoError};

/// base64url of the JWT header `{"typ":"JWT","alg":"ES256"}`.
const JWT_HEADER_B64: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9";

/// The application server's VAPID key pair (P-256). Cheap to clone (the signer is shared).
///
/// Signing runs on `ring` (several times faster than the pure-Rust curve); the `p256` key is
/// kept to derive the public key from a stored secret, to hand the secret back for storage, and
/// to sign deterministically (RFC 6979) should `ring`'s random nonce source ever fail.
#[derive(Clone)]
pub struct VapidKey {
    /// The signer used for every JWT.
    fast: Arc<EcdsaKeyPair>,
    /// The same key for the pure-Rust fallback signer and [`VapidKey::secret_bytes`].
    signing: SigningKey,
    /// The 65-byte uncompressed public key, base64url without padding.
    public_b64: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public_b64)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// A new random key pair.
    ///
    /// # Panics
    /// Only if the operating system's random number generator fails, which leaves no safe way to
    /// make a key.
    pub fn generate() -> VapidKey {
        match random_secret_key().and_then(|secret| VapidKey::from_secret(&secret)) {
            Ok(key) => key,
            Err(err) => panic!("cannot generate a VAPID key: {err}"),
        }
    }

    /// The key pair for a stored 32-byte big-endian P-256 secret scalar (see
    /// [`VapidKey::secret_bytes`]); refuses other lengths, zero and values not below the group
    /// order.
    pub fn from_secret_bytes(b: &[u8]) -> Result<VapidKey, PushCryptoError> {
        if b.len() != 32 {
            return Err(PushCryptoError::Length {
                field: "VAPID secret key",
                expected: 32,
                actual: b.len(),
            });
        }
        let secret = SecretKey::from_slice(b).map_err(|_| PushCryptoError::InvalidSecretKey)?;
        VapidKey::from_secret(&secret)
    }

    fn from_secret(secret: &SecretKey) -> Result<VapidKey, PushCryptoError> {
        let public = secret.public_key().to_encoded_point(false);
        let fast = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &secret.to_bytes(),
            public.as_bytes(),
            &SystemRandom::new(),
        )
        .map_err(|_| PushCryptoError::InvalidSecretKey)?;
        Ok(VapidKey {
            fast: Arc::new(fast),
            signing: SigningKey::from(secret),
            public_b64: URL_SAFE_NO_PAD.encode(public.as_bytes()),
        })
    }

    /// The 32-byte big-endian secret scalar, for storage; [`VapidKey::from_secret_bytes`] reads
    /// it back.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes().into()
    }

    /// 65-byte uncompressed public key, base64url without padding (the browser's
    /// `applicationServerKey`, and the `k=` of [`VapidKey::authorization`]).
    pub fn public_key_b64url(&self) -> String {
        self.public_b64.clone()
    }

    /// `Authorization` header value: `vapid t=<JWT>, k=<public key b64url>`.
    ///
    /// The JWT's header is `{"typ":"JWT","alg":"ES256"}`, its claims
    /// `{"aud": audience, "exp": expires_unix, "sub": subject}`, where `audience` is the push
    /// endpoint's origin ([`origin_of`]), `expires_unix` at most 24 hours ahead (push services
    /// refuse more) and `subject` a `mailto:` or `https:` contact. The signature is ECDSA P-256
    /// with SHA-256 as raw `r || s` (64 bytes), base64url. The same value may be reused for
    /// every message to that origin until shortly before `exp`.
    pub fn authorization(&self, audience: &str, subject: &str, expires_unix: u64) -> String {
        let claims = serde_json::json!({ "aud": audience, "exp": expires_unix, "sub": subject });
        let mut jwt = String::with_capacity(256);
        jwt.push_str(JWT_HEADER_B64);
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(claims.to_string(), &mut jwt);
        let signature = self.sign(jwt.as_bytes());
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jwt);
        format!("vapid t={jwt}, k={}", self.public_b64)
    }

    /// ES256 signature of `message` as raw `r || s`.
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self.fast.sign(&SystemRandom::new(), message) {
            Ok(signature) => signature.as_ref().to_vec(),
            Err(_) => self.sign_deterministic(message),
        }
    }

    /// The fallback signer: RFC 6979 deterministic ECDSA, which needs no random source.
    fn sign_deterministic(&self, message: &[u8]) -> Vec<u8> {
        let signature: Signature = self.signing.sign(message);
        signature.to_bytes().to_vec()
    }
}

/// The origin of an endpoint URL ("https://fcm.googleapis.com/fcm/send/abc" →
/// "https://fcm.googleapis.com"), for `aud` and for per-origin concurrency caps; Err for
/// non-http(s) or malformed URLs.
///
/// The origin is serialised as browsers do: lower-case scheme and host, the port only when it is
/// not the scheme's default. URLs with user information (`user@host`) are refused.
pub fn origin_of(endpoint: &str) -> Result<String, PushCryptoError> {
    let bad = |why: &str| PushCryptoError::InvalidEndpoint(format!("{why}: {endpoint:?}"));
    let uri: http::Uri = endpoint.parse().map_err(|_| bad("not a URL"))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| bad("not an absolute URL"))?
        .to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad("scheme is not http or https")),
    };
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("user information is not allowed"));
    }
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() || host == "[]" {
        return Err(bad("no host"));
    }
    // What follows the host is "" or ":" and the port, which may be empty (the default port).
    let port = match authority.as_str().get(authority.host().len()..) {
        None | Some("" | ":") => None,
        Some(rest) => Some(
            rest.strip_prefix(':')
                .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse::<u16>().ok())
                .ok_or_else(|| bad("invalid port"))?,
        ),
    };
    match port {
        Some(port) if port != default_port => Ok(format!("{scheme}://{host}:{port}")),
        _ => Ok(format!("{scheme}://{host}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

    /// Splits `vapid t=<jwt>, k=<key>` and checks the JWT the way a push service does; returns
    /// the decoded claims.
    fn verify(header: &str) -> serde_json::Value {
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (jwt, key) = rest.split_once(", k=").unwrap();
        let public = URL_SAFE_NO_PAD.decode(key).unwrap();
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        assert_eq!(signature.len(), 64, "raw r||s");
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(signed.as_bytes(), &signature)
            .unwrap();
        let (head, claims) = signed.split_once('.').unwrap();
        let head: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).unwrap()).unwrap();
        assert_eq!(head, serde_json::json!({"typ": "JWT", "alg": "ES256"}));
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()
    }

    #[test]
    fn authorization_carries_a_jwt_that_verifies_with_the_public_key_and_holds_the_claims() {
        let key = VapidKey::generate();
        let header = key.authorization(
            "https://push.example.net",
            "mailto:push@safesnap.invalid",
            1_900_000_000,
        );
        assert!(header.ends_with(&format!(", k={}", key.public_key_b64url())));
        assert_eq!(
            verify(&header),
            serde_json::json!({
                "aud": "https://push.example.net",
                "exp": 1_900_000_000u64,
                "sub": "mailto:push@safesnap.invalid",
            })
        );
    }

    #[test]
    fn a_tampered_jwt_does_not_verify() {
        let key = VapidKey::generate();
        let header = key.authorization("https://a.example", "mailto:x@y.invalid", 1);
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        let forged = signed.replace(
            &URL_SAFE_NO_PAD
                .encode(r#"{"aud":"https://a.example","exp":1,"sub":"mailto:x@y.invalid"}"#),
            &URL_SAFE_NO_PAD
                .encode(r#"{"aud":"https://b.example","exp":1,"sub":"mailto:x@y.invalid"}"#),
        );
        assert_ne!(forged, signed);
        let public = URL_SAFE_NO_PAD.decode(k).unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        let verifier = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public);
        assert!(verifier.verify(signed.as_bytes(), &signature).is_ok());
        assert!(verifier.verify(forged.as_bytes(), &signature).is_err());
    }

    #[test]
    fn the_deterministic_fallback_signature_verifies_too() {
        let key = VapidKey::generate();
        let public = URL_SAFE_NO_PAD.decode(key.public_key_b64url()).unwrap();
        let signature = key.sign_deterministic(b"header.claims");
        assert_eq!(signature.len(), 64);
        assert_eq!(signature, key.sign_deterministic(b"header.claims"));
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(b"header.claims", &signature)
            .unwrap();
    }

    #[test]
    fn claims_with_quotes_are_escaped_as_json() {
        let key = VapidKey::generate();
        let claims = verify(&key.authorization("https://a.example", "mailto:\"odd\"@x.invalid", 5));
        assert_eq!(claims["sub"], "mailto:\"odd\"@x.invalid");
    }

    #[test]
    fn secret_bytes_round_trip_to_the_same_public_key() {
        let key = VapidKey::generate();
        let again = VapidKey::from_secret_bytes(&key.secret_bytes()).unwrap();
        assert_eq!(again.public_key_b64url(), key.public_key_b64url());
        assert_eq!(again.secret_bytes(), key.secret_bytes());
        let public = URL_SAFE_NO_PAD.decode(key.public_key_b64url()).unwrap();
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 0x04);
    }

    #[test]
    fn the_public_key_matches_a_known_secret() {
        // RFC 8291 Appendix A's application server key pair.
        let secret = URL_SAFE_NO_PAD
            .decode("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")
            .unwrap();
        let key = VapidKey::from_secret_bytes(&secret).unwrap();
        assert_eq!(
            key.public_key_b64url(),
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
        );
    }

    #[test]
    fn from_secret_bytes_refuses_wrong_lengths_zero_and_out_of_range_scalars() {
        assert!(matches!(
            VapidKey::from_secret_bytes(&[1; 31]),
            Err(PushCryptoError::Length { actual: 31, .. })
        ));
        assert_eq!(
            VapidKey::from_secret_bytes(&[0; 32]).unwrap_err(),
            PushCryptoError::InvalidSecretKey
        );
        assert_eq!(
            VapidKey::from_secret_bytes(&[0xff; 32]).unwrap_err(),
            PushCryptoError::InvalidSecretKey
        );
    }

    #[test]
    fn debug_output_does_not_reveal_the_secret() {
        let key = VapidKey::generate();
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.public_key_b64url()));
        assert!(!shown.contains(&URL_SAFE_NO_PAD.encode(key.secret_bytes())));
    }

    #[test]
    fn origin_of_keeps_scheme_host_and_non_default_port() {
        for (endpoint, origin) in [
            (
                "https://fcm.googleapis.com/fcm/send/abc",
                "https://fcm.googleapis.com",
            ),
            (
                "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
                "https://updates.push.services.mozilla.com",
            ),
            ("http://127.0.0.1:8931/push/17", "http://127.0.0.1:8931"),
            (
                "https://Push.Example.COM:443/x?y=1#z",
                "https://push.example.com",
            ),
            ("http://push.example:80/", "http://push.example"),
            ("https://push.example:8443", "https://push.example:8443"),
            ("HTTPS://push.example/a", "https://push.example"),
            ("http://[::1]:9000/push/1", "http://[::1]:9000"),
            ("https://push.example:/x", "https://push.example"),
        ] {
            assert_eq!(origin_of(endpoint).unwrap(), origin, "{endpoint}");
        }
    }

    #[test]
    fn origin_of_refuses_other_schemes_and_malformed_urls() {
        for endpoint in [
            "",
            "fcm.googleapis.com/fcm/send/abc",
            "/push/1",
            "ftp://push.example/x",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://user:pw@push.example/x",
            "https://push example/x",
            "https://push.example:99999/x",
            "https://push.example:+1/x",
        ] {
            assert!(
                matches!(
                    origin_of(endpoint),
                    Err(PushCryptoError::InvalidEndpoint(_))
                ),
                "{endpoint:?} -> {:?}",
                origin_of(endpoint)
            );
        }
    }
}
