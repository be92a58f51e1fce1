//! `POST /api/v1/reports` and `POST /report`: a worker submits a report, as a script — a retry
//! answers with the receipt it already has; the fields, photos and place are checked; photos go
//! through the pipeline and their files are stored; routing picks the holder; then the report,
//! its photos, its first timeline entries and its notifications commit in one
//! [`steps::submit`]. A failure at any step leaves no report, no row and no file behind.

use crate::{
    actions::rec,
    error::AppError,
    photos::intake::{intake, Intake},
    state::AppState,
    store::{
        routing,
        steps::{self, Audience, Tell},
    },
};
use app::{
    backend::{
        directory,
        reports::{self, NewReport, Stored, Via},
    },
    domain::report::{
        FieldError, PhotoMeta, PlaceInput, RawReport, Reporter, MAX_PHOTOS, MIN_PHOTOS,
    },
    i18n::{fill, Lang},
};

/// A report as it came off the wire.
#[derive(Debug, Default)]
pub struct Submission {
    pub raw: RawReport,
    pub photos: Vec<Vec<u8>>,
    /// One JSON [`PhotoMeta`] per photo, in the same order (the app sends them; the form cannot).
    pub photo_meta: Vec<String>,
    pub via: Option<Via>,
}

/// The outcome, for the two front doors to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Created(Stored),
    /// A retry of a report already stored (same client id): nothing new was stored.
    Replayed(Stored),
}

impl Submitted {
    pub fn stored(&self) -> &Stored {
        match self {
            Submitted::Created(s) | Submitted::Replayed(s) => s,
        }
    }
}

/// A hash of everything a submission carries except its client id: the same id sent again with
/// the same content is a retry; with different content it is a mistake. Keyed (HMAC), so a copy
/// of the database cannot be searched for a name or a phone number the submission carried.
pub fn fingerprint(
    key: &app::backend::keyed::KeyedHash,
    raw: &app::domain::report::RawReport,
    photos: &[Vec<u8>],
) -> String {
    use sha2::{Digest, Sha256};
    let mut content = raw.clone();
    content.client_id = None;
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(&content).unwrap_or_default());
    for photo in photos {
        hasher.update(Sha256::digest(photo));
    }
    keyed_fingerprint(key, &hex::encode(hasher.finalize()))
}

/// The stored form of a plain content hash (also how start-up converts the unkeyed hashes of
/// reports stored before fingerprints were keyed).
pub fn keyed_fingerprint(key: &app::backend::keyed::KeyedHash, plain_hex: &str) -> String {
    format!("{FINGERPRINT_PREFIX}{}", key.hex(plain_hex))
}

/// Keyed fingerprints start with this.
pub const FINGERPRINT_PREFIX: &str = "k1:";

