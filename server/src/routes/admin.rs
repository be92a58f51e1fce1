//! The union admin's forms: users (create, grant roles and scopes, disable/enable) and the
//! enterprise directory (create/edit, CSV import). Each asks the policy about the user or
//! enterprise as it is and as it would be.

use super::forms::{again, read, see, Posted};
use crate::state::AppState;
use app::{
    backend::{
        directory,
        users::{self, NewUser, UserError},
    },
    domain::{
        enterprise_import::{self, check, parse_import, EnterpriseInput},
        phone::PhoneNumber,
        policy::{decide, Action, Decision, GrantProblem, Grants, Object, Role},
        report::FieldError,
        DistrictCode,
    },
    i18n::fill,
};
use axum::{
    extract::{FromRequest, Multipart, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use std::collections::BTreeSet;
use uuid::Uuid;

fn status_of(d: Decision) -> u16 {
    if d == Decision::SignIn {
        401
    } else {
        403
    }
}

/// Grants as the user form sends them: `role` (repeated), `coverage` (`district:industry`,
/// repeated), `mines` and `enterprises` (credit codes, one per line), `admin_of` (`city` or a
/// district code).
async fn grants_from(state: &AppState, posted: &Posted, errors: &mut Vec<FieldError>) -> Grants {
    let t = posted.lang.tr();
    let mut g = Grants::default();
    for r in posted.all("role") {
        if let Some(role) = Role::parse(&r) {
            g.roles.insert(role);
        }
    }
    for c in posted.all("coverage") {
        if let Some((d, i)) = c.split_once(':') {
            if DistrictCode::parse(d).is_ok() && app::domain::IndustryCode::parse(i).is_ok() {
                g.coverage.insert((d.to_string(), i.to_string()));
            }
        }
    }
    for (field, set) in [("mines", &mut g.mines), ("enterprises", &mut g.enterprises)] {
        let codes: Vec<String> = posted
            .field(field)
            .map(|v| {
                v.lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for (code, id) in directory::ids_by_uscc(&state.db, &codes)
            .await
            .unwrap_or_default()
        {
            match id {
                Some(id) => {
                    set.insert(id);
                }
                None => errors.push(FieldError::new(
                    field,
                    fill(t.admin_unknown_enterprise(), &[("code", &code)]),
                )),
            }
        }
    }
    if g.roles.contains(&Role::UnionAdmin) {
        g.admin_of = match posted.field("admin_of").map(|s| s.trim()) {
            Some("city") => Some(None),
            Some(d) if DistrictCode::parse(d).is_ok() => Some(Some(d.to_string())),
            _ => None,
        };
    }
    for p in g.problems() {
        let (field, message) = match p {
            GrantProblem::NoRole => ("role", t.admin_no_role()),
            GrantProblem::Coverage => ("coverage", t.admin_coverage_needed()),
            GrantProblem::Mines => ("mines", t.admin_mines_needed()),
            GrantProblem::Enterprises => ("enterprises", t.admin_enterprises_needed()),
            GrantProblem::AdminScope => ("admin_of", t.admin_scope_needed()),
        };
        errors.push(FieldError::new(field, message));
    }
    g
}

/// `POST /admin/users`.
pub async fn create_user(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = posted.lang.tr();
    let actor = posted.current.actor.clone();
    let d = decide(actor.as_ref(), Action::CreateUsers, &Object::None);
    if d != Decision::Allow {
        return again(
            &state,
            &posted,
            "/admin/users",
            status_of(d),
            t.access_denied().to_string(),
            Vec::new(),
        )
        .await;
    }
    let mut errors = Vec::new();
    let grants = grants_from(&state, &posted, &mut errors).await;
    let username = posted
        .field("username")
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let phone = match posted
        .field("phone")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        Some(p) => match PhoneNumber::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push(FieldError::new("phone", t.field_phone()));
                None
            }
        },
        None => None,
    };
    if username.is_none() && phone.is_none() {
        errors.push(FieldError::new("username", t.admin_login_needed()));
    }
    if username
        .as_ref()
        .is_some_and(|u| PhoneNumber::parse(u).is_ok() || u.chars().count() > 40)
    {
        errors.push(FieldError::new("username", t.admin_username_bad()));
    }
    let display_name = posted
        .field("display_name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    if display_name.is_empty() || display_name.chars().count() > 40 {
        errors.push(FieldError::new("display_name", t.action_required()));
    }
    let password = posted.field("password").cloned().unwrap_or_default();
    if password.chars().count() < app::backend::auth::MIN_PASSWORD_CHARS {
        errors.push(FieldError::new(
            "password",
            fill(
                t.account_password_short(),
                &[("min", &app::backend::auth::MIN_PASSWORD_CHARS)],
            ),
        ));
    }
    if !errors.is_empty() {
        return again(
            &state,
            &posted,
            "/admin/users",
            422,
            t.api_check_fields().to_string(),
            errors,
        )
        .await;
    }
    // The admin may create only someone they could then manage.
    let Ok(facts) = users::facts(&state.db, Uuid::nil(), &grants).await else {
        return again(
            &state,
            &posted,
            "/admin/users",
            500,
            t.api_internal().to_string(),
            Vec::new(),
        )
        .await;
    };
    let d = decide(actor.as_ref(), Action::ManageUser, &Object::User(&facts));
    if d != Decision::Allow {
        return again(
            &state,
            &posted,
            "/admin/users",
            status_of(d),
            t.admin_outside_scope().to_string(),
            Vec::new(),
        )
        .await;
    }
    let new = NewUser {
        username,
        phone,
        display_name,
        password,
        grants,
    };
    match users::create(
        &state.db,
        &new,
        actor.as_ref().map(|a| a.user_id),
        &posted.addr,
        state.clock.now_ms(),
    )
    .await
    {
        Ok(id) => see(&format!("/admin/users/{id}?ok=1")),
        Err(UserError::Taken(field)) => {
            again(
                &state,
                &posted,
                "/admin/users",
                409,
                t.api_check_fields().to_string(),
                vec![FieldError::new(field, t.admin_taken())],
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "user creation failed");
            again(
                &state,
                &posted,
                "/admin/users",
                500,
                t.api_internal().to_string(),
                Vec::new(),
            )
            .await
        }
    }
}

/// May the admin manage this user as they are now? Their current grants if so.
async fn may_manage(state: &AppState, posted: &Posted, id: Uuid) -> Result<Grants, Response> {
    let t = posted.lang.tr();
    let page = format!("/admin/users/{id}");
    let user = match users::one(&state.db, id).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(StatusCode::NOT_FOUND.into_response()),
        Err(_) => return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    };
    let facts = users::facts(&state.db, id, &user.grants)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
    let d = decide(
        posted.current.actor.as_ref(),
        Action::ManageUser,
        &Object::User(&facts),
    );
    if d != Decision::Allow {
        return Err(again(
            state,
            posted,
            &page,
            status_of(d),
            t.access_denied().to_string(),
            Vec::new(),
        )
        .await);
    }
    Ok(user.grants)
}

