//! Receipts on this device: saving one when its page is shown, and listing them with their
//! current status (an island: `localStorage` lives in the browser).

use crate::{
    client::{self, SavedReceipt},
    domain::{category::Category, time::LocalTime},
    i18n::Lang,
};
use leptos::{
    either::{Either, EitherOf3},
    prelude::*,
    task::spawn_local,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Status {
    state_label: String,
    urgent: bool,
}

/// The receipts stored on this device. On a receipt page (`save` given) it stores that receipt
/// and says so; on “我的报告” (`list`) it lists them all, newest first, each with its status
/// from the server. One island for both keeps the WASM small.
#[island]
pub fn DeviceReceipts(lang: Lang, save: Option<SavedReceipt>, list: bool) -> impl IntoView {
    let t = lang.tr();
    let receipts = RwSignal::new(None::<Vec<SavedReceipt>>);
    let statuses = RwSignal::new(Vec::<(String, Option<Status>)>::new());
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(receipt) = save.clone() {
            saved.set(client::save_receipt(receipt));
        }
        if !list {
            return;
        }
        let list = client::saved_receipts();
        for r in list.iter() {
            let code = r.code.clone();
            spawn_local(async move {
                let url = format!(
                    "/api/v1/receipts/{}?lang={}",
                    code.replace('-', ""),
                    lang.tag()
                );
                let status = match client::get(&url).await {
                    Ok(a) if a.status == 200 => serde_json::from_str::<Status>(&a.body).ok(),
                    _ => None,
                };
                statuses.update(|s| s.push((code, status)));
            });
        }
        receipts.set(Some(list));
    });
    if !list {
        return Either::Left(
            view! { <p class="saved-note" aria-live="polite">{move || saved.get().then_some(t.receipt_saved_on_device())}</p> },
        );
    }
    Either::Right(view! {
        <div class="device-receipts">
            {move || match receipts.get() {
                None => EitherOf3::A(view! { <p class="hint">{t.my_reports_loading()}</p> }),
                Some(list) if list.is_empty() => EitherOf3::B(view! { <p class="hint">{t.my_reports_empty()}</p> }),
                Some(list) => EitherOf3::C(view! {
                    <ul class="receipt-list">
                        {list.into_iter().map(|r| {
                            let href = format!("/r/{}", r.code.replace('-', ""));
                            let category = Category::find(&r.category).map(|c| (c.name)(t)).unwrap_or("");
                            let when = LocalTime::shanghai(r.at).minutes();
                            let code = r.code.clone();
                            let status = move || statuses.with(|s| s.iter().find(|(c, _)| *c == code).map(|(_, st)| st.clone()));
                            view! {
                                <li>
                                    <a href=href>
                                        <span class="code">{r.code.clone()}</span>
                                        <span class="what">{category}" · "{when}</span>
                                        <span class="status">{move || match status() {
                                            None => t.my_reports_loading().to_string(),
                                            Some(None) => t.my_reports_unavailable().to_string(),
                                            Some(Some(s)) => if s.urgent { format!("{} · {}", s.state_label, t.receipt_urgent()) } else { s.state_label },
                                        }}</span>
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }),
            }}
        </div>
    })
}

/// On the account page: offers to link the receipts stored on this device to the account, so
/// the reports follow the worker to a new phone. A plain form once the codes are filled in.
#[island]
pub fn LinkDeviceReceipts(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let codes = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        codes.set(
            client::saved_receipts()
                .into_iter()
                .map(|r| r.code)
                .collect(),
        );
    });
    view! {
        <form method="post" action="/me/receipts" class="link-receipts" hidden=move || codes.with(Vec::is_empty)>
            <input type="hidden" name="codes" prop:value=move || codes.with(|c| c.join(","))/>
            <p class="hint">{move || crate::i18n::fill(t.account_link_hint(), &[("n", &codes.with(Vec::len))])}</p>
            <button type="submit" class="button secondary">{t.account_link_button()}</button>
        </form>
    }
}
