//! Storing a submitted report (report, reporter, photos, evidence and the first timeline entry,
//! in one transaction) and reading it back by receipt code.

use super::{db::is_unique_violation, BeginWrite, Db};
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
    pub location: Option<(f64, f64, Option<f64>)>,
    /// The heat alert the report is about.
    pub alert: Option<Uuid>,
    pub lang: String,
    pub via: Via,
    /// Name and phone, for 实名 reports: union-only.
    pub reporter: Option<(String, String)>,
    pub photos: Vec<NewPhoto>,
}

/// One processed photo: the stored derivatives and the evidence behind them.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub display_key: String,
    pub display_size: (u32, u32),
    pub display_bytes: u32,
    pub thumb_key: String,
    pub thumb_size: (u32, u32),
    pub evidence: NewEvidence,
}

/// Union-only facts about a photo.
#[derive(Debug, Clone, Default)]
pub struct NewEvidence {
    pub original_key: String,
    pub received_bytes: u64,
    pub received_format: String,
    pub original_size: (u32, u32),
    pub exif_orientation: Option<u8>,
    pub exif_taken_at: Option<String>,
    pub exif_location: Option<(f64, f64)>,
    pub client_sha256: Option<String>,
    pub client_bytes: Option<u64>,
    pub client_taken_at: Option<String>,
    pub client_location: Option<(f64, f64)>,
    pub client_orientation: Option<u8>,
}

/// Inserts photo rows and their evidence inside a transaction:
/// `insert_photo_rows!(tx, report_id, kind, first_position, &photos, now)`.
#[macro_export]
macro_rules! insert_photo_rows {
    ($tx:ident, $report:expr, $kind:expr, $first:expr, $photos:expr, $now:expr) => {{
        for (i, p) in $photos.iter().enumerate() {
            let position = $first + i;
            let photo_id = uuid::Uuid::now_v7();
            sqlx::query(
                "INSERT INTO report_photos (id, report_id, kind, position, display_key, display_width,
                    display_height, display_bytes, thumb_key, thumb_width, thumb_height, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(photo_id)
            .bind($report)
            .bind($kind)
            .bind(position as i32)
            .bind(&p.display_key)
            .bind(p.display_size.0 as i32)
            .bind(p.display_size.1 as i32)
            .bind(p.display_bytes as i32)
            .bind(&p.thumb_key)
            .bind(p.thumb_size.0 as i32)
            .bind(p.thumb_size.1 as i32)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            let e = &p.evidence;
            sqlx::query(
                "INSERT INTO photo_evidence (photo_id, original_key, received_bytes, received_format,
                    original_width, original_height, exif_orientation, exif_taken_at, exif_lat, exif_lon,
                    client_sha256, client_bytes, client_taken_at, client_lat, client_lon, client_orientation)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(photo_id)
            .bind(&e.original_key)
            .bind(e.received_bytes as i64)
            .bind(&e.received_format)
            .bind(e.original_size.0 as i32)
            .bind(e.original_size.1 as i32)
            .bind(e.exif_orientation.map(i32::from))
            .bind(&e.exif_taken_at)
            .bind(e.exif_location.map(|l| l.0))
            .bind(e.exif_location.map(|l| l.1))
            .bind(&e.client_sha256)
            .bind(e.client_bytes.map(|b| b as i64))
            .bind(&e.client_taken_at)
            .bind(e.client_location.map(|l| l.0))
            .bind(e.client_location.map(|l| l.1))
            .bind(e.client_orientation.map(i32::from))
            .execute(&mut *$tx)
            .await?;
        }
    }};
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
pub async fn by_client_id(db: &Db, client_id: Uuid) -> Result<Option<ByClientId>, sqlx::Error> {
    let row: Option<(Uuid, String, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT id, receipt_code, fingerprint FROM reports WHERE client_id = $1"
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(id, code, fingerprint)| {
        ReceiptCode::parse(&code).ok().map(|code| ByClientId {
            id,
            code,
            fingerprint,
        })
    }))
}

/// How many times a (astronomically unlikely) receipt-code collision is retried.
const CODE_ATTEMPTS: usize = 5;

/// Stores the report, its reporter, photos, evidence and the `submitted` timeline entry in one
/// transaction. A second call with the same client id stores nothing and returns the first
/// report's receipt.
pub async fn insert(db: &Db, report: &NewReport, now: i64) -> Result<Stored, sqlx::Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let id = Uuid::now_v7();
        let code = new_receipt_code();
        match insert_once(db, report, id, &code, now).await {
            Ok(true) => return Ok(Stored::Created { id, code }),
            Ok(false) => {
                return by_client_id(db, report.client_id)
                    .await?
                    .map(|b| Stored::Existing {
                        id: b.id,
                        code: b.code,
                    })
                    .ok_or(sqlx::Error::RowNotFound)
            }
            Err(e) if attempt < CODE_ATTEMPTS && is_unique_violation(&e, "receipt_code") => {
                continue
            }
            Err(e) => return Err(e),
        }
    }
}

