//! Zhengzhou's districts (GB/T 2260 county-level divisions) and the four functional zones that run
//! their own trade unions. Reference data: the server keeps the `districts` table equal to this list.

use crate::i18n::{fill, Lang, Localize};
use serde::{Deserialize, Serialize};
use std::fmt;

/// GB/T 2260 code of Zhengzhou city (郑州市).
pub const CITY_GB2260: &str = "410100";

/// County-level division or functional zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DistrictKind {
    /// 市辖区 / 县 / 县级市 with its own GB/T 2260 code.
    County,
    /// 功能区 (郑东新区, 经开区, 高新区, 航空港区): no GB/T 2260 code of its own, own union.
    Zone,
}

impl DistrictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DistrictKind::County => "county",
            DistrictKind::Zone => "zone",
        }
    }
}

/// One district or zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct District {
    /// Stable identifier: the GB/T 2260 code for counties, `zz-…` for zones.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub kind: DistrictKind,
}

impl District {
    /// Its name in the reader's language.
    pub fn name(&self, lang: Lang) -> &'static str {
        if lang == Lang::En {
            self.name_en
        } else {
            self.name_zh
        }
    }

    /// The GB/T 2260 code, where the division has one.
    pub fn gb2260(&self) -> Option<&'static str> {
        match self.kind {
            DistrictKind::County => Some(self.code),
            DistrictKind::Zone => None,
        }
    }
}

const fn county(code: &'static str, name_zh: &'static str, name_en: &'static str) -> District {
    District {
        code,
        name_zh,
        name_en,
        kind: DistrictKind::County,
    }
}
const fn zone(code: &'static str, name_zh: &'static str, name_en: &'static str) -> District {
    District {
        code,
        name_zh,
        name_en,
        kind: DistrictKind::Zone,
    }
}

/// Every district and zone, in the order the union lists them.
pub const DISTRICTS: &[District] = &[
    county("410102", "中原区", "Zhongyuan"),
    county("410103", "二七区", "Erqi"),
    county("410104", "管城回族区", "Guancheng Hui"),
    county("410105", "金水区", "Jinshui"),
    county("410106", "上街区", "Shangjie"),
    county("410108", "惠济区", "Huiji"),
    county("410122", "中牟县", "Zhongmu County"),
    county("410181", "巩义市", "Gongyi"),
    county("410182", "荥阳市", "Xingyang"),
    county("410183", "新密市", "Xinmi"),
    county("410184", "新郑市", "Xinzheng"),
    county("410185", "登封市", "Dengfeng"),
    zone("zz-zhengdong", "郑东新区", "Zhengdong New District"),
    zone(
        "zz-jingkai",
        "经济技术开发区",
        "Economic-Technological Development Zone",
    ),
    zone(
        "zz-gaoxin",
        "高新技术产业开发区",
        "High-Tech Industrial Development Zone",
    ),
    zone("zz-airport", "航空港区", "Airport Economy Zone"),
];

/// A code that names one of [`DISTRICTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DistrictCode(&'static str);

/// The code does not name a Zhengzhou district or zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownDistrict(pub String);

impl Localize for UnknownDistrict {
    fn localize(&self, lang: Lang) -> String {
        fill(lang.tr().error_unknown_district(), &[("value", &self.0)])
    }
}
crate::display_in_chinese!(UnknownDistrict);

impl DistrictCode {
    /// Accepts a district's code, its GB/T 2260 code or its Chinese name (with or without the
    /// 区/县/市 suffix), as CAP `areaDesc` and people write them.
    pub fn parse(input: &str) -> Result<DistrictCode, UnknownDistrict> {
        let s = input.trim();
        DISTRICTS
            .iter()
            .find(|d| d.code == s || d.name_zh == s || short_name(d.name_zh) == s)
            .map(|d| DistrictCode(d.code))
            .ok_or_else(|| UnknownDistrict(s.to_string()))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The district this code names.
    pub fn district(self) -> &'static District {
        // Invariant: a DistrictCode is only built from an entry of DISTRICTS.
        DISTRICTS
            .iter()
            .find(|d| d.code == self.0)
            .unwrap_or(&DISTRICTS[0])
    }
}

/// "管城回族区" → "管城", "中牟县" → "中牟", "巩义市" → "巩义".
fn short_name(name: &str) -> &str {
    for suffix in ["回族区", "新区", "区", "县", "市"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            if stripped.chars().count() >= 2 {
                return stripped;
            }
        }
    }
    name
}

impl fmt::Display for DistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for DistrictCode {
    type Error = UnknownDistrict;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DistrictCode::parse(&value)
    }
}

impl From<DistrictCode> for String {
    fn from(value: DistrictCode) -> String {
        value.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn zhengzhou_has_twelve_counties_and_four_zones() {
        assert_eq!(
            DISTRICTS
                .iter()
                .filter(|d| d.kind == DistrictKind::County)
                .count(),
            12
        );
        assert_eq!(
            DISTRICTS
                .iter()
                .filter(|d| d.kind == DistrictKind::Zone)
                .count(),
            4
        );
    }

    #[test]
    fn county_codes_are_gb2260_codes_under_zhengzhou() {
        for d in DISTRICTS.iter().filter(|d| d.kind == DistrictKind::County) {
            let code = d.gb2260().unwrap();
            assert_eq!(code.len(), 6, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert_eq!(
                &code[..4],
                &CITY_GB2260[..4],
                "{} is not under 4101",
                d.name_zh
            );
            assert_ne!(code, CITY_GB2260);
        }
        assert!(DISTRICTS
            .iter()
            .filter(|d| d.kind == DistrictKind::Zone)
            .all(|d| d.gb2260().is_none()));
    }

    #[test]
    fn codes_and_names_are_unique() {
        let codes: HashSet<_> = DISTRICTS.iter().map(|d| d.code).collect();
        let names: HashSet<_> = DISTRICTS.iter().map(|d| d.name_zh).collect();
        assert_eq!(codes.len(), DISTRICTS.len());
        assert_eq!(names.len(), DISTRICTS.len());
    }

    #[test]
    fn a_district_is_found_by_code_or_name() {
        assert_eq!(
            DistrictCode::parse("410105").unwrap().district().name_zh,
            "金水区"
        );
        assert_eq!(DistrictCode::parse("登封市").unwrap().as_str(), "410185");
        assert_eq!(DistrictCode::parse("管城").unwrap().as_str(), "410104");
        assert_eq!(
            DistrictCode::parse(" 郑东新区 ").unwrap().as_str(),
            "zz-zhengdong"
        );
        assert_eq!(
            DistrictCode::parse("郑东").unwrap().as_str(),
            "zz-zhengdong"
        );
    }

    #[test]
    fn codes_outside_zhengzhou_are_refused() {
        assert!(DistrictCode::parse("410100").is_err()); // the city itself
        assert!(DistrictCode::parse("410107").is_err()); // not in use
        assert!(DistrictCode::parse("110105").is_err()); // 北京朝阳
        assert!(DistrictCode::parse("").is_err());
        assert_eq!(
            DistrictCode::parse("洛阳").unwrap_err().to_string(),
            "“洛阳”不是郑州市的区县或功能区"
        );
    }
}
