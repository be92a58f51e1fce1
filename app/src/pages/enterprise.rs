//! The enterprise officer's desk: the reports their enterprises were sent notices about, and
//! one report in its confidential view (never who reported) with what the officer can do.

use crate::{
    access::Access,
    components::page::{
        by_id, category_name, date_of, field_error, gate, loading, photo_grid, timeline,
        use_feedback, when, FormOutcome, Loaded,
    },
    components::report::{grade_label, notice_section, state_line},
    desks::EnterpriseAction,
    domain::forms::enterprise::MAX_NOTE_CHARS,
    domain::{
        report::ReportState,
        workflow::{transition, Event, Party},
    },
    i18n::{fill, use_lang, Lang},
    views::{EnterpriseReportView, QueuePage},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

#[server]
pub async fn load_enterprise_queue(
    after: Option<String>,
) -> Result<Access<QueuePage>, ServerFnError> {
    use crate::{
        access::server::{actor, cursor_key, db, now},
        backend::queries,
        components::page::load::internal,
    };
    let key = cursor_key()?;
    // A cursor that does not open starts from the first page.
    let after = queries::open_cursor(&key, after.as_deref()).unwrap_or(None);
    queries::enterprise_queue(&db()?, actor().as_ref(), after, now(), &key)
        .await
        .map_err(internal)
}

#[server]
pub async fn load_enterprise_report(
    id: Uuid,
    lang: Lang,
) -> Result<Access<EnterpriseReportView>, ServerFnError> {
    use crate::{
        access::server::{actor, db, now},
        backend::queries,
        components::page::load::internal,
    };
    queries::enterprise_report(&db()?, actor().as_ref(), id, lang, now())
        .await
        .map_err(internal)
}

#[component]
pub fn EnterpriseQueuePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let after = use_query_map()
        .read_untracked()
        .get("after")
        .filter(|a| !a.is_empty());
    view! {
        <Title text=t.enterprise_title()/>
        <h1>{t.enterprise_title()}</h1>
        <p class="lead">{t.enterprise_intro()}</p>
        <Suspense fallback=loading>
            {move || {
                let after = after.clone();
                Suspend::new(async move {
                    let loaded: Loaded<QueuePage> = load_enterprise_queue(after).await;
                    gate(loaded, |page| view! {
                        {page.items.is_empty().then(|| view! { <p class="hint">{t.enterprise_empty()}</p> })}
                        <ul class="queue">
                            {page.items.into_iter().map(|item| {
                                let href = EnterpriseAction::page(item.id);
                                view! {
                                    <li class="queue-item" class:urgent=item.urgent>
                                        <a href=href>
                                            <span class="main">
                                                <span class="what">{category_name(&item.category, lang)}{item.grade.as_deref().map(|g| format!(" · {}", grade_label(g, lang)))}</span>
                                                <span class="where">{item.enterprise_name.clone().unwrap_or_default()}</span>
                                                <span class="hint"><span class="state">{item.state.label(t)}</span>{item.overdue.then(|| view! { " " <span class="badge overdue">{t.union_overdue()}</span> })}</span>
                                            </span>
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <nav class="pager" aria-label=t.union_pages()>
                            {page.next.map(|n| view! { <a class="button secondary" rel="next" href=format!("/enterprise?after={n}")>{t.union_next_page()}</a> })}
                        </nav>
                        <p><a class="button secondary" href="/enterprise/export.csv" download>{t.enterprise_export()}</a></p>
                    }.into_any())
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn EnterpriseReportPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.case_title()/>
        <p><a href="/enterprise">{"← "}{t.enterprise_title()}</a></p>
        <h1>{t.case_title()}</h1>
        <FormOutcome/>
        {by_id(move |id| load_enterprise_report(id, lang), move |v| report_view(v, lang).into_any())}
    }
}

fn report_view(v: EnterpriseReportView, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    let id = v.id;
    let may = |e: Event| transition(v.state, e, Party::Enterprise).is_ok();
    let can_extend = v.extension.is_none()
        && matches!(v.state, ReportState::NoticeSent | ReportState::Acknowledged);
    let fb = feedback.clone();
    view! {
        <section class="card case-summary">
            {state_line(v.urgent, v.state, v.grade.as_deref(), v.supervised, lang)}
            <dl class="facts">
                <dt>{t.receipt_enterprise_label()}</dt><dd>{v.enterprise_name.clone()}</dd>
                <dt>{t.receipt_category_label()}</dt><dd>{category_name(&v.category, lang)}</dd>
                {v.answers.iter().map(|(q, a)| view! { <dt>{q.clone()}</dt><dd>{a.clone()}</dd> }).collect_view()}
                {v.site.clone().map(|s| view! { <dt>{t.case_site()}</dt><dd>{s}</dd> })}
                {v.ack_due_at.map(|d| view! { <dt>{t.case_ack_due()}</dt><dd>{when(d)}</dd> })}
                {v.fix_due_at.map(|d| view! { <dt>{t.case_fix_due()}</dt><dd>{when(d)}</dd> })}
            </dl>
            <p class="confidential">{t.enterprise_confidential()}</p>
        </section>
        {v.notice.as_ref().map(|n| notice_section(n, lang))}
        <section aria-labelledby="photos">
            <h2 id="photos">{t.case_photos()}</h2>
            {photo_grid(v.photos.clone(), false)}
        </section>
        {may(Event::Acknowledge).then(|| view! {
            <form class="card form" method="post" action=EnterpriseAction::Acknowledge.url(id)>
                <p>{t.enterprise_acknowledge_hint()}</p>
                <button type="submit" class="button">{t.enterprise_acknowledge()}</button>
            </form>
        })}
        {may(Event::SubmitRectification).then(|| {
            let fb = fb.clone();
            view! {
                <form class="card form" method="post" action=EnterpriseAction::Rectification.url(id) enctype="multipart/form-data">
                    <h2>{t.rectification_title()}</h2>
                    <label class="field">
                        <span>{t.rectification_photos()}</span>
                        <input type="file" name="photo" accept="image/*" multiple required/>
                        {field_error(&fb, "photo")}
                    </label>
                    <label class="field">
                        <span>{t.rectification_note()}</span>
                        <textarea name="note" rows="4" maxlength=MAX_NOTE_CHARS.to_string() required>{fb.value("note")}</textarea>
                        {field_error(&fb, "note")}
                    </label>
                    <button type="submit" class="button">{t.rectification_submit()}</button>
                </form>
            }
        })}
        {can_extend.then(|| {
            let fb = fb.clone();
            view! {
                <details class="card">
                    <summary>{t.extension_request()}</summary>
                    <p class="hint">{t.extension_once_hint()}</p>
                    <form class="form" method="post" action=EnterpriseAction::Extension.url(id)>
                        <label class="field">
                            <span>{t.extension_until()}</span>
                            <input type="date" name="until" required value=fb.value("until")/>
                            {field_error(&fb, "until")}
                        </label>
                        <label class="field">
                            <span>{t.extension_reason()}</span>
                            <textarea name="reason" rows="2" maxlength=MAX_NOTE_CHARS.to_string() required>{fb.value("reason")}</textarea>
                            {field_error(&fb, "reason")}
                        </label>
                        <button type="submit" class="button secondary">{t.extension_send()}</button>
                    </form>
                </details>
            }
        })}
        {v.extension.clone().map(|e| view! {
            <section class="card">
                <h2>{t.extension_title()}</h2>
                <p>{fill(t.extension_asked(), &[("date", &date_of(e.requested_until))])}</p>
                <p class="hint">{match e.granted { None => t.extension_pending(), Some(true) => t.extension_granted(), Some(false) => t.extension_refused() }}</p>
            </section>
        })}
        {(!v.rectifications.is_empty()).then(|| view! {
            <section class="card">
                <h2>{t.rectification_done()}</h2>
                <ul class="plain">{v.rectifications.iter().map(|r| view! { <li>{when(r.submitted_at)}<p>{r.note.clone()}</p></li> }).collect_view()}</ul>
            </section>
        })}
        <section aria-labelledby="history">
            <h2 id="history">{t.receipt_timeline()}</h2>
            {timeline(v.timeline.clone(), lang)}
        </section>
    }
}
