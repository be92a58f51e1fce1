//! The desks' actions, each named once: one enum per desk. A page builds a form's URL with
//! `UnionAction::Grade.url(id)`; the server's router is built from the same enums (`route()`
//! is the axum path pattern) and dispatches on them, so a page and its handler cannot disagree
//! about a name, and an action with no handler does not compile.
//!
//! Every action is a `POST` of an HTML form (so it works before any WASM has loaded).

use std::fmt::Display;

/// An action of a desk whose actions share one path with an `{action}` segment, found by that
/// segment (what the router needs of every such desk).
pub trait SegmentAction: Sized {
    /// The action named by a URL's last segment.
    fn from_slug(slug: &str) -> Option<Self>;
}

/// Defines a desk whose actions share one path with an `{action}` segment.
macro_rules! segment_desk {
    (
        $(#[$meta:meta])*
        $name:ident, prefix = $prefix:literal, key = $key:literal,
        { $($(#[$vmeta:meta])* $variant:ident = $slug:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            #[doc = concat!("The router's path pattern for every action of this desk, `", $prefix, "/{", $key, "}/{action}`.")]
            pub const ROUTE: &'static str = concat!($prefix, "/{", $key, "}/{action}");

            /// The last segment of the action's URL.
            pub fn slug(self) -> &'static str {
                match self {
                    $($name::$variant => $slug),+
                }
            }

            /// The action named by a URL's last segment.
            pub fn parse(slug: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|a| a.slug() == slug)
            }

            #[doc = concat!("`", $prefix, "/{", $key, "}/{action}`")]
            pub fn url(self, key: impl Display) -> String {
                format!(concat!($prefix, "/{}/{}"), key, self.slug())
            }

            #[doc = concat!("The page the actions are on, `", $prefix, "/{", $key, "}`: a refused form is shown on it again, a done one comes back to it.")]
            pub fn page(key: impl Display) -> String {
                format!(concat!($prefix, "/{}"), key)
            }
        }

        impl SegmentAction for $name {
            fn from_slug(slug: &str) -> Option<$name> {
                $name::parse(slug)
            }
        }
    };
}

segment_desk! {
    /// The union's actions on a report (`/union/reports/{id}/{action}`).
    UnionAction, prefix = "/union/reports", key = "id",
    {
        /// Grade the hazard (一般 / 重大), possibly naming the enterprise.
        Grade = "grade",
        /// Close at triage: not a hazard, a duplicate, out of scope.
        Reject = "reject",
        /// Send the rectification notice (五定, and the plan for 重大).
        Notice = "notice",
        /// Pass or fail the rectification.
        Verify = "verify",
        /// Grant or refuse the enterprise's request for more time.
        Extension = "extension",
        /// Give the report to another inspector or the district desk.
        Reassign = "reassign",
        /// Write to the reporter.
        Message = "messages",
        /// Ask to reveal who reported (union admins, with a reason).
        Reveal = "reveal",
        /// Approve or refuse another admin's request to reveal.
        DecideReveal = "reveal-decision",
        /// Open the identity, once another admin approved one's request.
        OpenReveal = "reveal-open",
    }
}

segment_desk! {
    /// The enterprise officer's actions on a report (`/enterprise/reports/{id}/{action}`).
    EnterpriseAction, prefix = "/enterprise/reports", key = "id",
    {
        /// Acknowledge the notice.
        Acknowledge = "acknowledge",
        /// Report the rectification with after-photos (multipart).
        Rectification = "rectification",
        /// Ask once for a later deadline.
        Extension = "extension",
    }
}

segment_desk! {
    /// What the holder of a receipt code may do (`/r/{code}/{action}`; no account needed).
    ReporterAction, prefix = "/r", key = "code",
    {
        /// Confirm the verified fix.
        Confirm = "confirm",
        /// Dispute the verified fix (reopens the report).
        Dispute = "dispute",
        /// Write to the union.
        Message = "messages",
    }
}

segment_desk! {
    /// An officer's or admin's actions on one alert (`/alerts/{id}/{action}`).
    AlertAction, prefix = "/alerts", key = "id",
    {
        /// A new version of the alert (admins).
        Update = "update",
        /// Cancel it (admins).
        Cancel = "cancel",
        /// Acknowledge the measures taken (officers).
        Acknowledge = "ack",
    }
}

/// The alerts desk's action that has no alert yet.
pub const ISSUE_ALERT: &str = "/alerts";

/// The union admin's forms (`/admin/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminAction {
    CreateUser,
    UpdateUser,
    DisableUser,
    EnableUser,
    CreateEnterprise,
    ImportEnterprises,
    EditEnterprise,
}

