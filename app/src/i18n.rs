//! Languages and the translation tables. zh-CN is the default; English is chosen by the `lang`
//! cookie (set by the language switch). The tables are generated from `locales/*.toml`.

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/tr.rs"));

/// The name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    /// The BCP 47 tag used in `<html lang>` and in the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a tag as written in the cookie or a URL; anything unknown is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag.trim().to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh-hans" => Some(Lang::ZhCn),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a `Cookie:` header asks for, defaulting to Chinese.
    pub fn from_cookie_header(header: &str) -> Lang {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::from_tag(value))
            .unwrap_or_default()
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    /// This language's strings.
    pub fn tr(self) -> &'static Tr {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}

/// A message that can be shown in either language (errors, mostly). `Display` gives Chinese.
pub trait Localize {
    fn localize(&self, lang: Lang) -> String;
}

/// Fills `{name}` placeholders of a translated template, in one pass: a value that itself holds
/// something like `{name}` (a piece of untrusted input quoted in a message) is inserted as it
/// is, never filled again. A placeholder with no value is left as written.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(&v.to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Implements `Display` (Chinese) for a type that implements [`Localize`].
#[macro_export]
macro_rules! display_in_chinese {
    ($ty:ty) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::i18n::Localize::localize(
                    self,
                    $crate::i18n::Lang::ZhCn,
                ))
            }
        }
    };
}

/// The language of the page being rendered (provided by [`crate::App`]).
pub fn use_lang() -> Lang {
    leptos::prelude::use_context::<Lang>().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        fn walk(prefix: &str, table: &toml::Table, out: &mut BTreeSet<String>) {
            for (k, v) in table {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v {
                    toml::Value::Table(t) => walk(&name, t, out),
                    _ => {
                        out.insert(name);
                    }
                }
            }
        }
        let path = format!("{}/locales/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = BTreeSet::new();
        walk("", &toml::from_str(&text).unwrap(), &mut out);
        out
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        let zh = keys("zh-CN.toml");
        let en = keys("en.toml");
        assert!(zh.len() > 10, "zh-CN.toml looks empty");
        assert_eq!(
            zh.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing from en.toml"
        );
        assert_eq!(
            en.difference(&zh).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing from zh-CN.toml"
        );
    }

    #[test]
    fn no_translation_is_blank() {
        fn blank(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
            for (k, v) in table {
                match v {
                    toml::Value::Table(t) => blank(&format!("{prefix}{k}."), t, out),
                    toml::Value::String(s) if s.trim().is_empty() => {
                        out.push(format!("{prefix}{k}"))
                    }
                    _ => {}
                }
            }
        }
        for file in ["zh-CN.toml", "en.toml"] {
            let path = format!("{}/locales/{file}", env!("CARGO_MANIFEST_DIR"));
            let table: toml::Table =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut empty = Vec::new();
            blank("", &table, &mut empty);
            assert!(empty.is_empty(), "{file} has blank strings: {empty:?}");
        }
    }

    /// Every UI string comes from the translation files: no Chinese in the code of pages,
    /// components or the shell, and no English text node written into a `view!`.
    #[test]
    fn no_ui_text_is_written_into_components() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![root.join("shell.rs")];
        let mut dirs = vec![root.join("pages"), root.join("components")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        assert!(files.iter().any(|f| f.ends_with("pages/union/forms.rs")));
        // Not words of the UI: a format's name, a stylesheet rule.
        let allowed = [r#">"CAP 1.2"<"#, r#">".js-only{display:none}"<"#];
        let mut found = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let cjk = code.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                let english_node = code.match_indices(">\"").any(|(i, _)| {
                    let rest = &code[i + 2..];
                    let literal = rest.split('"').next().unwrap_or("");
                    let node = format!(">\"{literal}\"<");
                    literal.chars().filter(char::is_ascii_alphabetic).count() >= 3
                        && code[i..].starts_with(&node)
                        && !allowed.contains(&node.as_str())
                });
                if cjk || english_node {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "UI text outside the translation files:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("第{n}位“{c}”", &[("n", &3), ("c", &'X')]), "第3位“X”");
        assert_eq!(
            fill("{n} and {n}, {unknown}", &[("n", &1)]),
            "1 and 1, {unknown}"
        );
    }

    #[test]
    fn a_value_that_looks_like_a_placeholder_is_never_filled_again() {
        assert_eq!(
            fill(
                "{value} ≠ {other}",
                &[("value", &"{other}"), ("other", &"x")]
            ),
            "{other} ≠ x"
        );
        assert_eq!(fill("{a}{", &[("a", &"{")]), "{{");
    }

    #[test]
    fn chinese_is_the_default_and_the_cookie_switches_to_english() {
        assert_eq!(Lang::from_cookie_header(""), Lang::ZhCn);
        assert_eq!(Lang::from_cookie_header("a=b; lang=en; c=d"), Lang::En);
        assert_eq!(Lang::from_cookie_header("lang=fr"), Lang::ZhCn);
        assert_eq!(Lang::ZhCn.tr().nav_report(), "随手拍");
        assert_eq!(Lang::En.tr().nav_report(), "Report");
    }
}
