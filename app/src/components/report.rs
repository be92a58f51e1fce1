//! Fragments of a report that more than one page shows: the grade's label, the state line, the
//! 五定 of a notice, and the thread between the reporter and the union with its form.

use crate::{
    components::page::{field_error, use_feedback, when},
    domain::{forms::union::MAX_MESSAGE_CHARS, report::ReportState},
    i18n::Lang,
    views::{MessageView, NoticeView},
};
use leptos::prelude::*;

/// 一般 / 重大.
pub fn grade_label(grade: &str, lang: Lang) -> &'static str {
    let t = lang.tr();
    match grade {
        "major" => t.grade_major(),
        _ => t.grade_ordinary(),
    }
}

/// The line above a report's facts: urgent, its state, its grade, supervised.
pub fn state_line(
    urgent: bool,
    state: ReportState,
    grade: Option<&str>,
    supervised: bool,
    lang: Lang,
) -> impl IntoView {
    let t = lang.tr();
    view! {
        <p class="state-line">
            {urgent.then(|| view! { <span class="badge urgent">{t.receipt_urgent()}</span> " " })}
            <strong class="state">{state.label(t)}</strong>
            {grade.map(|g| view! { " · " <span class="grade">{grade_label(g, lang)}</span> })}
            {supervised.then(|| view! { " " <span class="badge major">{t.case_supervised()}</span> })}
        </p>
    }
}

/// The notice's card: the 五定 of a notice, and the governance plan of a major hazard.
pub fn notice_section(sent: &NoticeView, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let n = &sent.notice;
    let plan = [
        (t.notice_plan_goal(), n.plan_goal.clone()),
        (t.notice_plan_resources(), n.plan_resources.clone()),
        (t.notice_plan_people(), n.plan_people.clone()),
        (t.notice_plan_safety(), n.plan_safety.clone()),
        (t.notice_plan_emergency(), n.plan_emergency.clone()),
    ];
    view! {
        <section class="card" aria-labelledby="notice">
            <h2 id="notice">{t.notice_title()}</h2>
            <dl class="facts notice-facts">
                <dt>{t.notice_sent_at()}</dt><dd>{when(sent.sent_at)}</dd>
                <dt>{t.notice_responsible()}</dt><dd>{n.responsible_person.clone()}</dd>
                <dt>{t.notice_measures()}</dt><dd class="measures">{n.measures.clone()}</dd>
                <dt>{t.notice_deadline()}</dt><dd>{when(n.deadline_at)}</dd>
                <dt>{t.notice_standard()}</dt><dd>{n.standard.clone()}</dd>
                <dt>{t.notice_acceptance()}</dt><dd>{n.acceptance_person.clone()}</dd>
                {plan.into_iter().filter_map(|(label, v)| v.map(|v| view! { <dt>{label}</dt><dd>{v}</dd> })).collect_view()}
            </dl>
        </section>
    }
}

/// The thread between the reporter and the union.
pub fn messages(list: &[MessageView], lang: Lang) -> impl IntoView {
    let t = lang.tr();
    view! {
        {list.is_empty().then(|| view! { <p class="hint">{t.messages_none()}</p> })}
        <ol class="messages">
            {list.iter().map(|m| {
                let (class, who) = if m.from_reporter { ("message from-reporter", t.party_reporter()) } else { ("message from-union", t.party_union()) };
                view! { <li class=class><span class="who">{who}</span>" · "{when(m.at)}<p>{m.body.clone()}</p></li> }
            }).collect_view()}
        </ol>
    }
}

/// A message form posting to `action`.
pub fn message_form(action: &str, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    view! {
        <form class="form" method="post" action=action.to_string()>
            <label class="field">
                <span>{t.messages_write()}</span>
                <textarea name="body" rows="3" maxlength=MAX_MESSAGE_CHARS.to_string() required>{feedback.value("body")}</textarea>
                {field_error(&feedback, "body")}
            </label>
            <button type="submit" class="button secondary">{t.messages_send()}</button>
        </form>
    }
}
