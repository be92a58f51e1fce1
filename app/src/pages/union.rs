//! The union's desk: the queue (mine, or everything in my area, filtered, urgent first, keyset
//! pages) and a report with everything the union may see and the actions its state allows.

use crate::{
    access::Access,
    components::page::{
        category_name, date_of, district_name, field_error, gate, loading, photo_grid, timeline,
        use_feedback, when, FormOutcome, Loaded,
    },
    domain::{
        category::CATEGORIES,
        district::DISTRICTS,
        report::ReportState,
        workflow::{transition, Event, Party},
    },
    i18n::{fill, use_lang, Lang},
    views::{QueueItem, QueuePage, QueueParams, Revealed, UnionReport},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

#[server]
pub async fn load_union_queue(params: QueueParams) -> Result<Access<QueuePage>, ServerFnError> {
    use crate::{
        access::server::{actor, db, now},
        backend::queries,
        components::page::load::internal,
    };
    queries::union_queue(&db()?, actor().as_ref(), &params, now())
        .await
        .map_err(internal)
}

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
        access::server::{actor, db, now},
        backend::queries,
        components::page::load::internal,
        domain::{deadlines::Deadlines, workflow::Grade},
    };
    let deadlines = use_context::<Deadlines>().unwrap_or_default();
    let access = queries::union_report(&db()?, actor().as_ref(), id, lang)
        .await
        .map_err(internal)?;
    Ok(match access {
        Access::Ok(report) => {
            let grade = report
                .view
                .grade
                .as_deref()
                .and_then(Grade::parse)
                .unwrap_or(Grade::Ordinary);
            Access::Ok(UnionCase {
                default_deadline: deadlines.default_fix_due(now(), grade),
                max_extension_days: deadlines.max_extension_days,
                report,
            })
        }
        Access::SignIn => Access::SignIn,
        Access::Denied => Access::Denied,
        Access::NotFound => Access::NotFound,
    })
}

fn params_from_query() -> QueueParams {
    let q = use_query_map().read_untracked();
    let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
    QueueParams {
        view: get("view"),
        district: get("district"),
        state: get("state"),
        grade: get("grade"),
        category: get("category"),
        enterprise: get("enterprise"),
        overdue: get("overdue"),
        urgent: get("urgent"),
        after: get("after"),
    }
}

/// `/union?…` with these parameters (the cursor replaced).
fn queue_href(p: &QueueParams, after: Option<&str>) -> String {
    let mut pairs = Vec::new();
    for (k, v) in [
        ("view", &p.view),
        ("district", &p.district),
        ("state", &p.state),
        ("grade", &p.grade),
        ("category", &p.category),
        ("enterprise", &p.enterprise),
        ("overdue", &p.overdue),
        ("urgent", &p.urgent),
    ] {
        if let Some(v) = v {
            pairs.push(format!("{k}={}", urlencode(v)));
        }
    }
    if let Some(a) = after {
        pairs.push(format!("after={}", urlencode(a)));
    }
    format!("/union?{}", pairs.join("&"))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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

pub fn grade_label(grade: &str, lang: Lang) -> &'static str {
    let t = lang.tr();
    match grade {
        "major" => t.grade_major(),
        _ => t.grade_ordinary(),
    }
}

#[component]
pub fn UnionQueuePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let shown = params_from_query();
    view! {
        <Title text=t.union_title()/>
        <h1>{t.union_title()}</h1>
        <Suspense fallback=loading>
            {move || {
                let params = shown.clone();
                Suspend::new(async move {
                    let loaded: Loaded<QueuePage> = load_union_queue(params.clone()).await;
                    gate(loaded, |page| view! { {filters(&params, lang)} {queue_list(page, &params, lang)} }.into_any())
                })
            }}
        </Suspense>
    }
}

