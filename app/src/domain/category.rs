//! Hazard categories and their follow-up questions, defined as data in `data/categories.toml`
//! (structure) and `locales/*.toml` (words), in the shape of an Open311 service definition.

use crate::i18n::{fill, Lang, Localize, Tr};
use serde::Serialize;
use std::collections::BTreeMap;

/// A hazard category (an Open311 "service").
#[derive(Debug)]
pub struct Category {
    pub code: &'static str,
    /// The pictogram: children of a 24×24 stroked `<svg>`.
    pub icon: &'static str,
    pub name: fn(&Tr) -> &'static str,
    pub questions: &'static [Question],
}

/// A follow-up question (an Open311 "attribute").
#[derive(Debug)]
pub struct Question {
    pub code: &'static str,
    pub kind: QuestionKind,
    pub required: bool,
    pub prompt: fn(&Tr) -> &'static str,
}

#[derive(Debug)]
pub enum QuestionKind {
    YesNo,
    SingleChoice(&'static [Choice]),
    /// Whole-number bounds (the answer itself may have decimals).
    Number {
        min: i64,
        max: i64,
    },
    Text {
        max_len: usize,
    },
}

#[derive(Debug)]
pub struct Choice {
    pub key: &'static str,
    pub label: fn(&Tr) -> &'static str,
}

include!(concat!(env!("OUT_DIR"), "/categories.rs"));

/// Questions are the same when their codes are (within a category).
impl PartialEq for Question {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

/// Categories are the same when their codes are.
impl PartialEq for Category {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

/// The category of the heat-rule complaints (高温).
pub const HEAT: &str = "heat";
/// The catch-all category, which needs a description.
pub const OTHER: &str = "other";

impl Category {
    pub fn find(code: &str) -> Option<&'static Category> {
        CATEGORIES.iter().find(|c| c.code == code.trim())
    }

    pub fn question(&self, code: &str) -> Option<&'static Question> {
        self.questions.iter().find(|q| q.code == code)
    }

    /// Checks raw answers (question code → text as typed or chosen) against the questions.
    pub fn validate_answers(
        &'static self,
        raw: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, Answer>, Vec<AnswerError>> {
        let mut answers = BTreeMap::new();
        let mut errors = Vec::new();
        for code in raw.keys() {
            if self.question(code).is_none() {
                errors.push(AnswerError {
                    question: code.clone(),
                    kind: AnswerErrorKind::UnknownQuestion,
                });
            }
        }
        for q in self.questions {
            let value = raw.get(q.code).map(|v| v.trim()).filter(|v| !v.is_empty());
            let Some(value) = value else {
                if q.required {
                    errors.push(AnswerError {
                        question: q.code.into(),
                        kind: AnswerErrorKind::Missing(q),
                    });
                }
                continue;
            };
            match q.parse(value) {
                Ok(answer) => {
                    answers.insert(q.code.to_string(), answer);
                }
                Err(kind) => errors.push(AnswerError {
                    question: q.code.into(),
                    kind,
                }),
            }
        }
        if errors.is_empty() {
            Ok(answers)
        } else {
            Err(errors)
        }
    }
}

impl Question {
    fn parse(&self, value: &str) -> Result<Answer, AnswerErrorKind> {
        match &self.kind {
            QuestionKind::YesNo => match value.to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" | "是" => Ok(Answer::Yes),
                "no" | "false" | "0" | "否" => Ok(Answer::No),
                _ => Err(AnswerErrorKind::NotYesNo),
            },
            QuestionKind::SingleChoice(choices) => choices
                .iter()
                .find(|c| c.key == value)
                .map(|c| Answer::Choice(c.key.to_string()))
                .ok_or(AnswerErrorKind::UnknownChoice),
            QuestionKind::Number { min, max } => {
                let n: f64 = value
                    .replace('，', ".")
                    .parse()
                    .map_err(|_| AnswerErrorKind::NotANumber)?;
                if !n.is_finite() {
                    return Err(AnswerErrorKind::NotANumber);
                }
                if n < *min as f64 || n > *max as f64 {
                    return Err(AnswerErrorKind::OutOfRange {
                        min: *min,
                        max: *max,
                    });
                }
                Ok(Answer::Number(n))
            }
            QuestionKind::Text { max_len } => {
                if value.chars().count() > *max_len {
                    return Err(AnswerErrorKind::TooLong { max: *max_len });
                }
                Ok(Answer::Text(value.to_string()))
            }
        }
    }

