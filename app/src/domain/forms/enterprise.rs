//! The enterprise officer's forms on a report: the rectification (a note; the after-photos come
//! as files beside it) and the one request for more time.

use super::{done, required, text};
use crate::{
    domain::{
        deadlines::DAY_MS,
        report::{FieldError, MAX_PHOTOS},
        time::end_of_local_day,
    },
    i18n::{fill, Lang},
};
use serde::Deserialize;

/// Longest rectification note or extension reason.
pub const MAX_NOTE_CHARS: usize = 2000;

/// `rectification`: what was done (the photos are the multipart body's `photo` files).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RectificationForm {
    pub note: Option<String>,
}

impl RectificationForm {
    /// `photos`: how many after-photos came with it (at least one, at most [`MAX_PHOTOS`]).
    pub fn parse(&self, lang: Lang, photos: usize) -> Result<String, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let note = required(&self.note, "note", MAX_NOTE_CHARS, lang, &mut errors);
        if photos == 0 {
            errors.push(FieldError::new("photos", t.enterprise_after_photos()));
        }
        if photos > MAX_PHOTOS {
            errors.push(FieldError::new(
                "photos",
                fill(t.field_photos_too_many(), &[("max", &MAX_PHOTOS)]),
            ));
        }
        done(note, errors)
    }
}

/// `extension`: the new date and why.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExtensionRequestForm {
    pub until: Option<String>,
    pub reason: Option<String>,
}

impl ExtensionRequestForm {
    /// `due`: the current deadline; a new one must be later, and at most `max_days` later.
    /// The end of the asked day (epoch ms) and the reason.
    pub fn parse(
        &self,
        lang: Lang,
        due: Option<i64>,
        max_days: u32,
    ) -> Result<(i64, String), Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let reason = required(&self.reason, "reason", MAX_NOTE_CHARS, lang, &mut errors);
        let until = match text(&self.until).as_deref().and_then(end_of_local_day) {
            Some(u)
                if due.is_none_or(|d| u > d)
                    && due.is_none_or(|d| u <= d + i64::from(max_days) * DAY_MS) =>
            {
                Some(u)
            }
            Some(_) => {
                errors.push(FieldError::new(
                    "until",
                    fill(t.action_deadline_too_late(), &[("days", &max_days)]),
                ));
                None
            }
            None => {
                errors.push(FieldError::new("until", t.action_bad_date()));
                None
            }
        };
        match until {
            Some(until) => done((until, reason), errors),
            None => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rectification_shows_the_fix() {
        let form = RectificationForm {
            note: Some("已加装护栏".into()),
        };
        assert!(form.parse(Lang::ZhCn, 1).is_ok());
        assert_eq!(form.parse(Lang::ZhCn, 0).unwrap_err()[0].field, "photos");
        assert_eq!(
            form.parse(Lang::ZhCn, MAX_PHOTOS + 1).unwrap_err()[0].field,
            "photos"
        );
    }

    #[test]
    fn more_time_is_later_but_not_too_much_later() {
        let due = end_of_local_day("2026-08-01").unwrap();
        let form = |until: &str| ExtensionRequestForm {
            until: Some(until.into()),
            reason: Some("设备到货延迟".into()),
        };
        assert_eq!(
            form("2026-08-10")
                .parse(Lang::ZhCn, Some(due), 30)
                .unwrap()
                .0,
            end_of_local_day("2026-08-10").unwrap()
        );
        assert_eq!(
            form("2026-07-30")
                .parse(Lang::ZhCn, Some(due), 30)
                .unwrap_err()[0]
                .field,
            "until"
        );
        assert_eq!(
            form("2026-12-30")
                .parse(Lang::ZhCn, Some(due), 30)
                .unwrap_err()[0]
                .field,
            "until"
        );
        assert_eq!(
            form("next week")
                .parse(Lang::ZhCn, Some(due), 30)
                .unwrap_err()[0]
                .field,
            "until"
        );
    }
}