/// Stores a report, or explains (in `lang`) what is wrong with it.
#[tracing::instrument(skip_all, fields(photos = sub.photos.len()))]
pub async fn submit(state: &AppState, sub: Submission, lang: Lang) -> Result<Submitted, AppError> {
    let t = lang.tr();
    let db = &state.db;

    // A retry of something already stored answers with the same receipt, before any work; the
    // same id with other content (a form page used twice) is refused.
    let fingerprint = fingerprint(&state.fingerprints, &sub.raw, &sub.photos);
    if let Some(client_id) = sub
        .raw
        .client_id
        .as_deref()
        .and_then(|c| uuid::Uuid::parse_str(c.trim()).ok())
    {
        if let Some(found) = reports::by_client_id(db, &state.receipts, client_id).await? {
            if found.fingerprint != fingerprint {
                // Never the other submission's receipt: only its own phone holds that.
                return Err(AppError::conflict(t.api_client_id_reused()));
            }
            return Ok(Submitted::Replayed(Stored::Existing {
                id: found.id,
                code: found.code,
            }));
        }
    }

    let mut errors: Vec<FieldError> = Vec::new();
    let valid = sub.raw.validate(lang).map_err(|e| errors.extend(e)).ok();
    if sub.photos.len() < MIN_PHOTOS {
        errors.push(FieldError::new("photos", t.field_photos_missing()));
    }
    if sub.photos.len() > MAX_PHOTOS {
        errors.push(FieldError::new(
            "photos",
            fill(t.field_photos_too_many(), &[("max", &MAX_PHOTOS)]),
        ));
    }
    let mut metas = Vec::with_capacity(sub.photos.len());
    for i in 0..sub.photos.len() {
        let meta = match sub.photo_meta.get(i) {
            None => Some(PhotoMeta::default()),
            Some(json) => serde_json::from_str::<PhotoMeta>(json)
                .ok()
                .filter(PhotoMeta::is_valid),
        };
        match meta {
            Some(m) => metas.push(m),
            None => {
                errors.push(FieldError::new("photo_meta", t.field_photo_meta()));
                break;
            }
        }
    }

    // Where: a picked or typed enterprise must exist (and be exactly one).
    let mut place: Option<(Option<uuid::Uuid>, String, Option<String>)> = None;
    let mut industry: Option<(String, bool)> = None;
    if let Some(v) = &valid {
        match &v.place {
            PlaceInput::Enterprise(id) => match directory::by_id(db, *id).await? {
                Some(e) => {
                    industry = Some((e.industry_code.clone(), e.is_coal_mine));
                    place = Some((Some(e.id), e.district_code, None))
                }
                None => errors.push(FieldError::new(
                    "enterprise",
                    t.field_enterprise_not_found(),
                )),
            },
            PlaceInput::Search(q) => match directory::resolve(db, q).await?.one(lang) {
                Ok(e) => {
                    industry = Some((e.industry_code.clone(), e.is_coal_mine));
                    place = Some((Some(e.id), e.district_code, None))
                }
                Err(field) => errors.push(field),
            },
            PlaceInput::Unknown { district, address } => {
                place = Some((None, district.as_str().to_string(), Some(address.clone())))
            }
        }
    }
    // A report about a heat alert must name one we issued.
    if let Some(alert) = valid.as_ref().and_then(|v| v.alert) {
        let known = app::backend::alerts::get(db, alert).await?.is_some();
        if !known {
            errors.push(FieldError::new("alert_id", t.field_alert()));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let (Some(valid), Some((enterprise_id, district_code, address))) = (valid, place) else {
        return Err(AppError::invalid(errors));
    };

    // The report's id and data key come first: the sealed originals are bound to them.
    let id = uuid::Uuid::new_v4();
    let (key, data_key) = state
        .vault
        .new_data_key(&app::backend::vault::report_owner(id));
    let Intake { photos } = intake(state, &key, sub.photos, &metas, lang).await?;
    let keys = photos.len() * 3;
    let reporter = match &valid.reporter {
        Reporter::Anonymous => None,
        // Sealed: only a union admin's reveal opens them.
        Reporter::Named { name, phone } => Some((
            key.seal(reports::field::REPORTER_NAME, name),
            key.seal(reports::field::REPORTER_PHONE, phone.as_str()),
        )),
    };
    let location_sealed = valid.location.map(|l| {
        let at = reports::SealedLocation {
            lat: l.lat,
            lon: l.lon,
            accuracy_m: l.accuracy_m,
        };
        key.seal(
            reports::field::LOCATION,
            &serde_json::to_string(&at).unwrap_or_default(),
        )
    });
    let answers_json = serde_json::to_string(&valid.answers).map_err(AppError::internal)?;
    let (industry_code, is_coal_mine) = match industry {
        Some((i, coal)) => (Some(i), coal),
        None => (None, false),
    };
    let routing = routing::facts(
        db,
        enterprise_id,
        &district_code,
        industry_code.as_deref(),
        is_coal_mine,
    )
    .await?;
    let routed = app::domain::routing::route(&routing);
    // Rotated while the photos were processed: wrapped again under the current master key, so
    // the rotation's last pass need not catch this report (it would refuse to drop the old key).
    let data_key = if data_key.master_id == state.vault.current_id() {
        data_key
    } else {
        state
            .vault
            .rewrap(&app::backend::vault::report_owner(id), &data_key)
            .ok_or_else(|| AppError::internal("the master key changed during the submission"))?
    };
    let report = NewReport {
        id,
        data_key,
        client_id: valid.client_id,
        fingerprint,
        category: valid.category.code.to_string(),
        answers_json,
        enterprise_id,
        district_code: district_code.clone(),
        industry_code,
        is_coal_mine,
        routed: Some((
            routed.assignee,
            routed.rule.as_str().to_string(),
            routed.reason.clone(),
        )),
        address,
        site: valid.site.clone(),
        description: valid.description.clone(),
        severity: valid.severity,
        location_sealed,
        alert: valid.alert,
        lang: lang.tag().to_string(),
        via: sub.via.unwrap_or(Via::App),
        reporter,
        photos,
    };
    let tell = new_report_notices(&report, &routed);
    match steps::submit(db, &state.receipts, &report, &tell, state.clock.now_ms()).await {
        Ok(stored @ Stored::Created { .. }) => {
            // Never the receipt code: the log must not tie a request to a report's holder.
            tracing::info!(
                category = report.category,
                urgent = report.severity.is_urgent(),
                photos = keys / 3,
                routed = routed.rule.as_str(),
                "report submitted"
            );
            Ok(Submitted::Created(stored))
        }
        // Another request with this client id committed first (this one's files stay until the
        // photo sweep): a retry of the same content gets its receipt; other content is refused
        // without it.
        Ok(stored @ Stored::Existing { .. }) => {
            let same = reports::by_client_id(db, &state.receipts, report.client_id)
                .await?
                .is_some_and(|found| found.fingerprint == report.fingerprint);
            if same {
                Ok(Submitted::Replayed(stored))
            } else {
                Err(AppError::conflict(t.api_client_id_reused()))
            }
        }
        Err(e) => Err(e),
    }
}

/// Who hears of a new report: its holder (or the district desk); an urgent one also pages the
/// district union's admins at once.
fn new_report_notices(report: &NewReport, routed: &app::domain::routing::Routed) -> Vec<Tell> {
    let category = app::backend::cases::category_name(&report.category, Lang::ZhCn);
    let holder = match routed.assignee {
        Some(a) => Audience::User(a),
        None => Audience::DistrictDesk,
    };
    let (kind, title) = if report.severity.is_urgent() {
        ("urgent", rec().notify_urgent())
    } else {
        ("assigned", rec().notify_assigned())
    };
    let note = |to| Tell {
        to,
        kind,
        title: fill(title, &[("category", &category)]),
        body: routed.reason.clone(),
    };
    let mut tell = vec![note(holder)];
    if report.severity.is_urgent() {
        tell.push(note(Audience::DistrictDesk));
    }
    tell
}