fn filters(p: &QueueParams, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let view_mode = p.view.clone().unwrap_or_else(|| "mine".into());
    let sel = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let on = |v: &Option<String>| matches!(v.as_deref(), Some("1" | "on" | "true"));
    view! {
        <form class="filters card" method="get" action="/union">
            <fieldset class="segmented">
                <legend class="visually-hidden">{t.union_view()}</legend>
                <label><input type="radio" name="view" value="mine" checked=view_mode == "mine"/>{t.union_mine()}</label>
                <label><input type="radio" name="view" value="area" checked=view_mode == "area"/>{t.union_area()}</label>
            </fieldset>
            <div class="filter-grid">
                <label class="field">
                    <span>{t.union_state()}</span>
                    <select name="state">
                        <option value="" selected=p.state.is_none()>{t.union_open_states()}</option>
                        {ReportState::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected=sel(&p.state, s.as_str())>{s.label(t)}</option>
                        }).collect_view()}
                        <option value="all" selected=sel(&p.state, "all")>{t.union_all_states()}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t.union_grade()}</span>
                    <select name="grade">
                        <option value="">{t.union_any()}</option>
                        <option value="ordinary" selected=sel(&p.grade, "ordinary")>{t.grade_ordinary()}</option>
                        <option value="major" selected=sel(&p.grade, "major")>{t.grade_major()}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t.union_category()}</span>
                    <select name="category">
                        <option value="">{t.union_any()}</option>
                        {CATEGORIES.iter().map(|c| view! {
                            <option value=c.code selected=sel(&p.category, c.code)>{(c.name)(t)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{t.union_district()}</span>
                    <select name="district">
                        <option value="">{t.union_any()}</option>
                        {DISTRICTS.iter().map(|d| view! {
                            <option value=d.code selected=sel(&p.district, d.code)>{district_name(d.code, lang)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {p.enterprise.clone().map(|e| view! { <input type="hidden" name="enterprise" value=e/><p class="hint">{t.union_one_enterprise()}</p> })}
            <label class="check"><input type="checkbox" name="urgent" value="1" checked=on(&p.urgent)/>{t.union_urgent_only()}</label>
            <label class="check"><input type="checkbox" name="overdue" value="1" checked=on(&p.overdue)/>{t.union_overdue_only()}</label>
            <button type="submit" class="button secondary">{t.union_filter()}</button>
        </form>
    }
}

fn queue_list(page: QueuePage, p: &QueueParams, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let next = page.next.as_deref().map(|n| queue_href(p, Some(n)));
    let first = p.after.is_some().then(|| queue_href(p, None));
    view! {
        {page.items.is_empty().then(|| view! { <p class="hint">{t.union_empty()}</p> })}
        <ul class="queue">
            {page.items.into_iter().map(|item| queue_item(item, lang)).collect_view()}
        </ul>
        <nav class="pager" aria-label=t.union_pages()>
            {first.map(|href| view! { <a class="button secondary" href=href>{t.union_first_page()}</a> })}
            {next.map(|href| view! { <a class="button secondary" href=href rel="next">{t.union_next_page()}</a> })}
        </nav>
    }
}

fn queue_item(item: QueueItem, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let href = format!("/union/reports/{}", item.id);
    let alt = category_name(&item.category, lang);
    view! {
        <li class="queue-item" class:urgent=item.urgent>
            <a href=href>
                {item.thumb.map(|p| view! { <img src=p.thumb_url() alt=alt.clone() width="64" height="64" loading="lazy"/> })}
                <span class="main">
                    <span class="what">
                        {item.urgent.then(|| view! { <span class="badge urgent">{t.receipt_urgent()}</span> " " })}
                        {category_name(&item.category, lang)}
                        {item.grade.as_deref().map(|g| view! { " · " <span class="grade">{grade_label(g, lang)}</span> })}
                    </span>
                    <span class="where">{item.enterprise_name.clone().unwrap_or_else(|| t.union_unknown_enterprise().to_string())}" · "{district_name(&item.district_code, lang)}</span>
                    <span class="hint">
                        <span class="state">{item.state.label(t)}</span>
                        {item.overdue.then(|| view! { " " <span class="badge overdue">{t.union_overdue()}</span> })}
                        " · "{when(item.created_at)}
                        {item.assignee_name.map(|n| view! { " · " {n} })}
                    </span>
                </span>
            </a>
        </li>
    }
}

#[component]
pub fn UnionReportPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|s| Uuid::parse_str(&s).ok());
    view! {
        <Title text=t.case_title()/>
        <p><a href="/union">{"← "}{t.union_title()}</a></p>
        <h1>{t.case_title()}</h1>
        <FormOutcome/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let loaded: Loaded<UnionCase> = match id {
                    Some(id) => load_union_report(id, lang).await,
                    None => Ok(Access::NotFound),
                };
                gate(loaded, |page| report_view(page, lang).into_any())
            })}
        </Suspense>
    }
}

fn may(state: ReportState, event: Event) -> bool {
    transition(state, event, Party::Union).is_ok()
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
            <p class="state-line">
                {v.urgent.then(|| view! { <span class="badge urgent">{t.receipt_urgent()}</span> " " })}
                <strong class="state">{v.state.label(t)}</strong>
                {v.grade.as_deref().map(|g| view! { " · " <span class="grade">{grade_label(g, lang)}</span> })}
                {v.supervised.then(|| view! { " " <span class="badge major">{t.case_supervised()}</span> })}
            </p>
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
                {v.confirm_due_at.map(|d| view! { <dt>{t.case_confirm_due()}</dt><dd>{when(d)}</dd> })}
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

        {v.notice.clone().map(|n| view! {
            <section class="card" aria-labelledby="notice">
                <h2 id="notice">{t.notice_title()}</h2>
                {crate::pages::enterprise::notice_facts(&n, lang)}
            </section>
        })}
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
            {open.then(|| message_form(&format!("/union/reports/{id}/messages"), lang))}
        </section>

        <section aria-labelledby="history">
            <h2 id="history">{t.receipt_timeline()}</h2>
            {timeline(v.timeline.clone(), lang)}
        </section>

        {r.may_reveal.then(|| reveal_form(id, lang))}
    }
}

