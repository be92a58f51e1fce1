//! The 404 page (answered with status 404).

use crate::i18n::use_lang;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let t = use_lang().tr();
    view! {
        <Title text=t.not_found_title()/>
        <h1>{t.not_found_title()}</h1>
        <p class="lead">{t.not_found_body()}</p>
        <p><a class="button" href="/">{t.not_found_home()}</a></p>
    }
}
