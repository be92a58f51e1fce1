//! 我的: sign-in, and the account page (who you are, roles and scope, sessions, password,
//! the reports linked to the account); 注册: a worker's account.

use crate::{
    components::{
        page::{
            category_name, district_name, field_error, industry_name, use_feedback, when,
            FormOutcome, LoginForm,
        },
        receipts::LinkDeviceReceipts,
    },
    desks::AccountAction,
    domain::{forms::account::CodePurpose, phone::PhoneNumber, policy::Role},
    i18n::{fill, use_lang, Lang},
    views::Account,
};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// The account page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountPage {
    pub account: Account,
    /// The id of the session this page is shown in.
    pub this_session: String,
    /// Reports linked to the account: receipt code, category, submitted at.
    pub reports: Vec<(String, String, i64)>,
    pub unread: i64,
    /// Devices subscribed to Web Push.
    pub devices: Vec<crate::views::PushDevice>,
}

/// The signed-in user's account, `None` when nobody is signed in.
#[server]
pub async fn my_account() -> Result<Option<AccountPage>, ServerFnError> {
    use crate::{
        access::server::{current_user, db, receipt_keys, vault},
        backend::{auth, cases, users},
        components::page::load::internal,
    };
    let current = current_user();
    let (Some(actor), Some(token)) = (current.actor, current.token) else {
        return Ok(None);
    };
    let db = db()?;
    let Some(account) = users::account(&db, &*vault()?, actor.user_id)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let reports = users::linked_receipts(&db, &receipt_keys()?, actor.user_id)
        .await
        .map_err(internal)?;
    let unread = cases::unread_count(&db, actor.user_id)
        .await
        .map_err(internal)?;
    let devices = crate::backend::alerts::devices(&db, actor.user_id)
        .await
        .map_err(internal)?;
    Ok(Some(AccountPage {
        account,
        this_session: auth::token_id(&token),
        reports,
        unread,
        devices,
    }))
}

pub fn role_label(role: Role, lang: Lang) -> &'static str {
    let t = lang.tr();
    match role {
        Role::Worker => t.role_worker(),
        Role::Inspector => t.role_inspector(),
        Role::MineSupervisor => t.role_mine_supervisor(),
        Role::EnterpriseOfficer => t.role_enterprise_officer(),
        Role::UnionAdmin => t.role_union_admin(),
    }
}

