//! The emergency numbers: 119 (fire), 120 (ambulance), 12350 (work-safety hotline).
//!
//! A native `<details>` disclosure: it opens with a tap before any script has loaded, and costs
//! the WASM nothing.

use crate::i18n::Lang;
use leptos::prelude::*;

#[component]
pub fn EmergencyCall(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    view! {
        <details class="emergency">
            <summary class="emergency-toggle">{t.emergency_toggle()}</summary>
            <div class="emergency-numbers">
                <p>{t.emergency_hint()}</p>
                <a class="call" href="tel:119">{t.emergency_fire()}</a>
                <a class="call" href="tel:120">{t.emergency_ambulance()}</a>
                <a class="call" href="tel:12350">{t.emergency_hotline()}</a>
            </div>
        </details>
    }
}
