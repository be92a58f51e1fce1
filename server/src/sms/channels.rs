//! Which notices leave the app by text message, and in what words.
//!
//! Every notification lands in the inbox first; the kinds in [`Channels::sms_kinds`] (by
//! default [`DEFAULT_SMS_KINDS`]: urgent reports, rectification notices, overdue escalations and
//! red heat alerts) also queue an `sms` delivery to the recipient's phone, when their account
//! has one. The set is read once at start-up (`SAFESNAP_SMS_KINDS`) into a process-wide value
//! ([`configure`]), because notifications are queued deep inside the transactions of the steps
//! that cause them.
//!
//! The texts follow Chinese SMS rules: the sign name in 【】 first (the provider adds it), one
//! approved template per kind with the short link as its only parameter — nothing about the
//! report or the reporter (a phone may be shared) — and within one 70-character segment.

use std::{collections::BTreeMap, collections::BTreeSet, sync::OnceLock};

/// The notification kinds sent by text message unless configured otherwise (`alert_red` is a
/// red heat alert; other alert levels are `alert`).
pub const DEFAULT_SMS_KINDS: &str = "urgent,notice,overdue,escalated,alert_red";

/// Characters of one SMS segment (a longer text is split and billed as several).
pub const SMS_SEGMENT_CHARS: usize = 70;

/// The notice texts, by kind (`{url}` is the short link). Stored and sent in Chinese, the
/// union's working language, like every notification.
pub const NOTICE_TEXTS: &[(&str, &str)] = &[
    ("urgent", "有紧急隐患报告待您处理，请立即查看：{url}"),
    ("assigned", "有新的隐患报告分派给您，请查看：{url}"),
    ("notice", "贵单位收到隐患整改通知，请按期整改：{url}"),
    ("overdue", "有隐患报告已超期未办，请尽快处理：{url}"),
    ("escalated", "有隐患报告超期未办，已提请您督办：{url}"),
    ("alert_red", "高温红色预警，请立即落实防暑降温措施：{url}"),
    ("alert", "高温预警，请落实防暑降温措施：{url}"),
];

/// The text of a kind not listed in [`NOTICE_TEXTS`] (a deployment may send more kinds).
pub const OTHER_TEXT: &str = "您有一条新的安全随手拍通知，请查看：{url}";

/// The template the text of `kind` uses (`other` for a kind without its own).
pub fn template_of(kind: &str) -> &'static str {
    NOTICE_TEXTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(k, _)| *k)
        .unwrap_or("other")
}

/// The whole text of a notice of `kind` as the phone shows it.
pub fn notice_text(sign: &str, kind: &str, url: &str) -> String {
    let body = NOTICE_TEXTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| *t)
        .unwrap_or(OTHER_TEXT);
    format!("【{sign}】{}", body.replace("{url}", url))
}

/// The channel settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channels {
    pub sms_kinds: BTreeSet<String>,
}

impl Default for Channels {
    fn default() -> Self {
        Channels::parse(DEFAULT_SMS_KINDS)
    }
}

impl Channels {
    /// A comma-separated list of kinds (spaces ignored; empty: no text messages at all).
    pub fn parse(kinds: &str) -> Channels {
        Channels {
            sms_kinds: kinds
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

static CHANNELS: OnceLock<Channels> = OnceLock::new();

/// The kind of what a reporter's account is told about their report: inbox only.
pub const REPORTER_KIND: &str = "reporter";

/// Sets the process's channels (the first call wins: every server in one process shares them).
pub fn configure(channels: Channels) {
    let _ = CHANNELS.set(channels);
}

/// Whether a notification of this kind also goes by text message. Never what a reporter is
/// told (`reporter`): a phone may be shared, and a text would tie the number to a report.
pub fn by_sms(kind: &str) -> bool {
    kind != REPORTER_KIND
        && CHANNELS
            .get_or_init(Channels::default)
            .sms_kinds
            .contains(kind)
}

/// The provider's template codes, by our template name: `SAFESNAP_SMS_TEMPLATES`, as
/// `urgent=SMS_123,notice=SMS_456,…`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates(pub BTreeMap<String, String>);

impl Templates {
    pub fn parse(list: &str) -> Result<Templates, String> {
        let mut map = BTreeMap::new();
        for pair in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, code) = pair
                .split_once('=')
                .map(|(n, c)| (n.trim(), c.trim()))
                .filter(|(n, c)| !n.is_empty() && !c.is_empty())
                .ok_or_else(|| format!("`{pair}` is not NAME=TEMPLATE_CODE"))?;
            map.insert(name.to_string(), code.to_string());
        }
        Ok(Templates(map))
    }

    pub fn code(&self, template: &str) -> Option<&str> {
        self.0.get(template).map(String::as_str)
    }

    /// The templates a provider needs for these channels (the codes and every SMS kind), which
    /// have no code here.
    pub fn missing(&self, channels: &Channels) -> Vec<String> {
        let mut need: BTreeSet<&str> = ["register_code", "reset_code", "already_registered"].into();
        for kind in &channels.sms_kinds {
            need.insert(template_of(kind));
        }
        need.into_iter()
            .filter(|t| self.code(t).is_none())
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_fits_one_segment_with_a_short_link() {
        // The longest link a deployment is likely to have: its address and `/n/` with 10 letters.
        let url = "https://aqssp.zzzgh.org.cn/n/AbCdEfGhIj";
        for (kind, _) in NOTICE_TEXTS.iter().chain([("other", OTHER_TEXT)].iter()) {
            let text = notice_text("郑州市总工会", kind, url);
            assert!(
                text.chars().count() <= SMS_SEGMENT_CHARS,
                "{kind}: {} characters: {text}",
                text.chars().count()
            );
            assert!(text.starts_with("【郑州市总工会】") && text.ends_with(url));
        }
    }

    #[test]
    fn kinds_and_template_codes_are_read_from_lists() {
        let c = Channels::parse(" urgent, notice ,,");
        assert_eq!(
            c.sms_kinds,
            BTreeSet::from(["notice", "urgent"].map(String::from))
        );
        assert!(Channels::parse("").sms_kinds.is_empty());
        let t = Templates::parse("urgent=SMS_1, notice = SMS_2").unwrap();
        assert_eq!(t.code("notice"), Some("SMS_2"));
        assert!(Templates::parse("urgent").is_err());
        assert!(Templates::parse("=SMS_1").is_err());
        assert_eq!(
            t.missing(&c),
            ["already_registered", "register_code", "reset_code"].map(String::from)
        );
        assert_eq!(template_of("message"), "other");
    }
}
