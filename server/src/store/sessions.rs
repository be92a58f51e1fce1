//! Sign-in and sessions: the `sessions` table (a random token in an HttpOnly cookie, only its
//! SHA-256 stored), the failed-sign-in counters (`sign_in_failures`) with their growing wait,
//! the known-device cookie, and the audit rows of signing in and out. A session ends when idle too long, at its absolute end, or when its user
//! is disabled; `last_seen_at` is written at most once a minute. Listing one's sessions is
//! `app::backend::auth`.

use crate::store::{
    audit::{self, audit_row, Entry},
    users::{decoy_hash, verify_password},
};
use app::{
    backend::{
        auth::{
            login_for_log, token_id, FREE_FAILURES_PER_ADDRESS, FREE_FAILURES_PER_LOGIN,
            SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, SIGN_IN_DELAY_BASE_MS, SIGN_IN_DELAY_MAX_MS,
            SIGN_IN_MEMORY_MS,
        },
        keyed::{purpose, KeyedHash},
        BeginWrite, Db,
    },
    db_run,
    domain::phone::PhoneNumber,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use uuid::Uuid;

/// `last_seen_at` is written at most this often per session (saves a write per request).
const TOUCH_EVERY_MS: i64 = 60 * 1000;
/// Longest user agent kept with a session.
const MAX_AGENT_CHARS: usize = 200;

/// Why a sign-in failed. The message shown never says which of username or password was wrong,
/// nor whether the account exists.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown account or wrong password.
    #[error("wrong login or password")]
    Wrong,
    /// Several wrong passwords for this login or from this address: the next try is allowed
    /// after this many milliseconds (the password was not checked).
    #[error("wait {0} ms")]
    Wait(i64),
    #[error("the account is disabled")]
    Disabled,
    #[error("no session token: {0}")]
    Token(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A sign-in attempt (never printed: it holds the password).
pub struct Attempt<'a> {
    /// A username or a phone number, as typed.
    pub login: &'a str,
    pub password: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
    /// The session the browser had (ended when this one starts: a fresh id at every sign-in).
    pub replaces: Option<&'a str>,
    /// The browser's known-device cookie (`ss_known`), if it sent one.
    pub known: Option<&'a str>,
}

/// A started session: the cookie value to set, and the known-device cookie's value for this
/// account.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub user_id: Uuid,
    pub expires_at: i64,
    pub known: String,
}

/// The keys sign-in counts and recognises with (derived from the server secret).
#[derive(Clone, Debug)]
pub struct SignInKeys {
    /// Names the failure counters: of what was typed, and of the address.
    pub counters: KeyedHash,
    /// The known-device cookie: the keyed hash of the account's id.
    pub devices: KeyedHash,
    /// Finds the account of a phone number typed as the login.
    pub phones: app::backend::vault::PhoneHash,
}

impl SignInKeys {
    pub fn from_secret(secret: &[u8]) -> SignInKeys {
        SignInKeys {
            counters: KeyedHash::from_secret(secret, purpose::SIGN_IN),
            devices: KeyedHash::from_secret(secret, purpose::KNOWN_DEVICE),
            phones: app::backend::vault::PhoneHash::from_secret(secret),
        }
    }

    /// The known-device cookie's value for an account.
    pub fn known_device(&self, user: Uuid) -> String {
        self.devices.hex(&user.to_string())
    }
}

/// Who an account is, as sign-in sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct LoginRow {
    id: Uuid,
    password_hash: Option<String>,
    disabled: bool,
}

/// What someone typed to sign in: a username, or a phone number.
fn login_key(login: &str) -> (Option<String>, Option<String>) {
    match PhoneNumber::parse(login) {
        Ok(p) => (None, Some(p.as_str().to_string())),
        Err(_) => (Some(login.trim().to_string()), None),
    }
}

/// A new random session token and its stored id.
fn new_token() -> Result<(String, String), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let id = token_id(&token);
    Ok((token, id))
}

