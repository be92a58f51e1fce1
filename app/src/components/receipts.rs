//! Receipts kept on this phone (`localStorage`): saved when a receipt page is shown, listed with
//! their current status on 我的报告, offered for linking on the account page.
//!
//! Server-rendered containers; `public/outbox.js`, which owns everything the phone keeps (the
//! outbox and these receipts), fills them. Their words come from the translation files through
//! data attributes. Plain JavaScript rather than islands: it keeps the worker's first load light.

use crate::{desks::AccountAction, domain::category::CATEGORIES, i18n::Lang};
use leptos::prelude::*;

/// The category names of this language, as JSON (`{"fall":"高处坠落",…}`) for the script.
pub fn category_names(lang: Lang) -> String {
    let t = lang.tr();
    let names: std::collections::BTreeMap<&str, &str> =
        CATEGORIES.iter().map(|c| (c.code, (c.name)(t))).collect();
    serde_json::to_string(&names).unwrap_or_default()
}

/// On a receipt page just reached after sending: stores the receipt on the phone and says so.
#[component]
pub fn SaveReceipt(lang: Lang, code: String, category: String, at: i64) -> impl IntoView {
    view! {
        <p class="saved-note" aria-live="polite" data-save-receipt=code data-category=category
            data-at=at.to_string() data-saved=lang.tr().receipt_saved_on_device()></p>
    }
}

/// 我的报告: the receipts stored on this phone, newest first, each with its status.
#[component]
pub fn DeviceReceipts(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    view! {
        <div class="device-receipts" data-receipts="" data-empty=t.my_reports_empty()
            data-unavailable=t.my_reports_unavailable() data-urgent=t.receipt_urgent()
            data-loading=t.my_reports_loading() data-categories=category_names(lang)>
            <p class="hint">{t.my_reports_loading()}</p>
        </div>
    }
}

/// On the account page: offers to link the receipts stored on this phone to the account, so the
/// reports follow the worker to a new phone. A plain form once the script has filled the codes.
#[component]
pub fn LinkDeviceReceipts(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    view! {
        <form method="post" action=AccountAction::LinkReceipts.url("") class="link-receipts" hidden data-link-receipts="">
            <input type="hidden" name="codes" value=""/>
            <p class="hint" data-hint=t.account_link_hint()></p>
            <button type="submit" class="button secondary">{t.account_link_button()}</button>
        </form>
    }
}
