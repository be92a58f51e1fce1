//! A submitted report as it is stored (the types the server's `store::steps::submit` writes) and
//! read back: by client id (a retry), by receipt code (the receipt page), the sealed reporter.

use super::{receipts::ReceiptKeys, Db};
use crate::{
    db_run,
    domain::{
        receipt::ReceiptCode,
        report::{ReportState, Severity},
    },
    views::{ReceiptView, TimelineEntry},
};
use uuid::Uuid;

/// How the report arrived: the app (JavaScript, photos compressed in the browser) or the plain
/// HTML form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    App,
    Form,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::App => "app",
            Via::Form => "form",
        }
    }
}

/// A report ready to store (everything checked and resolved).
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Chosen before the photos are stored: their sealed originals are bound to it.
    pub id: Uuid,
    /// The report's data key, wrapped (stored with the report, in its transaction).
    pub data_key: super::vault::Wrapped,
    pub client_id: Uuid,
    /// Hash of the submission's content (see the server's `reports::fingerprint`).
    pub fingerprint: String,
    pub category: String,
    /// JSON object: question code → answer.
    pub answers_json: String,
    pub enterprise_id: Option<Uuid>,
    pub district_code: String,
    /// The enterprise's industry and whether it is a coal mine (for routing, scope and queues).
    pub industry_code: Option<String>,
    pub is_coal_mine: bool,
    /// Who routing chose (`None`: the district desk), by which rule, and why.
    pub routed: Option<(Option<Uuid>, String, String)>,
    pub address: Option<String>,
    pub site: Option<String>,
    pub description: Option<String>,
    pub severity: Severity,
    /// Where the worker stood (latitude, longitude, accuracy), sealed with the report's key.
    pub location_sealed: Option<String>,
    /// The heat alert the report is about.
    pub alert: Option<Uuid>,
    pub lang: String,
    pub via: Via,
    /// Name and phone, for 实名 reports: union-only, each sealed with the report's key.
    pub reporter: Option<(String, String)>,
    pub photos: Vec<NewPhoto>,
}

/// One processed photo: the stored derivatives and the evidence behind them.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    /// Chosen before storing: the photo's sealed original and evidence are bound to it.
    pub id: Uuid,
    pub display_key: String,
    pub display_size: (u32, u32),
    pub display_bytes: u32,
    pub thumb_key: String,
    pub thumb_size: (u32, u32),
    pub evidence: NewEvidence,
}

/// Union-only facts about a photo, as stored: what does not tell who or where in the clear, and
/// the rest ([`EvidenceFacts`]) sealed with the report's key.
#[derive(Debug, Clone, Default)]
pub struct NewEvidence {
    /// The store's key of the sealed original file.
    pub original_key: String,
    pub received_bytes: u64,
    pub received_format: String,
    pub original_size: (u32, u32),
    pub exif_orientation: Option<u8>,
    /// [`EvidenceFacts`] as JSON, sealed for `evidence/<photo id>`.
    pub sealed: String,
}

/// What the photo evidence says that could identify or locate the reporter: sealed at rest.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceFacts {
    /// SHA-256 of the file as received (before it was sealed).
    pub sha256: String,
    pub exif_taken_at: Option<String>,
    pub exif_location: Option<(f64, f64)>,
    pub client_sha256: Option<String>,
    pub client_bytes: Option<u64>,
    pub client_taken_at: Option<String>,
    pub client_location: Option<(f64, f64)>,
    pub client_orientation: Option<u8>,
}

/// The sealed fields of a report's data key: one name per kind of value.
pub mod field {
    pub const REPORTER_NAME: &str = "reporter/name";
    pub const REPORTER_PHONE: &str = "reporter/phone";
    pub const LOCATION: &str = "location";
    pub fn evidence(photo: uuid::Uuid) -> String {
        format!("evidence/{photo}")
    }
    pub fn original(photo: uuid::Uuid) -> String {
        format!("original/{photo}")
    }
    pub fn message(id: uuid::Uuid) -> String {
        format!("message/{id}")
    }
    pub fn phone(user: uuid::Uuid) -> String {
        format!("phone/{user}")
    }
}

/// Where the worker stood, as sealed in `reports.location_sealed`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SealedLocation {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
}