    /// The answer as a person reads it ("是", a choice's label, the number, the text).
    pub fn describe(&self, answer: &Answer, t: &Tr) -> String {
        match (answer, &self.kind) {
            (Answer::Yes, _) => t.answer_yes().to_string(),
            (Answer::No, _) => t.answer_no().to_string(),
            (Answer::Choice(key), QuestionKind::SingleChoice(choices)) => choices
                .iter()
                .find(|c| c.key == key)
                .map(|c| (c.label)(t).to_string())
                .unwrap_or_else(|| key.clone()),
            (Answer::Choice(key), _) => key.clone(),
            (Answer::Number(n), _) => format_number(*n),
            (Answer::Text(s), _) => s.clone(),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A checked answer. Stored as JSON: `"yes"`, `"no"`, a choice key, a number or a text; read
/// back through [`Category::validate_answers`], which knows each question's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Yes,
    No,
    Number(f64),
    Choice(String),
    Text(String),
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Yes => s.serialize_str("yes"),
            Answer::No => s.serialize_str("no"),
            Answer::Number(n) => s.serialize_f64(*n),
            Answer::Choice(v) | Answer::Text(v) => s.serialize_str(v),
        }
    }
}

impl Answer {
    /// The raw form [`Category::validate_answers`] reads.
    pub fn raw(&self) -> String {
        match self {
            Answer::Yes => "yes".into(),
            Answer::No => "no".into(),
            Answer::Number(n) => format_number(*n),
            Answer::Choice(v) | Answer::Text(v) => v.clone(),
        }
    }
}

/// A wrong answer to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerError {
    pub question: String,
    pub kind: AnswerErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AnswerErrorKind {
    Missing(&'static Question),
    NotYesNo,
    UnknownChoice,
    NotANumber,
    OutOfRange { min: i64, max: i64 },
    TooLong { max: usize },
    UnknownQuestion,
}

impl Localize for AnswerError {
    fn localize(&self, lang: Lang) -> String {
        let t = lang.tr();
        match &self.kind {
            AnswerErrorKind::Missing(q) => fill(t.answer_missing(), &[("prompt", &(q.prompt)(t))]),
            AnswerErrorKind::NotYesNo => t.answer_not_yes_no().into(),
            AnswerErrorKind::UnknownChoice => t.answer_unknown_choice().into(),
            AnswerErrorKind::NotANumber => t.answer_not_a_number().into(),
            AnswerErrorKind::OutOfRange { min, max } => {
                fill(t.answer_out_of_range(), &[("min", min), ("max", max)])
            }
            AnswerErrorKind::TooLong { max } => fill(t.answer_too_long(), &[("max", max)]),
            AnswerErrorKind::UnknownQuestion => t.answer_unknown_question().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_thirteen_campaign_categories_are_defined_in_order() {
        let names: Vec<_> = CATEGORIES
            .iter()
            .map(|c| (c.name)(Lang::ZhCn.tr()))
            .collect();
        assert_eq!(
            names,
            [
                "高处坠落",
                "触电",
                "机械伤害",
                "物体打击",
                "起重伤害",
                "消防/安全通道堵塞",
                "危险化学品",
                "粉尘",
                "有限空间",
                "高温",
                "坍塌",
                "车辆",
                "其他"
            ]
        );
        assert!(Category::find(HEAT).is_some() && Category::find(OTHER).is_some());
    }

    #[test]
    fn every_question_has_a_prompt_and_every_choice_a_label_in_both_languages() {
        for lang in [Lang::ZhCn, Lang::En] {
            let t = lang.tr();
            for c in CATEGORIES {
                assert!(!(c.name)(t).is_empty());
                for q in c.questions {
                    assert!(!(q.prompt)(t).is_empty(), "{}.{}", c.code, q.code);
                    if let QuestionKind::SingleChoice(choices) = &q.kind {
                        assert!(choices.len() >= 2);
                        assert!(choices.iter().all(|ch| !(ch.label)(t).is_empty()));
                    }
                }
            }
        }
    }

    #[test]
    fn required_questions_must_be_answered() {
        let fall = Category::find("fall").unwrap();
        let errors = fall.validate_answers(&raw(&[])).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].question, "guard");
        assert_eq!(
            errors[0].localize(Lang::ZhCn),
            "请回答：作业面有防护栏或安全网吗？"
        );
        assert_eq!(
            errors[0].localize(Lang::En),
            "Please answer: Is there a guardrail or safety net at the edge?"
        );
        // Optional ones may be left out.
        let ok = fall.validate_answers(&raw(&[("guard", "no")])).unwrap();
        assert_eq!(ok.get("guard"), Some(&Answer::No));
        assert!(!ok.contains_key("height"));
    }

    #[test]
    fn each_question_type_checks_its_answer() {
        let fall = Category::find("fall").unwrap();
        let ok = fall
            .validate_answers(&raw(&[("guard", "是"), ("height", " 12.5 ")]))
            .unwrap();
        assert_eq!(ok["guard"], Answer::Yes);
        assert_eq!(ok["height"], Answer::Number(12.5));
        let e = fall
            .validate_answers(&raw(&[("guard", "maybe"), ("height", "high")]))
            .unwrap_err();
        assert_eq!(
            e.iter().map(|e| &e.kind).collect::<Vec<_>>(),
            [&AnswerErrorKind::NotYesNo, &AnswerErrorKind::NotANumber]
        );
        let e = fall
            .validate_answers(&raw(&[("guard", "yes"), ("height", "900")]))
            .unwrap_err();
        assert_eq!(e[0].localize(Lang::ZhCn), "应在 0 到 500 之间");

        let electric = Category::find("electric").unwrap();
        assert_eq!(
            electric
                .validate_answers(&raw(&[("kind", "bare_wire")]))
                .unwrap()["kind"],
            Answer::Choice("bare_wire".into())
        );
        assert_eq!(
            electric
                .validate_answers(&raw(&[("kind", "lightning")]))
                .unwrap_err()[0]
                .kind,
            AnswerErrorKind::UnknownChoice
        );

        let machinery = Category::find("machinery").unwrap();
        let long = "机".repeat(101);
        let e = machinery
            .validate_answers(&raw(&[("guard_missing", "yes"), ("machine", &long)]))
            .unwrap_err();
        assert_eq!(e[0].localize(Lang::ZhCn), "最多 100 个字");
    }

    #[test]
    fn answers_to_questions_the_category_does_not_have_are_refused() {
        let dust = Category::find("dust").unwrap();
        let e = dust
            .validate_answers(&raw(&[("guard", "yes")]))
            .unwrap_err();
        assert_eq!(e[0].kind, AnswerErrorKind::UnknownQuestion);
    }

    #[test]
    fn answers_are_described_in_words() {
        let electric = Category::find("electric").unwrap();
        let q = electric.question("kind").unwrap();
        assert_eq!(
            q.describe(&Answer::Choice("open_panel".into()), Lang::ZhCn.tr()),
            "配电箱未关闭或未上锁"
        );
        assert_eq!(
            electric
                .question("wet")
                .unwrap()
                .describe(&Answer::Yes, Lang::En.tr()),
            "Yes"
        );
    }
}
