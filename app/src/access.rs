//! How pages learn whether they may show something, and what the last form action said.

use crate::domain::report::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The outcome of loading something a page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Access<T> {
    Ok(T),
    /// Not signed in (401).
    SignIn,
    /// Signed in, not allowed (403).
    Denied,
    NotFound,
}

impl<T> Access<T> {
    /// The same refusal, or `f` of what was found.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Access<U> {
        match self {
            Access::Ok(v) => Access::Ok(f(v)),
            Access::SignIn => Access::SignIn,
            Access::Denied => Access::Denied,
            Access::NotFound => Access::NotFound,
        }
    }

    /// The HTTP status a page answering this should have.
    pub fn status(&self) -> u16 {
        match self {
            Access::Ok(_) => 200,
            Access::SignIn => 401,
            Access::Denied => 403,
            Access::NotFound => 404,
        }
    }
}

/// What a refused form action says, provided to the page rendered in its place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub error: Option<String>,
    pub fields: Vec<FieldError>,
    /// The values sent, to fill the form again.
    pub values: BTreeMap<String, String>,
}

impl Feedback {
    pub fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.clone())
    }
}

/// Who is signed in, as pages see it (no secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub signed_in: bool,
    pub name: Option<String>,
    pub roles: Vec<crate::domain::policy::Role>,
}

/// Helpers for server functions (server only).
#[cfg(feature = "ssr")]
pub mod server {
    use crate::{
        backend::{auth::CurrentUser, clock::SharedClock, Db},
        domain::policy::{decide, Action, Actor, Decision, Object},
    };
    use leptos::prelude::*;

    /// The signed-in user of the request being served.
    pub fn current_user() -> CurrentUser {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<CurrentUser>().cloned())
            .unwrap_or_default()
    }

    pub fn actor() -> Option<Actor> {
        current_user().actor
    }

    pub fn db() -> Result<Db, ServerFnError> {
        use_context::<Db>().ok_or_else(|| ServerFnError::new("no database"))
    }

    /// The key queue cursors are sealed with.
    pub fn cursor_key() -> Result<crate::backend::cursor::CursorKey, ServerFnError> {
        use_context::<crate::backend::cursor::CursorKey>()
            .ok_or_else(|| ServerFnError::new("no cursor key"))
    }

    /// The keys receipt codes are kept with.
    pub fn receipt_keys() -> Result<crate::backend::receipts::ReceiptKeys, ServerFnError> {
        use_context::<crate::backend::receipts::ReceiptKeys>()
            .ok_or_else(|| ServerFnError::new("no receipt keys"))
    }

    /// The master keys (open each report's data key).
    pub fn vault() -> Result<std::sync::Arc<crate::backend::vault::Vault>, ServerFnError> {
        use_context::<std::sync::Arc<crate::backend::vault::Vault>>()
            .ok_or_else(|| ServerFnError::new("no master keys"))
    }

    pub fn now() -> i64 {
        use_context::<SharedClock>()
            .map(|c| c.now_ms())
            .unwrap_or_else(crate::backend::now_ms)
    }

    /// Asks the policy; `Err(access)` to return as is when refused.
    pub fn check<T>(
        actor: Option<&Actor>,
        action: Action,
        object: &Object<'_>,
    ) -> Result<(), super::Access<T>> {
        match decide(actor, action, object) {
            Decision::Allow => Ok(()),
            Decision::SignIn => Err(super::Access::SignIn),
            Decision::Deny => Err(super::Access::Denied),
        }
    }

    /// Sets the response status of the page being rendered.
    pub fn set_status(status: u16) {
        if let (Some(res), Ok(code)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(status),
        ) {
            res.set_status(code);
        }
    }
}