impl AdminAction {
    pub const ALL: &'static [AdminAction] = &[
        AdminAction::CreateUser,
        AdminAction::UpdateUser,
        AdminAction::DisableUser,
        AdminAction::EnableUser,
        AdminAction::CreateEnterprise,
        AdminAction::ImportEnterprises,
        AdminAction::EditEnterprise,
    ];

    /// The router's path pattern.
    pub fn route(self) -> &'static str {
        match self {
            AdminAction::CreateUser => "/admin/users",
            AdminAction::UpdateUser => "/admin/users/{id}",
            AdminAction::DisableUser | AdminAction::EnableUser => "/admin/users/{id}/{change}",
            AdminAction::CreateEnterprise => "/admin/enterprises",
            AdminAction::ImportEnterprises => "/admin/enterprises/import",
            AdminAction::EditEnterprise => "/admin/enterprises/{id}",
        }
    }

    /// The form's URL; `id` is the user or enterprise (ignored by the actions without one).
    pub fn url(self, id: impl Display) -> String {
        let change = match self {
            AdminAction::DisableUser => "disable",
            _ => "enable",
        };
        self.route()
            .replace("{id}", &id.to_string())
            .replace("{change}", change)
    }

    /// The action a `{change}` segment names (`disable` or `enable`).
    pub fn user_change(segment: &str) -> Option<AdminAction> {
        match segment {
            "disable" => Some(AdminAction::DisableUser),
            "enable" => Some(AdminAction::EnableUser),
            _ => None,
        }
    }

    /// The page a refused form is shown on again, and a done one redirects to.
    pub fn page(self, id: impl Display) -> String {
        match self {
            AdminAction::CreateUser => "/admin/users".into(),
            AdminAction::UpdateUser | AdminAction::DisableUser | AdminAction::EnableUser => {
                format!("/admin/users/{id}")
            }
            AdminAction::CreateEnterprise | AdminAction::ImportEnterprises => {
                "/admin/enterprises".into()
            }
            AdminAction::EditEnterprise => format!("/admin/enterprises/{id}"),
        }
    }
}

/// Signing in and out and one's own account (`/login`, `/me/…`, `/inbox/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountAction {
    Login,
    Logout,
    SendCode,
    Register,
    ResetPassword,
    ChangePassword,
    EndSession,
    LinkReceipts,
    MarkRead,
    TestPush,
    RemoveDevice,
}

impl AccountAction {
    pub const ALL: &'static [AccountAction] = &[
        AccountAction::Login,
        AccountAction::Logout,
        AccountAction::SendCode,
        AccountAction::Register,
        AccountAction::ResetPassword,
        AccountAction::ChangePassword,
        AccountAction::EndSession,
        AccountAction::LinkReceipts,
        AccountAction::MarkRead,
        AccountAction::TestPush,
        AccountAction::RemoveDevice,
    ];

    /// The router's path pattern.
    pub fn route(self) -> &'static str {
        match self {
            AccountAction::Login => "/login",
            AccountAction::Logout => "/logout",
            AccountAction::SendCode => "/codes",
            AccountAction::Register => "/register",
            AccountAction::ResetPassword => "/reset",
            AccountAction::ChangePassword => "/me/password",
            AccountAction::EndSession => "/me/sessions/{id}/end",
            AccountAction::LinkReceipts => "/me/receipts",
            AccountAction::MarkRead => "/inbox/{id}/read",
            AccountAction::TestPush => "/me/push/test",
            AccountAction::RemoveDevice => "/me/push/{id}/remove",
        }
    }

    /// The form's URL (`id`: the session, notification or device; ignored by the others).
    pub fn url(self, id: impl Display) -> String {
        self.route().replace("{id}", &id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_found_again_by_its_own_slug() {
        for a in UnionAction::ALL {
            assert_eq!(UnionAction::parse(a.slug()), Some(*a));
        }
        for a in EnterpriseAction::ALL {
            assert_eq!(EnterpriseAction::parse(a.slug()), Some(*a));
        }
        for a in ReporterAction::ALL {
            assert_eq!(ReporterAction::parse(a.slug()), Some(*a));
        }
        for a in AlertAction::ALL {
            assert_eq!(AlertAction::parse(a.slug()), Some(*a));
        }
        assert_eq!(UnionAction::parse("delete"), None);
    }

    #[test]
    fn routes_are_the_patterns_the_router_has_always_had() {
        assert_eq!(UnionAction::ROUTE, "/union/reports/{id}/{action}");
        assert_eq!(EnterpriseAction::ROUTE, "/enterprise/reports/{id}/{action}");
        assert_eq!(ReporterAction::ROUTE, "/r/{code}/{action}");
        assert_eq!(AlertAction::ROUTE, "/alerts/{id}/{action}");
    }

    #[test]
    fn urls_are_the_ones_the_pages_have_always_posted_to() {
        assert_eq!(UnionAction::Message.url("42"), "/union/reports/42/messages");
        assert_eq!(
            EnterpriseAction::Rectification.url("7"),
            "/enterprise/reports/7/rectification"
        );
        assert_eq!(ReporterAction::Dispute.url("ABCD"), "/r/ABCD/dispute");
        assert_eq!(AlertAction::Acknowledge.url("9"), "/alerts/9/ack");
        assert_eq!(AdminAction::DisableUser.url("u"), "/admin/users/u/disable");
        assert_eq!(
            AdminAction::user_change("enable"),
            Some(AdminAction::EnableUser)
        );
        assert_eq!(AccountAction::MarkRead.url("n"), "/inbox/n/read");
    }
}
