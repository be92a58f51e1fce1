//! Pieces every signed-in page uses: the refusal (sign in / not allowed / not found) with its
//! HTTP status, the outcome of the last form action, field messages, times, names of places and
//! categories, photos, timelines.

use crate::{
    access::{Access, Feedback},
    desks::AccountAction,
    domain::{category::Category, time::LocalTime, DistrictCode, IndustryCode},
    i18n::{use_lang, Lang},
    views::{EventView, PhotoRef},
};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// What a page loader answers.
pub type Loaded<T> = Result<Access<T>, ServerFnError>;

/// Server-side helpers for loaders.
#[cfg(feature = "ssr")]
pub mod load {
    use leptos::prelude::ServerFnError;

    /// A database failure, logged; the page says "try again".
    pub fn internal(e: sqlx::Error) -> ServerFnError {
        tracing::error!(error = %e, "page data failed");
        ServerFnError::new("internal")
    }
}

/// Renders what a loader found, or the refusal, and sets the page's status accordingly.
pub fn gate<T>(loaded: Loaded<T>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    let t = use_lang().tr();
    let access = match loaded {
        Ok(a) => a,
        Err(_) => {
            #[cfg(feature = "ssr")]
            crate::access::server::set_status(500);
            return view! { <p class="form-message" role="alert">{t.api_internal()}</p> }
                .into_any();
        }
    };
    #[cfg(feature = "ssr")]
    crate::access::server::set_status(access.status());
    match access {
        Access::Ok(v) => show(v),
        Access::SignIn => view! {
            <p class="notice" role="alert">{t.access_sign_in()}</p>
            <LoginForm/>
        }
        .into_any(),
        Access::Denied => {
            view! { <p class="form-message" role="alert">{t.access_denied()}</p> }.into_any()
        }
        Access::NotFound => {
            view! { <p class="form-message" role="alert">{t.access_not_found()}</p> }.into_any()
        }
    }
}

/// The `{id}` of the page's path, when it is a UUID.
pub fn id_param() -> Option<uuid::Uuid> {
    leptos_router::hooks::use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|s| uuid::Uuid::parse_str(&s).ok())
}

