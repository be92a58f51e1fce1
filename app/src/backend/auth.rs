//! Accounts: passwords (argon2id), sessions (a random token in an HttpOnly cookie; only its hash
//! is stored), idle and absolute expiry, brute-force lock-out, and loading who is asking (an
//! [`Actor`] with roles and scopes).

use super::{audit, BeginWrite, Db};
pub use crate::views::SessionInfo;
use crate::{
    db_run,
    domain::{
        phone::{mask, PhoneNumber},
        policy::{Actor, Role},
    },
};
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Who is asking, as the server's middleware found it (put in the request's extensions; pages
/// and server functions read it from there).
#[derive(Debug, Clone, Default)]
pub struct CurrentUser {
    pub actor: Option<Actor>,
    pub display_name: Option<String>,
    /// The session token (to keep this session when others are ended).
    pub token: Option<String>,
}

/// The session cookie.
pub const SESSION_COOKIE: &str = "ss_session";
/// A session unused for this long ends.
pub const SESSION_IDLE_MS: i64 = 12 * 3600 * 1000;
/// A session ends this long after sign-in, used or not.
pub const SESSION_ABSOLUTE_MS: i64 = 7 * 24 * 3600 * 1000;
/// After this many wrong passwords in a row an account is locked…
pub const LOCKOUT_AFTER_FAILURES: i32 = 5;
/// …for this long.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// `last_seen_at` is written at most this often per session (saves a write per request).
const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of nothing anybody knows: checked when the account does not exist, so that a wrong
/// username takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password nobody has").unwrap_or_default())
}

/// A random password of 16 characters from an unambiguous alphabet (about 80 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    let mut bytes = [0u8; 16];
    // No randomness from the operating system is a broken machine: better to stop than to issue
    // a guessable password.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A new random session token and its stored id.
fn new_token() -> Result<(String, String), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let id = token_id(&token);
    Ok((token, id))
}

/// The stored id of a token: its SHA-256.
pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why a sign-in failed. The message shown never says which of username or password was wrong.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown account or wrong password.
    Wrong,
    /// Too many wrong passwords: try again after this many milliseconds.
    Locked(i64),
    Disabled,
    Internal(String),
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Internal(e.to_string())
    }
}

/// A started session: the cookie value to set.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub user_id: Uuid,
    pub expires_at: i64,
}

/// Who an account is, as sign-in sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct LoginRow {
    id: Uuid,
    password_hash: Option<String>,
    disabled: bool,
    failed_logins: i32,
    locked_until: Option<i64>,
}

/// What someone typed to sign in: a username, or a phone number.
fn login_key(login: &str) -> (Option<String>, Option<String>) {
    match PhoneNumber::parse(login) {
        Ok(p) => (None, Some(p.as_str().to_string())),
        Err(_) => (Some(login.trim().to_string()), None),
    }
}

/// How a login is shown in logs: masked if it is a phone number.
pub fn login_for_log(login: &str) -> String {
    match PhoneNumber::parse(login) {
        Ok(p) => p.masked(),
        Err(_) => login.trim().chars().take(40).collect(),
    }
}