#[component]
pub fn MePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.me_title()/>
        <h1>{t.me_title()}</h1>
        <FormOutcome/>
        <Suspense fallback=crate::components::page::loading>
            {move || Suspend::new(async move {
                match my_account().await {
                    Ok(Some(me)) => account_view(me, lang).into_any(),
                    Ok(None) => view! {
                        <p class="lead">{t.me_intro()}</p>
                        <h2>{t.login_title()}</h2>
                        <LoginForm/>
                        <p>{t.me_register_hint()}" "<a href="/register">{t.me_register_link()}</a></p>
                    }
                    .into_any(),
                    Err(_) => view! { <p class="form-message" role="alert">{t.api_internal()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Links to the desks this person works at.
pub fn desk_links(roles: &std::collections::BTreeSet<Role>, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let union = roles
        .iter()
        .any(|r| matches!(r, Role::Inspector | Role::MineSupervisor | Role::UnionAdmin));
    let officer = roles.contains(&Role::EnterpriseOfficer);
    let admin = roles.contains(&Role::UnionAdmin);
    view! {
        <ul class="desk-links">
            <li><a class="button secondary" href="/inbox">{t.inbox_title()}</a></li>
            {union.then(|| view! { <li><a class="button secondary" href="/union">{t.union_title()}</a></li> })}
            {officer.then(|| view! { <li><a class="button secondary" href="/enterprise">{t.enterprise_title()}</a></li> })}
            {admin.then(|| view! {
                <li><a class="button secondary" href="/admin/users">{t.admin_users_title()}</a></li>
                <li><a class="button secondary" href="/admin/enterprises">{t.admin_enterprises_title()}</a></li>
                <li><a class="button secondary" href="/admin/audit">{t.admin_audit_title()}</a></li>
                <li><a class="button secondary" href="/admin/deliveries">{t.admin_deliveries_title()}</a></li>
            })}
        </ul>
    }
}

/// Roles and scopes in words.
pub fn scope_view(account: &Account, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let g = &account.grants;
    let name_of = |id: &uuid::Uuid| {
        account
            .enterprise_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    let mut coverage: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (d, i) in &g.coverage {
        coverage
            .entry(district_name(d, lang))
            .or_default()
            .push(industry_name(i, lang));
    }
    let coverage: Vec<String> = coverage
        .into_iter()
        .map(|(d, is)| format!("{d}：{}", is.join("、")))
        .collect();
    let mines: Vec<String> = g.mines.iter().map(name_of).collect();
    let enterprises: Vec<String> = g.enterprises.iter().map(name_of).collect();
    let admin = g.admin_of.as_ref().map(|scope| match scope {
        None => t.scope_city().to_string(),
        Some(d) => district_name(d, lang),
    });
    view! {
        <dl class="facts scope">
            <dt>{t.account_roles()}</dt>
            <dd class="roles">{g.roles.iter().map(|r| role_label(*r, lang)).collect::<Vec<_>>().join("、")}</dd>
            {(!coverage.is_empty()).then(|| view! {
                <dt>{t.scope_coverage()}</dt>
                <dd><ul class="plain">{coverage.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul></dd>
            })}
            {(!mines.is_empty()).then(|| view! { <dt>{t.scope_mines()}</dt><dd>{mines.join("、")}</dd> })}
            {(!enterprises.is_empty()).then(|| view! { <dt>{t.scope_enterprises()}</dt><dd>{enterprises.join("、")}</dd> })}
            {admin.map(|a| view! { <dt>{t.scope_admin()}</dt><dd>{a}</dd> })}
        </dl>
    }
}

fn account_view(me: AccountPage, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    let a = me.account.clone();
    let login = a
        .username
        .clone()
        .or(a.phone_masked.clone())
        .unwrap_or_default();
    let this = me.this_session.clone();
    view! {
        <section class="card account" aria-labelledby="who">
            <h2 id="who" class="account-name">{a.display_name.clone()}</h2>
            <p class="hint">{t.account_login_as()}" "<span class="login-name">{login}</span></p>
            {scope_view(&a, lang)}
            {(me.unread > 0).then(|| view! {
                <p><a href="/inbox" class="badge">{crate::i18n::fill(t.inbox_unread(), &[("n", &me.unread)])}</a></p>
            })}
            {desk_links(&a.grants.roles, lang)}
        </section>

        {a.grants.roles.contains(&Role::Worker).then(|| view! {
            <section class="card" aria-labelledby="my-linked">
                <h2 id="my-linked">{t.account_reports()}</h2>
                {if me.reports.is_empty() {
                    view! { <p class="hint">{t.account_no_reports()}</p> }.into_any()
                } else {
                    view! {
                        <ul class="receipt-list">
                            {me.reports.iter().map(|(code, category, at)| {
                                let href = format!("/r/{}", code.replace('-', ""));
                                view! { <li><a href=href><span class="code">{code.clone()}</span><span class="what">{category_name(category, lang)}" · "{when(*at)}</span></a></li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <LinkDeviceReceipts lang/>
            </section>
        })}

        {a.grants.roles.iter().any(|r| r.receives_push()).then(|| push_section(&me.devices, lang))}

        <section class="card" aria-labelledby="my-sessions">
            <h2 id="my-sessions">{t.account_sessions()}</h2>
            <ul class="sessions">
                {a.sessions.iter().map(|s| {
                    let current = s.id == this;
                    let end = AccountAction::EndSession.url(&s.id);
                    view! {
                        <li>
                            <span class="device">{short_agent(&s.user_agent)}</span>
                            <span class="hint">{t.account_session_since()}" "{when(s.created_at)}" · "{t.account_session_seen()}" "{when(s.last_seen_at)}" · "{s.address.clone()}</span>
                            {if current {
                                view! { <span class="badge">{t.account_this_device()}</span> }.into_any()
                            } else {
                                view! { <form method="post" action=end><button type="submit" class="button small secondary">{t.account_end_session()}</button></form> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>

        <section class="card" aria-labelledby="my-password">
            <h2 id="my-password">{t.account_change_password()}</h2>
            <form class="form" method="post" action=AccountAction::ChangePassword.url("")>
                <label class="field">
                    <span>{t.account_current_password()}</span>
                    <input type="password" name="current" autocomplete="current-password" required/>
                    {field_error(&feedback, "current")}
                </label>
                <label class="field">
                    <span>{t.account_new_password()}</span>
                    <input type="password" name="new" autocomplete="new-password" required minlength="8"/>
                    {field_error(&feedback, "new")}
                </label>
                <label class="field">
                    <span>{t.account_new_password_again()}</span>
                    <input type="password" name="new2" autocomplete="new-password" required minlength="8"/>
                    {field_error(&feedback, "new2")}
                </label>
                <button type="submit" class="button secondary">{t.account_change_password()}</button>
            </form>
        </section>

        <form method="post" action=AccountAction::Logout.url("") class="logout">
            <button type="submit" class="button">{t.account_logout()}</button>
        </form>
    }
}

/// 手机通知: turn Web Push on or off for this device (public/push.js does the browser part),
/// send a test, and the devices subscribed.
fn push_section(devices: &[crate::views::PushDevice], lang: Lang) -> impl IntoView {
    let t = lang.tr();
    view! {
        <section class="card" aria-labelledby="my-push" id="push-device"
            data-unsupported=t.push_unsupported() data-denied=t.push_denied()
            data-enabled=t.push_enabled() data-disabled=t.push_disabled() data-failed=t.push_failed()>
            <h2 id="my-push">{t.push_title()}</h2>
            <p class="hint">{t.push_intro()}</p>
            <p id="push-status" role="status"></p>
            <p>
                <button type="button" id="push-enable" class="button secondary" hidden>{t.push_enable()}</button>
                <button type="button" id="push-disable" class="button secondary" hidden>{t.push_disable()}</button>
            </p>
            <h3>{t.push_devices()}</h3>
            {if devices.is_empty() {
                view! { <p class="hint">{t.push_no_devices()}</p> }.into_any()
            } else {
                view! {
                    <ul class="devices">
                        {devices.iter().map(|d| {
                            let remove = AccountAction::RemoveDevice.url(d.id);
                            view! {
                                <li>
                                    <span class="device">{short_agent(&d.user_agent)}</span>
                                    <span class="hint">{d.service.clone()}" · "{when(d.created_at)}</span>
                                    <form method="post" action=remove><button type="submit" class="button small secondary">{t.push_remove()}</button></form>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <form method="post" action=AccountAction::TestPush.url("")>
                        <button type="submit" class="button small">{t.push_test()}</button>
                    </form>
                }.into_any()
            }}
            <script src="/push.js" defer></script>
        </section>
    }
}

/// A user agent in a few words (browser on system).
fn short_agent(agent: &str) -> String {
    let browser = if agent.contains("MicroMessenger") {
        "WeChat"
    } else if agent.contains("Edg/") {
        "Edge"
    } else if agent.contains("Chrome/") || agent.contains("Chromium/") {
        "Chrome"
    } else if agent.contains("Firefox/") {
        "Firefox"
    } else if agent.contains("Safari/") {
        "Safari"
    } else {
        "?"
    };
    let system = if agent.contains("Android") {
        "Android"
    } else if agent.contains("iPhone") || agent.contains("iPad") {
        "iOS"
    } else if agent.contains("Windows") {
        "Windows"
    } else if agent.contains("Mac OS") {
        "macOS"
    } else if agent.contains("Linux") {
        "Linux"
    } else {
        "?"
    };
    format!("{browser} · {system}")
}

/// The number a code was just sent to (the page's query), or the one typed before a refusal.
fn code_phone(feedback: &crate::access::Feedback) -> (bool, String) {
    let q = leptos_router::hooks::use_query_map().read_untracked();
    let sent = q.get("sent").is_some() && feedback.error.is_none();
    let phone = feedback
        .values
        .get("phone")
        .cloned()
        .or_else(|| q.get("phone"))
        .unwrap_or_default();
    (sent, phone)
}

/// Step 1 of registering or resetting: the number, and 获取验证码 (the answer is the same whether
/// or not the number has an account).
fn code_step(purpose: CodePurpose, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    let (sent, phone) = code_phone(&feedback);
    let what = match purpose {
        CodePurpose::Register => t.account_code_what_register(),
        CodePurpose::Reset => t.account_code_what_reset(),
    };
    let masked = PhoneNumber::parse(&phone)
        .map(|p| p.masked())
        .unwrap_or_default();
    view! {
        {sent.then(|| view! {
            <p class="success" role="status">{fill(t.account_code_sent(), &[("what", &what), ("phone", &masked)])}</p>
        })}
        <form class="card form" method="post" action=AccountAction::SendCode.url("")>
            <input type="hidden" name="purpose" value=purpose.as_str()/>
            <label class="field">
                <span>{t.register_phone()}</span>
                <input type="tel" name="phone" autocomplete="tel" inputmode="tel" required value=phone.clone()/>
                {field_error(&feedback, "phone")}
            </label>
            <button type="submit" class="button secondary">{t.account_code_send()}</button>
        </form>
    }
}

/// Step 2's number and code fields.
fn number_and_code(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    let (_, phone) = code_phone(&feedback);
    view! {
        <h2>{t.account_code_step()}</h2>
        <label class="field">
            <span>{t.register_phone()}</span>
            <input type="tel" name="phone" autocomplete="tel" inputmode="tel" required value=phone/>
        </label>
        <label class="field">
            <span>{t.account_code()}</span>
            <input type="text" name="code" autocomplete="one-time-code" inputmode="numeric"
                pattern="[0-9 ]*" maxlength="8" required value=feedback.value("code")/>
            {field_error(&feedback, "code")}
        </label>
    }
}

/// The new password twice.
fn new_password_fields(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let feedback = use_feedback();
    view! {
        <label class="field">
            <span>{t.account_new_password()}</span>
            <input type="password" name="password" autocomplete="new-password" required minlength="8"/>
            {field_error(&feedback, "password")}
        </label>
        <label class="field">
            <span>{t.account_new_password_again()}</span>
            <input type="password" name="password2" autocomplete="new-password" required minlength="8"/>
            {field_error(&feedback, "password2")}
        </label>
    }
}

/// 注册: a worker's account with their phone number, proved by a code sent to it.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let feedback = use_feedback();
    view! {
        <Title text=t.register_title()/>
        <h1>{t.register_title()}</h1>
        <p class="lead">{t.register_intro()}</p>
        <FormOutcome/>
        {code_step(CodePurpose::Register, lang)}
        <form class="card form" method="post" action=AccountAction::Register.url("")>
            {number_and_code(lang)}
            <label class="field">
                <span>{t.register_name()}</span>
                <input type="text" name="name" autocomplete="name" maxlength="20" value=feedback.value("name")/>
                {field_error(&feedback, "name")}
            </label>
            {new_password_fields(lang)}
            <p class="hint">{t.register_privacy()}</p>
            <button type="submit" class="button">{t.register_submit()}</button>
        </form>
        <p><a href="/me">{t.register_have_account()}</a></p>
    }
}

/// 重设密码: a new password for the account of a phone number, proved by a code sent to it.
#[component]
pub fn ResetPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.account_reset_title()/>
        <h1>{t.account_reset_title()}</h1>
        <p class="lead">{t.account_reset_intro()}</p>
        <FormOutcome/>
        {code_step(CodePurpose::Reset, lang)}
        <form class="card form" method="post" action=AccountAction::ResetPassword.url("")>
            {number_and_code(lang)}
            {new_password_fields(lang)}
            <button type="submit" class="button">{t.account_reset_submit()}</button>
        </form>
        <p><a href="/me">{t.register_have_account()}</a></p>
    }
}

#[cfg(test)]
mod tests {
    use super::short_agent;

    #[test]
    fn user_agents_are_named_briefly() {
        assert_eq!(
            short_agent("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0"),
            "WeChat · Android"
        );
        assert_eq!(
            short_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/131 Safari/537.36"),
            "Chrome · Linux"
        );
    }
}