/// The body of a page about one thing named by its `{id}`: `load(id)` (a missing or malformed
/// id is "not found"), then `show` through [`gate`], which answers the page's status.
pub fn by_id<T, Fut>(
    load: impl Fn(uuid::Uuid) -> Fut + Clone + Send + Sync + 'static,
    show: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = Loaded<T>> + Send + 'static,
{
    let id = id_param();
    suspended(
        move || {
            let load = load.clone();
            async move {
                match id {
                    Some(id) => load(id).await,
                    None => Ok(Access::NotFound),
                }
            }
        },
        show,
    )
}

/// The body of a page: the loading placeholder while `load()` runs, then `show` through
/// [`gate`], which answers the page's status.
pub fn suspended<T, Fut>(
    load: impl Fn() -> Fut + Clone + Send + Sync + 'static,
    show: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = Loaded<T>> + Send + 'static,
{
    view! {
        <Suspense fallback=loading>
            {move || {
                let (load, show) = (load.clone(), show.clone());
                Suspend::new(async move { gate(load().await, show) })
            }}
        </Suspense>
    }
}

/// The page's loading placeholder.
pub fn loading() -> impl IntoView {
    let t = use_lang().tr();
    view! { <p class="hint">{t.my_reports_loading()}</p> }
}

/// The feedback of the form action this page is answering, if any.
pub fn use_feedback() -> Feedback {
    use_context::<Feedback>().unwrap_or_default()
}

/// The message of the last form action: the refusal, or `?ok=` success.
#[component]
pub fn FormOutcome() -> impl IntoView {
    let t = use_lang().tr();
    let feedback = use_feedback();
    let ok = use_query_map().read_untracked().get("ok").is_some();
    view! {
        {feedback.error.clone().map(|e| view! {
            <div class="form-message" role="alert">
                {e.lines().map(|l| view! { <p>{l.to_string()}</p> }).collect_view()}
            </div>
        })}
        {(ok && feedback.error.is_none()).then(|| view! { <p class="success" role="status">{t.page_saved()}</p> })}
    }
}

/// The message at one field, from the last refused action.
pub fn field_error(feedback: &Feedback, name: &str) -> Option<AnyView> {
    feedback.field(name).map(|m| {
        let id = format!("{name}-error");
        view! { <p class="field-error" id=id>{m}</p> }.into_any()
    })
}

/// The sign-in form (back to this page afterwards).
#[component]
pub fn LoginForm() -> impl IntoView {
    let t = use_lang().tr();
    let feedback = use_feedback();
    let location = use_location();
    let here = location.pathname.get_untracked();
    let next = feedback.values.get("next").cloned().unwrap_or_else(|| {
        if here == "/me" {
            "/me".to_string()
        } else {
            here
        }
    });
    view! {
        <form class="card form" method="post" action=AccountAction::Login.url("")>
            <input type="hidden" name="next" value=next/>
            <label class="field">
                <span>{t.login_login()}</span>
                <input type="text" name="login" autocomplete="username" required
                    value=feedback.value("login") autocapitalize="off" spellcheck="false"/>
            </label>
            <label class="field">
                <span>{t.login_password()}</span>
                <input type="password" name="password" autocomplete="current-password" required/>
            </label>
            <button type="submit" class="button">{t.login_submit()}</button>
            <p class="hint"><a href=AccountAction::ResetPassword.url("")>{t.account_forgot()}</a></p>
        </form>
    }
}

/// A time as people read it (Asia/Shanghai), machine readable too.
pub fn when(ms: i64) -> impl IntoView {
    let at = LocalTime::shanghai(ms);
    view! { <time datetime=at.rfc3339()>{at.minutes()}</time> }
}

/// `2026-07-31` in Asia/Shanghai (for date inputs).
pub fn date_of(ms: i64) -> String {
    let at = LocalTime::shanghai(ms);
    format!("{:04}-{:02}-{:02}", at.year, at.month, at.day)
}

pub fn district_name(code: &str, lang: Lang) -> String {
    DistrictCode::parse(code)
        .map(|d| d.district().name(lang).to_string())
        .unwrap_or_else(|_| code.to_string())
}

pub fn industry_name(code: &str, lang: Lang) -> String {
    IndustryCode::parse(code)
        .map(|i| i.industry().name(lang).to_string())
        .unwrap_or_else(|_| code.to_string())
}

pub fn category_name(code: &str, lang: Lang) -> String {
    Category::find(code)
        .map(|c| (c.name)(lang.tr()).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// Photos as thumbnails that open full size.
pub fn photo_grid(photos: Vec<PhotoRef>, originals: bool) -> impl IntoView {
    let t = use_lang().tr();
    view! {
        <ul class="photo-grid">
            {photos.into_iter().enumerate().map(|(i, p)| {
                let alt = crate::i18n::fill(t.report_photo_alt(), &[("n", &(i + 1))]);
                let kind = (p.kind == "rectification").then(|| view! { <span class="badge">{t.case_after_photo()}</span> });
                view! {
                    <li>
                        <a href=p.display_url() target="_blank">
                            <img src=p.thumb_url() alt=alt loading="lazy" width="160" height="160"/>
                        </a>
                        {kind}
                        {originals.then(|| view! { <a class="small" href=p.original_url() target="_blank">{t.case_original()}</a> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The history of a report, each step with who (as far as the viewer may know) and when.
pub fn timeline(events: Vec<EventView>, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    view! {
        <ol class="timeline">
            {events.into_iter().map(|e| {
                let who = match e.actor.as_str() {
                    "reporter" => t.party_reporter(),
                    "enterprise" => t.party_enterprise(),
                    "system" => t.party_system(),
                    "admin" => t.party_admin(),
                    _ => t.party_union(),
                };
                let name = e.actor_name.clone().map(|n| format!("（{n}）"));
                let change = match (e.from_state, e.to_state) {
                    (Some(f), Some(to)) if f != to => Some(format!("{} → {}", f.label(t), to.label(t))),
                    (_, Some(to)) => Some(to.label(t).to_string()),
                    _ => None,
                };
                view! {
                    <li>
                        {when(e.at)}
                        <span class="who">{who}{name}</span>
                        {change.map(|c| view! { <span class="what">{c}</span> })}
                        {e.note.map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
