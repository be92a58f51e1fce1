//! `/union/reports/{id}`: one report as the union sees it (never who reported, until an admin's
//! reveal), its photos and evidence, notice, rectifications, messages and timeline.

use super::forms::{actions, reveal_form};
use crate::access::Access;
use crate::{
    components::{
        page::{
            by_id, category_name, date_of, district_name, photo_grid, timeline, when, FormOutcome,
        },
        report::{message_form, messages, notice_section, state_line},
    },
    desks::UnionAction,
    i18n::{fill, use_lang, Lang},
    views::{Revealed, UnionReport},
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// The union's report page data, with the deadline a notice would get by default.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnionCase {
    pub report: UnionReport,
    pub default_deadline: i64,
    pub max_extension_days: u32,
}

#[server]
pub async fn load_union_report(id: Uuid, lang: Lang) -> Result<Access<UnionCase>, ServerFnError> {
    use crate::{
        access::server::{actor, db, now, vault},
        backend::queries,
        components::page::load::internal,
        domain::{deadlines::Deadlines, workflow::Grade},
    };
    let deadlines = use_context::<Deadlines>().unwrap_or_default();
    let access = queries::union_report(&db()?, &*vault()?, actor().as_ref(), id, lang, now())
        .await
        .map_err(internal)?;
    Ok(access.map(|report| {
        let grade = report
            .view
            .grade
            .as_deref()
            .and_then(Grade::parse)
            .unwrap_or(Grade::Ordinary);
        UnionCase {
            default_deadline: deadlines.default_fix_due(now(), grade),
            max_extension_days: deadlines.max_extension_days,
            report,
        }
    }))
}

/// Which routing rule (or a person, by hand) gave the report its current holder.
fn routing_rule_label(rule: &str, lang: Lang) -> &'static str {
    let t = lang.tr();
    match rule {
        "designated_inspector" => t.routing_designated_inspector(),
        "mine_supervisor" => t.routing_mine_supervisor(),
        "coverage" => t.routing_coverage(),
        "district_desk" => t.routing_district_desk(),
        _ => t.routing_manual(),
    }
}

#[component]
pub fn UnionReportPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.case_title()/>
        <p><a href="/union">{"← "}{t.union_title()}</a></p>
        <h1>{t.case_title()}</h1>
        <FormOutcome/>
        {by_id(move |id| load_union_report(id, lang), move |page| report_view(page, lang).into_any())}
    }
}