/// The outcome of storing a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new report.
    Created { id: Uuid, code: ReceiptCode },
    /// The client id was seen before: the report it created.
    Existing { id: Uuid, code: ReceiptCode },
}

impl Stored {
    pub fn code(&self) -> &ReceiptCode {
        match self {
            Stored::Created { code, .. } | Stored::Existing { code, .. } => code,
        }
    }
}

/// A new receipt code from the operating system's randomness (via UUID v4's random bytes).
pub fn new_receipt_code() -> ReceiptCode {
    let b = *Uuid::new_v4().as_bytes();
    // Bytes 6 and 8 carry the UUID version and variant bits; the others are all random.
    ReceiptCode::from_random([
        b[0], b[1], b[2], b[3], b[4], b[5], b[9], b[10], b[11], b[12],
    ])
}

/// A report found by its client id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByClientId {
    pub id: Uuid,
    pub code: ReceiptCode,
    pub fingerprint: String,
}

/// The report a client id already created, if any.
pub async fn by_client_id(
    db: &Db,
    keys: &ReceiptKeys,
    client_id: Uuid,
) -> Result<Option<ByClientId>, sqlx::Error> {
    let row: Option<(Uuid, Option<String>, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT id, receipt_sealed, fingerprint FROM reports WHERE client_id = $1"
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(id, sealed, fingerprint)| {
        keys.open(sealed.as_deref()?).map(|code| ByClientId {
            id,
            code,
            fingerprint,
        })
    }))
}

type ReceiptRow = (
    Uuid,
    String,
    bool,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<String>,
    Option<i64>,
);

/// What the holder of a receipt code may see. `None` for an unknown code.
pub async fn receipt(
    db: &Db,
    keys: &ReceiptKeys,
    vault: &super::vault::Vault,
    code: &ReceiptCode,
) -> Result<Option<ReceiptView>, sqlx::Error> {
    let typed = code;
    let row: Option<ReceiptRow> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT r.id, r.state, r.urgent, r.severity, r.category, r.district_code,
                e.name, r.created_at, r.closure_reason, r.confirm_due_at
         FROM reports r LEFT JOIN enterprises e ON e.id = r.enterprise_id
         WHERE r.receipt_hash = $1",
        )
        .bind(keys.hash(typed))
        .fetch_optional(pool)
        .await
    })?;
    let Some((
        id,
        state,
        urgent,
        severity,
        category,
        district_code,
        enterprise_name,
        submitted_at,
        closure_reason,
        confirm_due_at,
    )) = row
    else {
        return Ok(None);
    };
    let state = ReportState::parse(&state).unwrap_or(ReportState::Submitted);
    let messages = super::cases::messages(db, vault, id).await?;
    let events: Vec<(i64, Option<String>, Option<String>)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT at, to_state, note FROM report_events
         WHERE report_id = $1 AND visibility IN ('all', 'reporter') ORDER BY seq"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    let code = typed.display();
    Ok(Some(ReceiptView {
        closure_reason,
        messages,
        confirm_due_at: if state == ReportState::Verified {
            confirm_due_at
        } else {
            None
        },
        code,
        state,
        urgent,
        severity: Severity::parse(&severity).unwrap_or(Severity::Immediate),
        category,
        district_code,
        enterprise_name,
        submitted_at,
        timeline: events
            .into_iter()
            .map(|(at, state, note)| TimelineEntry {
                at,
                state: state.as_deref().and_then(ReportState::parse),
                note,
            })
            .collect(),
    }))
}

/// The report a receipt code names.
pub async fn id_by_code(
    db: &Db,
    keys: &ReceiptKeys,
    code: &ReceiptCode,
) -> Result<Option<Uuid>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM reports WHERE receipt_hash = $1"
    )
    .bind(keys.hash(code))
    .fetch_optional(pool)
    .await)
}

/// A 实名 report's reporter as stored: name and phone, each sealed (only the reveal opens them).
pub async fn sealed_reporter(
    db: &Db,
    report: Uuid,
) -> Result<Option<(String, String)>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT name, phone FROM report_reporters WHERE report_id = $1"
    )
    .bind(report)
    .fetch_optional(pool)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_receipt_codes_are_valid_and_different() {
        let a = new_receipt_code();
        let b = new_receipt_code();
        assert_ne!(a, b);
        assert_eq!(ReceiptCode::parse(a.as_str()).unwrap(), a);
    }
}
