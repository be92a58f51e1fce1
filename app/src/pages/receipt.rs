//! The receipt page, `/r/{code}` (or `/r?code=` from the lookup form): status and history of a
//! report for whoever holds its code. Works without JavaScript.

use crate::{
    components::report::{message_form, messages},
    components::{
        page::{field_error, use_feedback, when, FormOutcome},
        receipts::SaveReceipt,
    },
    desks::ReporterAction,
    domain::forms::union::MAX_MESSAGE_CHARS,
    domain::{category::Category, report::ReportState, time::LocalTime, DistrictCode},
    i18n::{use_lang, Lang},
    views::ReceiptView,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// What a lookup found, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Lookup {
    Found(ReceiptView),
    /// A message for the person who typed the code.
    Problem(String),
}

/// Looks a receipt code up (rate limited per address).
#[server]
pub async fn find_receipt(code: String, lang: Lang) -> Result<Lookup, ServerFnError> {
    use crate::backend::{
        ratelimit::RateLimiter,
        receipts::{lookup, LookupError},
        Db,
    };
    use crate::i18n::Localize;
    use axum::extract::ConnectInfo;
    use std::{net::SocketAddr, sync::Arc};
    let db = use_context::<Db>().ok_or_else(|| ServerFnError::new("no database"))?;
    let limiter =
        use_context::<Arc<RateLimiter>>().ok_or_else(|| ServerFnError::new("no rate limiter"))?;
    let addr = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let keys = crate::access::server::receipt_keys()?;
    let t = lang.tr();
    let vault = crate::access::server::vault()?;
    Ok(
        match lookup(&db, &keys, &vault, &limiter, &addr, &code).await {
            Ok(view) => Lookup::Found(view),
            Err(LookupError::Invalid(e)) => Lookup::Problem(e.localize(lang)),
            Err(LookupError::NotFound) => Lookup::Problem(t.receipt_not_found().to_string()),
            Err(LookupError::RateLimited(wait)) => Lookup::Problem(crate::i18n::fill(
                t.api_rate_limited(),
                &[("seconds", &wait.as_secs().max(1))],
            )),
            Err(LookupError::Db(e)) => {
                tracing::error!(error = %e, "receipt lookup failed");
                Lookup::Problem(t.api_internal().to_string())
            }
        },
    )
}