/// The wait after the `failures`-th wrong password in a row: none for the first
/// `free` ones, then `SIGN_IN_DELAY_BASE_MS`, doubling, at most `SIGN_IN_DELAY_MAX_MS`.
pub fn delay_after(failures: i64, free: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let doublings = u32::try_from((failures - free - 1).min(30)).unwrap_or(30);
    SIGN_IN_DELAY_BASE_MS
        .saturating_mul(1 << doublings)
        .min(SIGN_IN_DELAY_MAX_MS)
}

/// The failure counters an attempt is counted on, and how many failures each lets pass
/// without a wait.
fn counters(keys: &SignInKeys, attempt: &Attempt<'_>, user: Option<Uuid>) -> Vec<(String, i64)> {
    // A browser that signed in to this account before counts on its own: strangers guessing
    // elsewhere cannot make the owner wait.
    let known = user
        .zip(attempt.known)
        .is_some_and(|(u, cookie)| keys.devices.matches(&u.to_string(), cookie));
    let (username, phone) = login_key(attempt.login);
    let typed = phone.or(username).unwrap_or_default();
    let account = if known {
        format!(
            "device:{}",
            keys.counters.hex(&format!("{typed}\n{}", attempt.address))
        )
    } else {
        format!("login:{}", keys.counters.hex(&typed))
    };
    let mut list = vec![(account, FREE_FAILURES_PER_LOGIN)];
    if !known {
        list.push((
            format!("address:{}", keys.counters.hex(attempt.address)),
            FREE_FAILURES_PER_ADDRESS,
        ));
    }
    list
}

/// Counts one try on each counter before the password is checked, in one write transaction: the
/// upsert takes the counter's row lock, so parallel tries are each counted, in turn.
/// `Err(wait)` when a counter is still waiting: nothing is counted, the password is not checked.
async fn take_turn(
    db: &Db,
    counters: &[(String, i64)],
    now: i64,
) -> Result<Result<(), i64>, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE updated_at < $1")
            .bind(now - SIGN_IN_MEMORY_MS)
            .execute(&mut *tx)
            .await?;
        for (key, free) in counters {
            let failures: Option<i64> = sqlx::query_scalar(
                "INSERT INTO sign_in_failures (key, failures, retry_at, updated_at) VALUES ($1, 1, 0, $2)
                 ON CONFLICT (key) DO UPDATE SET failures = sign_in_failures.failures + 1, updated_at = $2
                 WHERE sign_in_failures.retry_at <= $2
                 RETURNING failures",
            )
            .bind(key)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(failures) = failures else {
                let retry_at: i64 =
                    sqlx::query_scalar("SELECT retry_at FROM sign_in_failures WHERE key = $1")
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await?;
                tx.rollback().await?;
                return Ok(Err(retry_at - now));
            };
            sqlx::query("UPDATE sign_in_failures SET retry_at = $1 WHERE key = $2")
                .bind(now + delay_after(failures, *free))
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    })
}

