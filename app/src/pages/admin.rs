//! The union admin's pages: users (create; roles and scopes; disable and enable), the
//! enterprise directory (create, edit, designated inspector, CSV import) and the audit log.

use crate::{
    access::Access,
    components::page::{
        by_id, district_name, field_error, industry_name, suspended, use_feedback, when,
        FormOutcome,
    },
    desks::AdminAction,
    domain::{
        district::DISTRICTS,
        enterprise_import::COLUMNS,
        industry::INDUSTRIES,
        policy::{Grants, Role},
    },
    i18n::{fill, use_lang, Lang},
    pages::me::role_label,
    views::{AdminEnterprise, AdminUser, AuditRow, DeliveryRow, EnterpriseList, UserSummary},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

#[server]
pub async fn load_users() -> Result<Access<Vec<UserSummary>>, ServerFnError> {
    use crate::{
        access::server::{actor, db, vault},
        backend::queries,
        components::page::load::internal,
    };
    queries::managed_users(&db()?, &*vault()?, actor().as_ref())
        .await
        .map_err(internal)
}

#[server]
pub async fn load_user(id: Uuid) -> Result<Access<AdminUser>, ServerFnError> {
    use crate::{
        access::server::{actor, db, vault},
        backend::queries,
        components::page::load::internal,
    };
    queries::admin_user(&db()?, &*vault()?, actor().as_ref(), id)
        .await
        .map_err(internal)
}

#[server]
pub async fn load_directory(
    district: Option<String>,
    after: Option<String>,
) -> Result<Access<EnterpriseList>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::queries,
        components::page::load::internal,
    };
    queries::admin_enterprises(&db()?, actor().as_ref(), district, after)
        .await
        .map_err(internal)
}

#[server]
pub async fn load_enterprise(id: Uuid) -> Result<Access<AdminEnterprise>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::queries,
        components::page::load::internal,
    };
    queries::admin_enterprise(&db()?, actor().as_ref(), id)
        .await
        .map_err(internal)
}

#[server]
pub async fn load_audit() -> Result<Access<Vec<AuditRow>>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::queries,
        components::page::load::internal,
    };
    queries::audit_log(&db()?, actor().as_ref())
        .await
        .map_err(internal)
}

#[server]
pub async fn load_deliveries() -> Result<Access<Vec<DeliveryRow>>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::queries,
        components::page::load::internal,
    };
    queries::delivery_log(&db()?, actor().as_ref())
        .await
        .map_err(internal)
}

