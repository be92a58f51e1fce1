//! Industries the union's inspectors specialise in (coverage is districts × industries).
//! Each maps to its GB/T 4754-2017 section or division.

use crate::i18n::{fill, Lang, Localize};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Industry {
    /// Stable identifier used in the database and URLs.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// GB/T 4754-2017 section letter or section + division.
    pub gbt4754: &'static str,
}

impl Industry {
    /// Its name in the reader's language.
    pub fn name(&self, lang: Lang) -> &'static str {
        if lang == Lang::En {
            self.name_en
        } else {
            self.name_zh
        }
    }
}

pub const INDUSTRIES: &[Industry] = &[
    Industry {
        code: "construction",
        name_zh: "建筑施工",
        name_en: "Construction",
        gbt4754: "E",
    },
    Industry {
        code: "manufacturing",
        name_zh: "机械制造",
        name_en: "Manufacturing",
        gbt4754: "C",
    },
    Industry {
        code: "logistics",
        name_zh: "物流仓储",
        name_en: "Logistics and warehousing",
        gbt4754: "G",
    },
    Industry {
        code: "food",
        name_zh: "食品加工",
        name_en: "Food processing",
        gbt4754: "C14",
    },
    Industry {
        code: "chemicals",
        name_zh: "化工",
        name_en: "Chemicals",
        gbt4754: "C26",
    },
    Industry {
        code: "coal_mining",
        name_zh: "煤矿",
        name_en: "Coal mining",
        gbt4754: "B06",
    },
    Industry {
        code: "other",
        name_zh: "其他行业",
        name_en: "Other",
        gbt4754: "",
    },
];

/// A code that names one of [`INDUSTRIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode(&'static str);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownIndustry(pub String);

impl Localize for UnknownIndustry {
    fn localize(&self, lang: Lang) -> String {
        fill(lang.tr().error_unknown_industry(), &[("value", &self.0)])
    }
}
crate::display_in_chinese!(UnknownIndustry);

impl IndustryCode {
    pub fn parse(input: &str) -> Result<IndustryCode, UnknownIndustry> {
        let s = input.trim();
        INDUSTRIES
            .iter()
            .find(|i| i.code == s || i.name_zh == s)
            .map(|i| IndustryCode(i.code))
            .ok_or_else(|| UnknownIndustry(s.to_string()))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    pub fn industry(self) -> &'static Industry {
        INDUSTRIES
            .iter()
            .find(|i| i.code == self.0)
            .unwrap_or(&INDUSTRIES[INDUSTRIES.len() - 1])
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = UnknownIndustry;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        IndustryCode::parse(&value)
    }
}

impl From<IndustryCode> for String {
    fn from(value: IndustryCode) -> String {
        value.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_campaign_industries_are_all_known() {
        for code in [
            "construction",
            "manufacturing",
            "logistics",
            "food",
            "chemicals",
            "coal_mining",
        ] {
            assert_eq!(IndustryCode::parse(code).unwrap().industry().code, code);
        }
        assert_eq!(IndustryCode::parse("煤矿").unwrap().as_str(), "coal_mining");
        assert!(IndustryCode::parse("banking").is_err());
    }
}