/// `Ok(false)` when the client id already exists (nothing written).
async fn insert_once(
    db: &Db,
    r: &NewReport,
    id: Uuid,
    code: &ReceiptCode,
    now: i64,
) -> Result<bool, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let (lat, lon, accuracy) = match r.location {
            Some((lat, lon, acc)) => (Some(lat), Some(lon), acc),
            None => (None, None, None),
        };
        let inserted = sqlx::query(
            "INSERT INTO reports (id, client_id, fingerprint, receipt_code, category, answers, enterprise_id,
                district_code, address, site, description, severity, urgent, state, lat, lon,
                location_accuracy_m, lang, via, created_at, updated_at, industry_code, is_coal_mine, assignee_id, routed_by, alert_id)
             VALUES ($1, $2, $20, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19,
                     $21, $22, $23, $24, $25)
             ON CONFLICT (client_id) DO NOTHING",
        )
        .bind(id)
        .bind(r.client_id)
        .bind(code.as_str())
        .bind(&r.category)
        .bind(&r.answers_json)
        .bind(r.enterprise_id)
        .bind(&r.district_code)
        .bind(&r.address)
        .bind(&r.site)
        .bind(&r.description)
        .bind(r.severity.as_str())
        .bind(r.severity.is_urgent())
        .bind(ReportState::Submitted.as_str())
        .bind(lat)
        .bind(lon)
        .bind(accuracy)
        .bind(&r.lang)
        .bind(r.via.as_str())
        .bind(now)
        .bind(&r.fingerprint)
        .bind(&r.industry_code)
        .bind(r.is_coal_mine)
        .bind(r.routed.as_ref().and_then(|x| x.0))
        .bind(r.routed.as_ref().map(|x| x.1.clone()))
        .bind(r.alert)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some((name, phone)) = &r.reporter {
            sqlx::query(
                "INSERT INTO report_reporters (report_id, name, phone) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(name)
            .bind(phone)
            .execute(&mut *tx)
            .await?;
        }
        crate::insert_photo_rows!(tx, id, "hazard", 0, &r.photos, now);
        sqlx::query(
            "INSERT INTO report_events (id, report_id, at, actor, from_state, to_state, visibility)
             VALUES ($1, $2, $3, 'reporter', NULL, $4, 'reporter')",
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(now)
        .bind(ReportState::Submitted.as_str())
        .execute(&mut *tx)
        .await?;
        if let Some((_, _, reason)) = &r.routed {
            // Routing is the union's business: the reporter's timeline does not show it.
            sqlx::query(
                "INSERT INTO report_events (id, report_id, at, actor, to_state, note, visibility)
                 VALUES ($1, $2, $3, 'system', NULL, $4, 'union')",
            )
            .bind(Uuid::now_v7())
            .bind(id)
            .bind(now)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    })
}

type ReceiptRow = (
    Uuid,
    String,
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
pub async fn receipt(db: &Db, code: &ReceiptCode) -> Result<Option<ReceiptView>, sqlx::Error> {
    let row: Option<ReceiptRow> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT r.id, r.receipt_code, r.state, r.urgent, r.severity, r.category, r.district_code,
                e.name, r.created_at, r.closure_reason, r.confirm_due_at
         FROM reports r LEFT JOIN enterprises e ON e.id = r.enterprise_id
         WHERE r.receipt_code = $1"
    )
    .bind(code.as_str())
    .fetch_optional(pool)
    .await
    })?;
    let Some((
        id,
        code,
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
    let messages = super::cases::messages(db, id).await?;
    let events: Vec<(i64, Option<String>, Option<String>)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT at, to_state, note FROM report_events
         WHERE report_id = $1 AND visibility IN ('all', 'reporter') ORDER BY at, id"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    let code = ReceiptCode::parse(&code)
        .map(|c| c.display())
        .unwrap_or(code);
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

/// Which of these stored-file keys some photo row still refers to (to know which files of a
/// failed submission may be deleted).
pub async fn keys_in_use(db: &Db, keys: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut used = Vec::new();
    for key in keys {
        let n: i64 = db_run!(db, |pool| {
            sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM report_photos WHERE display_key = $1 OR thumb_key = $1)
                  + (SELECT COUNT(*) FROM photo_evidence WHERE original_key = $1)"
        )
        .bind(key)
        .fetch_one(pool)
        .await
        })?;
        if n > 0 {
            used.push(key.clone());
        }
    }
    Ok(used)
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
