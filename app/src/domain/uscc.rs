//! 统一社会信用代码 (Unified Social Credit Code, GB 32100-2015).
//!
//! 18 characters from a 31-letter alphabet (digits and capitals without I, O, Z, S, V):
//! registration authority (1), organisation type (1), GB/T 2260 administrative division (6),
//! organisation code (9), check character (1). The check character makes
//! Σ value(cᵢ)·wᵢ + value(c₁₈) ≡ 0 (mod 31), with wᵢ = 3^(i-1) mod 31.

use crate::i18n::{fill, Lang, Localize};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The code alphabet; a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights 3^i mod 31 for the first 17 characters.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a valid USCC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    Length(usize),
    Character { position: usize, found: char },
    Division,
    CheckDigit { expected: char },
}

impl Localize for UsccError {
    fn localize(&self, lang: Lang) -> String {
        let t = lang.tr();
        match self {
            UsccError::Length(n) => fill(t.error_uscc_length(), &[("n", n)]),
            UsccError::Character { position, found } => fill(
                t.error_uscc_character(),
                &[("position", position), ("found", found)],
            ),
            UsccError::Division => t.error_uscc_division().to_string(),
            UsccError::CheckDigit { expected } => {
                fill(t.error_uscc_check(), &[("expected", expected)])
            }
        }
    }
}
crate::display_in_chinese!(UsccError);

/// A valid 统一社会信用代码, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must come from the alphabet).
fn check_char(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let value = (31 - sum % 31) % 31;
    Some(ALPHABET[value as usize] as char)
}

impl Uscc {
    /// Parses a code as a person would type it: surrounding spaces ignored, lower case accepted.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let code: String = input.trim().to_ascii_uppercase();
        let chars = code.chars().count();
        if chars != 18 {
            return Err(UsccError::Length(chars));
        }
        let bytes = code.as_bytes();
        for (i, c) in code.chars().enumerate() {
            if !c.is_ascii() || value_of(c as u8).is_none() {
                return Err(UsccError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::Division);
        }
        let expected = check_char(&bytes[..17]).ok_or(UsccError::Length(chars))?;
        if bytes[17] as char != expected {
            return Err(UsccError::CheckDigit { expected });
        }
        Ok(Uscc(code))
    }

    /// Completes 17 characters with their check character (used to generate demo data).
    pub fn with_check_char(first17: &str) -> Result<Uscc, UsccError> {
        let upper = first17.to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() != 17 {
            return Err(UsccError::Length(upper.chars().count() + 1));
        }
        let check = check_char(bytes).ok_or_else(|| {
            let (position, found) = upper
                .chars()
                .enumerate()
                .find(|(_, c)| !c.is_ascii() || value_of(*c as u8).is_none())
                .map(|(i, c)| (i + 1, c))
                .unwrap_or((1, '?'));
            UsccError::Character { position, found }
        })?;
        Uscc::parse(&format!("{upper}{check}"))
    }

    /// The GB/T 2260 administrative division code embedded at positions 3-8.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Uscc::parse(&value)
    }
}

impl From<Uscc> for String {
    fn from(value: Uscc) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Codes printed on real business licences (the first is GB 32100's worked example).
    const REAL: &[&str] = &[
        "91350100M000100Y43",
        "91110000802100433B",
        "914403001922038216",
    ];

    #[test]
    fn published_codes_are_valid() {
        for code in REAL {
            assert!(
                Uscc::parse(code).is_ok(),
                "{code} should be valid: {:?}",
                Uscc::parse(code)
            );
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused_and_names_the_right_one() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckDigit { expected: '3' })
        );
    }

    #[test]
    fn every_single_character_change_is_detected() {
        let good = "91350100M000100Y43";
        for pos in 0..18 {
            for &c in ALPHABET {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[pos] == c {
                    continue;
                }
                bytes[pos] = c;
                let changed = String::from_utf8(bytes).unwrap();
                assert!(Uscc::parse(&changed).is_err(), "{changed} passed");
            }
        }
    }

    #[test]
    fn letters_outside_the_alphabet_are_named() {
        assert_eq!(
            Uscc::parse("91350100M000100I43"),
            Err(UsccError::Character {
                position: 16,
                found: 'I'
            })
        );
        assert!(matches!(
            Uscc::parse("9135010０M000100Y43"),
            Err(UsccError::Character { .. })
        ));
    }

    #[test]
    fn length_and_division_are_checked() {
        assert_eq!(Uscc::parse("9135"), Err(UsccError::Length(4)));
        assert_eq!(Uscc::parse(""), Err(UsccError::Length(0)));
        assert_eq!(Uscc::parse("91A50100M000100Y43"), Err(UsccError::Division));
    }

    #[test]
    fn input_is_trimmed_and_upper_cased() {
        let code = Uscc::parse("  91350100m000100y43 ").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.division_code(), "350100");
    }

    #[test]
    fn the_check_character_can_be_completed() {
        assert_eq!(
            Uscc::with_check_char("91350100M000100Y4").unwrap().as_str(),
            "91350100M000100Y43"
        );
        assert!(Uscc::with_check_char("91350100M000100I4").is_err());
    }

    #[test]
    fn errors_read_in_chinese() {
        assert_eq!(
            UsccError::Length(4).to_string(),
            "统一社会信用代码应为18位，当前为4位"
        );
    }
}