/// The thread between the reporter and the union.
pub fn messages(list: &[crate::views::MessageView], lang: Lang) -> impl IntoView {
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
                <textarea name="body" rows="3" maxlength="1000" required>{feedback.value("body")}</textarea>
                {field_error(&feedback, "body")}
            </label>
            <button type="submit" class="button secondary">{t.messages_send()}</button>
        </form>
    }
}

fn actions(r: &UnionReport, default_deadline: i64, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let v = &r.view;
    let id = v.id;
    let state = v.state;
    let feedback = use_feedback();
    let base = format!("/union/reports/{id}");
    let major = v.grade.as_deref() == Some("major");
    let pending_extension = v.extension.as_ref().is_some_and(|e| e.granted.is_none());
    let fb = feedback.clone();
    let grade_form = may(state, Event::Grade).then(|| {
        let fb = fb.clone();
        view! {
            <form class="card form" method="post" action=format!("{base}/grade")>
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
                    <textarea name="note" rows="2" maxlength="1000">{fb.value("note")}</textarea>
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
                        view! { <textarea name=name rows="3" maxlength="2000" required>{fb.value(name)}</textarea> }.into_any()
                    } else {
                        view! { <input type="text" name=name maxlength="200" required value=fb.value(name)/> }.into_any()
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
        view! {
            <form class="card form" method="post" action=format!("{base}/notice")>
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
                <button type="submit" class="button">{t.notice_send()}</button>
            </form>
        }
    });
    let verify_form = may(state, Event::VerifyPass).then(|| {
        let fb = fb.clone();
        view! {
            <form class="card form" method="post" action=format!("{base}/verify")>
                <h3>{t.verify_title()}</h3>
                <fieldset class="choices">
                    <legend class="visually-hidden">{t.verify_title()}</legend>
                    <label class="option"><input type="radio" name="result" value="pass" required/><span class="option-title">{t.verify_passed()}</span></label>
                    <label class="option"><input type="radio" name="result" value="fail"/><span class="option-title">{t.verify_failed()}</span></label>
                    {field_error(&fb, "result")}
                </fieldset>
                <label class="field">
                    <span>{t.verify_note()}</span>
                    <textarea name="note" rows="2" maxlength="1000">{fb.value("note")}</textarea>
                    {field_error(&fb, "note")}
                </label>
                <button type="submit" class="button">{t.verify_submit()}</button>
            </form>
        }
    });
    let extension_form = pending_extension.then(|| {
        view! {
            <form class="card form" method="post" action=format!("{base}/extension")>
                <h3>{t.extension_title()}</h3>
                <fieldset class="choices">
                    <legend class="visually-hidden">{t.extension_title()}</legend>
                    <label class="option"><input type="radio" name="decision" value="grant" required/><span class="option-title">{t.extension_granted()}</span></label>
                    <label class="option"><input type="radio" name="decision" value="refuse"/><span class="option-title">{t.extension_refused()}</span></label>
                </fieldset>
                <label class="field"><span>{t.verify_note()}</span><textarea name="note" rows="2" maxlength="1000"></textarea></label>
                <button type="submit" class="button">{t.extension_decide()}</button>
            </form>
        }
    });
    let reject_form = may(state, Event::Reject).then(|| {
        let fb = fb.clone();
        view! {
            <details class="card" open=fb.error.is_some() && !fb.value("reason").is_empty()>
                <summary>{t.triage_reject_title()}</summary>
                <form class="form" method="post" action=format!("{base}/reject")>
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
                        <textarea name="message" rows="3" maxlength="1000" required>{fb.value("message")}</textarea>
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
                <form class="form" method="post" action=format!("{base}/reassign")>
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
                        <textarea name="note" rows="2" maxlength="1000" required></textarea>
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

fn reveal_form(id: Uuid, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    view! {
        <details class="card reveal">
            <summary>{t.reveal_title()}</summary>
            <p class="hint">{t.reveal_warning()}</p>
            <form class="form" method="post" action=format!("/union/reports/{id}/reveal")>
                <label class="field">
                    <span>{t.reveal_reason()}</span>
                    <textarea name="reason" rows="2" maxlength="500" required>{feedback.value("reason")}</textarea>
                    {field_error(&feedback, "reason")}
                </label>
                <button type="submit" class="button danger">{t.reveal_submit()}</button>
            </form>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_links_keep_the_filters_and_replace_the_cursor() {
        let p = QueueParams {
            view: Some("area".into()),
            category: Some("fall".into()),
            after: Some("old".into()),
            ..QueueParams::default()
        };
        assert_eq!(
            queue_href(&p, Some("1.2.x y")),
            "/union?view=area&category=fall&after=1.2.x%20y"
        );
        assert_eq!(queue_href(&p, None), "/union?view=area&category=fall");
    }
}