fn report_view(page: UnionCase, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let r = page.report;
    let v = r.view.clone();
    let id = v.id;
    let revealed = use_context::<Revealed>();
    let open = crate::domain::workflow::is_open(v.state);
    let same_enterprise = v
        .enterprise_id
        .map(|e| format!("/union?view=area&state=all&enterprise={e}"));
    view! {
        {revealed.map(|who| view! {
            <section class="card revealed" role="status">
                <h2>{t.reveal_title()}</h2>
                {match (who.name, who.phone) {
                    (Some(name), Some(phone)) => view! {
                        <p class="reporter-name">{name}</p>
                        <p><a href=format!("tel:{phone}")>{phone.clone()}</a></p>
                    }.into_any(),
                    _ => view! { <p>{t.reveal_anonymous()}</p> }.into_any(),
                }}
                <p class="hint">{t.reveal_recorded()}</p>
            </section>
        })}
        <section class="card case-summary">
            {state_line(v.urgent, v.state, v.grade.as_deref(), v.supervised, lang)}
            <dl class="facts">
                <dt>{t.receipt_category_label()}</dt>
                <dd>{category_name(&v.category, lang)}</dd>
                {v.answers.iter().map(|(q, a)| view! { <dt>{q.clone()}</dt><dd>{a.clone()}</dd> }).collect_view()}
                <dt>{t.receipt_severity_label()}</dt>
                <dd>{v.severity.label(t)}</dd>
                <dt>{t.receipt_enterprise_label()}</dt>
                <dd>
                    {v.enterprise_name.clone().unwrap_or_else(|| t.union_unknown_enterprise().to_string())}
                    {same_enterprise.map(|href| view! { " " <a class="small" href=href>{t.case_same_enterprise()}</a> })}
                </dd>
                <dt>{t.receipt_place_label()}</dt>
                <dd>{district_name(&v.district_code, lang)}{v.address.clone().map(|a| format!(" · {a}"))}{v.site.clone().map(|s| format!(" · {s}"))}</dd>
                {v.location.map(|(lat, lon)| view! { <dt>{t.case_location()}</dt><dd>{format!("{lat:.5}, {lon:.5}")}</dd> })}
                {v.description.clone().map(|d| view! { <dt>{t.case_description()}</dt><dd class="description">{d}</dd> })}
                <dt>{t.receipt_submitted_label()}</dt>
                <dd>{when(v.created_at)}</dd>
                <dt>{t.case_reporter()}</dt>
                <dd>{if v.named { t.case_reporter_named() } else { t.case_reporter_anonymous() }}{v.linked_to_account.then(|| format!(" · {}", t.case_reporter_account()))}</dd>
                <dt>{t.case_assignee()}</dt>
                <dd>{v.assignee.clone().map(|(_, n)| n).unwrap_or_else(|| t.reassign_desk().to_string())}{v.routed_by.as_deref().map(|rule| view! { <span class="hint">{format!(" （{}）", routing_rule_label(rule, lang))}</span> })}</dd>
                {v.ack_due_at.map(|d| view! { <dt>{t.case_ack_due()}</dt><dd>{when(d)}</dd> })}
                {v.fix_due_at.map(|d| view! { <dt>{t.case_fix_due()}</dt><dd>{when(d)}</dd> })}
                {v.confirm_due_at.filter(|_| v.state == crate::domain::report::ReportState::Verified).map(|d| view! { <dt>{t.case_confirm_due()}</dt><dd>{when(d)}</dd> })}
                {v.closure_reason.clone().map(|c| view! { <dt>{t.case_closure_reason()}</dt><dd>{c}</dd> })}
            </dl>
        </section>

        <section aria-labelledby="photos">
            <h2 id="photos">{t.case_photos()}</h2>
            {photo_grid(v.photos.clone(), true)}
            {(!v.evidence.is_empty()).then(|| view! {
                <details class="evidence">
                    <summary>{t.case_evidence()}</summary>
                    <ul class="plain">
                        {v.evidence.iter().map(|e| view! {
                            <li>
                                <code>{"SHA-256 "}{e.sha256.clone()}</code>
                                <span class="hint">{format!(" · {}×{} · {} B", e.original_size.0, e.original_size.1, e.received_bytes)}</span>
                                {e.taken_at.clone().map(|at| view! { <br/>{t.case_taken_at()}" "{at} })}
                                {e.exif_location.map(|(a, b)| view! { <br/>{"GPS "}{format!("{a:.5}, {b:.5}")} })}
                                {e.client_sha256.clone().map(|h| view! { <br/>{t.case_client_hash()}" "<code>{h}</code> })}
                            </li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </section>

        {v.notice.as_ref().map(|n| notice_section(n, lang))}
        {(!v.rectifications.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="rectifications">
                <h2 id="rectifications">{t.rectification_title()}</h2>
                <ul class="plain">
                    {v.rectifications.iter().map(|rc| view! { <li>{when(rc.submitted_at)}<p>{rc.note.clone()}</p></li> }).collect_view()}
                </ul>
            </section>
        })}
        {v.extension.clone().map(|e| view! {
            <section class="card" aria-labelledby="extension">
                <h2 id="extension">{t.extension_title()}</h2>
                <p>{fill(t.extension_asked(), &[("date", &date_of(e.requested_until))])}</p>
                <p class="note">{e.reason.clone()}</p>
                <p class="hint">{match e.granted { None => t.extension_pending(), Some(true) => t.extension_granted(), Some(false) => t.extension_refused() }}</p>
            </section>
        })}

        {open.then(|| actions(&r, page.default_deadline, lang))}

        <section aria-labelledby="messages">
            <h2 id="messages">{t.messages_title()}</h2>
            {messages(&v.messages, lang)}
            {open.then(|| message_form(&UnionAction::Message.url(id), lang))}
        </section>

        <section aria-labelledby="history">
            <h2 id="history">{t.receipt_timeline()}</h2>
            {timeline(v.timeline.clone(), lang)}
        </section>

        {r.may_reveal.then(|| reveal_form(id, &r.reveal_requests, lang))}
    }
}