/// Checks the password and starts a new session (never reusing one the browser already had).
pub async fn login(
    db: &Db,
    login: &str,
    password: &str,
    address: &str,
    user_agent: &str,
    now: i64,
) -> Result<NewSession, LoginError> {
    let (username, phone) = login_key(login);
    let row: Option<LoginRow> = db_run!(db, |pool| sqlx::query_as(
        "SELECT id, password_hash, disabled, failed_logins, locked_until FROM users
         WHERE ($1 IS NOT NULL AND username = $1) OR ($2 IS NOT NULL AND phone = $2)"
    )
    .bind(&username)
    .bind(&phone)
    .fetch_optional(pool)
    .await)
    .map_err(|e| LoginError::Internal(e.to_string()))?;

    let shown = login_for_log(login);
    let Some(user) = row else {
        let _ = verify_password(password, decoy_hash());
        let detail = serde_json::json!({ "login": shown, "reason": "unknown account" }).to_string();
        let _ = audit::record(
            db,
            audit::Entry {
                at: now,
                action: "login_failed",
                address,
                detail,
                ..Default::default()
            },
        )
        .await;
        return Err(LoginError::Wrong);
    };
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        let detail = serde_json::json!({ "login": shown, "reason": "locked" }).to_string();
        let _ = audit::record(
            db,
            audit::Entry {
                at: now,
                actor: None,
                action: "login_failed",
                subject_type: Some("user"),
                subject_id: Some(user.id.to_string()),
                address,
                detail,
            },
        )
        .await;
        return Err(LoginError::Locked(until - now));
    }
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| verify_password(password, h));
    if !ok {
        let failures = user.failed_logins + 1;
        let locked_until = (failures >= LOCKOUT_AFTER_FAILURES).then_some(now + LOCKOUT_MS);
        let _ = db_run!(db, |pool| sqlx::query(
            "UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3"
        )
        .bind(if locked_until.is_some() { 0 } else { failures })
        .bind(locked_until)
        .bind(user.id)
        .execute(pool)
        .await
        .map(|_| ()));
        let detail =
            serde_json::json!({ "login": shown, "reason": "wrong password", "failures": failures })
                .to_string();
        let _ = audit::record(
            db,
            audit::Entry {
                at: now,
                actor: None,
                action: "login_failed",
                subject_type: Some("user"),
                subject_id: Some(user.id.to_string()),
                address,
                detail,
            },
        )
        .await;
        return Err(match locked_until {
            Some(until) => LoginError::Locked(until - now),
            None => LoginError::Wrong,
        });
    }
    if user.disabled {
        let detail = serde_json::json!({ "login": shown, "reason": "disabled" }).to_string();
        let _ = audit::record(
            db,
            audit::Entry {
                at: now,
                actor: None,
                action: "login_failed",
                subject_type: Some("user"),
                subject_id: Some(user.id.to_string()),
                address,
                detail,
            },
        )
        .await;
        return Err(LoginError::Disabled);
    }
    let (token, id) = new_token().map_err(LoginError::Internal)?;
    let expires_at = now + SESSION_ABSOLUTE_MS;
    let agent: String = user_agent.chars().take(200).collect();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, address, user_agent)
             VALUES ($1, $2, $3, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user.id)
        .bind(now)
        .bind(expires_at)
        .bind(address)
        .bind(&agent)
        .execute(&mut *tx)
        .await?;
        sqlx::query(audit::INSERT)
            .bind(Uuid::now_v7())
            .bind(now)
            .bind(user.id)
            .bind("login")
            .bind("user")
            .bind(user.id.to_string())
            .bind(address)
            .bind(serde_json::json!({ "login": shown }).to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(NewSession {
        token,
        user_id: user.id,
        expires_at,
    })
}

/// The session a cookie names, if it is still valid (not idle too long, not past its end, the
/// user not disabled). Refreshes `last_seen_at`.
pub async fn session_user(db: &Db, token: &str, now: i64) -> Result<Option<Uuid>, sqlx::Error> {
    let id = token_id(token);
    let row: Option<(Uuid, i64, i64, bool)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT s.user_id, s.last_seen_at, s.expires_at, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
    )
    .bind(&id)
    .fetch_optional(pool)
    .await
    })?;
    let Some((user_id, last_seen, expires_at, disabled)) = row else {
        return Ok(None);
    };
    if disabled || now > expires_at || now - last_seen > SESSION_IDLE_MS {
        db_run!(db, |pool| sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(&id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        return Ok(None);
    }
    if now - last_seen > TOUCH_EVERY_MS {
        db_run!(db, |pool| sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(&id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    }
    Ok(Some(user_id))
}

/// Ends one session (sign-out).
pub async fn end_session(db: &Db, token: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let id = token_id(token);
    let user: Option<Uuid> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT user_id FROM sessions WHERE id = $1"
    )
    .bind(&id)
    .fetch_optional(pool)
    .await)?;
    db_run!(db, |pool| sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(user)
}

pub async fn sessions_of(db: &Db, user: Uuid) -> Result<Vec<SessionInfo>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT id, created_at, last_seen_at, address, user_agent FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC"
    )
    .bind(user)
    .fetch_all(pool)
    .await
    })
}

