//! `send_code`: a one-time code by text message, to register a phone number or reset its
//! password. The answer is the same whether or not the number has an account (an employer cannot
//! test its staff list): for registration, a number with an account is told by text that it has
//! one; for a reset, a number without one is sent nothing. The message goes out in the
//! background, so the answer's time does not tell either.

use super::limited;
use crate::{
    actions::Caller,
    error::AppError,
    sms::{send_later, Sms},
    state::AppState,
    store::codes::{self, new_code, Purpose, CODE_TTL_MS},
};
use app::{
    backend::users,
    domain::forms::account::{CodeForm, CodeRequest},
    i18n::fill,
};

#[tracing::instrument(skip_all)]
pub async fn send_code(
    state: &AppState,
    who: Caller<'_>,
    form: CodeForm,
) -> Result<CodeRequest, AppError> {
    limited(state, who)?;
    let asked = form.parse(who.lang)?;
    let t = who.lang.tr();
    let has_account = users::id_by_phone(&state.db, &state.vault, &asked.phone)
        .await?
        .is_some();
    let code = new_code();
    let minutes = CODE_TTL_MS / 60_000;
    let code_params = || vec![("code", code.clone()), ("minutes", minutes.to_string())];
    let code_text = |template: &str| fill(template, &[("code", &code), ("minutes", &minutes)]);
    let (sent_code, message) = match (asked.purpose, has_account) {
        (Purpose::Register, false) => (
            Some(code.as_str()),
            Some((
                "register_code",
                code_params(),
                code_text(t.sms_register_code()),
            )),
        ),
        (Purpose::Register, true) => (
            None,
            Some((
                "already_registered",
                Vec::new(),
                t.sms_already_registered().to_string(),
            )),
        ),
        (Purpose::Reset, true) => (
            Some(code.as_str()),
            Some(("reset_code", code_params(), code_text(t.sms_reset_code()))),
        ),
        (Purpose::Reset, false) => (None, None),
    };
    let now = state.clock.now_ms();
    let fresh = codes::request(
        &state.db,
        &state.sign_in.counters,
        asked.purpose,
        &asked.phone,
        sent_code,
        now,
    )
    .await?;
    if let (true, Some((template, params, text))) = (fresh, message) {
        send_later(
            state.sms.clone(),
            Sms {
                to: asked.phone.clone(),
                template,
                params,
                text,
                out_id: None,
            },
        );
    }
    Ok(asked)
}
