//! `ingest`: a registered weather feed posts a CAP 1.2 message. Alert → a new alert; Update →
//! it replaces the referenced one; Cancel → it cancels it; the same message again changes
//! nothing. A feed updates and cancels only its own alerts (an alert's CAP identity is public:
//! another feed naming it must not cancel it). A malformed or unmappable message is refused
//! with the element at fault, and nothing is stored.
//!
//! [`refused`] is the one mapping of a refused CAP message to the HTTP answer.

use super::wake;
use crate::{
    alerts::{
        self,
        cap::{self, CapError},
        CapIntent, CapProblem, Problem,
    },
    error::AppError,
    state::AppState,
    store::{
        alerts::{self as store, AlertWriteError},
        feeds,
    },
};
use app::{domain::report::FieldError, i18n::Lang};
use serde::Serialize;
use std::future::Future;
use uuid::Uuid;

/// What the CAP endpoint answers.
#[derive(Debug, Serialize)]
pub struct CapAnswer {
    /// `created`, `updated`, `cancelled`, `duplicate` or `ignored`.
    pub result: &'static str,
    pub id: Option<Uuid>,
    pub districts: Vec<String>,
    pub cap: Option<String>,
    pub reason: Option<String>,
}

impl CapAnswer {
    fn of(result: &'static str, id: Uuid) -> CapAnswer {
        CapAnswer {
            result,
            id: Some(id),
            districts: Vec::new(),
            cap: Some(format!("/api/v1/alerts/{id}.cap")),
            reason: None,
        }
    }

    /// Whether an alert was stored (the API answers 201).
    pub fn stored(&self) -> bool {
        matches!(self.result, "created" | "updated")
    }
}

/// Why a CAP message was refused: it is not CAP 1.2, or not an alert of ours.
#[derive(Debug)]
pub enum Refusal {
    Unreadable(CapError),
    Unmappable(CapProblem),
}

impl From<CapError> for Refusal {
    fn from(e: CapError) -> Self {
        Refusal::Unreadable(e)
    }
}

impl From<CapProblem> for Refusal {
    fn from(p: CapProblem) -> Self {
        Refusal::Unmappable(p)
    }
}

/// The HTTP answer to a refused CAP message, in the reader's language: 413 for a body over the
/// limit, else 422 naming the element at fault.
pub fn refused(lang: Lang, why: impl Into<Refusal>) -> AppError {
    let (element, message) = match why.into() {
        Refusal::Unreadable(CapError::TooLarge) => {
            return AppError::TooLarge {
                message: Some(CapError::TooLarge.message(lang)),
                field: Some("alert".into()),
            }
        }
        Refusal::Unreadable(e) => (e.element().to_string(), e.message(lang)),
        Refusal::Unmappable(p) => {
            let message = p.message(lang);
            (p.element, message)
        }
    };
    AppError::Invalid {
        message: Some(message.clone()),
        fields: vec![FieldError::new(element, message)],
    }
}

/// `key`: the feed's API key as sent; `body` gives the message, read only once the key is
/// known (an unknown caller is refused before anything it sent is read).
#[tracing::instrument(skip_all, fields(feed = tracing::field::Empty))]
pub async fn ingest(
    state: &AppState,
    lang: Lang,
    key: Option<&str>,
    body: impl Future<Output = Result<Vec<u8>, CapError>>,
) -> Result<CapAnswer, AppError> {
    let source = match key {
        Some(k) => feeds::source_by_key(&state.db, &feeds::key_hash(k)).await?,
        None => None,
    };
    let Some((source, name)) = source else {
        return Err(AppError::Unauthorized(
            lang.tr().alerts_err_api_key().into(),
        ));
    };
    tracing::Span::current().record("feed", name.as_str());
    let bytes = body.await.map_err(|e| refused(lang, e))?;
    let msg = cap::parse(&bytes).map_err(|e| refused(lang, e))?;
    let intent = alerts::from_cap(&msg).map_err(|p| refused(lang, p))?;
    let references = |problem| {
        refused(
            lang,
            CapProblem::new("alert/references", problem, Vec::new()),
        )
    };
    // The most recent referenced alert we hold, if this feed issued it.
    let mut referenced = None;
    for r in msg.references.iter().rev() {
        if let Some(id) = store::find_by_identity(&state.db, &r.sender, &r.identifier).await? {
            if store::source_of(&state.db, id).await? != Some(source) {
                return Err(references(Problem::RefsForeign));
            }
            referenced = Some(id);
            break;
        }
    }
    let now = state.clock.now_ms();
    match intent {
        CapIntent::Ignore(reason) => Ok(CapAnswer {
            result: "ignored",
            id: None,
            districts: Vec::new(),
            cap: None,
            reason: Some(reason),
        }),
        CapIntent::Cancel => {
            if let Some(done) = store::find_cancel(&state.db, &msg.sender, &msg.identifier).await? {
                return Ok(CapAnswer::of("duplicate", done));
            }
            let target = referenced.ok_or_else(|| references(Problem::RefsUnknown))?;
            let Some(alert) = app::backend::alerts::get(&state.db, target).await? else {
                return Err(references(Problem::RefsUnknown));
            };
            let told = store::cancel(
                &state.db,
                &state.heat_rules,
                &alert,
                Some((&msg.sender, &msg.identifier)),
                None,
                now,
            )
            .await?
            .ok_or_else(|| references(Problem::RefsUnknown))?;
            wake(state, told);
            Ok(CapAnswer::of("cancelled", target))
        }
        CapIntent::Issue(mut new) => {
            new.source_id = Some(source);
            let updating = msg.msg_type == cap::MsgType::Update;
            if updating {
                new.replaces = Some(referenced.ok_or_else(|| references(Problem::RefsUnknown))?);
            }
            let issued = match store::issue(&state.db, &state.heat_rules, &new, None, now).await {
                Ok(issued) => issued,
                Err(AlertWriteError::Duplicate(existing)) => {
                    return Ok(CapAnswer::of("duplicate", existing))
                }
                Err(AlertWriteError::NotActive) => return Err(references(Problem::RefsUnknown)),
                Err(AlertWriteError::Db(e)) => return Err(AppError::from(e)),
            };
            wake(state, issued.told);
            let mut answer = CapAnswer::of(if updating { "updated" } else { "created" }, issued.id);
            answer.districts = new.districts.into_iter().collect();
            Ok(answer)
        }
    }
}