/// Ends one of the user's own sessions by its id (from the account page).
pub async fn end_own_session(db: &Db, user: Uuid, session_id: &str) -> Result<bool, sqlx::Error> {
    let n = db_run!(db, |pool| sqlx::query(
        "DELETE FROM sessions WHERE id = $1 AND user_id = $2"
    )
    .bind(session_id)
    .bind(user)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The display name of a user.
pub async fn display_name(db: &Db, user: Uuid) -> Result<Option<String>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT display_name FROM users WHERE id = $1"
    )
    .bind(user)
    .fetch_optional(pool)
    .await)
}

/// Loads who a user is: roles and every scope, in one round trip (it runs on every request).
pub async fn actor(db: &Db, user: Uuid) -> Result<Option<Actor>, sqlx::Error> {
    type Row = (String, Option<String>, Option<String>, Option<Uuid>);
    let rows: Vec<Row> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT 'user', CASE WHEN disabled THEN 'disabled' ELSE 'enabled' END, CAST(NULL AS TEXT), CAST(NULL AS UUID)
           FROM users WHERE id = $1
         UNION ALL SELECT 'role', role, NULL, NULL FROM user_roles WHERE user_id = $1
         UNION ALL SELECT 'coverage', district_code, industry_code, NULL FROM inspector_coverage WHERE user_id = $1
         UNION ALL SELECT 'mine', NULL, NULL, enterprise_id FROM mine_supervisors WHERE user_id = $1
         UNION ALL SELECT 'officer', NULL, NULL, enterprise_id FROM enterprise_officers WHERE user_id = $1
         UNION ALL SELECT 'admin', COALESCE(district_code, ''), NULL, NULL FROM admin_scopes WHERE user_id = $1"
    )
    .bind(user)
    .fetch_all(pool)
    .await
    })?;
    let enabled = rows
        .iter()
        .any(|r| r.0 == "user" && r.1.as_deref() == Some("enabled"));
    if !enabled {
        return Ok(None);
    }
    let mut actor = Actor {
        user_id: user,
        roles: Default::default(),
        coverage: Default::default(),
        mines: Default::default(),
        enterprises: Default::default(),
        admin_of: None,
    };
    for (kind, a, b, e) in rows {
        match (kind.as_str(), a, b, e) {
            ("role", Some(r), _, _) => actor.roles.extend(Role::parse(&r)),
            ("coverage", Some(d), Some(i), _) => {
                actor.coverage.insert((d, i));
            }
            ("mine", _, _, Some(e)) => {
                actor.mines.insert(e);
            }
            ("officer", _, _, Some(e)) => {
                actor.enterprises.insert(e);
            }
            ("admin", Some(d), _, _) => actor.admin_of = Some((!d.is_empty()).then_some(d)),
            _ => {}
        }
    }
    Ok(Some(actor))
}

/// The value of a cookie in a `Cookie:` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Masks every phone number in a free text (for log lines).
pub fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '1'
            && i + 11 <= chars.len()
            && chars[i..i + 11].iter().all(|c| c.is_ascii_digit())
        {
            let s: String = chars[i..i + 11].iter().collect();
            if PhoneNumber::parse(&s).is_ok() {
                out.push_str(&mask(&s));
                i += 11;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, id_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(id_a, token_id(&a));
        assert_ne!(id_a, a);
    }

    #[test]
    fn a_login_is_a_phone_number_or_a_username() {
        assert_eq!(
            login_key("138 1234 5678"),
            (None, Some("13812345678".into()))
        );
        assert_eq!(
            login_key(" zhang.inspector "),
            (Some("zhang.inspector".into()), None)
        );
        assert_eq!(login_for_log("13812345678"), "138****5678");
    }

    #[test]
    fn phone_numbers_in_log_text_are_masked() {
        assert_eq!(masked("call 13812345678 now"), "call 138****5678 now");
        assert_eq!(masked("order 12345678901"), "order 12345678901");
        assert_eq!(
            cookie_value("a=1; ss_session=abc; b=2", "ss_session"),
            Some("abc")
        );
    }
}
