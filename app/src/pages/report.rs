//! 随手拍: the worker's report page. The form is [`ReportFormPage`]; its server side is
//! `POST /api/v1/reports` (and `POST /report` without JavaScript); its rules are
//! [`crate::domain::report`].

use crate::{
    components::{
        emergency::EmergencyCall,
        outbox::OutboxList,
        report_form::{FormInitial, ReportFormPage},
    },
    domain::category::CATEGORIES,
    i18n::use_lang,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// CSS that shows the chosen category's follow-up questions without JavaScript.
fn question_rules() -> String {
    CATEGORIES
        .iter()
        .filter(|c| !c.questions.is_empty())
        .map(|c| {
            format!(
                ".report-form:has(input[name=category][value={0}]:checked) .questions[data-category={0}]{{display:block}}",
                c.code
            )
        })
        .collect()
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    // After a refused plain-form submission the server provides what was sent and what was wrong.
    let mut initial = use_context::<FormInitial>().unwrap_or_default();
    // Linked from elsewhere (the heat page's "本单位未落实"): category, alert and district.
    if initial == FormInitial::default() {
        let q = leptos_router::hooks::use_query_map().read_untracked();
        let v = &mut initial.values;
        v.category = q
            .get("category")
            .filter(|c| crate::domain::category::Category::find(c).is_some());
        v.alert_id = q.get("alert").filter(|a| uuid::Uuid::parse_str(a).is_ok());
        v.district = q
            .get("district")
            .filter(|d| crate::domain::DistrictCode::parse(d).is_ok());
    }
    // The idempotency key of this filling-in of the form.
    let client_id = uuid::Uuid::new_v4().to_string();
    view! {
        <Title text=t.report_title()/>
        <style nonce=leptos::nonce::use_nonce()>{question_rules()}</style>
        <h1>{t.report_title()}</h1>
        <EmergencyCall lang/>
        <p class="lead">{t.report_intro()}</p>
        <p class="confidential">{t.report_confidential()}</p>
        <OutboxList lang/>
        <ReportFormPage lang client_id initial/>
    }
}
