//! Enterprises as a union admin types them or imports them from a spreadsheet (CSV): each row
//! checked, every bad row named by its line and reason, and nothing imported from a bad file.

use crate::{
    domain::{DistrictCode, IndustryCode, Uscc},
    i18n::{fill, Lang, Localize},
};

/// One enterprise, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseInput {
    pub name: String,
    pub uscc: Uscc,
    pub district: DistrictCode,
    pub industry: IndustryCode,
    pub address: String,
    pub is_coal_mine: bool,
    pub has_outdoor_work: bool,
}

/// The columns of an import file, in order (a header row with these names is skipped).
pub const COLUMNS: [&str; 7] = [
    "name",
    "uscc",
    "district",
    "industry",
    "address",
    "is_coal_mine",
    "has_outdoor_work",
];
/// Most rows in one import.
pub const MAX_IMPORT_ROWS: usize = 5000;
/// Longest enterprise name and address.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_ADDRESS_CHARS: usize = 200;

/// Splits CSV text into records (RFC 4180: quotes, doubled quotes, commas and newlines inside
/// quotes), with the line each record starts on.
pub fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut field = String::new();
    let mut record = Vec::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => in_quotes = false,
            ('"', false) if field.is_empty() => in_quotes = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].trim().is_empty()) {
                    records.push((start_line, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start_line = line;
            }
            ('\n', true) => {
                line += 1;
                field.push('\n');
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((start_line, record));
    }
    records
}

fn flag(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "" | "0" | "false" | "no" | "否" | "n" => Some(false),
        "1" | "true" | "yes" | "是" | "y" => Some(true),
        _ => None,
    }
}

/// Checks one enterprise's fields; the first problem found, in the admin's language.
pub fn check(fields: &[String], lang: Lang) -> Result<EnterpriseInput, String> {
    let t = lang.tr();
    let get = |i: usize| {
        fields
            .get(i)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    if fields.len() < 4 {
        return Err(fill(
            t.directory_columns(),
            &[("columns", &COLUMNS.join(","))],
        ));
    }
    let name = get(0);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(fill(t.directory_name(), &[("max", &MAX_NAME_CHARS)]));
    }
    let uscc = Uscc::parse(&get(1)).map_err(|e| e.localize(lang))?;
    let district = DistrictCode::parse(&get(2)).map_err(|e| e.localize(lang))?;
    let industry = IndustryCode::parse(&get(3)).map_err(|e| e.localize(lang))?;
    let address = get(4);
    if address.chars().count() > MAX_ADDRESS_CHARS {
        return Err(fill(t.directory_address(), &[("max", &MAX_ADDRESS_CHARS)]));
    }
    let is_coal_mine =
        flag(&get(5)).ok_or_else(|| fill(t.directory_flag(), &[("column", &COLUMNS[5])]))?;
    let has_outdoor_work =
        flag(&get(6)).ok_or_else(|| fill(t.directory_flag(), &[("column", &COLUMNS[6])]))?;
    if is_coal_mine && industry.as_str() != "coal_mining" {
        return Err(t.directory_mine_industry().to_string());
    }
    Ok(EnterpriseInput {
        name,
        uscc,
        district,
        industry,
        address,
        is_coal_mine,
        has_outdoor_work,
    })
}

/// A whole import file: every row, or every bad row with its line.
pub fn parse_import(text: &str, lang: Lang) -> Result<Vec<EnterpriseInput>, Vec<(usize, String)>> {
    let t = lang.tr();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for (line, record) in csv_records(text) {
        if record
            .first()
            .is_some_and(|f| f.trim().eq_ignore_ascii_case("name") || f.trim() == "企业名称")
        {
            continue;
        }
        match check(&record, lang) {
            Ok(row) => {
                if let Some(first) = seen.insert(row.uscc.clone(), line) {
                    errors.push((line, fill(t.directory_duplicate_row(), &[("line", &first)])));
                } else {
                    rows.push(row);
                }
            }
            Err(reason) => errors.push((line, reason)),
        }
    }
    if rows.len() > MAX_IMPORT_ROWS {
        errors.push((
            0,
            fill(t.directory_too_many(), &[("max", &MAX_IMPORT_ROWS)]),
        ));
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push((0, t.directory_empty().to_string()));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_commas_and_newlines() {
        let text = "\u{feff}name,uscc\r\n\"A, Ltd\",\"say \"\"hi\"\"\"\n\nB,\"two\nlines\"\nC,x";
        let recs = csv_records(text);
        assert_eq!(recs[0], (1, vec!["name".to_string(), "uscc".to_string()]));
        assert_eq!(
            recs[1],
            (2, vec!["A, Ltd".to_string(), "say \"hi\"".to_string()])
        );
        assert_eq!(
            recs[2],
            (4, vec!["B".to_string(), "two\nlines".to_string()])
        );
        assert_eq!(recs[3], (6, vec!["C".to_string(), "x".to_string()]));
    }

    #[test]
    fn a_good_file_imports_every_row() {
        let text = "name,uscc,district,industry,address,is_coal_mine,has_outdoor_work\n\
                    郑州某建筑有限公司,91350100M000100Y43,金水区,construction,金水路1号,0,1\n\
                    新密某煤业有限公司,914403001922038216,410183,煤矿,,是,是\n";
        let rows = parse_import(text, Lang::ZhCn).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].district.as_str(), "410183");
        assert!(rows[1].is_coal_mine && rows[1].has_outdoor_work);
    }

    #[test]
    fn every_bad_row_is_named_and_nothing_is_imported() {
        let text = "郑州好公司,91350100M000100Y43,金水区,construction,,0,0\n\
                    坏代码公司,91350100M000100Y44,金水区,construction,,0,0\n\
                    没区县公司,914403001922038216,洛阳,construction,,0,0\n\
                    郑州好公司二,91350100M000100Y43,金水区,food,,0,0\n\
                    短行\n";
        let errors = parse_import(text, Lang::ZhCn).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(errors[0].1.contains("校验位"), "{}", errors[0].1);
        assert!(errors[1].1.contains("洛阳"));
        assert!(errors[2].1.contains("第1行"), "{}", errors[2].1);
    }
}
