//! Browser-side work for the islands: preparing photos (read EXIF, hash the original, downscale
//! and re-encode), handing reports to the outbox (`public/outbox.js`), reading JSON.
//! Runs only in the browser; compiled on the server too, where nothing calls it.

use crate::domain::{exif, report::PhotoMeta};
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, File, FormData, HtmlCanvasElement, ImageBitmap};

/// Long side of the photos the app uploads.
pub const UPLOAD_MAX_EDGE: u32 = 2048;
/// JPEG quality of the uploaded photos.
pub const UPLOAD_QUALITY: f64 = 0.8;

fn window() -> Result<web_sys::Window, JsValue> {
    web_sys::window().ok_or_else(|| JsValue::from_str("no window"))
}

/// A photo ready to upload.
pub struct Prepared {
    pub blob: Blob,
    pub meta: PhotoMeta,
    pub preview_url: String,
}

/// Reads the original's metadata and hash, then draws it straight at the upload size (never a
/// full-size canvas: iOS refuses canvases above 16.7 MP) and re-encodes it as JPEG.
pub async fn prepare_photo(file: &File) -> Result<Prepared, JsValue> {
    let buffer = JsFuture::from(file.array_buffer()).await?;
    let bytes = Uint8Array::new(&buffer);
    let head = bytes
        .subarray(0, bytes.length().min(exif::SCAN_LIMIT as u32))
        .to_vec();
    let found = exif::Exif::read(&head);
    let sha256 = sha256_hex(&buffer).await;

    let bitmap: ImageBitmap = JsFuture::from(window()?.create_image_bitmap_with_blob(file)?)
        .await?
        .dyn_into()?;
    let (w, h) = fit(bitmap.width(), bitmap.height(), UPLOAD_MAX_EDGE);
    let document = window()?
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .dyn_into()?;
    let _ = js_sys::Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(w), f64::from(h))?;
    bitmap.close();
    let blob = canvas_to_jpeg(&canvas).await?;
    canvas.set_width(0);
    canvas.set_height(0);
    let preview_url = web_sys::Url::create_object_url_with_blob(&blob)?;
    Ok(Prepared {
        blob,
        meta: PhotoMeta {
            sha256,
            taken_at: found.taken_at,
            lat: found.lat,
            lon: found.lon,
            orientation: found.orientation,
            bytes: Some(file.size() as u64),
        },
        preview_url,
    })
}

fn fit(w: u32, h: u32, max: u32) -> (u32, u32) {
    let long = w.max(h).max(1);
    if long <= max {
        return (w.max(1), h.max(1));
    }
    let scale = f64::from(max) / f64::from(long);
    (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    )
}

async fn canvas_to_jpeg(canvas: &HtmlCanvasElement) -> Result<Blob, JsValue> {
    let canvas = canvas.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_fail = reject.clone();
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = if blob.is_null() {
                reject.call1(&JsValue::NULL, &"toBlob failed".into())
            } else {
                resolve.call1(&JsValue::NULL, &blob)
            };
        });
        if let Err(e) = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/jpeg",
            &UPLOAD_QUALITY.into(),
        ) {
            let _ = on_fail.call1(&JsValue::NULL, &e);
        }
    });
    JsFuture::from(promise).await?.dyn_into()
}

/// SHA-256 of the original file (SubtleCrypto; absent outside secure contexts, then `None`).
async fn sha256_hex(buffer: &JsValue) -> Option<String> {
    let crypto = window().ok()?.crypto().ok()?;
    let subtle = js_sys::Reflect::get(&crypto, &"subtle".into()).ok()?;
    if subtle.is_undefined() {
        return None;
    }
    let subtle: web_sys::SubtleCrypto = subtle.dyn_into().ok()?;
    let buffer: js_sys::ArrayBuffer = buffer.clone().dyn_into().ok()?;
    let digest = JsFuture::from(
        subtle
            .digest_with_str_and_buffer_source("SHA-256", &buffer)
            .ok()?,
    )
    .await
    .ok()?;
    let bytes = Uint8Array::new(&digest).to_vec();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Some(
        bytes
            .iter()
            .flat_map(|b| {
                [
                    HEX[usize::from(b >> 4)] as char,
                    HEX[usize::from(b & 15)] as char,
                ]
            })
            .collect(),
    )
}

