//! The union's enterprise import (CSV, as spreadsheets export it) on any text: every row is an
//! enterprise or a numbered problem, never a panic.
#![no_main]

use app::{domain::enterprise_import, i18n::Lang};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records = enterprise_import::csv_records(&text);
    match enterprise_import::parse_import(&text, Lang::ZhCn) {
        Ok(rows) => assert!(rows.len() <= records.len()),
        Err(problems) => assert!(!problems.is_empty()),
    }
});
