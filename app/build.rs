//! Generates the translation tables from `locales/*.toml`.
//!
//! Every UI string lives in those files; components read them through `crate::i18n::Tr`, a struct
//! with one field per key, so a key missing from either language is a build error naming the key,
//! and a typo in a component is a compile error rather than a blank label.

use std::{collections::BTreeMap, env, fs, path::Path};

const LANGS: [(&str, &str); 2] = [("ZH_CN", "locales/zh-CN.toml"), ("EN", "locales/en.toml")];

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>, file: &str) {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}_{key}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(name, s.clone());
            }
            toml::Value::Table(t) => flatten(&name, t, out, file),
            other => panic!("{file}: key `{name}` must be a string or a table, found {other:?}"),
        }
    }
}

fn main() {
    // `sqlx::migrate!` embeds this folder: a new migration file must trigger a rebuild.
    println!("cargo:rerun-if-changed=migrations");
    let mut tables = Vec::new();
    for (ident, file) in LANGS {
        println!("cargo:rerun-if-changed={file}");
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
        let table: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("parse {file}: {e}"));
        let mut flat = BTreeMap::new();
        flatten("", &table, &mut flat, file);
        tables.push((ident, file, flat));
    }
    let (_, first_file, first) = &tables[0];
    for (_, file, other) in &tables[1..] {
        let missing: Vec<_> = first.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !first.contains_key(*k)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            panic!("translation keys differ: missing from {file}: {missing:?}; missing from {first_file}: {extra:?}");
        }
    }
    // One method per key rather than a table: the WASM keeps only the strings its islands use.
    let (_, _, zh) = &tables[0];
    let (_, _, en) = &tables[1];
    let mut code = String::from(
        "/// The strings of one language: one method per translation key (generated from \
         `locales/*.toml` by `build.rs`).\n#[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub struct Tr {\n    en: bool,\n}\n\
         pub(crate) static ZH_CN: Tr = Tr { en: false };\n\
         pub(crate) static EN: Tr = Tr { en: true };\n\
         impl Tr {\n",
    );
    for (key, zh_value) in zh {
        let en_value = &en[key];
        code.push_str(&format!(
            "    pub fn {key}(&self) -> &'static str {{\n        if self.en {{ {en_value:?} }} else {{ {zh_value:?} }}\n    }}\n"
        ));
    }
    code.push_str("}\n");
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| panic!("OUT_DIR not set"));
    let out = Path::new(&out_dir).join("tr.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));

    let out = Path::new(&out_dir).join("categories.rs");
    fs::write(&out, categories(first)).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
}

/// Generates `CATEGORIES` from `data/categories.toml`; every label must exist in the locales.
fn categories(keys: &BTreeMap<String, String>) -> String {
    const FILE: &str = "data/categories.toml";
    println!("cargo:rerun-if-changed={FILE}");
    let text = fs::read_to_string(FILE).unwrap_or_else(|e| panic!("read {FILE}: {e}"));
    let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("parse {FILE}: {e}"));
    let label = |key: String| -> String {
        if !keys.contains_key(&key) {
            panic!(
                "{FILE}: the locales have no key `{key}` (add it under [category.…] in both files)"
            );
        }
        format!("|t| t.{key}()")
    };
    let list = doc
        .get("category")
        .and_then(|c| c.as_array())
        .unwrap_or_else(|| panic!("{FILE}: no [[category]]"));
    let mut code = String::from(
        "/// The hazard categories (generated from `data/categories.toml` by `build.rs`).\n\
         pub static CATEGORIES: &[Category] = &[\n",
    );
    for cat in list {
        let c = cat
            .get("code")
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{FILE}: category without code"));
        let icon = cat.get("icon").and_then(|v| v.as_str()).unwrap_or("");
        code.push_str(&format!(
            "    Category {{ code: {c:?}, icon: {icon:?}, name: {}, questions: &[\n",
            label(format!("category_{c}_name"))
        ));
        let questions = cat.get("question").and_then(|v| v.as_array());
        for q in questions.map(|a| a.as_slice()).unwrap_or(&[]) {
            let qc = q
                .get("code")
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("{FILE}: {c}: question without code"));
            let required = q.get("required").and_then(|v| v.as_bool()).unwrap_or(false);
            let num =
                |k: &str, d: i64| -> i64 { q.get(k).and_then(|v| v.as_integer()).unwrap_or(d) };
            let kind = match q.get("type").and_then(|v| v.as_str()) {
                Some("yes_no") => "QuestionKind::YesNo".to_string(),
                Some("number") => format!(
                    "QuestionKind::Number {{ min: {}, max: {} }}",
                    num("min", i64::from(i32::MIN)),
                    num("max", i64::from(i32::MAX))
                ),
                Some("text") => {
                    format!("QuestionKind::Text {{ max_len: {} }}", num("max_len", 200))
                }
                Some("single_choice") => {
                    let choices = q
                        .get("choices")
                        .and_then(|v| v.as_array())
                        .unwrap_or_else(|| panic!("{FILE}: {c}.{qc}: no choices"));
                    let items: Vec<String> = choices
                        .iter()
                        .map(|k| {
                            let k = k.as_str().unwrap_or_else(|| {
                                panic!("{FILE}: {c}.{qc}: a choice is not a string")
                            });
                            let l = label(format!("category_{c}_c_{qc}_{k}"));
                            format!("Choice {{ key: {k:?}, label: {l} }}")
                        })
                        .collect();
                    format!("QuestionKind::SingleChoice(&[{}])", items.join(", "))
                }
                other => panic!("{FILE}: {c}.{qc}: unknown question type {other:?}"),
            };
            code.push_str(&format!(
                "        Question {{ code: {qc:?}, kind: {kind}, required: {required}, prompt: {} }},\n",
                label(format!("category_{c}_q_{qc}"))
            ));
        }
        code.push_str("    ] },\n");
    }
    code.push_str("];\n");
    code
}