/// An HTTP answer: status and body text.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// What became of a report handed to the outbox (`public/outbox.js`).
pub enum Sent {
    /// The server answered with a receipt.
    Receipt { url: String },
    /// Kept on the phone: no connection, or the server failed; it is sent automatically.
    Queued,
    /// The server refused it (4xx): the answer's status and body.
    Refused(Answer),
    /// No connection and no room on the phone to keep it: the form still holds it.
    Full,
}

/// Hands a report to the outbox, which keeps it in IndexedDB under its client id and sends it
/// (with upload progress, 0.0–1.0). `Err` when the outbox script is missing.
pub async fn send_report(
    form: &FormData,
    lang: &str,
    on_progress: impl Fn(f64) + 'static,
) -> Result<Sent, JsValue> {
    let w = window()?;
    let outbox = js_sys::Reflect::get(&w, &"safesnapOutbox".into())?;
    let submit: js_sys::Function = js_sys::Reflect::get(&outbox, &"submit".into())?.dyn_into()?;
    let progress = Closure::<dyn Fn(f64)>::new(on_progress);
    let promise: Promise = submit
        .call3(&outbox, form, &lang.into(), progress.as_ref())?
        .dyn_into()?;
    let out = JsFuture::from(promise).await;
    drop(progress);
    let out = out?;
    let field = |k: &str| {
        js_sys::Reflect::get(&out, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    Ok(match field("kind").as_str() {
        "sent" => Sent::Receipt {
            url: field("receipt_url"),
        },
        "refused" => Sent::Refused(Answer {
            status: js_sys::Reflect::get(&out, &"status".into())?
                .as_f64()
                .unwrap_or(0.0) as u16,
            body: field("body"),
        }),
        "full" => Sent::Full,
        _ => Sent::Queued,
    })
}

/// Gives the form a new idempotency key (after a report left it for the outbox, and when a page
/// served from the phone's cache opens: its key may have been used already).
pub fn fresh_client_id() {
    let id = window()
        .ok()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid());
    let input = window()
        .ok()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("input[name=client_id]").ok().flatten())
        .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
    if let (Some(id), Some(input)) = (id, input) {
        input.set_default_value(&id);
        input.set_value(&id);
    }
}

/// GETs a URL and returns status and body.
pub async fn get(url: &str) -> Result<Answer, JsValue> {
    let response: web_sys::Response = JsFuture::from(window()?.fetch_with_str(url))
        .await?
        .dyn_into()?;
    let body = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        body,
    })
}

thread_local! {
    /// The prepared photos of the form being filled in, by photo id. Kept outside the reactive
    /// graph: browser objects must never live in state the server renders (and drops on any thread).
    static BLOBS: std::cell::RefCell<Vec<(u32, web_sys::Blob)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Keeps a prepared photo until the form is sent.
pub fn keep_blob(id: u32, blob: web_sys::Blob) {
    BLOBS.with(|b| b.borrow_mut().push((id, blob)));
}

/// A kept photo.
pub fn kept_blob(id: u32) -> Option<web_sys::Blob> {
    BLOBS.with(|b| {
        b.borrow()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, blob)| blob.clone())
    })
}

/// Drops a photo the worker removed.
pub fn forget_blob(id: u32) {
    BLOBS.with(|b| b.borrow_mut().retain(|(i, _)| *i != id));
}

