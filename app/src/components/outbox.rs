//! The 待发送 list: reports kept on this phone until the server has answered with a receipt.
//!
//! Server-rendered and empty; `public/outbox.js` (plain JavaScript, shared with the service
//! worker's Background Sync) fills it from IndexedDB and shows it when something is waiting. Its
//! words come from the translation files through the data attributes, so the script carries none.

use crate::{components::receipts::category_names, i18n::Lang};
use leptos::prelude::*;

#[component]
pub fn OutboxList(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let categories = category_names(lang);
    view! {
        <section class="outbox" data-outbox="" hidden aria-labelledby="outbox-title"
            data-waiting=t.outbox_waiting() data-sending=t.outbox_sending() data-retrying=t.outbox_retrying()
            data-sent=t.outbox_sent() data-receipt=t.outbox_receipt() data-refused=t.outbox_refused()
            data-discard=t.outbox_discard() data-discard-confirm=t.outbox_discard_confirm()
            data-categories=categories>
            <h2 id="outbox-title">{t.outbox_title()}</h2>
            <p class="hint">{t.outbox_hint()}</p>
            <p class="notice outbox-offline" hidden>{t.outbox_offline()}</p>
            <ul class="outbox-list" aria-live="polite"></ul>
        </section>
    }
}
