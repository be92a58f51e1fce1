//! The desks' forms as they arrive — `#[derive(Deserialize)]` types whose every field is an
//! optional string, as HTML forms send them — and, for each, the one function that turns it into
//! a valid value or the list of what is wrong with which field, in the reader's language.
//! Actions never look a form field up by name; they receive the typed form and call its parser.
//! (The report form itself is [`super::report::RawReport`].)

pub mod account;
pub mod admin;
pub mod alerts;
pub mod enterprise;
pub mod reporter;
pub mod union;

use crate::{
    domain::report::FieldError,
    i18n::{fill, Lang},
};

/// A trimmed value; `None` when absent or blank.
pub fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// An optional text of at most `max` characters (a longer one is a field error).
pub fn optional(
    value: &Option<String>,
    field: &str,
    max: usize,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    optional_saying(value, field, max, lang.tr().action_too_long(), errors)
}

/// [`optional`], whose field error for a longer text is `too_long` (its `{max}` filled in).
pub fn optional_saying(
    value: &Option<String>,
    field: &str,
    max: usize,
    too_long: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = text(value)?;
    if v.chars().count() > max {
        errors.push(FieldError::new(field, fill(too_long, &[("max", &max)])));
    }
    Some(v)
}

/// A required text of at most `max` characters, or a field error (and an empty string).
pub fn required(
    value: &Option<String>,
    field: &str,
    max: usize,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> String {
    match optional(value, field, max, lang, errors) {
        Some(v) => v,
        None => {
            errors.push(FieldError::new(field, lang.tr().action_required()));
            String::new()
        }
    }
}

/// `Ok(value)` when no error was found.
pub fn done<T>(value: T, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_absent_and_too_long_is_an_error() {
        let mut errors = Vec::new();
        assert_eq!(text(&Some("  ".into())), None);
        assert_eq!(required(&None, "note", 5, Lang::ZhCn, &mut errors), "");
        assert_eq!(
            optional(&Some("abcdef".into()), "note", 5, Lang::En, &mut errors),
            Some("abcdef".into())
        );
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e.field == "note"));
    }
}