/// `POST /admin/users/{id}`: new roles and scopes.
pub async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = posted.lang.tr();
    let page = format!("/admin/users/{id}");
    if let Err(r) = may_manage(&state, &posted, id).await {
        return r;
    }
    let mut errors = Vec::new();
    let grants = grants_from(&state, &posted, &mut errors).await;
    if !errors.is_empty() {
        return again(
            &state,
            &posted,
            &page,
            422,
            t.api_check_fields().to_string(),
            errors,
        )
        .await;
    }
    let actor = posted.current.actor.clone();
    let Ok(facts) = users::facts(&state.db, id, &grants).await else {
        return again(
            &state,
            &posted,
            &page,
            500,
            t.api_internal().to_string(),
            Vec::new(),
        )
        .await;
    };
    if decide(actor.as_ref(), Action::ManageUser, &Object::User(&facts)) != Decision::Allow {
        return again(
            &state,
            &posted,
            &page,
            403,
            t.admin_outside_scope().to_string(),
            Vec::new(),
        )
        .await;
    }
    let Some(by) = actor.as_ref().map(|a| a.user_id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let now = state.clock.now_ms();
    if let Err(e) = users::set_grants(&state.db, id, &grants, by, &posted.addr, now).await {
        tracing::error!(error = ?e, "grant change failed");
        return again(
            &state,
            &posted,
            &page,
            500,
            t.api_internal().to_string(),
            Vec::new(),
        )
        .await;
    }
    // Reports they may no longer hold go to whoever routing picks now.
    let _ = crate::actions::reports::reroute_for(&state, id, t.admin_reroute_coverage()).await;
    see(&format!("{page}?ok=1"))
}

