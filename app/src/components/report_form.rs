//! The 随手拍 form.
//!
//! Server-rendered, it is a plain `multipart/form-data` form that posts to `/report`, so it works
//! before the WASM arrives or without JavaScript (CSS `:has()` shows the follow-up questions of
//! the chosen category, the address fields, the name fields and the emergency numbers).
//!
//! In the browser, small islands take over what needs code: [`ReportForm`] wraps the static
//! fields (which ship no WASM), adds the phone's position on request and sends the report with a
//! progress bar; inside it [`PhotoPicker`] prepares photos (EXIF, hash, downscale) and
//! [`EnterprisePicker`] searches the directory. They share state through context.

use crate::{
    client,
    domain::{
        category::{QuestionKind, CATEGORIES},
        report::{FieldError, PhotoMeta, RawReport, Severity, MAX_PHOTOS},
        DISTRICTS,
    },
    i18n::{fill, Lang},
};
use leptos::{either::Either, prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

/// What the form starts with: empty, or (after a refused plain-form submission) the values sent
/// and what was wrong with them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormInitial {
    pub values: RawReport,
    pub errors: Vec<FieldError>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct PhotoItem {
    id: u32,
    url: String,
    meta: PhotoMeta,
    ready: bool,
}

/// What the islands of one form share.
#[derive(Clone, Copy)]
struct FormCtx {
    photos: RwSignal<Vec<PhotoItem>>,
}

/// An enterprise in the search suggestions (as `/api/v1/enterprises` answers).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Suggestion {
    id: String,
    name: String,
    uscc: String,
    district_label: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    fields: Vec<FieldError>,
}

/// A field's message slot. Server-rendered with the refused submission's message; the
/// [`ReportForm`] island rewrites it in the browser.
#[component]
fn FieldMessage(field: String, #[prop(optional)] errors: Vec<FieldError>) -> impl IntoView {
    let text: Vec<String> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.clone())
        .collect();
    view! { <p class="field-error" id=format!("err-{field}") data-field=field role="alert">{text.join("；")}</p> }
}

