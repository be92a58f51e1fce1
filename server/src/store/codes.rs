//! One-time codes sent by text message (`phone_codes`): proof that whoever registers a phone
//! number, or resets its password, holds the phone. A row is kept per number (its keyed hash) and
//! purpose, whether or not a code was sent — for a number that already has an account nothing is
//! sent for registration, for one without an account nothing for a reset — so the answers and
//! the resend wait are the same either way. Only the code's keyed hash is stored; a code is good
//! for [`CODE_TTL_MS`] and [`CODE_MAX_TRIES`] tries, and is used up by the right one.

use app::{
    backend::{keyed::KeyedHash, BeginWrite, Db},
    db_run,
    domain::phone::PhoneNumber,
};

pub use app::domain::forms::account::{CodePurpose as Purpose, CODE_DIGITS};

/// A code is good for this long…
pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;
/// …and for this many tries.
pub const CODE_MAX_TRIES: i64 = 5;
/// A new code for the same number and purpose is sent at most this often.
pub const CODE_RESEND_MS: i64 = 60 * 1000;

/// A new random code of [`CODE_DIGITS`] digits.
pub fn new_code() -> String {
    let mut bytes = [0u8; 8];
    // No randomness from the operating system is a broken machine: better to stop than to send
    // a guessable code.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    let n = u64::from_le_bytes(bytes) % 10u64.pow(CODE_DIGITS as u32);
    format!("{n:0width$}", width = CODE_DIGITS)
}

/// Records a request for a code. `code`: the one to send (`None`: nothing is sent, the row is
/// kept all the same). Returns whether to send it now (`false` within the resend wait).
pub async fn request(
    db: &Db,
    key: &KeyedHash,
    purpose: Purpose,
    phone: &PhoneNumber,
    code: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let phone_hash = key.hex(phone.as_str());
    let code_hash = code.map(|c| key.hex(&format!("{}\n{c}", phone.as_str())));
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("DELETE FROM phone_codes WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let updated = sqlx::query(
            "INSERT INTO phone_codes (phone_hash, purpose, code_hash, sent_at, expires_at, tries)
             VALUES ($1, $2, $3, $4, $5, 0)
             ON CONFLICT (phone_hash, purpose) DO UPDATE
                SET code_hash = $3, sent_at = $4, expires_at = $5, tries = 0
                WHERE phone_codes.sent_at <= $6",
        )
        .bind(&phone_hash)
        .bind(purpose.as_str())
        .bind(&code_hash)
        .bind(now)
        .bind(now + CODE_TTL_MS)
        .bind(now - CODE_RESEND_MS)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(updated == 1)
    })
}

/// Uses up a code: `true` if it is the one sent for this number and purpose, still good. A
/// wrong one counts a try (the last try, right or wrong, ends the code).
pub async fn take(
    db: &Db,
    key: &KeyedHash,
    purpose: Purpose,
    phone: &PhoneNumber,
    typed: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let phone_hash = key.hex(phone.as_str());
    let typed = typed.trim();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let tries: Option<i64> = sqlx::query_scalar(
            "UPDATE phone_codes SET tries = tries + 1
             WHERE phone_hash = $1 AND purpose = $2 AND expires_at >= $3 AND tries < $4
             RETURNING tries",
        )
        .bind(&phone_hash)
        .bind(purpose.as_str())
        .bind(now)
        .bind(CODE_MAX_TRIES)
        .fetch_optional(&mut *tx)
        .await?;
        let stored: Option<Option<String>> = match tries {
            Some(_) => Some(
                sqlx::query_scalar(
                    "SELECT code_hash FROM phone_codes WHERE phone_hash = $1 AND purpose = $2",
                )
                .bind(&phone_hash)
                .bind(purpose.as_str())
                .fetch_one(&mut *tx)
                .await?,
            ),
            None => None,
        };
        let right = stored.flatten().is_some_and(|hash| {
            typed.len() == CODE_DIGITS
                && key.matches(&format!("{}\n{typed}", phone.as_str()), &hash)
        });
        if right || tries.is_some_and(|t| t >= CODE_MAX_TRIES) {
            sqlx::query(
                "UPDATE phone_codes SET code_hash = NULL WHERE phone_hash = $1 AND purpose = $2",
            )
            .bind(&phone_hash)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(right)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| new_code()).collect();
        assert!(codes
            .iter()
            .all(|c| c.len() == CODE_DIGITS && c.bytes().all(|b| b.is_ascii_digit())));
        assert!(codes.len() > 40);
    }
}