/// A number as JavaScript writes it (keeps Rust's float formatting out of the WASM).
pub fn number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// Sends the browser to another page.
pub fn go_to(url: &str) {
    if let Ok(w) = window() {
        let _ = w.location().set_href(url);
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Ok(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The phone's position (latitude, longitude, accuracy in metres), asked with the user's consent.
pub async fn locate() -> Result<(f64, f64, f64), JsValue> {
    let geolocation = window()?.navigator().geolocation()?;
    let promise = Promise::new(&mut |resolve, reject| {
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(15_000);
        options.set_maximum_age(60_000);
        let ok = Closure::once_into_js(move |p: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &p);
        });
        let fail = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        let _ = geolocation.get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(fail.unchecked_ref()),
            &options,
        );
    });
    let position = JsFuture::from(promise).await?;
    let coords = js_sys::Reflect::get(&position, &"coords".into())?;
    let read = |k: &str| {
        js_sys::Reflect::get(&coords, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    match (read("latitude"), read("longitude")) {
        (Some(lat), Some(lon)) => Ok((lat, lon, read("accuracy").unwrap_or(0.0))),
        _ => Err(JsValue::from_str("no coordinates")),
    }
}

/// The text entries of a form's data (files left out), in order.
pub fn form_text_pairs(data: &FormData) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(data) {
        for entry in entries.flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.push((name, value));
            }
        }
    }
    out
}

/// Brings the first field message into view (after the DOM has updated).
pub fn scroll_to_first_error() {
    leptos::task::spawn_local(async {
        sleep(0).await;
        let found = window().ok().and_then(|w| w.document()).and_then(|d| {
            d.query_selector(".form-message:not([hidden]), .field-error:not(:empty)")
                .ok()
                .flatten()
        });
        if let Some(el) = found {
            el.scroll_into_view();
        }
    });
}

/// Shows the form-level message (or hides it) and each field's message in its slot (clearing the
/// others). Answers are looked up inside the chosen category's questions.
pub fn show_errors(
    message: Option<&str>,
    errors: &[crate::domain::report::FieldError],
    category: &str,
) {
    let Some(document) = window().ok().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(Some(el)) = document.query_selector(".form-notice") {
        let _ = el.set_attribute("hidden", "");
    }
    if let Ok(Some(el)) = document.query_selector(".form-message") {
        el.set_text_content(message);
        if message.is_some() {
            let _ = el.remove_attribute("hidden");
        } else {
            let _ = el.set_attribute("hidden", "");
        }
    }
    if let Ok(slots) = document.query_selector_all(".field-error[data-field]") {
        for i in 0..slots.length() {
            let Some(el) = slots
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let field = el.get_attribute("data-field").unwrap_or_default();
            let in_category = el
                .closest(".questions")
                .ok()
                .flatten()
                .map(|q| q.get_attribute("data-category").as_deref() == Some(category))
                .unwrap_or(true);
            let text: Vec<&str> = errors
                .iter()
                .filter(|e| e.field == field && in_category)
                .map(|e| e.message.as_str())
                .collect();
            el.set_text_content(Some(&text.join("；")));
        }
    }
    if message.is_some() {
        scroll_to_first_error();
    }
}

/// Shows a notice at the top of the form (a report kept for sending later) and brings it into
/// view; [`show_errors`] hides it again.
pub fn show_notice(text: &str) {
    let found = window()
        .ok()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".form-notice").ok().flatten());
    if let Some(el) = found {
        el.set_text_content(Some(text));
        let _ = el.remove_attribute("hidden");
        el.scroll_into_view();
    }
}

/// Sets the text of the first element matching `selector`.
pub fn set_text(selector: &str, text: &str) {
    if let Some(el) = window()
        .ok()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
    {
        el.set_text_content(Some(text));
    }
}

/// Sets the value of the first input matching `selector`.
pub fn set_value(selector: &str, value: &str) {
    let found = window()
        .ok()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten());
    if let Some(input) = found.and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        input.set_value(value);
    }
}

/// Sets one field's message.
pub fn show_field_error(field: &str, message: &str) {
    let found = window()
        .ok()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("err-{field}")));
    if let Some(el) = found {
        el.set_text_content(Some(message));
    }
}
