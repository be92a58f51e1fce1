//! HTTP routes other than the Leptos pages and server functions: the plain HTML forms' targets
//! (thin: read the typed form, call the action, answer with a redirect or the page again),
//! photos, the CSV export. [`form_routes`] is the one list the router is built from and the
//! authorization matrix enumerates; the desks' action names come from [`app::desks`].

pub mod account;
pub mod admin;
pub mod alerts;
pub mod enterprise;
pub mod forms;
pub mod health;
pub mod lang;
pub mod pages;
pub mod photos;
pub mod report_form;
pub mod reporter;
pub mod texts;
pub mod union;

use crate::{api::reports::MAX_BODY_BYTES, state::AppState};
use app::desks::{
    AccountAction, AdminAction, AlertAction, EnterpriseAction, ReporterAction, UnionAction,
    ISSUE_ALERT,
};
use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post, MethodRouter},
};

/// A route: method, path (axum syntax) and handler.
pub type RouteEntry = (&'static str, &'static str, MethodRouter<AppState>);

/// Every form target and file route.
pub fn form_routes() -> Vec<RouteEntry> {
    let uploads = || DefaultBodyLimit::max(MAX_BODY_BYTES);
    vec![
        ("GET", "/lang/{tag}", get(lang::switch)),
        // A text message's short link, and the SMS provider's delivery receipts (`texts`).
        ("GET", "/n/{code}", get(texts::short_link)),
        (
            "POST",
            "/hooks/sms/aliyun/{token}",
            post(texts::sms_receipts),
        ),
        (
            "POST",
            "/report",
            post(report_form::submit).layer(uploads()),
        ),
        ("POST", AccountAction::Login.route(), post(account::login)),
        ("POST", AccountAction::Logout.route(), post(account::logout)),
        (
            "POST",
            AccountAction::SendCode.route(),
            post(account::send_code),
        ),
        (
            "POST",
            AccountAction::Register.route(),
            post(account::register),
        ),
        (
            "POST",
            AccountAction::ResetPassword.route(),
            post(account::reset_password),
        ),
        (
            "POST",
            AccountAction::ChangePassword.route(),
            post(account::change_password),
        ),
        (
            "POST",
            AccountAction::EndSession.route(),
            post(account::end_session),
        ),
        (
            "POST",
            AccountAction::LinkReceipts.route(),
            post(account::link_receipts_form),
        ),
        (
            "POST",
            AccountAction::MarkRead.route(),
            post(account::mark_read),
        ),
        ("POST", ISSUE_ALERT, post(alerts::issue)),
        ("POST", AlertAction::ROUTE, post(alerts::action)),
        (
            "POST",
            AccountAction::TestPush.route(),
            post(alerts::test_push),
        ),
        (
            "POST",
            AccountAction::RemoveDevice.route(),
            post(alerts::remove_device),
        ),
        ("POST", ReporterAction::ROUTE, post(reporter::action)),
        ("POST", UnionAction::ROUTE, post(union::action)),
        (
            "POST",
            EnterpriseAction::ROUTE,
            post(enterprise::action).layer(uploads()),
        ),
        ("GET", "/enterprise/export.csv", get(enterprise::export_csv)),
        ("GET", "/photos/{id}/{size}", get(photos::photo)),
        (
            "POST",
            AdminAction::CreateUser.route(),
            post(admin::create_user),
        ),
        (
            "POST",
            AdminAction::UpdateUser.route(),
            post(admin::update_user),
        ),
        // Disabling and enabling share `/admin/users/{id}/{change}`.
        (
            "POST",
            AdminAction::DisableUser.route(),
            post(admin::set_disabled),
        ),
        (
            "POST",
            AdminAction::CreateEnterprise.route(),
            post(admin::new_enterprise),
        ),
        (
            "POST",
            AdminAction::ImportEnterprises.route(),
            post(admin::import).layer(uploads()),
        ),
        (
            "POST",
            AdminAction::EditEnterprise.route(),
            post(admin::edit_enterprise),
        ),
    ]
}