/// `POST /admin/users/{id}/disable` and `/enable`.
pub async fn set_disabled(
    State(state): State<AppState>,
    Path((id, what)): Path<(Uuid, String)>,
    req: Request,
) -> Response {
    let disabled = match what.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = posted.lang.tr();
    if let Err(r) = may_manage(&state, &posted, id).await {
        return r;
    }
    let Some(by) = posted.current.actor.as_ref().map(|a| a.user_id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let now = state.clock.now_ms();
    if let Err(e) = users::set_disabled(&state.db, id, disabled, by, &posted.addr, now).await {
        tracing::error!(error = ?e, "disabling failed");
        return again(
            &state,
            &posted,
            &format!("/admin/users/{id}"),
            500,
            t.api_internal().to_string(),
            Vec::new(),
        )
        .await;
    }
    if disabled {
        let _ = crate::actions::reports::reroute_for(&state, id, t.admin_reroute_disabled()).await;
    }
    see(&format!("/admin/users/{id}?ok=1"))
}

/// `POST /admin/enterprises` (new) and `POST /admin/enterprises/{id}` (edit).
pub async fn save_enterprise(
    State(state): State<AppState>,
    id: Option<Path<Uuid>>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = posted.lang.tr();
    let lang = posted.lang;
    let id = id.map(|Path(id)| id);
    let page = id
        .map(|id| format!("/admin/enterprises/{id}"))
        .unwrap_or_else(|| "/admin/enterprises".into());
    let actor = posted.current.actor.clone();
    let existing = match id {
        Some(id) => match directory::record_by_id(&state.db, id).await {
            Ok(Some(r)) => Some(r),
            Ok(None) => return StatusCode::NOT_FOUND.into_response(),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        None => None,
    };
    if let Some(e) = &existing {
        let d = decide(
            actor.as_ref(),
            Action::ManageDirectory,
            &Object::District(&e.district_code),
        );
        if d != Decision::Allow {
            return again(
                &state,
                &posted,
                &page,
                status_of(d),
                t.access_denied().to_string(),
                Vec::new(),
            )
            .await;
        }
    } else {
        let d = decide(actor.as_ref(), Action::ManageDirectory, &Object::None);
        if d != Decision::Allow {
            return again(
                &state,
                &posted,
                &page,
                status_of(d),
                t.access_denied().to_string(),
                Vec::new(),
            )
            .await;
        }
    }
    let fields: Vec<String> = enterprise_import::COLUMNS
        .iter()
        .map(|c| posted.field(*c).cloned().unwrap_or_default())
        .collect();
    let input = match check(&fields, lang) {
        Ok(i) => i,
        Err(message) => return again(&state, &posted, &page, 422, message, Vec::new()).await,
    };
    if !outside_scope(&state, actor.as_ref(), std::slice::from_ref(&input))
        .await
        .is_empty()
    {
        let d = decide(
            actor.as_ref(),
            Action::ManageDirectory,
            &Object::District(input.district.as_str()),
        );
        let status = if d == Decision::SignIn { 401 } else { 403 };
        return again(
            &state,
            &posted,
            &page,
            status,
            t.directory_outside_scope().to_string(),
            Vec::new(),
        )
        .await;
    }
    let now = state.clock.now_ms();
    let designated = posted
        .field("designated_inspector_id")
        .and_then(|v| Uuid::parse_str(v.trim()).ok());
    if let Some(inspector) = designated {
        // Only an active inspector covering the enterprise's district can be its designated one.
        let covers: i64 = app::db_run!(&state.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM inspector_coverage c JOIN users u ON u.id = c.user_id
             WHERE c.user_id = $1 AND c.district_code = $2 AND NOT u.disabled"
        )
        .bind(inspector)
        .bind(input.district.as_str())
        .fetch_one(pool)
        .await)
        .unwrap_or(0);
        if covers == 0 {
            let field = FieldError::new("designated_inspector_id", t.directory_designated_bad());
            return again(
                &state,
                &posted,
                &page,
                422,
                t.api_check_fields().to_string(),
                vec![field],
            )
            .await;
        }
    }
    let result = match id {
        Some(id) => directory::update(&state.db, id, &input, designated, now)
            .await
            .map(|_| id),
        None => directory::upsert(&state.db, std::slice::from_ref(&input), now)
            .await
            .map(|_| Uuid::nil()),
    };
    match result {
        Ok(id) if !id.is_nil() => see(&format!("/admin/enterprises/{id}?ok=1")),
        Ok(_) => see("/admin/enterprises?ok=1"),
        Err(e) if app::backend::db::is_unique_violation(&e, "uscc") => {
            again(
                &state,
                &posted,
                &page,
                409,
                t.admin_taken().to_string(),
                vec![FieldError::new("uscc", t.admin_taken())],
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "saving an enterprise failed");
            again(
                &state,
                &posted,
                &page,
                500,
                t.api_internal().to_string(),
                Vec::new(),
            )
            .await
        }
    }
}

/// The districts (names) of rows the admin may not write: the row's own district, or that of the
/// enterprise the row would overwrite (same credit code).
async fn outside_scope(
    state: &AppState,
    actor: Option<&app::domain::policy::Actor>,
    rows: &[EnterpriseInput],
) -> BTreeSet<String> {
    let allowed =
        |d: &str| decide(actor, Action::ManageDirectory, &Object::District(d)) == Decision::Allow;
    let name = |d: &str| {
        DistrictCode::parse(d)
            .map(|c| c.district().name_zh.to_string())
            .unwrap_or_else(|_| d.to_string())
    };
    let mut out: BTreeSet<String> = rows
        .iter()
        .filter(|r| !allowed(r.district.as_str()))
        .map(|r| name(r.district.as_str()))
        .collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
    match directory::districts_by_uscc(&state.db, &codes).await {
        Ok(existing) => out.extend(
            existing
                .iter()
                .filter(|(_, d)| !allowed(d))
                .map(|(_, d)| name(d)),
        ),
        // Unknown: refuse rather than risk writing outside the scope.
        Err(_) => {
            out.insert("?".into());
        }
    }
    out
}

/// `POST /admin/enterprises/{id}`.
pub async fn edit_enterprise(state: State<AppState>, id: Path<Uuid>, req: Request) -> Response {
    save_enterprise(state, Some(id), req).await
}

/// `POST /admin/enterprises`.
pub async fn new_enterprise(state: State<AppState>, req: Request) -> Response {
    save_enterprise(state, None, req).await
}

/// `POST /admin/enterprises/import`: a CSV file (multipart field `file`).
pub async fn import(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = crate::request::page_lang(&parts);
    let t = lang.tr();
    let posted = super::forms::posted_of(&parts);
    let page = "/admin/enterprises";
    let actor = posted.current.actor.clone();
    let d = decide(actor.as_ref(), Action::ManageDirectory, &Object::None);
    if d != Decision::Allow {
        return again(
            &state,
            &posted,
            page,
            status_of(d),
            t.access_denied().to_string(),
            Vec::new(),
        )
        .await;
    }
    let mut text = None;
    if let Ok(mut mp) = Multipart::from_request(Request::from_parts(parts, body), &state).await {
        while let Ok(Some(field)) = mp.next_field().await {
            if field.name() == Some("file") {
                text = field
                    .bytes()
                    .await
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned());
            }
        }
    }
    let Some(text) = text else {
        return again(
            &state,
            &posted,
            page,
            400,
            t.api_bad_upload().to_string(),
            Vec::new(),
        )
        .await;
    };
    let rows = match parse_import(&text, lang) {
        Ok(rows) => rows,
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|(line, reason)| {
                    if *line == 0 {
                        reason.clone()
                    } else {
                        fill(t.directory_line(), &[("line", line), ("reason", reason)])
                    }
                })
                .collect();
            return again(&state, &posted, page, 422, lines.join("\n"), Vec::new()).await;
        }
    };
    let outside = outside_scope(&state, actor.as_ref(), &rows).await;
    if !outside.is_empty() {
        let names: Vec<String> = outside.into_iter().collect();
        return again(
            &state,
            &posted,
            page,
            403,
            format!("{}：{}", t.directory_outside_scope(), names.join("、")),
            Vec::new(),
        )
        .await;
    }
    match directory::upsert(&state.db, &rows, state.clock.now_ms()).await {
        Ok(n) => see(&format!("{page}?imported={n}")),
        Err(e) => {
            tracing::error!(error = %e, "import failed");
            again(
                &state,
                &posted,
                page,
                500,
                t.api_internal().to_string(),
                Vec::new(),
            )
            .await
        }
    }
}
