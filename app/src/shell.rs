//! The HTML document and the route table.

use crate::{
    components::layout::Layout,
    i18n::Lang,
    pages::{
        admin::{
            AdminEnterprisePage, AdminEnterprisesPage, AdminUserPage, AdminUsersPage, AuditPage,
            DeliveriesPage,
        },
        alerts::{AlertDetailPage, AlertsPage},
        enterprise::{EnterpriseQueuePage, EnterpriseReportPage},
        heat::HeatPage,
        inbox::InboxPage,
        me::{MePage, RegisterPage, ResetPage},
        my_reports::MyReportsPage,
        not_found::NotFound,
        offline::OfflinePage,
        receipt::ReceiptPage,
        report::ReportPage,
        union::{UnionQueuePage, UnionReportPage},
    },
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// Brand colour; the manifest and `<meta name="theme-color">` use the same value.
pub const THEME_COLOR: &str = "#1559a8";

/// The whole document. `options.site_pkg_dir` already carries the build's content hash
/// (`pkg/<hash>`), so the JS, WASM and CSS it links can be cached for a year.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = request_lang();
    let nonce = leptos::nonce::use_nonce();
    #[cfg(feature = "ssr")]
    set_page_csp(nonce.as_ref());
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    // The service worker's URL names this build: a new build installs a new worker, which
    // precaches the new files under new cache names and deletes the old ones.
    let build = options
        .site_pkg_dir
        .trim_start_matches("pkg")
        .trim_start_matches('/');
    let sw = format!(
        "/sw.js?v={}&n={}",
        if build.is_empty() { "dev" } else { build },
        options.output_name
    );
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content=THEME_COLOR/>
                <meta name="description" content=lang.tr().app_tagline()/>
                <link rel="icon" href="/favicon.ico" sizes="32x32"/>
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="stylesheet" href=css/>
                // The queue (IndexedDB, sending, retries; shared with the service worker), then
                // the page's part (the 待发送 list, receipts); `defer` keeps this order.
                <script src="/outbox-queue.js" defer></script>
                <script src="/outbox.js" defer data-sw=sw></script>
                <HydrationScripts options islands=true/>
                // Without JavaScript the islands cannot open; show what they would reveal.
                <noscript>
                    <style nonce=nonce>".js-only{display:none}"</style>
                </noscript>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The Content-Security-Policy of a page: its inline scripts and styles by nonce, the WASM
/// compiled without `unsafe-eval`, nothing from other origins, never framed.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
    )
}

#[cfg(feature = "ssr")]
fn set_page_csp(nonce: Option<&leptos::nonce::Nonce>) {
    let (Some(nonce), Some(res)) = (nonce, use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&page_csp(&nonce.to_string())) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The language of the request being rendered (the `lang` cookie), Chinese by default.
fn request_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(Lang::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Lang::default()
    }
}

/// Who is signed in on the request being rendered (nobody in the browser: pages are rendered on
/// the server).
fn request_viewer() -> crate::access::Viewer {
    #[cfg(feature = "ssr")]
    {
        let current = crate::access::server::current_user();
        match current.actor {
            Some(a) => crate::access::Viewer {
                signed_in: true,
                name: current.display_name,
                roles: a.roles.into_iter().collect(),
            },
            None => crate::access::Viewer::default(),
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        crate::access::Viewer::default()
    }
}

/// The route table. Every page shares the layout (header and bottom navigation).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = request_lang();
    provide_context(lang);
    provide_context(request_viewer());
    let app_name = lang.tr().app_name();
    view! {
        <Title formatter=move |page: String| if page.is_empty() { app_name.to_string() } else { format!("{page} · {app_name}") }/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=ReportPage/>
                    <Route path=path!("/my") view=MyReportsPage/>
                    <Route path=path!("/heat") view=HeatPage ssr=SsrMode::Async/>
                    <Route path=path!("/alerts") view=AlertsPage ssr=SsrMode::Async/>
                    <Route path=path!("/alerts/:id") view=AlertDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/me") view=MePage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterPage/>
                    <Route path=path!("/reset") view=ResetPage/>
                    <Route path=path!("/offline") view=OfflinePage/>
                    <Route path=path!("/inbox") view=InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/union") view=UnionQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/union/reports/:id") view=UnionReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/enterprise") view=EnterpriseQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/enterprise/reports/:id") view=EnterpriseReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view=AdminUserPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/enterprises") view=AdminEnterprisesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/enterprises/:id") view=AdminEnterprisePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/deliveries") view=DeliveriesPage ssr=SsrMode::Async/>
                    // Data pages wait for their data: the whole page arrives at once and works
                    // without JavaScript.
                    <Route path=path!("/r") view=ReceiptPage ssr=SsrMode::Async/>
                    <Route path=path!("/r/:code") view=ReceiptPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