/// The lookup form (a plain GET form: works everywhere).
#[component]
pub fn LookupForm() -> impl IntoView {
    let t = use_lang().tr();
    view! {
        <form class="lookup" method="get" action="/r">
            <label class="field">
                <span>{t.receipt_lookup_label()}</span>
                <input type="text" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false"
                    placeholder="XXXX-XXXX-XXX" maxlength="20"/>
            </label>
            <button type="submit" class="button secondary">{t.receipt_lookup_button()}</button>
        </form>
    }
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let params = use_params_map();
    let query = use_query_map();
    let code = move || {
        params
            .read()
            .get("code")
            .or_else(|| query.read().get("code"))
            .unwrap_or_default()
    };
    let is_new = query.read_untracked().get("new").is_some();
    let found = Resource::new(code, move |code| find_receipt(code, lang));
    view! {
        <Title text=t.receipt_title()/>
        <h1>{t.receipt_title()}</h1>
        <FormOutcome/>
        <Suspense fallback=move || view! { <p class="hint">{t.my_reports_loading()}</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(Lookup::Found(view)) => receipt_view(view, lang, is_new).into_any(),
                    Ok(Lookup::Problem(message)) => view! { <p class="form-message" role="alert">{message}</p> }.into_any(),
                    Err(_) => view! { <p class="form-message" role="alert">{t.api_internal()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <LookupForm/>
        <p><a class="button" href="/">{t.receipt_new_report()}</a></p>
    }
}

/// After the inspector verified the fix: the reporter confirms it, or disputes it (reopens).
fn confirm_forms(code: &str, due: Option<i64>, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    view! {
        <section class="card confirm" aria-labelledby="confirm">
            <h2 id="confirm">{t.receipt_confirm_title()}</h2>
            <p>{t.receipt_confirm_intro()}</p>
            {due.map(|d| view! { <p class="hint">{t.receipt_confirm_due()}" "{when(d)}</p> })}
            <form method="post" action=ReporterAction::Confirm.url(code)>
                <button type="submit" class="button">{t.receipt_confirm()}</button>
            </form>
            <details open=feedback.field("body").is_some()>
                <summary>{t.receipt_dispute()}</summary>
                <form class="form" method="post" action=ReporterAction::Dispute.url(code)>
                    <label class="field">
                        <span>{t.receipt_dispute_why()}</span>
                        <textarea name="body" rows="3" maxlength=MAX_MESSAGE_CHARS.to_string() required>{feedback.value("body")}</textarea>
                        {field_error(&feedback, "body")}
                    </label>
                    <button type="submit" class="button danger">{t.receipt_dispute_submit()}</button>
                </form>
            </details>
        </section>
    }
}

fn receipt_view(v: ReceiptView, lang: Lang, is_new: bool) -> impl IntoView {
    let t = lang.tr();
    let category = Category::find(&v.category)
        .map(|c| (c.name)(t))
        .unwrap_or("");
    let district = DistrictCode::parse(&v.district_code)
        .map(|d| d.district().name(lang))
        .unwrap_or("");
    let submitted = LocalTime::shanghai(v.submitted_at);
    let code = v.code.replace('-', "");
    let open = crate::domain::workflow::is_open(v.state);
    let saver = is_new.then(|| {
        view! { <SaveReceipt lang code=v.code.clone() category=v.category.clone() at=v.submitted_at/> }
    });
    view! {
        {is_new.then(|| view! { <p class="success" role="status">{t.receipt_sent()}</p> })}
        {saver}
        <div class="receipt-code">
            <span>{t.receipt_code_label()}</span>
            <strong class="code">{v.code.clone()}</strong>
        </div>
        <dl class="facts">
            <dt>{t.receipt_status_label()}</dt>
            <dd class="state">{v.state.label(t)}{v.urgent.then(|| view! { " " <span class="badge urgent">{t.receipt_urgent()}</span> })}</dd>
            <dt>{t.receipt_category_label()}</dt>
            <dd>{category}</dd>
            <dt>{t.receipt_severity_label()}</dt>
            <dd>{v.severity.label(t)}</dd>
            <dt>{t.receipt_place_label()}</dt>
            <dd>{district}</dd>
            {v.enterprise_name.clone().map(|name| view! { <dt>{t.receipt_enterprise_label()}</dt><dd>{name}</dd> })}
            <dt>{t.receipt_submitted_label()}</dt>
            <dd><time datetime=submitted.rfc3339()>{submitted.minutes()}</time></dd>
        </dl>
        {v.closure_reason.clone().map(|reason| view! {
            <section class="card closure" aria-labelledby="closure">
                <h2 id="closure">{t.receipt_closure()}</h2>
                <p>{reason}</p>
            </section>
        })}
        {(v.state == ReportState::Verified).then(|| confirm_forms(&code, v.confirm_due_at, lang))}
        <section aria-labelledby="messages">
            <h2 id="messages">{t.receipt_messages()}</h2>
            <p class="hint">{t.receipt_messages_hint()}</p>
            {messages(&v.messages, lang)}
            {open.then(|| message_form(&ReporterAction::Message.url(&code), lang))}
        </section>
        <h2>{t.receipt_timeline()}</h2>
        <ol class="timeline">
            {v.timeline.into_iter().map(|e| {
                let at = LocalTime::shanghai(e.at);
                view! {
                    <li>
                        <time datetime=at.rfc3339()>{at.minutes()}</time>
                        <span class="what">{e.state.map(|s| s.label(t))}</span>
                        {e.note.map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
