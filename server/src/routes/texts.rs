//! What text messages lead back to the server:
//!
//! - `GET /n/{code}`: a text's short link, a redirect to its notification's page (which asks
//!   for sign-in and checks the policy as every page does; the link itself grants nothing).
//! - `POST /hooks/sms/aliyun/{token}`: Alibaba Cloud SMS's delivery receipts (`SmsReport`, HTTP
//!   batch push). The provider does not sign them: the secret token in the address configured
//!   there is the credential (a wrong one is a 404), and a receipt changes only a sent delivery
//!   it names by our id and the provider's together.

use crate::{
    routes::lang::safe_next,
    sms::aliyun::{Receipt, RECEIPT_ANSWER},
    startup::AppState,
    store::sms::{self as store, Receipt as Written},
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
};

/// Most receipts one push may carry (the provider batches them).
pub const MAX_RECEIPTS_PER_PUSH: usize = 1000;

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "找不到这个链接 / no such link").into_response()
}

pub async fn short_link(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let plausible = code.len() == crate::store::notifications::SHORT_CODE_CHARS
        && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if !plausible {
        return not_found();
    }
    match store::link_of(&state.db, &code).await {
        Ok(Some(link)) => Redirect::to(safe_next(Some(&link))).into_response(),
        Ok(None) => not_found(),
        Err(e) => crate::AppError::from(e).json(app::i18n::Lang::ZhCn),
    }
}

/// Same length and bytes, in time that does not depend on where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

pub async fn sms_receipts(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let Some(expected) = &state.sms_receipt_token else {
        return not_found();
    };
    if !same_token(&token, expected) {
        return not_found();
    }
    let receipts: Vec<Receipt> = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "code": 1, "msg": format!("回执不是 JSON 数组 / not a JSON array of receipts: {e}") })
                    .to_string(),
            )
                .into_response()
        }
    };
    if receipts.len() > MAX_RECEIPTS_PER_PUSH {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "code": 1, "msg": format!("一次最多 {MAX_RECEIPTS_PER_PUSH} 条 / at most {MAX_RECEIPTS_PER_PUSH} receipts a push") })
                .to_string(),
        )
            .into_response();
    }
    // A receipt for a message that is not ours (no out_id, or not a delivery id) is skipped.
    let written: Vec<Written> = receipts
        .into_iter()
        .filter_map(|r| {
            Some(Written {
                delivery: uuid::Uuid::parse_str(r.out_id.trim()).ok()?,
                provider_ref: r.biz_id,
                delivered: r.success,
                reason: format!("{} {}", r.err_code, r.err_msg).trim().to_string(),
            })
        })
        .collect();
    match store::receipts(&state.db, &written, state.clock.now_ms()).await {
        Ok(w) if w.early > 0 => {
            // A receipt overtook the worker's record of the send: a 503 makes the provider push
            // the batch again (after a minute), by when the send is written.
            tracing::info!(
                receipts = written.len(),
                changed = w.changed,
                early = w.early,
                "SMS delivery receipts before their sends were written"
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"code":1,"msg":"稍后重试"}"#,
            )
                .into_response()
        }
        Ok(w) => {
            tracing::info!(
                receipts = written.len(),
                changed = w.changed,
                "SMS delivery receipts"
            );
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                RECEIPT_ANSWER,
            )
                .into_response()
        }
        // A 5xx: the provider pushes the receipts again later.
        Err(e) => crate::AppError::from(e).json(app::i18n::Lang::ZhCn),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_whole() {
        assert!(super::same_token("abc", "abc"));
        assert!(!super::same_token("abc", "abd"));
        assert!(!super::same_token("abc", "abcd"));
    }
}
