//! The forms of the union's actions on a report, each shown only when the report's state allows
//! it, each posting to its [`UnionAction`]; the field limits are the domain's.

use crate::{
    components::page::{date_of, field_error, use_feedback, when},
    desks::UnionAction,
    domain::{
        forms::union::{MAX_LONG, MAX_NOTE_CHARS, MAX_SHORT},
        report::ReportState,
        workflow::{transition, Event, Party},
    },
    i18n::{fill, Lang},
    views::UnionReport,
};
use leptos::prelude::*;
use uuid::Uuid;

fn may(state: ReportState, event: Event) -> bool {
    transition(state, event, Party::Union).is_ok()
}

pub(super) fn actions(r: &UnionReport, default_deadline: i64, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let v = &r.view;
    let id = v.id;
    let state = v.state;
    let feedback = use_feedback();
    let major = v.grade.as_deref() == Some("major");
    let pending_extension = v.extension.as_ref().is_some_and(|e| e.granted.is_none());
    let fb = feedback.clone();
    let grade_form = may(state, Event::Grade).then(|| {
        let fb = fb.clone();
        view! {
            <form class="card form" method="post" action=UnionAction::Grade.url(id)>
                <h3>{t.triage_title()}</h3>
                <fieldset class="choices">
                    <legend>{t.union_grade()}</legend>
                    <label class="option"><input type="radio" name="grade" value="ordinary" required/><span class="option-title">{t.grade_ordinary()}</span><span class="option-hint">{t.grade_ordinary_hint()}</span></label>
                    <label class="option"><input type="radio" name="grade" value="major"/><span class="option-title">{t.grade_major()}</span><span class="option-hint">{t.grade_major_hint()}</span></label>
                    {field_error(&fb, "grade")}
                </fieldset>
                {v.enterprise_id.is_none().then(|| view! {
                    <label class="field">
                        <span>{t.triage_enterprise()}</span>
                        <input type="text" name="enterprise" value=fb.value("enterprise")/>
                        {field_error(&fb, "enterprise")}
                    </label>
                })}
                <label class="field">
                    <span>{t.triage_note()}</span>
                    <textarea name="note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()>{fb.value("note")}</textarea>
                    {field_error(&fb, "note")}
                </label>
                <button type="submit" class="button">{t.triage_submit()}</button>
            </form>
        }
    });
    let notice_form = may(state, Event::SendNotice).then(|| {
        let fb = fb.clone();
        let deadline = if fb.value("deadline").is_empty() { date_of(default_deadline) } else { fb.value("deadline") };
        let text_field = move |name: &'static str, label: &'static str, long: bool| {
            let fb = fb.clone();
            view! {
                <label class="field">
                    <span>{label}</span>
                    {if long {
                        view! { <textarea name=name rows="3" maxlength=MAX_LONG.to_string() required>{fb.value(name)}</textarea> }.into_any()
                    } else {
                        view! { <input type="text" name=name maxlength=MAX_SHORT.to_string() required value=fb.value(name)/> }.into_any()
                    }}
                    {field_error(&fb, name)}
                </label>
            }
        };
        let plan = major.then(|| {
            let tf = text_field.clone();
            view! {
                <fieldset>
                    <legend>{t.notice_plan()}</legend>
                    {tf("plan_goal", t.notice_plan_goal(), true)}
                    {tf("plan_resources", t.notice_plan_resources(), true)}
                    {tf("plan_people", t.notice_plan_people(), true)}
                    {tf("plan_safety", t.notice_plan_safety(), true)}
                    {tf("plan_emergency", t.notice_plan_emergency(), true)}
                </fieldset>
            }
        });
        let fb2 = use_feedback();
        let hazard: Vec<_> = v.photos.iter().filter(|p| p.kind == "hazard").cloned().collect();
        let review = (!hazard.is_empty()).then(|| view! {
            <fieldset class="photo-review">
                <legend>{t.notice_photos_title()}</legend>
                <p class="hint">{t.notice_photos_hint()}</p>
                {field_error(&fb2, "mask")}
                {hazard.iter().enumerate().map(|(i, p)| {
                    let label = fill(t.notice_photo_label(), &[("n", &(i + 1))]);
                    view! {
                        <figure class="mask-photo" data-photo=p.id.to_string()>
                            <div class="mask-frame">
                                <img src=p.display_url() alt=label.clone() width=p.width height=p.height draggable="false"/>
                            </div>
                            <figcaption>
                                <span>{label}</span>
                                <label class="check"><input type="checkbox" name="withhold" value=p.id.to_string()/>{t.notice_photo_withhold()}</label>
                                <button type="button" class="button small secondary mask-clear" hidden>{t.notice_photo_clear()}</button>
                            </figcaption>
                        </figure>
                    }
                }).collect_view()}
                <script src="/mask.js" defer></script>
            </fieldset>
        });
        view! {
            <form class="card form" method="post" action=UnionAction::Notice.url(id)>
                <h3>{t.notice_title()}</h3>
                <p class="hint">{t.notice_five()}</p>
                {text_field("responsible_person", t.notice_responsible(), false)}
                {text_field("measures", t.notice_measures(), true)}
                <label class="field">
                    <span>{t.notice_deadline()}</span>
                    <input type="date" name="deadline" required value=deadline/>
                    {field_error(&fb2, "deadline")}
                </label>
                {text_field("standard", t.notice_standard(), false)}
                {text_field("acceptance_person", t.notice_acceptance(), false)}
                {plan}
                {review}
                <button type="submit" class="button">{t.notice_send()}</button>
            </form>
        }
    });
    let verify_form = may(state, Event::VerifyPass).then(|| {
        let fb = fb.clone();
        view! {
            <form class="card form" method="post" action=UnionAction::Verify.url(id)>
                <h3>{t.verify_title()}</h3>
                <fieldset class="choices">
                    <legend class="visually-hidden">{t.verify_title()}</legend>
                    <label class="option"><input type="radio" name="result" value="pass" required/><span class="option-title">{t.verify_passed()}</span></label>
                    <label class="option"><input type="radio" name="result" value="fail"/><span class="option-title">{t.verify_failed()}</span></label>
                    {field_error(&fb, "result")}
                </fieldset>
                <label class="field">
                    <span>{t.verify_note()}</span>
                    <textarea name="note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()>{fb.value("note")}</textarea>
                    {field_error(&fb, "note")}
                </label>
                <button type="submit" class="button">{t.verify_submit()}</button>
            </form>
        }
    });
    let extension_form = pending_extension.then(|| {
        view! {
            <form class="card form" method="post" action=UnionAction::Extension.url(id)>
                <h3>{t.extension_title()}</h3>
                <fieldset class="choices">
                    <legend class="visually-hidden">{t.extension_title()}</legend>
                    <label class="option"><input type="radio" name="decision" value="grant" required/><span class="option-title">{t.extension_granted()}</span></label>
                    <label class="option"><input type="radio" name="decision" value="refuse"/><span class="option-title">{t.extension_refused()}</span></label>
                </fieldset>
                <label class="field"><span>{t.verify_note()}</span><textarea name="note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()></textarea></label>
                <button type="submit" class="button">{t.extension_decide()}</button>
            </form>
        }
    });
    let reject_form = may(state, Event::Reject).then(|| {
        let fb = fb.clone();
        view! {
            <details class="card" open=fb.error.is_some() && !fb.value("reason").is_empty()>
                <summary>{t.triage_reject_title()}</summary>
                <form class="form" method="post" action=UnionAction::Reject.url(id)>
                    <fieldset class="choices">
                        <legend>{t.triage_reason()}</legend>
                        <label class="option"><input type="radio" name="reason" value="not_a_hazard" required/><span class="option-title">{t.triage_not_a_hazard()}</span></label>
                        <label class="option"><input type="radio" name="reason" value="duplicate"/><span class="option-title">{t.triage_duplicate()}</span></label>
                        <label class="option"><input type="radio" name="reason" value="out_of_scope"/><span class="option-title">{t.triage_out_of_scope()}</span></label>
                        {field_error(&fb, "reason")}
                    </fieldset>
                    {(!r.duplicate_candidates.is_empty()).then(|| view! {
                        <label class="field">
                            <span>{t.triage_duplicate_of()}</span>
                            <select name="duplicate_of">
                                <option value="">{t.union_any()}</option>
                                {r.duplicate_candidates.iter().map(|(other, at, st)| {
                                    let label = format!("{} · {}", date_of(*at), ReportState::parse(st).map(|s| s.label(t)).unwrap_or(""));
                                    view! { <option value=other.to_string()>{label}</option> }
                                }).collect_view()}
                            </select>
                            {field_error(&fb, "duplicate_of")}
                        </label>
                    })}
                    <label class="field">
                        <span>{t.triage_message()}</span>
                        <textarea name="message" rows="3" maxlength=MAX_NOTE_CHARS.to_string() required>{fb.value("message")}</textarea>
                        {field_error(&fb, "message")}
                    </label>
                    <button type="submit" class="button danger">{t.triage_reject()}</button>
                </form>
            </details>
        }
    });
    let reassign_form = {
        let fb = fb.clone();
        view! {
            <details class="card">
                <summary>{t.reassign_title()}</summary>
                <form class="form" method="post" action=UnionAction::Reassign.url(id)>
                    <label class="field">
                        <span>{t.reassign_to()}</span>
                        <select name="assignee" required>
                            {r.members.iter().map(|m| view! { <option value=m.id.to_string()>{m.name.clone()}</option> }).collect_view()}
                            <option value="desk">{t.reassign_desk()}</option>
                        </select>
                        {field_error(&fb, "assignee")}
                    </label>
                    <label class="field">
                        <span>{t.reassign_note()}</span>
                        <textarea name="note" rows="2" maxlength=MAX_NOTE_CHARS.to_string() required></textarea>
                        {field_error(&fb, "note")}
                    </label>
                    <button type="submit" class="button secondary">{t.reassign_submit()}</button>
                </form>
            </details>
        }
    };
    view! {
        <section aria-labelledby="actions" class="actions">
            <h2 id="actions">{t.case_actions()}</h2>
            {grade_form}
            {notice_form}
            {verify_form}
            {extension_form}
            {reject_form}
            {reassign_form}
        </section>
    }
}