/// The whole form: static fields with the islands where they are needed.
#[component]
pub fn ReportFormPage(lang: Lang, client_id: String, initial: FormInitial) -> impl IntoView {
    let t = lang.tr();
    let v = initial.values.clone();
    let errs = initial.errors.clone();
    let msg =
        move |field: &str| view! { <FieldMessage field=field.to_string() errors=errs.clone()/> };
    let category = v.category.clone().unwrap_or_default();
    let severity = v.severity.clone().unwrap_or_default();
    let identity = v.identity.clone().unwrap_or_default();
    let district = v.district.clone().unwrap_or_default();
    let refused = !initial.errors.is_empty();
    view! {
        <ReportForm lang>
            <input type="hidden" name="client_id" value=client_id/>
            {v.alert_id.clone().map(|a| view! {
                <input type="hidden" name="alert_id" value=a/>
                <p class="notice linked-alert">{t.report_about_alert()}</p>
            })}
            <p class="form-message" role="alert" hidden=initial.message.is_none()>{initial.message.clone()}</p>
            <p class="form-notice" role="status" hidden></p>

            <fieldset class="step">
                <legend><span class="step-no">"1"</span>{t.report_step_photos()}</legend>
                <p class="hint">{t.report_photos_hint()}</p>
                <p class="hint photos-reviewed">{t.report_photos_reviewed()}</p>
                <PhotoPicker lang/>
                {refused.then(|| view! { <p class="hint">{t.report_resubmit_photos()}</p> })}
                {msg("photos")}
                {msg("photo_meta")}
            </fieldset>

            <fieldset class="step">
                <legend><span class="step-no">"2"</span>{t.report_step_category()}</legend>
                <div class="category-grid">
                    {CATEGORIES.iter().map(|c| view! {
                        <label class="tile">
                            <input type="radio" name="category" value=c.code checked=category == c.code/>
                            <svg class="pictogram" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" fill="none"
                                stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" inner_html=c.icon></svg>
                            <span>{(c.name)(t)}</span>
                        </label>
                    }).collect_view()}
                </div>
                {msg("category")}
                {CATEGORIES.iter().filter(|c| !c.questions.is_empty()).map(|c| {
                    let own = c.code == category;
                    view! {
                        <div class="questions" data-category=c.code>
                            {c.questions.iter().map(|q| {
                                let name = format!("q.{}.{}", c.code, q.code);
                                let current = if own { v.answers.get(q.code).cloned().unwrap_or_default() } else { String::new() };
                                let prompt = (q.prompt)(t);
                                let input = match &q.kind {
                                    QuestionKind::YesNo => view! {
                                        <div class="choices" role="radiogroup" aria-label=prompt>
                                            <label class="chip"><input type="radio" name=name.clone() value="yes" checked=current == "yes"/>{t.answer_yes()}</label>
                                            <label class="chip"><input type="radio" name=name.clone() value="no" checked=current == "no"/>{t.answer_no()}</label>
                                        </div>
                                    }.into_any(),
                                    QuestionKind::SingleChoice(choices) => view! {
                                        <div class="choices" role="radiogroup" aria-label=prompt>
                                            {choices.iter().map(|ch| view! {
                                                <label class="chip"><input type="radio" name=name.clone() value=ch.key checked=current == ch.key/>{(ch.label)(t)}</label>
                                            }).collect_view()}
                                        </div>
                                    }.into_any(),
                                    QuestionKind::Number { min, max } => view! {
                                        <input type="number" inputmode="decimal" name=name.clone() min=min.to_string() max=max.to_string() step="any" value=current aria-label=prompt/>
                                    }.into_any(),
                                    QuestionKind::Text { max_len } => view! {
                                        <input type="text" name=name.clone() maxlength=max_len.to_string() value=current aria-label=prompt/>
                                    }.into_any(),
                                };
                                let field = format!("answers.{}", q.code);
                                let shown: Vec<FieldError> = if own { initial.errors.clone() } else { Vec::new() };
                                view! {
                                    <div class="question">
                                        <p class="question-prompt">{prompt}{q.required.then_some(" *")}</p>
                                        {input}
                                        <FieldMessage field errors=shown/>
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                    }
                }).collect_view()}
            </fieldset>

            <fieldset class="step">
                <legend><span class="step-no">"3"</span>{t.report_step_where()}</legend>
                <EnterprisePicker lang typed=v.enterprise.clone().unwrap_or_default() chosen=v.enterprise_id.clone().unwrap_or_default()/>
                {msg("enterprise")}
                <label class="check">
                    <input type="checkbox" name="no_enterprise" value="on" checked=v.no_enterprise/>
                    <span>{t.report_no_enterprise()}</span>
                </label>
                <div class="unknown-enterprise">
                    <label class="field">
                        <span>{t.report_district_label()}</span>
                        <select name="district" aria-describedby="err-district">
                            <option value="">{t.report_district_choose()}</option>
                            {DISTRICTS.iter().map(|d| view! {
                                <option value=d.code selected=district == d.code>{d.name(lang)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {msg("district")}
                    <label class="field">
                        <span>{t.report_address_label()}</span>
                        <input type="text" name="address" value=v.address.clone().unwrap_or_default() aria-describedby="err-address"/>
                    </label>
                    {msg("address")}
                </div>
                <label class="field">
                    <span>{t.report_site_label()}</span>
                    <input type="text" name="site" value=v.site.clone().unwrap_or_default()/>
                </label>
                {msg("site")}
                <div class="locate">
                    <button type="button" class="button secondary js-only" data-action="locate">{t.report_locate()}</button>
                    <span class="locate-status" aria-live="polite"></span>
                    <input type="hidden" name="lat" value=v.lat.clone().unwrap_or_default()/>
                    <input type="hidden" name="lon" value=v.lon.clone().unwrap_or_default()/>
                    <input type="hidden" name="accuracy" value=v.accuracy.clone().unwrap_or_default()/>
                </div>
                {msg("location")}
            </fieldset>

            <fieldset class="step">
                <legend><span class="step-no">"4"</span>{t.report_step_severity()}</legend>
                <div class="severity-choices">
                    {Severity::ALL.iter().map(|s| view! {
                        <label class=format!("tile severity-{}", s.as_str())>
                            <input type="radio" name="severity" value=s.as_str() checked=severity == s.as_str()/>
                            <span>{s.label(t)}</span>
                        </label>
                    }).collect_view()}
                </div>
                <div class="severity-emergency" role="note">
                    <p>{t.report_emergency_now()}</p>
                    <a class="call" href="tel:119">{t.emergency_fire()}</a>
                    <a class="call" href="tel:120">{t.emergency_ambulance()}</a>
                    <a class="call" href="tel:12350">{t.emergency_hotline()}</a>
                </div>
                {msg("severity")}
                <label class="field">
                    <span>{t.report_description_label()}</span>
                    <textarea name="description" rows="3" placeholder=t.report_description_placeholder()>{v.description.clone().unwrap_or_default()}</textarea>
                </label>
                {msg("description")}
            </fieldset>

            <fieldset class="step">
                <legend><span class="step-no">"5"</span>{t.report_step_identity()}</legend>
                <label class="option">
                    <input type="radio" name="identity" value="anonymous" checked=identity == "anonymous"/>
                    <span class="option-title">{t.report_identity_anonymous()}</span>
                    <span class="option-hint">{t.report_identity_anonymous_hint()}</span>
                </label>
                <label class="option">
                    <input type="radio" name="identity" value="named" checked=identity == "named"/>
                    <span class="option-title">{t.report_identity_named()}</span>
                    <span class="option-hint">{t.report_identity_named_hint()}</span>
                </label>
                {msg("identity")}
                <div class="named-fields">
                    <label class="field">
                        <span>{t.report_name_label()}</span>
                        <input type="text" name="name" autocomplete="name" value=v.name.clone().unwrap_or_default()/>
                    </label>
                    {msg("name")}
                    <label class="field">
                        <span>{t.report_phone_label()}</span>
                        <input type="tel" name="phone" autocomplete="tel" inputmode="tel" value=v.phone.clone().unwrap_or_default()/>
                    </label>
                    {msg("phone")}
                </div>
            </fieldset>
        </ReportForm>
    }
}

/// The form element and its sending: checks, upload with progress, receipt or messages.
#[island]
fn ReportForm(lang: Lang, children: Children) -> impl IntoView {
    let t = lang.tr();
    let ctx = FormCtx {
        photos: RwSignal::new(Vec::new()),
    };
    provide_context(ctx);
    let uploading = RwSignal::new(None::<f64>);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // Set once the island runs in the browser: shows the controls that need JavaScript.
    let ready = RwSignal::new(false);
    Effect::new(move |_| {
        // A page served from the phone's cache may carry a key a report already used.
        client::fresh_client_id();
        ready.set(true)
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if uploading.get_untracked().is_some() {
            return;
        }
        let Some(form) = form_ref.get_untracked() else {
            return;
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let raw = RawReport::from_pairs(client::form_text_pairs(&data));
        let category = raw.category.clone().unwrap_or_default();
        let mut problems = raw.validate(lang).err().unwrap_or_default();
        let items = ctx.photos.get_untracked();
        if items.is_empty() {
            problems.push(FieldError::new("photos", t.field_photos_missing()));
        } else if items.iter().any(|i| !i.ready) {
            problems.push(FieldError::new("photos", t.report_photo_preparing()));
        }
        if !problems.is_empty() {
            client::show_errors(Some(t.api_check_fields()), &problems, &category);
            return;
        }
        client::show_errors(None, &[], &category);
        data.delete("photo");
        for (n, item) in items.iter().enumerate() {
            if let Some(blob) = client::kept_blob(item.id) {
                let _ = data.append_with_blob_and_filename(
                    "photo",
                    &blob,
                    &format!("photo-{}.jpg", n + 1),
                );
                let _ = data.append_with_str(
                    "photo_meta",
                    &serde_json::to_string(&item.meta).unwrap_or_default(),
                );
            }
        }
        uploading.set(Some(0.0));
        spawn_local(async move {
            let sent =
                client::send_report(&data, lang.tag(), move |p| uploading.set(Some(p))).await;
            uploading.set(None);
            match sent {
                Ok(client::Sent::Receipt { url }) => client::go_to(&format!("{url}?new=1")),
                Ok(client::Sent::Queued) => {
                    // Kept in the outbox (shown above the form): the form starts afresh.
                    if let Some(form) = form_ref.get_untracked() {
                        form.reset();
                    }
                    for item in ctx.photos.get_untracked() {
                        let _ = web_sys::Url::revoke_object_url(&item.url);
                        client::forget_blob(item.id);
                    }
                    ctx.photos.set(Vec::new());
                    client::fresh_client_id();
                    client::show_errors(None, &[], &category);
                    client::show_notice(t.outbox_queued());
                }
                Ok(client::Sent::Full) => {
                    client::show_errors(Some(t.outbox_full()), &[], &category)
                }
                Ok(client::Sent::Refused(a)) => {
                    let body = serde_json::from_str::<ErrorBody>(&a.body).ok();
                    let message = body
                        .as_ref()
                        .map(|b| b.message.as_str())
                        .unwrap_or(t.api_internal());
                    client::show_errors(
                        Some(message),
                        body.as_ref().map(|b| b.fields.as_slice()).unwrap_or(&[]),
                        &category,
                    );
                }
                Err(_) => client::show_errors(Some(t.report_offline()), &[], &category),
            }
        });
    };

    // The location button (static markup in the fields) is handled here, by delegation.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let target: Option<web_sys::Element> = ev.target().and_then(|t| t.dyn_into().ok());
        if target
            .and_then(|t| t.closest("[data-action=locate]").ok().flatten())
            .is_none()
        {
            return;
        }
        client::set_text(".locate-status", t.report_locating());
        spawn_local(async move {
            match client::locate().await {
                Ok((lat, lon, accuracy)) => {
                    let metres = (accuracy.round() as i64).to_string();
                    client::set_value("input[name=lat]", &client::number_text(lat));
                    client::set_value("input[name=lon]", &client::number_text(lon));
                    client::set_value("input[name=accuracy]", &metres);
                    client::set_text(
                        ".locate-status",
                        &t.report_located().replace("{m}", &metres),
                    );
                }
                Err(_) => client::set_text(".locate-status", t.report_locate_failed()),
            }
        });
    };

    view! {
        <form class="report-form" method="post" action="/report" enctype="multipart/form-data" novalidate
            node_ref=form_ref on:submit=on_submit on:click=on_click data-ready=move || ready.get().then_some("")>
            {children()}
            <div class="upload" hidden=move || uploading.get().is_none()>
                <progress max="100" value=move || percent(uploading.get())></progress>
                <span aria-live="polite">{move || fill(t.report_uploading(), &[("percent", &percent(uploading.get()))])}</span>
            </div>
            <button type="submit" class="button primary submit" disabled=move || uploading.get().is_some()>{t.report_submit()}</button>
        </form>
    }
}

fn percent(p: Option<f64>) -> String {
    ((p.unwrap_or(0.0) * 100.0) as u32).min(100).to_string()
}

/// Photos from the camera or the gallery, prepared in the browser, with previews and remove.
#[island]
fn PhotoPicker(lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let ctx = use_context::<FormCtx>();
    let photos = ctx
        .map(|c| c.photos)
        .unwrap_or_else(|| RwSignal::new(Vec::new()));
    let next_id = StoredValue::new(0u32);

    let on_files = move |ev: leptos::ev::Event| {
        // Outside a report form there is nowhere to send the photos.
        if ctx.is_none() {
            return;
        }
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(files) = input.files() else { return };
        let list: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        // The prepared copies are uploaded; the input itself must send nothing.
        input.set_value("");
        for file in list {
            if photos.with_untracked(Vec::len) >= MAX_PHOTOS {
                client::show_field_error(
                    "photos",
                    &fill(t.field_photos_too_many(), &[("max", &MAX_PHOTOS)]),
                );
                break;
            }
            let id = next_id.get_value();
            next_id.set_value(id + 1);
            photos.update(|p| {
                p.push(PhotoItem {
                    id,
                    url: String::new(),
                    meta: PhotoMeta::default(),
                    ready: false,
                })
            });
            spawn_local(async move {
                match client::prepare_photo(&file).await {
                    Ok(prepared) => {
                        client::keep_blob(id, prepared.blob);
                        photos.update(|p| {
                            if let Some(item) = p.iter_mut().find(|i| i.id == id) {
                                item.url = prepared.preview_url;
                                item.meta = prepared.meta;
                                item.ready = true;
                            }
                        });
                    }
                    Err(_) => {
                        let n = photos.with_untracked(|p| {
                            p.iter()
                                .position(|i| i.id == id)
                                .map(|i| i + 1)
                                .unwrap_or(1)
                        });
                        photos.update(|p| p.retain(|i| i.id != id));
                        client::show_field_error(
                            "photos",
                            &fill(t.api_photo_corrupt(), &[("n", &n)]),
                        );
                    }
                }
            });
        }
    };

    let remove = move |id: u32| {
        photos.update(|p| {
            if let Some(item) = p.iter().find(|i| i.id == id) {
                let _ = web_sys::Url::revoke_object_url(&item.url);
            }
            p.retain(|i| i.id != id);
        });
        client::forget_blob(id);
    };

    view! {
        <ul class="photo-list">
            {move || photos.get().into_iter().enumerate().map(|(n, item)| {
                let id = item.id;
                let number = (n + 1).to_string();
                view! {
                    <li class="photo">
                        {if item.ready {
                            Either::Left(view! { <img src=item.url alt=t.report_photo_alt().replace("{n}", &number)/> })
                        } else {
                            Either::Right(view! { <span class="preparing-label">{t.report_photo_preparing()}</span> })
                        }}
                        <button type="button" class="remove" aria-label=t.report_remove_photo().replace("{n}", &number) on:click=move |_| remove(id)>"×"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <div class="photo-buttons">
            <label class="button secondary file-button">
                <input type="file" name="photo" accept="image/*" capture="environment" on:change=on_files/>
                <span>{t.report_take_photo()}</span>
            </label>
            <label class="button secondary file-button">
                <input type="file" name="photo" accept="image/*" multiple on:change=on_files/>
                <span>{t.report_choose_photos()}</span>
            </label>
        </div>
    }
}

/// The enterprise field: typed text (resolved by the server), or a pick from the directory.
#[island]
fn EnterprisePicker(lang: Lang, typed: String, chosen: String) -> impl IntoView {
    let t = lang.tr();
    let suggestions = RwSignal::new(Vec::<Suggestion>::new());
    let enterprise_id = RwSignal::new(chosen);
    let generation = StoredValue::new(0u32);
    let input_ref = NodeRef::<leptos::html::Input>::new();

    let on_input = move |ev: leptos::ev::Event| {
        let q = event_target_value(&ev);
        enterprise_id.set(String::new());
        let current = generation.get_value() + 1;
        generation.set_value(current);
        if q.trim().chars().count() < 2 {
            suggestions.set(Vec::new());
            return;
        }
        spawn_local(async move {
            client::sleep(250).await;
            if generation.get_value() != current {
                return;
            }
            let url = format!(
                "/api/v1/enterprises?lang={}&q={}",
                lang.tag(),
                js_sys::encode_uri_component(q.trim())
            );
            if let Ok(answer) = client::get(&url).await {
                if answer.status == 200 && generation.get_value() == current {
                    suggestions.set(serde_json::from_str(&answer.body).unwrap_or_default());
                }
            }
        });
    };

    let choose = move |s: Suggestion| {
        if let Some(input) = input_ref.get_untracked() {
            input.set_value(&s.name);
        }
        enterprise_id.set(s.id);
        suggestions.set(Vec::new());
        client::show_field_error("enterprise", "");
    };

    view! {
        <label class="field">
            <span>{t.report_enterprise_label()}</span>
            <input type="text" name="enterprise" autocomplete="off" placeholder=t.report_enterprise_placeholder()
                value=typed node_ref=input_ref on:input=on_input
                aria-describedby="err-enterprise" aria-autocomplete="list" aria-controls="enterprise-suggestions"/>
        </label>
        <input type="hidden" name="enterprise_id" prop:value=move || enterprise_id.get()/>
        <ul class="suggestions" id="enterprise-suggestions" role="listbox" hidden=move || suggestions.with(Vec::is_empty)>
            {move || suggestions.get().into_iter().map(|s| {
                let name = s.name.clone();
                let detail = format!("{} · {}", s.district_label, s.uscc);
                view! {
                    <li role="option">
                        <button type="button" on:click=move |_| choose(s.clone())>
                            <span class="name">{name}</span>
                            <span class="detail">{detail}</span>
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