/// Checks the password and starts a new session. Every try is counted before the password is
/// checked, on what was typed (an account or not: the answers are the same) and on the address;
/// after a few wrong ones each counter makes the next try wait, doubling. A browser that signed
/// in to the account before has its own counter. Every refusal is in the audit log (the login
/// masked when it is a phone number).
#[tracing::instrument(skip_all)]
pub async fn login(
    db: &Db,
    keys: &SignInKeys,
    attempt: &Attempt<'_>,
    now: i64,
) -> Result<NewSession, LoginError> {
    let (username, phone) = login_key(attempt.login);
    let phone = phone.map(|p| keys.phones.of(&p));
    let row: Option<LoginRow> = db_run!(db, |pool| sqlx::query_as(
        "SELECT id, password_hash, disabled FROM users
         WHERE ($1 IS NOT NULL AND username = $1) OR ($2 IS NOT NULL AND phone = $2)"
    )
    .bind(&username)
    .bind(&phone)
    .fetch_optional(pool)
    .await)?;

    let shown = login_for_log(attempt.login);
    let failed = |subject: Option<Uuid>, detail: serde_json::Value| Entry {
        at: now,
        actor: None,
        action: "login_failed",
        subject_type: subject.map(|_| "user"),
        subject_id: subject.map(|id| id.to_string()),
        address: attempt.address,
        detail: detail.to_string(),
    };
    let user_id = row.as_ref().map(|u| u.id);
    let counted = counters(keys, attempt, user_id);
    if let Err(wait) = take_turn(db, &counted, now).await? {
        let detail = serde_json::json!({ "login": shown, "reason": "waiting" });
        audit::record(db, failed(user_id, detail)).await?;
        return Err(LoginError::Wait(wait));
    }
    let ok = match &row {
        Some(user) => user
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(attempt.password, h)),
        None => {
            let _ = verify_password(attempt.password, decoy_hash());
            false
        }
    };
    let Some(user) = row.filter(|_| ok) else {
        let reason = if user_id.is_some() {
            "wrong password"
        } else {
            "unknown account"
        };
        let detail = serde_json::json!({ "login": shown, "reason": reason });
        audit::record(db, failed(user_id, detail)).await?;
        return Err(LoginError::Wrong);
    };
    if user.disabled {
        let detail = serde_json::json!({ "login": shown, "reason": "disabled" });
        audit::record(db, failed(Some(user.id), detail)).await?;
        return Err(LoginError::Disabled);
    }
    let (token, id) = new_token().map_err(LoginError::Token)?;
    let expires_at = now + SESSION_ABSOLUTE_MS;
    let agent: String = attempt.user_agent.chars().take(MAX_AGENT_CHARS).collect();
    let replaced = attempt.replaces.map(token_id);
    let entry = Entry {
        at: now,
        actor: Some(user.id),
        action: "login",
        subject_type: Some("user"),
        subject_id: Some(user.id.to_string()),
        address: attempt.address,
        detail: serde_json::json!({ "login": shown }).to_string(),
    };
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        // The right password clears its login's count, and takes back this try from the
        // address's (workers sharing a factory's address sign in all day).
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(&counted[0].0)
            .execute(&mut *tx)
            .await?;
        for (key, _) in &counted[1..] {
            sqlx::query(
                "UPDATE sign_in_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0",
            )
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(old) = &replaced {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, address, user_agent)
             VALUES ($1, $2, $3, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user.id)
        .bind(now)
        .bind(expires_at)
        .bind(attempt.address)
        .bind(&agent)
        .execute(&mut *tx)
        .await?;
        audit_row!(tx, &entry);
        tx.commit().await?;
    });
    Ok(NewSession {
        token,
        user_id: user.id,
        expires_at,
        known: keys.known_device(user.id),
    })
}

/// The user of the session a cookie names, if it is still valid (not idle too long, not past
/// its end, the user not disabled); an invalid one is deleted. Refreshes `last_seen_at`.
#[tracing::instrument(skip_all)]
pub async fn session_user(db: &Db, token: &str, now: i64) -> Result<Option<Uuid>, sqlx::Error> {
    let id = token_id(token);
    let row: Option<(Uuid, i64, i64, bool)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT s.user_id, s.last_seen_at, s.expires_at, u.disabled
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
    )
    .bind(&id)
    .fetch_optional(pool)
    .await)?;
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

/// Signs out: ends the session a token names and records it. Returns whose it was.
#[tracing::instrument(skip_all)]
pub async fn end_session(
    db: &Db,
    token: &str,
    address: &str,
    now: i64,
) -> Result<Option<Uuid>, sqlx::Error> {
    let id = token_id(token);
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let user: Option<Uuid> = sqlx::query_scalar("SELECT user_id FROM sessions WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        if let Some(user) = user {
            let entry = Entry {
                at: now,
                actor: Some(user),
                action: "logout",
                address,
                ..Default::default()
            };
            audit_row!(tx, &entry);
        }
        tx.commit().await?;
        Ok(user)
    })
}

/// Ends one of the user's own sessions by its stored id (from the account page). Returns
/// whether there was one.
#[tracing::instrument(skip(db, session_id))]
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
