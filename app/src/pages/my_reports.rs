//! 我的报告: the receipts stored on this device, and a lookup by code.

use crate::{
    components::{outbox::OutboxList, receipts::DeviceReceipts},
    i18n::use_lang,
    pages::receipt::LookupForm,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyReportsPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.my_reports_title()/>
        <h1>{t.my_reports_title()}</h1>
        <p class="lead">{t.my_reports_intro()}</p>
        <OutboxList lang/>
        <DeviceReceipts lang/>
        <LookupForm/>
    }
}