pub(super) fn reveal_form(
    id: Uuid,
    requests: &[crate::views::RevealRequestView],
    lang: Lang,
) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    let listed = (!requests.is_empty()).then(|| {
        view! {
            <h3>{t.reveal_requests()}</h3>
            <ul class="reveal-requests">
                {requests.iter().map(|q| {
                    let request = q.id.to_string();
                    let status = match (q.approved, q.decided_by_name.clone()) {
                        (Some(true), Some(who)) => fill(t.reveal_approved_by(), &[("who", &who)]),
                        (Some(false), Some(who)) => fill(t.reveal_refused_by(), &[("who", &who)]),
                        _ => t.reveal_waiting().to_string(),
                    };
                    view! {
                        <li class="reveal-request" data-request=request.clone()>
                            <p>{fill(t.reveal_asked(), &[("who", &q.requested_by_name), ("reason", &q.reason)])}
                                " · "{when(q.requested_at)}</p>
                            <p class="status">{status}</p>
                            {q.may_decide.then(|| view! {
                                <form class="inline" method="post" action=UnionAction::DecideReveal.url(id)>
                                    <input type="hidden" name="request" value=request.clone()/>
                                    <button type="submit" name="decision" value="approve" class="button danger small">{t.reveal_approve()}</button>
                                    " "
                                    <button type="submit" name="decision" value="refuse" class="button secondary small">{t.reveal_refuse()}</button>
                                </form>
                            })}
                            {q.may_open.then(|| view! {
                                <form class="inline" method="post" action=UnionAction::OpenReveal.url(id)>
                                    <input type="hidden" name="request" value=request.clone()/>
                                    <button type="submit" class="button danger small">{t.reveal_open()}</button>
                                </form>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <details class="card reveal" open=!requests.is_empty()>
            <summary>{t.reveal_title()}</summary>
            <p class="hint">{t.reveal_warning()}</p>
            {listed}
            <form class="form" method="post" action=UnionAction::Reveal.url(id)>
                <label class="field">
                    <span>{t.reveal_reason()}</span>
                    <textarea name="reason" rows="2" maxlength=MAX_NOTE_CHARS.to_string() required>{feedback.value("reason")}</textarea>
                    {field_error(&feedback, "reason")}
                </label>
                <button type="submit" class="button danger">{t.reveal_submit()}</button>
            </form>
        </details>
    }
}
