//! `GET /api/v1/services` and `/api/v1/services/{code}`: the hazard categories and their
//! follow-up questions as Open311 GeoReport v2 service list and service definitions.

use crate::error::AppError;
use crate::request::RequestLang;
use app::{
    domain::category::{Category, QuestionKind, CATEGORIES},
    i18n::Lang,
};
use axum::{
    extract::Path,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

pub fn service(c: &Category, lang: Lang) -> Value {
    json!({
        "service_code": c.code,
        "service_name": (c.name)(lang.tr()),
        "description": "",
        "metadata": !c.questions.is_empty(),
        "type": "realtime",
        "keywords": "",
        "group": "",
    })
}

pub fn definition_of(c: &Category, lang: Lang) -> Value {
    let t = lang.tr();
    let attributes: Vec<Value> = c
        .questions
        .iter()
        .enumerate()
        .map(|(order, q)| {
            let (datatype, values, description): (&str, Vec<Value>, String) = match &q.kind {
                QuestionKind::YesNo => (
                    "singlevaluelist",
                    vec![
                        json!({"key": "yes", "name": t.answer_yes()}),
                        json!({"key": "no", "name": t.answer_no()}),
                    ],
                    String::new(),
                ),
                QuestionKind::SingleChoice(choices) => (
                    "singlevaluelist",
                    choices
                        .iter()
                        .map(|ch| json!({"key": ch.key, "name": (ch.label)(t)}))
                        .collect(),
                    String::new(),
                ),
                QuestionKind::Number { min, max } => ("number", Vec::new(), format!("{min}–{max}")),
                QuestionKind::Text { max_len } => ("string", Vec::new(), format!("≤ {max_len}")),
            };
            let mut attr = json!({
                "variable": true,
                "code": q.code,
                "datatype": datatype,
                "required": q.required,
                "datatype_description": description,
                "order": order + 1,
                "description": (q.prompt)(t),
            });
            if !values.is_empty() {
                attr["values"] = Value::Array(values);
            }
            attr
        })
        .collect();
    json!({ "service_code": c.code, "attributes": attributes })
}

pub async fn list(RequestLang(lang): RequestLang) -> Json<Vec<Value>> {
    Json(CATEGORIES.iter().map(|c| service(c, lang)).collect())
}

pub async fn definition(RequestLang(lang): RequestLang, Path(code): Path<String>) -> Response {
    match Category::find(&code) {
        Some(c) => Json(definition_of(c, lang)).into_response(),
        None => AppError::NotFound(Some(format!("no service {code}"))).json(lang),
    }
}
