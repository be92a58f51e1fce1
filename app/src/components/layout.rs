//! The frame of every page: header with the language switch, main content, bottom navigation
//! (a top bar on wide screens).

use crate::{
    components::icons::{Icon, IconSvg},
    i18n::use_lang,
};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let path = use_location().pathname.get_untracked();
    let switch_href = format!("/lang/{}?next={}", lang.other().tag(), encode_path(&path));
    view! {
        <a class="skip-link" href="#main">{t.app_skip_to_content()}</a>
        <header class="app-header">
            <a class="brand" href="/">
                <img src="/icons/icon.svg" alt="" width="32" height="32"/>
                <span class="brand-name">{t.app_name()}</span>
            </a>
            // The accessible name starts with the visible text (“English”, spoken as English),
            // then says what the link does in the page's language.
            <a class="lang-switch" href=switch_href hreflang=lang.other().tag() rel="nofollow">
                <span lang=lang.other().tag()>{t.app_lang_switch()}</span>
                <span class="visually-hidden">" "{t.app_lang_switch_label()}</span>
            </a>
        </header>
        // Before the content in the document (a skip link jumps past it); on a phone the CSS pins it
        // to the bottom edge, on a desktop it is a bar under the header.
        <BottomNav path=path.clone()/>
        <DeskNav path/>
        <main id="main" class="app-main" tabindex="-1">{children()}</main>
    }
}

/// The four destinations. The current one is marked with `aria-current="page"`.
#[component]
fn BottomNav(path: String) -> impl IntoView {
    let t = use_lang().tr();
    let items = [
        ("/", t.nav_report(), Icon::Camera),
        ("/my", t.nav_my_reports(), Icon::Reports),
        ("/heat", t.nav_heat(), Icon::Sun),
        ("/me", t.nav_me(), Icon::User),
    ];
    view! {
        <nav class="bottom-nav" aria-label=t.nav_label()>
            <ul>
                {items
                    .into_iter()
                    .map(|(href, label, icon)| {
                        let current = if path == href { Some("page") } else { None };
                        view! {
                            <li>
                                <a href=href aria-current=current>
                                    <IconSvg icon/>
                                    <span>{label}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// For staff: their desks (inbox, queue, enterprise, administration), under the header.
#[component]
fn DeskNav(path: String) -> impl IntoView {
    use crate::domain::policy::Role;
    let t = use_lang().tr();
    let viewer = use_context::<crate::access::Viewer>().unwrap_or_default();
    let has = |r: Role| viewer.roles.contains(&r);
    let mut items = Vec::new();
    if viewer.signed_in {
        items.push(("/inbox", t.inbox_title()));
    }
    if has(Role::Inspector) || has(Role::MineSupervisor) || has(Role::UnionAdmin) {
        items.push(("/union", t.union_title()));
    }
    if has(Role::EnterpriseOfficer) {
        items.push(("/enterprise", t.enterprise_title()));
    }
    if has(Role::EnterpriseOfficer) || has(Role::UnionAdmin) {
        items.push(("/alerts", t.alerts_title()));
    }
    if has(Role::UnionAdmin) {
        items.push(("/admin/users", t.admin_users_title()));
        items.push(("/admin/enterprises", t.admin_enterprises_title()));
        items.push(("/admin/audit", t.admin_audit_title()));
        items.push(("/admin/deliveries", t.admin_deliveries_title()));
    }
    // A worker's account needs no desk bar: the inbox is on 我的.
    let staff = viewer.roles.iter().any(|r| *r != Role::Worker);
    (staff && !items.is_empty()).then(|| view! {
        <nav class="desk-nav" aria-label=t.nav_desks()>
            <ul>
                {items.into_iter().map(|(href, label)| {
                    let current = (path == href || path.starts_with(&format!("{href}/"))).then_some("page");
                    view! { <li><a href=href aria-current=current>{label}</a></li> }
                }).collect_view()}
            </ul>
        </nav>
    })
}

/// Percent-encodes a path for use as a query value (keeps `/` and unreserved characters).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn a_path_is_encoded_for_the_language_switch() {
        assert_eq!(encode_path("/my"), "/my");
        assert_eq!(encode_path("/r/ABC?x=1&y"), "/r/ABC%3Fx%3D1%26y");
    }
}