fn roles_text(g: &Grants, lang: Lang) -> String {
    g.roles
        .iter()
        .map(|r| role_label(*r, lang))
        .collect::<Vec<_>>()
        .join("、")
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.admin_users_title()/>
        <h1>{t.admin_users_title()}</h1>
        <FormOutcome/>
        {suspended(load_users, move |users: Vec<UserSummary>| view! {
            <details class="card" open=use_feedback().error.is_some()>
                <summary>{t.admin_new_user()}</summary>
                {user_form(None, lang)}
            </details>
            <table class="list">
                <thead><tr><th>{t.admin_name()}</th><th>{t.admin_login()}</th><th>{t.account_roles()}</th><th>{t.admin_status()}</th></tr></thead>
                <tbody>
                    {users.into_iter().map(|u| view! {
                        <tr class:disabled=u.disabled>
                            <td><a href=format!("/admin/users/{}", u.id)>{u.display_name.clone()}</a></td>
                            <td>{u.username.clone().or(u.phone_masked.clone()).unwrap_or_default()}</td>
                            <td>{roles_text(&u.grants, lang)}</td>
                            <td>{if u.disabled { t.admin_disabled() } else { t.admin_active() }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any())}
    }
}

/// The roles-and-scopes fields (and, for a new user, login and password).
fn user_form(existing: Option<&AdminUser>, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let fb = use_feedback();
    let refused = fb.error.is_some();
    let g = existing.map(|u| u.user.grants.clone()).unwrap_or_default();
    let has_role = |r: Role| g.roles.contains(&r);
    let lines = |list: Option<&Vec<(Uuid, String, String)>>, field: &str| {
        if refused {
            fb.value(field)
        } else {
            list.map(|l| {
                l.iter()
                    .map(|(_, code, _)| code.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
        }
    };
    let mines = lines(existing.map(|u| &u.mines), "mines");
    let enterprises = lines(existing.map(|u| &u.enterprises), "enterprises");
    let names = |list: Option<&Vec<(Uuid, String, String)>>| {
        list.map(|l| {
            l.iter()
                .map(|(_, _, n)| n.clone())
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
    };
    let mine_names = names(existing.map(|u| &u.mines));
    let enterprise_names = names(existing.map(|u| &u.enterprises));
    let admin_of = match &g.admin_of {
        Some(None) => "city".to_string(),
        Some(Some(d)) => d.clone(),
        None => String::new(),
    };
    let action = existing
        .map(|u| AdminAction::UpdateUser.url(u.user.id))
        .unwrap_or_else(|| AdminAction::CreateUser.url(""));
    let new_user = existing.is_none().then(|| {
        let fb = fb.clone();
        view! {
            <label class="field"><span>{t.admin_name()}</span>
                <input type="text" name="display_name" required maxlength="40" value=fb.value("display_name")/>{field_error(&fb, "display_name")}</label>
            <label class="field"><span>{t.admin_username()}</span>
                <input type="text" name="username" maxlength="40" autocapitalize="off" value=fb.value("username")/>{field_error(&fb, "username")}</label>
            <label class="field"><span>{t.register_phone()}</span>
                <input type="tel" name="phone" value=fb.value("phone")/>{field_error(&fb, "phone")}</label>
            <label class="field"><span>{t.admin_initial_password()}</span>
                <input type="password" name="password" required minlength="8" autocomplete="new-password"/>{field_error(&fb, "password")}</label>
        }
    });
    view! {
        <form class="form user-form" method="post" action=action>
            {new_user}
            <fieldset>
                <legend>{t.account_roles()}</legend>
                {Role::ALL.into_iter().map(|r| view! {
                    <label class="check"><input type="checkbox" name="role" value=r.as_str() checked=has_role(r)/>{role_label(r, lang)}</label>
                }).collect_view()}
                {field_error(&fb, "role")}
            </fieldset>
            <details open=!g.coverage.is_empty()>
                <summary>{t.scope_coverage()}</summary>
                <div class="coverage-grid">
                    {DISTRICTS.iter().map(|d| view! {
                        <fieldset>
                            <legend>{district_name(d.code, lang)}</legend>
                            {INDUSTRIES.iter().map(|i| {
                                let value = format!("{}:{}", d.code, i.code);
                                let checked = g.coverage.contains(&(d.code.to_string(), i.code.to_string()));
                                view! { <label class="check small"><input type="checkbox" name="coverage" value=value checked=checked/>{industry_name(i.code, lang)}</label> }
                            }).collect_view()}
                        </fieldset>
                    }).collect_view()}
                </div>
                {field_error(&fb, "coverage")}
            </details>
            <label class="field"><span>{t.scope_mines()}</span>
                <textarea name="mines" rows="2" placeholder=t.admin_uscc_lines()>{mines}</textarea>
                {(!mine_names.is_empty()).then(|| view! { <span class="hint">{mine_names}</span> })}
                {field_error(&fb, "mines")}</label>
            <label class="field"><span>{t.scope_enterprises()}</span>
                <textarea name="enterprises" rows="2" placeholder=t.admin_uscc_lines()>{enterprises}</textarea>
                {(!enterprise_names.is_empty()).then(|| view! { <span class="hint">{enterprise_names}</span> })}
                {field_error(&fb, "enterprises")}</label>
            <label class="field"><span>{t.scope_admin()}</span>
                <select name="admin_of">
                    <option value="" selected=admin_of.is_empty()>{t.union_any()}</option>
                    <option value="city" selected=admin_of == "city">{t.scope_city()}</option>
                    {DISTRICTS.iter().map(|d| view! { <option value=d.code selected=admin_of == d.code>{district_name(d.code, lang)}</option> }).collect_view()}
                </select>
                {field_error(&fb, "admin_of")}</label>
            <button type="submit" class="button">{if existing.is_some() { t.admin_save() } else { t.admin_create() }}</button>
        </form>
    }
}

#[component]
pub fn AdminUserPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.admin_users_title()/>
        <p><a href="/admin/users">{"← "}{t.admin_users_title()}</a></p>
        <FormOutcome/>
        {by_id(load_user, move |u| user_page(u, lang).into_any())}
    }
}

fn user_page(u: AdminUser, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let toggle = if u.user.disabled {
        AdminAction::EnableUser
    } else {
        AdminAction::DisableUser
    };
    view! {
        <h1>{u.user.display_name.clone()}</h1>
        <p class="hint">{u.user.username.clone().or(u.user.phone_masked.clone()).unwrap_or_default()}" · "
            <span class="status">{if u.user.disabled { t.admin_disabled() } else { t.admin_active() }}</span></p>
        {user_form(Some(&u), lang)}
        <form method="post" action=toggle.url(u.user.id) class="card">
            <p class="hint">{if u.user.disabled { t.admin_enable_hint() } else { t.admin_disable_hint() }}</p>
            <button type="submit" class=if u.user.disabled { "button" } else { "button danger" }>
                {if u.user.disabled { t.admin_enable() } else { t.admin_disable() }}
            </button>
        </form>
    }
}

#[component]
pub fn AdminEnterprisesPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let q = use_query_map().read_untracked();
    let district = q.get("district").filter(|d| !d.is_empty());
    let after = q.get("after").filter(|d| !d.is_empty());
    let imported = q.get("imported");
    view! {
        <Title text=t.admin_enterprises_title()/>
        <h1>{t.admin_enterprises_title()}</h1>
        <FormOutcome/>
        {imported.map(|n| view! { <p class="success" role="status">{fill(t.directory_imported(), &[("n", &n)])}</p> })}
        {suspended(
            move || load_directory(district.clone(), after.clone()),
            move |list| directory_view(list, lang).into_any(),
        )}
    }
}

fn enterprise_fields(existing: Option<&AdminEnterprise>, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let fb = use_feedback();
    let refused = fb.error.is_some();
    let rec = existing.map(|e| e.record.clone());
    let value = |name: &str, stored: Option<String>| {
        if refused {
            fb.value(name)
        } else {
            stored.unwrap_or_default()
        }
    };
    let name = value("name", rec.as_ref().map(|r| r.name.clone()));
    let uscc = value("uscc", rec.as_ref().map(|r| r.uscc.clone()));
    let address = value("address", rec.as_ref().map(|r| r.address.clone()));
    let district = value("district", rec.as_ref().map(|r| r.district_code.clone()));
    let industry = value("industry", rec.as_ref().map(|r| r.industry_code.clone()));
    let coal = if refused {
        fb.value("is_coal_mine") == "1"
    } else {
        rec.as_ref().is_some_and(|r| r.is_coal_mine)
    };
    let outdoor = if refused {
        fb.value("has_outdoor_work") == "1"
    } else {
        rec.as_ref().is_some_and(|r| r.has_outdoor_work)
    };
    view! {
        <label class="field"><span>{t.directory_field_name()}</span><input type="text" name="name" required maxlength="100" value=name/></label>
        <label class="field"><span>{t.report_uscc()}</span><input type="text" name="uscc" required maxlength="18" autocapitalize="characters" value=uscc/>{field_error(&fb, "uscc")}</label>
        <label class="field"><span>{t.union_district()}</span>
            <select name="district" required>
                {DISTRICTS.iter().map(|d| view! { <option value=d.code selected=district == d.code>{district_name(d.code, lang)}</option> }).collect_view()}
            </select></label>
        <label class="field"><span>{t.directory_field_industry()}</span>
            <select name="industry" required>
                {INDUSTRIES.iter().map(|i| view! { <option value=i.code selected=industry == i.code>{industry_name(i.code, lang)}</option> }).collect_view()}
            </select></label>
        <label class="field"><span>{t.directory_field_address()}</span><input type="text" name="address" maxlength="200" value=address/></label>
        // Unchecked boxes send nothing: a hidden "0" first, the box's "1" after it wins.
        <input type="hidden" name="is_coal_mine" value="0"/>
        <label class="check"><input type="checkbox" name="is_coal_mine" value="1" checked=coal/>{t.directory_field_coal()}</label>
        <input type="hidden" name="has_outdoor_work" value="0"/>
        <label class="check"><input type="checkbox" name="has_outdoor_work" value="1" checked=outdoor/>{t.directory_field_outdoor()}</label>
    }
}

fn directory_view(list: EnterpriseList, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let next = list.next.as_ref().map(|n| {
        let d = list
            .district
            .clone()
            .map(|d| format!("district={d}&"))
            .unwrap_or_default();
        format!(
            "/admin/enterprises?{d}after={}",
            n.replace('%', "%25")
                .replace('&', "%26")
                .replace('|', "%7C")
                .replace(' ', "%20")
                .replace('#', "%23")
                .replace('+', "%2B")
        )
    });
    let columns = COLUMNS.join(",");
    view! {
        <form class="filters card" method="get" action="/admin/enterprises">
            <label class="field"><span>{t.union_district()}</span>
                <select name="district">
                    <option value="">{t.union_any()}</option>
                    {DISTRICTS.iter().map(|d| view! { <option value=d.code selected=list.district.as_deref() == Some(d.code)>{district_name(d.code, lang)}</option> }).collect_view()}
                </select></label>
            <button type="submit" class="button secondary">{t.union_filter()}</button>
        </form>
        <details class="card">
            <summary>{t.directory_new()}</summary>
            <form class="form" method="post" action=AdminAction::CreateEnterprise.url("")>
                {enterprise_fields(None, lang)}
                <button type="submit" class="button">{t.admin_create()}</button>
            </form>
        </details>
        <details class="card">
            <summary>{t.directory_import()}</summary>
            <p class="hint">{fill(t.directory_import_hint(), &[("columns", &columns)])}</p>
            <form class="form" method="post" action=AdminAction::ImportEnterprises.url("") enctype="multipart/form-data">
                <label class="field"><span>{t.directory_import_file()}</span><input type="file" name="file" accept=".csv,text/csv" required/></label>
                <button type="submit" class="button">{t.directory_import_submit()}</button>
            </form>
        </details>
        <table class="list">
            <thead><tr><th>{t.directory_field_name()}</th><th>{t.union_district()}</th><th>{t.directory_field_industry()}</th></tr></thead>
            <tbody>
                {list.items.into_iter().map(|e| view! {
                    <tr>
                        <td><a href=format!("/admin/enterprises/{}", e.id)>{e.name.clone()}</a><br/><span class="hint">{e.uscc.clone()}</span></td>
                        <td>{district_name(&e.district_code, lang)}</td>
                        <td>{industry_name(&e.industry_code, lang)}{e.is_coal_mine.then_some(" ⛏")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label=t.union_pages()>
            {next.map(|href| view! { <a class="button secondary" rel="next" href=href>{t.union_next_page()}</a> })}
        </nav>
    }
}

#[component]
pub fn AdminEnterprisePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.admin_enterprises_title()/>
        <p><a href="/admin/enterprises">{"← "}{t.admin_enterprises_title()}</a></p>
        <FormOutcome/>
        {by_id(load_enterprise, move |e| enterprise_page(e, lang).into_any())}
    }
}

fn enterprise_page(e: AdminEnterprise, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let designated = e.record.designated_inspector_id;
    let people = |list: &[crate::views::Member]| {
        if list.is_empty() {
            t.admin_nobody().to_string()
        } else {
            list.iter()
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    view! {
        <h1>{e.record.name.clone()}</h1>
        <form class="card form" method="post" action=AdminAction::EditEnterprise.url(e.record.id)>
            {enterprise_fields(Some(&e), lang)}
            <label class="field"><span>{t.directory_designated()}</span>
                <select name="designated_inspector_id">
                    <option value="" selected=designated.is_none()>{t.admin_nobody()}</option>
                    {e.inspectors.iter().map(|m| view! { <option value=m.id.to_string() selected=designated == Some(m.id)>{m.name.clone()}</option> }).collect_view()}
                </select>
                <span class="hint">{t.directory_designated_hint()}</span>
            </label>
            <button type="submit" class="button">{t.admin_save()}</button>
        </form>
        <dl class="facts">
            <dt>{t.scope_enterprises()}</dt><dd>{people(&e.officers)}</dd>
            {e.record.is_coal_mine.then(|| view! { <dt>{t.scope_mines()}</dt><dd>{people(&e.supervisors)}</dd> })}
        </dl>
        <p class="hint">{t.directory_people_hint()}</p>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.admin_audit_title()/>
        <h1>{t.admin_audit_title()}</h1>
        {suspended(load_audit, move |rows: Vec<AuditRow>| view! {
            <table class="list audit">
                <thead><tr><th>{t.audit_when()}</th><th>{t.audit_who()}</th><th>{t.audit_what()}</th><th>{t.audit_where()}</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{when(r.at)}</td>
                            <td>{r.actor_name.clone().unwrap_or_else(|| "—".into())}</td>
                            <td><code>{r.action.clone()}</code>{r.subject_type.clone().map(|s| format!(" · {s}"))}<br/><span class="hint detail">{r.detail.clone()}</span></td>
                            <td>{r.address.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any())}
    }
}

/// `/admin/deliveries`: the newest push and text-message deliveries of every notification, with
/// their state, tries and the last reason a try failed.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.admin_deliveries_title()/>
        <h1>{t.admin_deliveries_title()}</h1>
        <p class="hint">{t.admin_deliveries_hint()}</p>
        {suspended(load_deliveries, move |rows: Vec<DeliveryRow>| view! {
            <table class="list deliveries">
                <thead><tr>
                    <th scope="col">{t.audit_when()}</th>
                    <th scope="col">{t.admin_deliveries_recipient()}</th>
                    <th scope="col">{t.alerts_channel()}</th>
                    <th scope="col">{t.alerts_state()}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let cells = crate::pages::alerts::delivery_cells(lang, &r.channel, &r.state, r.delivered_at.is_some(), r.attempts, r.last_error.clone());
                        view! {
                            <tr data-state=r.state.clone() data-channel=r.channel.clone()>
                                <td>{when(r.at)}</td>
                                <td>{r.recipient.clone()}<br/><small class="hint">{r.title.clone()}</small></td>
                                {cells}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any())}
    }
}
