//! Who is asking: the session cookie and its rules (idle and absolute expiry, the growing wait
//! after wrong passwords), loading a user as an [`Actor`] with roles and scopes, and one's sessions as
//! the account page lists them. Signing in and out, and every other write to sessions, is
//! `server::store::sessions`; passwords are `server::store::users`'.

use super::Db;
pub use crate::views::SessionInfo;
use crate::{
    db_run,
    domain::{
        phone::{mask, PhoneNumber},
        policy::{Actor, Role},
    },
};
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
/// Wrong passwords in a row for one login (an account or not) before each try must wait…
pub const FREE_FAILURES_PER_LOGIN: i64 = 3;
/// …and from one address (a factory's workers may share one).
pub const FREE_FAILURES_PER_ADDRESS: i64 = 10;
/// The first wait; each further wrong password doubles it…
pub const SIGN_IN_DELAY_BASE_MS: i64 = 1000;
/// …up to this. Nobody is locked out: a browser that signed in to the account before (the
/// `ss_known` cookie) counts on its own, and the right password after the wait signs in.
pub const SIGN_IN_DELAY_MAX_MS: i64 = 5 * 60 * 1000;
/// A counter with no try for this long is forgotten.
pub const SIGN_IN_MEMORY_MS: i64 = 24 * 3600 * 1000;
/// The cookie of a browser that has signed in to an account (the keyed hash of its id).
pub const KNOWN_DEVICE_COOKIE: &str = "ss_known";
/// How long a browser stays known.
pub const KNOWN_DEVICE_MS: i64 = 365 * 24 * 3600 * 1000;

/// The stored id of a token: its SHA-256.
pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How a login is shown in logs: masked if it is a phone number.
pub fn login_for_log(login: &str) -> String {
    match PhoneNumber::parse(login) {
        Ok(p) => p.masked(),
        Err(_) => login.trim().chars().take(40).collect(),
    }
}

/// One's sessions, most recently used first (the account page lists them).
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
    fn phone_numbers_in_log_text_are_masked() {
        assert_eq!(masked("call 13812345678 now"), "call 138****5678 now");
        assert_eq!(masked("order 12345678901"), "order 12345678901");
        assert_eq!(
            cookie_value("a=1; ss_session=abc; b=2", "ss_session"),
            Some("abc")
        );
    }
}
