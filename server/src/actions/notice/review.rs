//! The photo review that goes with a notice: for each hazard photo, withheld, released as is, or
//! released masked. Masked copies are made (and stored) before the notice's step; the step then
//! records what the enterprise gets, with its audit entry, in one transaction.

use crate::{
    error::AppError,
    photos::{
        mask::{mask, Rect, MAX_MASKS_PER_PHOTO},
        sha256_hex,
    },
    state::AppState,
    store::steps::Release,
};
use app::{
    backend::cases,
    domain::report::FieldError,
    i18n::{fill, Lang},
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What the inspector asked for each photo.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Review {
    pub withheld: BTreeSet<Uuid>,
    pub masks: BTreeMap<Uuid, Vec<Rect>>,
}

/// Reads the form's `mask` (`photo:x,y,w,h`) and `withhold` (photo) values, each naming one of
/// the report's hazard photos.
pub fn parse(
    mask_fields: &[String],
    withhold: &[String],
    photos: &[Uuid],
    lang: Lang,
) -> Result<Review, AppError> {
    let t = lang.tr();
    let bad = || AppError::invalid(vec![FieldError::new("mask", t.notice_mask_invalid())]);
    let photo = |s: &str| {
        Uuid::parse_str(s.trim())
            .ok()
            .filter(|id| photos.contains(id))
    };
    let mut review = Review::default();
    for w in withhold {
        review.withheld.insert(photo(w).ok_or_else(bad)?);
    }
    for m in mask_fields {
        let (id, rect) = m.split_once(':').ok_or_else(bad)?;
        let id = photo(id).ok_or_else(bad)?;
        let rect = Rect::parse(rect).ok_or_else(bad)?;
        let list = review.masks.entry(id).or_default();
        if list.len() == MAX_MASKS_PER_PHOTO {
            return Err(AppError::invalid(vec![FieldError::new(
                "mask",
                fill(t.notice_mask_too_many(), &[("max", &MAX_MASKS_PER_PHOTO)]),
            )]));
        }
        list.push(rect);
    }
    Ok(review)
}

/// Makes the released copies: the masked ones are painted and stored (if the notice is refused
/// after all, the photo sweep removes the copies no row refers to).
pub async fn releases(
    state: &AppState,
    report: Uuid,
    mask_fields: &[String],
    withhold: &[String],
    lang: Lang,
) -> Result<Vec<Release>, AppError> {
    let photos = cases::hazard_photos(&state.db, report).await?;
    let ids: Vec<Uuid> = photos.iter().map(|p| p.0).collect();
    let review = parse(mask_fields, withhold, &ids, lang)?;
    let mut out = Vec::new();
    for (photo, display_key, thumb_key) in photos {
        if review.withheld.contains(&photo) {
            out.push(Release {
                photo,
                withheld: true,
                masks: 0,
                display_key: None,
                thumb_key: None,
            });
            continue;
        }
        let Some(rects) = review.masks.get(&photo).cloned() else {
            out.push(Release {
                photo,
                withheld: false,
                masks: 0,
                display_key: Some(display_key),
                thumb_key: Some(thumb_key),
            });
            continue;
        };
        let store = state.store.clone();
        let (display, thumb) = tokio::task::spawn_blocking(move || {
            let bytes = store.get(&display_key).map_err(AppError::internal)?;
            let (display, _, thumb, _) = mask(&bytes, &rects).map_err(AppError::internal)?;
            let (dk, tk) = (sha256_hex(&display), sha256_hex(&thumb));
            store.put(&dk, &display).map_err(AppError::internal)?;
            store.put(&tk, &thumb).map_err(AppError::internal)?;
            Ok::<_, AppError>((dk, tk))
        })
        .await
        .map_err(AppError::internal)??;
        out.push(Release {
            photo,
            withheld: false,
            masks: review.masks.get(&photo).map_or(0, Vec::len),
            display_key: Some(display),
            thumb_key: Some(thumb),
        });
    }
    Ok(out)
}

/// The union-only timeline note of a review (`None` when every photo went as it was).
pub fn note(releases: &[Release], lang: Lang) -> Option<String> {
    let t = lang.tr();
    let masked = releases.iter().filter(|r| r.masks > 0).count();
    let withheld = releases.iter().filter(|r| r.withheld).count();
    (masked + withheld > 0).then(|| {
        fill(
            t.notice_photos_reviewed(),
            &[
                ("released", &(releases.len() - withheld)),
                ("masked", &masked),
                ("withheld", &withheld),
            ],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_names_only_this_reports_photos() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let photos = [a, b];
        let r = parse(
            &[format!("{a}:0,0,500,500"), format!("{a}:600,600,100,100")],
            &[b.to_string()],
            &photos,
            Lang::ZhCn,
        )
        .unwrap();
        assert_eq!(r.masks[&a].len(), 2);
        assert!(r.withheld.contains(&b));
        for bad in [
            format!("{}:0,0,10,10", Uuid::new_v4()),
            format!("{a}:0,0,0,10"),
            format!("{a}"),
        ] {
            assert!(
                parse(std::slice::from_ref(&bad), &[], &photos, Lang::ZhCn).is_err(),
                "{bad}"
            );
        }
        let many: Vec<String> = (0..=MAX_MASKS_PER_PHOTO)
            .map(|_| format!("{a}:0,0,10,10"))
            .collect();
        assert!(parse(&many, &[], &photos, Lang::ZhCn).is_err());
    }
}
