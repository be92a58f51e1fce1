//! Taking photos in: every photo of a request through the pipeline (in parallel, bounded), each
//! refusal named in the worker's language, then the original and both derivatives stored. Used
//! for the worker's hazard photos and the enterprise's after-photos alike.

use super::{sha256_hex, PhotoError, Processed, MAX_DIMENSION, MAX_PHOTO_BYTES, MAX_PIXELS};
use crate::{error::AppError, state::AppState};
use app::{
    backend::{
        reports::{field, EvidenceFacts, NewEvidence, NewPhoto},
        vault::DataKey,
    },
    domain::report::{FieldError, PhotoMeta},
    i18n::{fill, Lang},
};
use std::sync::Arc;
use uuid::Uuid;

/// How long a phone is asked to wait before sending again when the decode budget is full.
pub const BUSY_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// Photos ready to be written as rows (their files stored; if the rows are not written after
/// all, the photo sweep removes the files no row names).
#[derive(Debug)]
pub struct Intake {
    pub photos: Vec<NewPhoto>,
}

/// The message for a refused photo (the `n`-th of the request).
pub fn photo_message(lang: Lang, n: usize, e: &PhotoError) -> String {
    let t = lang.tr();
    match e {
        PhotoError::TooLarge(_) => fill(
            t.api_photo_too_large(),
            &[("n", &n), ("max", &(MAX_PHOTO_BYTES / (1024 * 1024)))],
        ),
        PhotoError::Heif => fill(t.api_photo_heif(), &[("n", &n)]),
        PhotoError::NotAnImage => fill(t.api_photo_not_image(), &[("n", &n)]),
        PhotoError::TooManyPixels { .. } => fill(
            t.api_photo_too_many_pixels(),
            &[
                ("n", &n),
                ("wan", &(MAX_PIXELS / 10_000)),
                ("mp", &(MAX_PIXELS / 1_000_000)),
                ("max_side", &MAX_DIMENSION),
            ],
        ),
        PhotoError::Corrupt(_) => fill(t.api_photo_corrupt(), &[("n", &n)]),
        PhotoError::TooManyScans(scans) => fill(
            t.api_photo_too_many_scans(),
            &[
                ("n", &n),
                ("scans", scans),
                ("max", &super::header::MAX_JPEG_SCANS),
            ],
        ),
        PhotoError::TooCostly { .. } => fill(t.api_photo_too_costly(), &[("n", &n)]),
        // Not the photo's fault: the request is answered 503 (see `intake`).
        PhotoError::Busy => fill(t.api_busy(), &[("seconds", &BUSY_RETRY.as_secs())]),
    }
}

/// Processes and stores the photos; nothing is stored unless every photo is good. The original
/// files are stored sealed with the report's data key `key`, and the evidence that could tell
/// who or where is sealed too.
pub async fn intake(
    state: &AppState,
    key: &DataKey,
    photos: Vec<Vec<u8>>,
    metas: &[PhotoMeta],
    lang: Lang,
) -> Result<Intake, AppError> {
    // Headers first, every photo (off the async threads: the JPEG marker walk reads the whole
    // file): a request with one refused photo decodes none.
    let (photos, costs) = tokio::task::spawn_blocking(move || {
        let costs: Vec<_> = photos.iter().map(|b| super::cost_of(b)).collect();
        (photos, costs)
    })
    .await
    .map_err(AppError::internal)?;
    let mut refused = Vec::new();
    let mut known = Vec::new();
    for (i, cost) in costs.into_iter().enumerate() {
        match cost {
            Ok(cost) => known.push(cost),
            Err(e) => {
                tracing::info!(photo = i + 1, error = %e, "photo refused");
                refused.push(FieldError::new("photos", photo_message(lang, i + 1, &e)));
            }
        }
    }
    if !refused.is_empty() {
        return Err(AppError::invalid(refused));
    }
    let jobs = photos.into_iter().zip(known).map(|(bytes, cost)| {
        let pipeline = state.photos.clone();
        let bytes = Arc::new(bytes);
        async move {
            let result = pipeline.process_known(bytes.clone(), cost).await;
            (bytes, result)
        }
    });
    let results = futures::future::join_all(jobs).await;
    if results
        .iter()
        .any(|(_, r)| matches!(r, Err(PhotoError::Busy)))
    {
        return Err(AppError::Busy(BUSY_RETRY));
    }
    let mut processed: Vec<(Arc<Vec<u8>>, Processed)> = Vec::new();
    let mut errors = Vec::new();
    for (i, (bytes, result)) in results.into_iter().enumerate() {
        match result {
            Ok(p) => processed.push((bytes, p)),
            Err(e) => {
                tracing::info!(photo = i + 1, error = %e, "photo refused");
                errors.push(FieldError::new("photos", photo_message(lang, i + 1, &e)));
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    // Files first (content-addressed), each on disk before the report's transaction. The
    // original goes in sealed for its photo: its key is the hash of what is stored, which says
    // nothing about the photo.
    let store = state.store.clone();
    let ids: Vec<Uuid> = processed.iter().map(|_| Uuid::new_v4()).collect();
    let sealed: Vec<Vec<u8>> = processed
        .iter()
        .zip(&ids)
        .map(|((bytes, _), id)| key.seal_bytes(&field::original(*id), bytes))
        .collect();
    let original_keys: Vec<String> = sealed.iter().map(|b| sha256_hex(b)).collect();
    let to_store: Vec<(String, Vec<u8>)> = processed
        .iter()
        .zip(sealed)
        .zip(&original_keys)
        .flat_map(|(((_, p), sealed), original_key)| {
            [
                (original_key.clone(), sealed),
                (sha256_hex(&p.display), p.display.clone()),
                (sha256_hex(&p.thumb), p.thumb.clone()),
            ]
        })
        .collect();
    tokio::task::spawn_blocking(move || {
        for (key, bytes) in &to_store {
            store.put(key, bytes)?;
        }
        Ok::<_, std::io::Error>(())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|e| AppError::internal(format!("storing photos: {e}")))?;
    let default_meta = PhotoMeta::default();
    let photos = processed
        .iter()
        .enumerate()
        .map(|(i, (bytes, p))| {
            let m = metas.get(i).unwrap_or(&default_meta);
            let facts = EvidenceFacts {
                sha256: p.sha256.clone(),
                exif_taken_at: p.exif.taken_at.clone(),
                exif_location: p.exif.lat.zip(p.exif.lon),
                client_sha256: m.sha256.as_ref().map(|s| s.to_ascii_lowercase()),
                client_bytes: m.bytes,
                client_taken_at: m.taken_at.clone(),
                client_location: m.lat.zip(m.lon),
                client_orientation: m.orientation,
            };
            NewPhoto {
                id: ids[i],
                display_key: sha256_hex(&p.display),
                display_size: p.display_size,
                display_bytes: p.display.len() as u32,
                thumb_key: sha256_hex(&p.thumb),
                thumb_size: p.thumb_size,
                evidence: NewEvidence {
                    original_key: original_keys[i].clone(),
                    received_bytes: bytes.len() as u64,
                    received_format: p.format.as_str().to_string(),
                    original_size: p.original_size,
                    exif_orientation: p.exif.orientation,
                    sealed: key.seal(
                        &field::evidence(ids[i]),
                        &serde_json::to_string(&facts).unwrap_or_default(),
                    ),
                },
            }
        })
        .collect();
    Ok(Intake { photos })
}
