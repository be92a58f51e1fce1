//! 回执码 (receipt code): the only key a worker who reports without an account holds.
//!
//! Ten random symbols from Crockford's base-32 alphabet (no I, L, O, U: nothing to confuse on a
//! phone keyboard) carry 50 bits of randomness; an eleventh is a check symbol that catches any
//! single mistyped symbol before the server is asked. Shown as `XXXX-XXXX-XXX`; read back
//! forgivingly: case, spaces and dashes ignored, O read as 0, I and L as 1.

use crate::i18n::{Lang, Localize};
use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random symbols in a code (5 bits each).
pub const RANDOM_SYMBOLS: usize = 10;
/// Symbols including the check symbol.
pub const CODE_LEN: usize = RANDOM_SYMBOLS + 1;
/// Odd weights are invertible mod 32, so any single substitution changes the check symbol.
const WEIGHTS: [u32; RANDOM_SYMBOLS] = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

/// A well-formed receipt code (upper case, no separators).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReceiptCode(String);

/// Why a typed code is not a receipt code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptCodeError {
    Length,
    Character,
    Check,
}

impl Localize for ReceiptCodeError {
    fn localize(&self, lang: Lang) -> String {
        let t = lang.tr();
        match self {
            ReceiptCodeError::Length => t.error_receipt_length(),
            ReceiptCodeError::Character => t.error_receipt_character(),
            ReceiptCodeError::Check => t.error_receipt_check(),
        }
        .to_string()
    }
}
crate::display_in_chinese!(ReceiptCodeError);

fn value(c: u8) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

fn check_symbol(values: &[u32]) -> u8 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    ALPHABET[(sum % 32) as usize]
}

impl ReceiptCode {
    /// A new code from 10 bytes of randomness (only the low 5 bits of each are used).
    pub fn from_random(random: [u8; RANDOM_SYMBOLS]) -> ReceiptCode {
        let values: Vec<u32> = random.iter().map(|b| u32::from(b & 31)).collect();
        let mut code: String = values
            .iter()
            .map(|&v| ALPHABET[v as usize] as char)
            .collect();
        code.push(check_symbol(&values) as char);
        ReceiptCode(code)
    }

    /// Reads a code as a person types it.
    pub fn parse(input: &str) -> Result<ReceiptCode, ReceiptCodeError> {
        let symbols: Vec<u8> = input
            .bytes()
            .filter(|b| !matches!(b, b' ' | b'-' | b'\t'))
            .collect();
        if symbols.len() != CODE_LEN {
            return Err(ReceiptCodeError::Length);
        }
        let values = symbols
            .iter()
            .map(|&b| value(b))
            .collect::<Option<Vec<u32>>>()
            .ok_or(ReceiptCodeError::Character)?;
        let canonical: String = values
            .iter()
            .map(|&v| ALPHABET[v as usize] as char)
            .collect();
        if check_symbol(&values[..RANDOM_SYMBOLS]) != ALPHABET[values[RANDOM_SYMBOLS] as usize] {
            return Err(ReceiptCodeError::Check);
        }
        Ok(ReceiptCode(canonical))
    }

    /// The code without separators, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `XXXX-XXXX-XXX`, as shown to people.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

impl fmt::Display for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl TryFrom<String> for ReceiptCode {
    type Error = ReceiptCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ReceiptCode::parse(&value)
    }
}

impl From<ReceiptCode> for String {
    fn from(value: ReceiptCode) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ReceiptCode {
        ReceiptCode::from_random([3, 14, 15, 92, 65, 35, 89, 79, 32, 38])
    }

    #[test]
    fn a_code_has_eleven_unambiguous_symbols_and_fifty_random_bits() {
        let code = sample();
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        for ambiguous in ['I', 'L', 'O', 'U'] {
            assert!(!code.as_str().contains(ambiguous));
        }
        const { assert!(RANDOM_SYMBOLS * 5 >= 40) };
    }

    #[test]
    fn a_code_reads_back_however_it_is_typed() {
        let code = sample();
        assert_eq!(ReceiptCode::parse(&code.display()).unwrap(), code);
        assert_eq!(
            ReceiptCode::parse(&code.as_str().to_lowercase()).unwrap(),
            code
        );
        let spaced = code.display().replace('-', " ");
        assert_eq!(ReceiptCode::parse(&spaced).unwrap(), code);
        assert_eq!(code.display().len(), 13);
    }

    #[test]
    fn look_alike_letters_are_read_as_digits() {
        let code = ReceiptCode::from_random([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
        assert_eq!(&code.as_str()[..10], "0101010101");
        let typed = code.as_str()[..10]
            .replace('0', "O")
            .replacen('1', "I", 2)
            .replacen('1', "l", 1)
            + &code.as_str()[10..];
        assert_eq!(ReceiptCode::parse(&typed).unwrap(), code);
    }

    #[test]
    fn every_single_mistyped_symbol_is_caught() {
        let code = sample();
        for pos in 0..CODE_LEN {
            for &c in ALPHABET {
                let mut typed = code.as_str().as_bytes().to_vec();
                if typed[pos] == c {
                    continue;
                }
                typed[pos] = c;
                let typed = String::from_utf8(typed).unwrap();
                assert_eq!(
                    ReceiptCode::parse(&typed),
                    Err(ReceiptCodeError::Check),
                    "{typed}"
                );
            }
        }
    }

    #[test]
    fn wrong_lengths_and_symbols_are_named() {
        assert_eq!(ReceiptCode::parse("ABC"), Err(ReceiptCodeError::Length));
        assert_eq!(
            ReceiptCode::parse("ABCD-EFGH-JK#"),
            Err(ReceiptCodeError::Character)
        );
        assert_eq!(
            ReceiptCode::parse("ABCD-EFGH-JKU"),
            Err(ReceiptCodeError::Character)
        );
        assert_eq!(
            ReceiptCodeError::Check.to_string(),
            "回执码有误，请核对后重新输入"
        );
    }

    #[test]
    fn random_input_gives_distinct_codes() {
        let a = ReceiptCode::from_random([1; 10]);
        let b = ReceiptCode::from_random([2; 10]);
        assert_ne!(a, b);
    }
}
