//! 高温提醒: today's heat and cold alerts and the worker's rights.

use crate::i18n::use_lang;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HeatPage() -> impl IntoView {
    let t = use_lang().tr();
    view! {
        <Title text=t.heat_title()/>
        <h1>{t.heat_title()}</h1>
        <p class="lead">{t.heat_intro()}</p>
    }
}
