//! Mainland mobile numbers: parsed once, masked whenever written to a log.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An 11-digit mainland mobile number (1[3-9]xxxxxxxxx), without country code or separators.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a mainland mobile number")]
pub struct InvalidPhone;

impl PhoneNumber {
    /// Accepts `13812345678`, `138 1234 5678`, `138-1234-5678`, `+86 138…`, `0086138…`.
    pub fn parse(input: &str) -> Result<PhoneNumber, InvalidPhone> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{3000}'))
            .collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits)
            .to_string();
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(PhoneNumber(digits))
        } else {
            Err(InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: the only form that may appear in logs.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks the middle four digits of anything that looks like a mobile number.
pub fn mask(number: &str) -> String {
    if number.len() == 11 && number.is_ascii() {
        format!("{}****{}", &number[..3], &number[7..])
    } else {
        "***".to_string()
    }
}

/// Debug output is masked too, so a `{:?}` in a log line cannot leak the number.
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhone;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_however_they_are_written() {
        for typed in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "008613812345678",
        ] {
            assert_eq!(
                PhoneNumber::parse(typed).unwrap().as_str(),
                "13812345678",
                "{typed}"
            );
        }
    }

    #[test]
    fn landlines_and_short_numbers_are_refused() {
        for typed in [
            "",
            "0371-12345678",
            "1381234567",
            "12812345678",
            "138123456789",
            "1381234567x",
        ] {
            assert!(PhoneNumber::parse(typed).is_err(), "{typed}");
        }
    }

    #[test]
    fn a_phone_number_is_masked_in_logs_and_debug_output() {
        let p = PhoneNumber::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(format!("{p:?}"), "PhoneNumber(138****5678)");
        assert!(!format!("{p:?}").contains("1234"));
    }
}
