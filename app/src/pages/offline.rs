//! The page the service worker shows for a page it cannot fetch without a connection (and has
//! not kept): what still works offline, and the 待发送 list.

use crate::{components::outbox::OutboxList, i18n::use_lang};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OfflinePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.offline_title()/>
        <h1>{t.offline_title()}</h1>
        <p class="lead">{t.offline_body()}</p>
        <p class="actions">
            <a class="button primary" href="/">{t.offline_report()}</a>
            <a class="button secondary" href="/my">{t.offline_my_reports()}</a>
        </p>
        <OutboxList lang/>
    }
}
