//! OASIS CAP 1.2 (Common Alerting Protocol) for SafeSnap's heat and cold-wave alerts.
//!
//! This module owns the CAP wire format and nothing else: [`parse`] turns an untrusted CAP 1.2
//! XML message into an [`Alert`], validating it the way the OASIS schema (`CAP-v1.2.xsd`) does,
//! plus the few rules the CAP 1.2 specification adds in prose; [`to_xml`] writes an [`Alert`]
//! back out as schema-valid XML; [`parse_datetime`] / [`format_datetime`] convert CAP dateTimes
//! (China's GB/T 35965.1 uses the same shape, so 郑州市气象台 warnings parse as they are).
//!
//! Hostile input is refused before it can cost anything: a body over [`MAX_CAP_BYTES`] is
//! [`CapError::TooLarge`] before any parsing, any `<!DOCTYPE` (the carrier of "billion laughs"
//! entity expansion and XXE) or `<!ENTITY` is [`CapError::Forbidden`], no entity other than the
//! five predefined ones and character references is ever expanded, nothing external is fetched,
//! and the parser is iterative with a nesting cap of [`MAX_DEPTH`], so deeply nested junk cannot
//! overflow the stack.
//!
//! Schema points decided here (beyond the XSD, which the parser follows element by element and in
//! order): text is trimmed of XML whitespace; attributes other than namespace declarations are
//! ignored; `<resource>` blocks are validated and then dropped (the [`Info`] struct has no field
//! for them); `xmldsig` signatures after the last `<info>` are accepted and ignored; processing
//! instructions (e.g. `xml-stylesheet`) are ignored, never acted upon; the only accepted encoding
//! is UTF-8. From the CAP 1.2 prose: `identifier` / `sender` and the parts of a `references`
//! entry must not contain spaces, commas, `<` or `&`; `restriction` is required when scope is
//! Restricted, `addresses` when Private, `references` when msgType is Update or Cancel; a
//! `polygon` is at least four `lat,lon` pairs with the first equal to the last; a `circle` is
//! `lat,lon radius`; `ceiling` needs `altitude`.

use std::collections::HashMap;
use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

/// The XML namespace of CAP 1.2; messages in any other namespace (CAP 1.1 included) are refused.
pub const CAP_NS: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// Largest CAP message accepted, bytes (named limit, documented in README by the integrator).
pub const MAX_CAP_BYTES: usize = 256 * 1024;

/// Deepest element nesting accepted. A valid CAP message nests five deep
/// (`alert/info/area/geocode/value`); the rest is room for an XML signature.
pub const MAX_DEPTH: usize = 16;

/// The XML-signature namespace, whose elements the schema allows at the end of `<alert>`.
const XMLDSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// The language an `<info>` block is in when it has no `<language>` element (the schema default).
const DEFAULT_LANGUAGE: &str = "en-US";

/// Shanghai's offset from UTC, the zone [`format_datetime`] writes in, seconds.
const SHANGHAI_OFFSET_SECONDS: i64 = 8 * 3600;

// ---------------------------------------------------------------------------------------------
// The data model
// ---------------------------------------------------------------------------------------------

/// One CAP 1.2 `<alert>` message.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Unique (per sender) id of this message; no spaces, commas, `<` or `&`.
    pub identifier: String,
    /// Who sent it, globally unique (often an e-mail-like address); same character rules.
    pub sender: String,
    /// When it was sent, CAP dateTime as written, e.g. `2026-07-14T10:22:33+08:00`.
    pub sent: String,
    /// Actual, exercise, test...
    pub status: Status,
    /// Alert, Update, Cancel...
    pub msg_type: MsgType,
    /// The particular source of the message, free text.
    pub source: Option<String>,
    /// Who may see it.
    pub scope: Scope,
    /// Who may see a Restricted message (required when `scope` is Restricted).
    pub restriction: Option<String>,
    /// Recipients of a Private message (required when `scope` is Private).
    pub addresses: Option<String>,
    /// Special-handling codes (`<code>`), in order.
    pub codes: Vec<String>,
    /// Free-text note (the reason for an Update, Cancel or Error).
    pub note: Option<String>,
    /// The earlier messages this one updates, cancels or acknowledges.
    pub references: Vec<Reference>,
    /// Related incidents, as written (space-separated ids).
    pub incidents: Option<String>,
    /// The `<info>` blocks, one per language, in order.
    pub infos: Vec<Info>,
}

/// One entry of `<references>`: the triple `sender,identifier,sent` naming an earlier message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The earlier message's sender.
    pub sender: String,
    /// The earlier message's identifier.
    pub identifier: String,
    /// The earlier message's `sent`, as written there.
    pub sent: String,
}

/// One `<info>` block: the alert's content in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// RFC 3066 language tag; `"en-US"` when the message has no `<language>`.
    pub language: String,
    /// One or more categories.
    pub categories: Vec<Category>,
    /// The kind of event, free text (e.g. 高温, 寒潮).
    pub event: String,
    /// Recommended responses, each one of the schema's `responseType` values
    /// (Shelter, Evacuate, Prepare, Execute, Avoid, Monitor, Assess, AllClear, None).
    pub response_types: Vec<String>,
    /// How soon to act.
    pub urgency: Urgency,
    /// How bad.
    pub severity: Severity,
    /// How sure.
    pub certainty: Certainty,
    /// Intended audience, free text.
    pub audience: Option<String>,
    /// System-specific event codes, `(valueName, value)`.
    pub event_codes: Vec<(String, String)>,
    /// When the information takes effect, CAP dateTime.
    pub effective: Option<String>,
    /// Expected start of the event, CAP dateTime.
    pub onset: Option<String>,
    /// When the information expires, CAP dateTime.
    pub expires: Option<String>,
    /// Human-readable sender name (e.g. 郑州市气象台).
    pub sender_name: Option<String>,
    /// Short headline.
    pub headline: Option<String>,
    /// What is happening.
    pub description: Option<String>,
    /// What to do.
    pub instruction: Option<String>,
    /// Link to more information.
    pub web: Option<String>,
    /// How to follow up.
    pub contact: Option<String>,
    /// System-specific parameters, `(valueName, value)`.
    pub parameters: Vec<(String, String)>,
    /// The areas concerned.
    pub areas: Vec<Area>,
}

/// One `<area>` of an [`Info`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Area {
    /// Human-readable description (e.g. "中牟县 荥阳市").
    pub area_desc: String,
    /// Polygons, each as written: space-separated `lat,lon` pairs, first equal to last.
    pub polygons: Vec<String>,
    /// Circles, each as written: `lat,lon radius_km`.
    pub circles: Vec<String>,
    /// Geographic codes, `(valueName, value)`, e.g. `("GB/T 2260", "410105")`.
    pub geocodes: Vec<(String, String)>,
    /// Altitude, feet above mean sea level, as written (xs:decimal).
    pub altitude: Option<String>,
    /// Ceiling, feet above mean sea level, as written (xs:decimal); needs `altitude`.
    pub ceiling: Option<String>,
}

/// Declares a CAP enumeration: the enum, its values in schema order, and string conversions.
macro_rules! cap_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the schema's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in CAP XML.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                }
            }

            /// The value written `s` in CAP XML (exact, case-sensitive), if there is one.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $(stringify!($variant) => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

cap_enum! {
    /// `<status>`: how the message is to be handled.
    Status {
        /// Actionable by all targeted recipients.
        Actual,
        /// Only for exercise participants.
        Exercise,
        /// Network messages, not for people.
        System,
        /// Technical testing only; all recipients disregard it.
        Test,
        /// A preliminary template, not actionable.
        Draft,
    }
}

cap_enum! {
    /// `<msgType>`: the nature of the message.
    MsgType {
        /// Initial information.
        Alert,
        /// Supersedes the messages in `references`.
        Update,
        /// Cancels the messages in `references`.
        Cancel,
        /// Acknowledges receipt of the messages in `references`.
        Ack,
        /// Rejects the messages in `references`.
        Error,
    }
}

cap_enum! {
    /// `<scope>`: who may receive the message.
    Scope {
        /// General public.
        Public,
        /// Users with a known operational need (see `restriction`).
        Restricted,
        /// Only the listed `addresses`.
        Private,
    }
}

cap_enum! {
    /// `<category>` of an info block.
    Category {
        /// Geophysical (including landslide).
        Geo,
        /// Meteorological (including flood): heat and cold-wave warnings.
        Met,
        /// General emergency and public safety.
        Safety,
        /// Law enforcement, military, homeland and local/private security.
        Security,
        /// Rescue and recovery.
        Rescue,
        /// Fire suppression and rescue.
        Fire,
        /// Medical and public health.
        Health,
        /// Pollution and other environmental.
        Env,
        /// Public and private transportation.
        Transport,
        /// Utility, telecommunication, other non-transport infrastructure.
        Infra,
        /// Chemical, biological, radiological, nuclear or high-yield explosive.
        CBRNE,
        /// Other events.
        Other,
    }
}

cap_enum! {
    /// `<urgency>`: how soon to act.
    Urgency {
        /// Responsive action should be taken immediately.
        Immediate,
        /// Within the next hour.
        Expected,
        /// In the near future.
        Future,
        /// No longer required.
        Past,
        /// Not known.
        Unknown,
    }
}

cap_enum! {
    /// `<severity>`: how bad.
    Severity {
        /// Extraordinary threat to life or property.
        Extreme,
        /// Significant threat.
        Severe,
        /// Possible threat.
        Moderate,
        /// Minimal to no known threat.
        Minor,
        /// Not known.
        Unknown,
    }
}

cap_enum! {
    /// `<certainty>`: how sure.
    Certainty {
        /// Determined to have occurred or to be ongoing.
        Observed,
        /// Probability above ~50 %.
        Likely,
        /// Possible but not likely (≤ ~50 %).
        Possible,
        /// Not expected to occur (~0 %).
        Unlikely,
        /// Not known.
        Unknown,
    }
}

/// The values the schema allows in `<responseType>`.
const RESPONSE_TYPES: &[&str] = &[
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None",
];

impl Alert {
    /// "sender,identifier,sent" of this alert, as another alert's references entry.
    pub fn reference(&self) -> Reference {
        Reference {
            sender: self.sender.clone(),
            identifier: self.identifier.clone(),
            sent: self.sent.clone(),
        }
    }
}

impl Reference {
    /// Parses a `<references>` value: whitespace-separated `sender,identifier,sent` triples.
    /// An empty or all-whitespace string is an empty list.
    pub fn parse_list(s: &str) -> Result<Vec<Reference>, String> {
        let mut out = Vec::new();
        for entry in s.split(is_xml_space).filter(|e| !e.is_empty()) {
            let parts: Vec<&str> = entry.split(',').collect();
            let [sender, identifier, sent] = parts.as_slice() else {
                return Err(format!(
                    "{} is not a sender,identifier,sent triple ({} parts)",
                    quoted(entry),
                    parts.len()
                ));
            };
            if !is_valid_ident(sender) {
                return Err(format!(
                    "{}: the sender is empty or has < or &",
                    quoted(entry)
                ));
            }
            if !is_valid_ident(identifier) {
                return Err(format!(
                    "{}: the identifier is empty or has < or &",
                    quoted(entry)
                ));
            }
            parse_datetime(sent).map_err(|e| format!("{}: sent {e}", quoted(entry)))?;
            out.push(Reference {
                sender: (*sender).to_string(),
                identifier: (*identifier).to_string(),
                sent: (*sent).to_string(),
            });
        }
        Ok(out)
    }

    /// Writes references as a `<references>` value: triples separated by single spaces.
    pub fn to_list(refs: &[Reference]) -> String {
        refs.iter()
            .map(|r| format!("{},{},{}", r.sender, r.identifier, r.sent))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a CAP message was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CapError {
    /// The body is larger than MAX_CAP_BYTES.
    #[error("CAP message is larger than {MAX_CAP_BYTES} bytes")]
    TooLarge,
    /// A DOCTYPE / entity declaration / processing that could expand entities or fetch external ones: refused outright.
    #[error("CAP message refused: it contains {what}")]
    Forbidden {
        /// What was found, e.g. `<!DOCTYPE>`.
        what: String,
    },
    /// Not well-formed XML, wrong root/namespace, a missing required element, a bad enumeration value, a bad dateTime, a bad reference triple, an unknown/misplaced element...: `element` names the element at fault as a path, e.g. `"alert/info[2]/urgency"` or `"alert/sent"`.
    #[error("invalid CAP message at {element}: {message}")]
    Invalid {
        /// Path of the element at fault; repeatable elements carry a 1-based index.
        element: String,
        /// What is wrong, in English.
        message: String,
    },
}

/// One kind of [`CapError::Invalid`]: an English template (the `message` field) and its Chinese
/// counterpart, with `{0}` and `{1}` standing for the details. Every Invalid error is built from
/// one of these, so [`CapError::message_zh`] can recover the details from the English message.
struct Kind {
    en: &'static str,
    zh: &'static str,
}

const K_MISSING: Kind = Kind {
    en: "missing the required element {0}",
    zh: "CAP 消息缺少必需的元素 {0}",
};
const K_UNKNOWN: Kind = Kind {
    en: "unknown element {0}",
    zh: "CAP 消息含有 CAP 1.2 未定义的元素 {0}",
};
const K_ORDER: Kind = Kind {
    en: "element {0} is out of the schema's order or repeated too often",
    zh: "CAP 消息中元素 {0} 的位置不符合 CAP 1.2 规定的顺序，或重复次数过多",
};
const K_NAMESPACE: Kind = Kind {
    en: "namespace must be urn:oasis:names:tc:emergency:cap:1.2, found {0}",
    zh: "CAP 消息的命名空间必须是 urn:oasis:names:tc:emergency:cap:1.2，实际为 {0}",
};
const K_ROOT: Kind = Kind {
    en: "root element must be alert, found {0}",
    zh: "CAP 消息的根元素必须是 alert，实际为 {0}",
};
const K_ENUM: Kind = Kind {
    en: "value {0} is not allowed; expected one of {1}",
    zh: "CAP 消息中的取值 {0} 不合规定，应为以下之一：{1}",
};
const K_DATETIME: Kind = Kind {
    en: "value {0} is not a CAP dateTime: {1}",
    zh: "CAP 消息中的时间 {0} 无效：应形如 2026-07-14T10:22:33+08:00（须写明时区偏移，不能用“Z”），且须是真实存在的日期时间",
};
const K_IDENT: Kind = Kind {
    en: "value {0} must be non-empty, without spaces, commas, < or &",
    zh: "CAP 消息中的标识 {0} 不能为空，也不能含有空格、逗号、“<”或“&”",
};
const K_REFERENCES: Kind = Kind {
    en: "bad references value: {0}",
    zh: "CAP 消息的 references 不正确，每条应为“sender,identifier,sent”，以空格分隔：{0}",
};
const K_REFS_REQUIRED: Kind = Kind {
    en: "msgType {0} requires references to the earlier message",
    zh: "msgType 为 {0} 的 CAP 消息必须用 references 指明针对的原消息",
};
const K_SCOPE_NEEDS: Kind = Kind {
    en: "scope {0} requires the element {1}",
    zh: "scope 为 {0} 的 CAP 消息必须包含元素 {1}",
};
const K_MALFORMED: Kind = Kind {
    en: "not well-formed XML: {0}",
    zh: "CAP 消息不是格式正确的 XML：{0}",
};
const K_ENCODING: Kind = Kind {
    en: "not UTF-8: {0}",
    zh: "CAP 消息必须使用 UTF-8 编码：{0}",
};
const K_TOO_DEEP: Kind = Kind {
    en: "elements nested deeper than {0} levels",
    zh: "CAP 消息的元素嵌套超过 {0} 层",
};
const K_TEXT_ONLY: Kind = Kind {
    en: "element {0} must contain text only",
    zh: "CAP 消息中的元素 {0} 只能包含文本，不能包含子元素",
};
const K_NO_TEXT: Kind = Kind {
    en: "element {0} must not contain text",
    zh: "CAP 消息中的元素 {0} 不能直接包含文本",
};
const K_BAD_CHAR: Kind = Kind {
    en: "character {0} is not allowed in XML",
    zh: "CAP 消息含有 XML 不允许的字符 {0}",
};
const K_ENTITY: Kind = Kind {
    en: "undeclared entity reference {0}",
    zh: "CAP 消息引用了未声明的实体 {0}",
};
const K_AFTER_ROOT: Kind = Kind {
    en: "content outside the alert element: {0}",
    zh: "CAP 消息在 alert 元素之外还有其他内容：{0}",
};
const K_LANGUAGE: Kind = Kind {
    en: "value {0} is not a language tag like zh-CN",
    zh: "CAP 消息中的语言代码 {0} 无效，应形如 zh-CN",
};
const K_DECIMAL: Kind = Kind {
    en: "value {0} is not a decimal number",
    zh: "CAP 消息中的取值 {0} 不是十进制数",
};
const K_INTEGER: Kind = Kind {
    en: "value {0} is not an integer",
    zh: "CAP 消息中的取值 {0} 不是整数",
};
const K_POLYGON: Kind = Kind {
    en: "polygon {0} is invalid: {1}",
    zh: "CAP 消息中的多边形 {0} 无效：应至少有 4 个以空格分隔的“纬度,经度”坐标对，且首尾相同",
};
const K_CIRCLE: Kind = Kind {
    en: "circle {0} is invalid: {1}",
    zh: "CAP 消息中的圆形区域 {0} 无效：应为“纬度,经度 半径（公里）”",
};
const K_CEILING: Kind = Kind {
    en: "ceiling {0} given without altitude",
    zh: "CAP 消息中的 ceiling {0} 必须与 altitude 一同给出",
};

/// Every kind, for [`CapError::message_zh`].
const KINDS: &[&Kind] = &[
    &K_MISSING,
    &K_UNKNOWN,
    &K_ORDER,
    &K_NAMESPACE,
    &K_ROOT,
    &K_ENUM,
    &K_DATETIME,
    &K_IDENT,
    &K_REFERENCES,
    &K_REFS_REQUIRED,
    &K_SCOPE_NEEDS,
    &K_MALFORMED,
    &K_ENCODING,
    &K_TOO_DEEP,
    &K_TEXT_ONLY,
    &K_NO_TEXT,
    &K_BAD_CHAR,
    &K_ENTITY,
    &K_AFTER_ROOT,
    &K_LANGUAGE,
    &K_DECIMAL,
    &K_INTEGER,
    &K_POLYGON,
    &K_CIRCLE,
    &K_CEILING,
];

/// Fills `{0}` and `{1}` in a template, in one pass (a detail that itself contains `{1}` is
/// left alone).
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let index = rest
            .get(start + 1..start + 2)
            .and_then(|d| d.parse::<usize>().ok());
        match index.and_then(|i| args.get(i)) {
            Some(arg) if rest.get(start + 2..start + 3) == Some("}") => {
                out.push_str(arg);
                rest = &rest[start + 3..];
            }
            _ => {
                out.push('{');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Recovers the details of a message built from `template`, or None if it was not.
/// The first detail is the one that may hold arbitrary input, so the literal after it is
/// searched from the right.
fn unfill(template: &str, message: &str) -> Option<Vec<String>> {
    // Split the template into literals around {0}, {1}.
    let mut literals = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        literals.push(&rest[..start]);
        rest = rest.get(start + 3..)?;
    }
    literals.push(rest);
    if literals.len() == 1 {
        return (message == template).then(Vec::new);
    }
    let mut msg = message.strip_prefix(literals[0])?;
    let last = literals.len() - 1;
    msg = msg.strip_suffix(literals[last])?;
    let mut args = Vec::new();
    for lit in &literals[1..last] {
        let at = if args.is_empty() {
            msg.rfind(lit)?
        } else {
            msg.find(lit)?
        };
        args.push(msg[..at].to_string());
        msg = &msg[at + lit.len()..];
    }
    if literals.len() > 1 {
        args.push(msg.to_string());
    }
    Some(args)
}

fn invalid(element: impl Into<String>, kind: &Kind, args: &[&str]) -> CapError {
    CapError::Invalid {
        element: element.into(),
        message: fill(kind.en, args),
    }
}

impl CapError {
    /// The element at fault as a path (`"alert/info[1]/urgency"`); `"alert"` for TooLarge/Forbidden.
    pub fn element(&self) -> &str {
        match self {
            CapError::TooLarge | CapError::Forbidden { .. } => "alert",
            CapError::Invalid { element, .. } => element,
        }
    }

    /// The error for a Chinese-speaking user (union admin importing a warning).
    pub fn message_zh(&self) -> String {
        match self {
            CapError::TooLarge => format!(
                "CAP 消息超过 {} KiB（{MAX_CAP_BYTES} 字节）的上限，已拒绝",
                MAX_CAP_BYTES / 1024
            ),
            CapError::Forbidden { what } => {
                format!("CAP 消息含有 {what}，可能引发实体扩展或读取外部实体，出于安全考虑已拒绝")
            }
            CapError::Invalid { element, message } => {
                for kind in KINDS {
                    if let Some(args) = unfill(kind.en, message) {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        return format!("{}（{element}）", fill(kind.zh, &args));
                    }
                }
                format!("CAP 消息无效（{element}）：{message}")
            }
        }
    }

    /// The error for an English-speaking user.
    pub fn message_en(&self) -> String {
        match self {
            CapError::TooLarge => format!(
                "The CAP message is larger than the {} KiB ({MAX_CAP_BYTES} bytes) limit and was refused.",
                MAX_CAP_BYTES / 1024
            ),
            CapError::Forbidden { what } => format!(
                "The CAP message contains {what}, which could expand entities or fetch external ones; it was refused for safety."
            ),
            CapError::Invalid { element, message } => {
                format!("The CAP message is invalid at {element}: {message}.")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Date-times
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// CAP dateTime "2026-07-14T10:22:33+08:00" (CAP forbids "Z"; accept "-00:00"/"+00:00") → Unix milliseconds.
///
/// The form is exactly the schema's pattern `\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d`
/// (no fractional seconds, no "Z"), and the fields must make a real date and time: year from
/// 0001, seconds 00–59, offset at most ±14:00.
pub fn parse_datetime(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    if s.ends_with('Z') || s.ends_with('z') {
        return Err(format!(
            "{}: CAP forbids \"Z\"; write the offset, e.g. +00:00 or +08:00",
            quoted(s)
        ));
    }
    let shape_ok = b.len() == 25
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 | 22 => c == b':',
            19 => c == b'+' || c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(format!(
            "{}: not of the form YYYY-MM-DDThh:mm:ss+hh:mm (no fractions, no \"Z\")",
            quoted(s)
        ));
    }
    let num = |from: usize, to: usize| -> i64 {
        b[from..to]
            .iter()
            .fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'))
    };
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let (hour, minute, second) = (num(11, 13), num(14, 16), num(17, 19));
    let (off_h, off_m) = (num(20, 22), num(23, 25));
    if year == 0 {
        return Err(format!("\"{s}\": year 0000 does not exist"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("\"{s}\": month {month:02} is out of range"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(format!("\"{s}\": day {day:02} is out of range"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("\"{s}\": time of day is out of range"));
    }
    if off_h > 14 || off_m > 59 || (off_h == 14 && off_m != 0) {
        return Err(format!("\"{s}\": UTC offset is out of range"));
    }
    let sign = if b[19] == b'-' { -1 } else { 1 };
    let offset_seconds = sign * (off_h * 3600 + off_m * 60);
    let local_seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok((local_seconds - offset_seconds) * 1000)
}

/// Unix ms → CAP dateTime in Asia/Shanghai (+08:00), whole seconds.
///
/// Milliseconds are dropped (rounded towards the past). Instants outside the years 0001–9999
/// are clamped to the first or last second of that range, so the result always fits the
/// schema's pattern.
pub fn format_datetime(epoch_ms: i64) -> String {
    // 0001-01-01T00:00:00+08:00 and 9999-12-31T23:59:59+08:00 as Unix seconds.
    let min = days_from_civil(1, 1, 1) * 86_400 - SHANGHAI_OFFSET_SECONDS;
    let max = days_from_civil(9999, 12, 31) * 86_400 + 86_399 - SHANGHAI_OFFSET_SECONDS;
    let secs = epoch_ms.div_euclid(1000).clamp(min, max) + SHANGHAI_OFFSET_SECONDS;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Parsing, step 1: a well-formed, hostile-input-safe element tree
// ---------------------------------------------------------------------------------------------

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn trim_xml(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Elements that may repeat, and so are named with an index in paths (`info[2]`).
fn is_repeatable(name: &str) -> bool {
    matches!(
        name,
        "code"
            | "info"
            | "category"
            | "responseType"
            | "eventCode"
            | "parameter"
            | "resource"
            | "area"
            | "polygon"
            | "circle"
            | "geocode"
    )
}

/// Longest piece of input quoted in an error message, characters.
const MAX_QUOTED_CHARS: usize = 80;

/// A piece of input as quoted in an error message: cut to [`MAX_QUOTED_CHARS`].
fn shown(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED_CHARS) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// `"value"`, cut to [`MAX_QUOTED_CHARS`].
fn quoted(s: &str) -> String {
    format!("\"{}\"", shown(s))
}

/// One element of the document.
struct Node {
    /// Index of this node in [`Tree::nodes`].
    id: usize,
    /// Namespace URI the element's name resolves to, if any.
    ns: Option<String>,
    local: String,
    parent: Option<usize>,
    /// 1-based position among the parent's children of the same name.
    nth: usize,
    children: Vec<usize>,
    text: String,
}

/// The document's elements; the root is node 0.
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// Path of a node for error messages, e.g. "alert/info[1]/area[2]"; repeatable elements
    /// carry their index. Computed only when needed (paths are not stored: a long element name
    /// repeated in every descendant's path would multiply memory).
    fn path(&self, id: usize) -> String {
        let mut segments = Vec::new();
        let mut at = self.nodes.get(id);
        while let Some(node) = at {
            let name = shown(&node.local);
            if node.parent.is_some() && is_repeatable(&node.local) {
                segments.push(format!("{name}[{}]", node.nth));
            } else {
                segments.push(name);
            }
            at = node.parent.and_then(|p| self.nodes.get(p));
        }
        segments.reverse();
        if segments.is_empty() {
            "alert".to_string()
        } else {
            segments.join("/")
        }
    }
}

/// An open element while reading: its node and how many children of each name it has had.
type Open = (usize, HashMap<String, usize>);

/// Path of the innermost open element, or "alert" before the root is open.
fn open_path(tree: &Tree, stack: &[Open]) -> String {
    stack
        .last()
        .map_or_else(|| "alert".to_string(), |(id, _)| tree.path(*id))
}

/// Reads the document into a tree, refusing DOCTYPEs, undeclared entities, deep nesting and
/// anything not well-formed. Iterative: nesting depth never touches the call stack.
fn build_tree(text: &str) -> Result<Tree, CapError> {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.check_comments = true;
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.allow_unmatched_ends = false;
    config.allow_dangling_amp = false;

    let mut tree = Tree { nodes: Vec::new() };
    let mut stack: Vec<Open> = Vec::new();
    let mut root_done = false;

    loop {
        let position = reader.buffer_position();
        let malformed = |e: &dyn std::fmt::Display, tree: &Tree, stack: &[_]| {
            invalid(
                open_path(tree, stack),
                &K_MALFORMED,
                &[&format!("{} (near byte {position})", shown(&e.to_string()))],
            )
        };
        let (resolved, event) = match reader.read_resolved_event() {
            Ok((r, e)) => {
                let ns = match r {
                    ResolveResult::Bound(Namespace(n)) => Ok(Some(n.to_string())),
                    ResolveResult::Unbound => Ok(None),
                    ResolveResult::Unknown(p) => Err(p),
                };
                (ns, e)
            }
            Err(e) => return Err(malformed(&e, &tree, &stack)),
        };
        match event {
            Event::DocType(_) => {
                return Err(CapError::Forbidden {
                    what: "<!DOCTYPE>".to_string(),
                })
            }
            Event::Decl(decl) => {
                if let Some(enc) = decl.encoding() {
                    let enc = enc.map_err(|e| malformed(&e, &tree, &stack))?;
                    let enc = enc.to_ascii_lowercase();
                    if enc != "utf-8" && enc != "utf8" {
                        return Err(invalid(
                            "alert",
                            &K_ENCODING,
                            &[&format!("the declared encoding is {enc}")],
                        ));
                    }
                }
            }
            Event::PI(_) | Event::Comment(_) => {}
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid(
                        open_path(&tree, &stack),
                        &K_TOO_DEEP,
                        &[&MAX_DEPTH.to_string()],
                    ));
                }
                // Attributes are ignored, but must be well-formed.
                for attr in e.attributes() {
                    attr.map_err(|err| malformed(&err, &tree, &stack))?;
                }
                let local = e.local_name().as_ref().to_string();
                let ns = match resolved {
                    Ok(ns) => ns,
                    Err(prefix) => {
                        return Err(malformed(
                            &format!("namespace prefix {} is not declared", quoted(&prefix)),
                            &tree,
                            &stack,
                        ))
                    }
                };
                let index = tree.nodes.len();
                let (parent, nth) = match stack.last_mut() {
                    None => {
                        if root_done {
                            return Err(invalid(
                                "alert",
                                &K_AFTER_ROOT,
                                &[&format!("element <{}>", shown(&local))],
                            ));
                        }
                        if local != "alert" {
                            return Err(invalid(
                                "alert",
                                &K_ROOT,
                                &[&format!("<{}>", shown(&local))],
                            ));
                        }
                        if ns.as_deref() != Some(CAP_NS) {
                            return Err(invalid(
                                "alert",
                                &K_NAMESPACE,
                                &[&quoted(ns.as_deref().unwrap_or(""))],
                            ));
                        }
                        (None, 1)
                    }
                    Some((parent, counts)) => {
                        let n = counts.entry(local.clone()).or_insert(0);
                        *n += 1;
                        let nth = *n;
                        if let Some(p) = tree.nodes.get_mut(*parent) {
                            p.children.push(index);
                        }
                        (Some(*parent), nth)
                    }
                };
                tree.nodes.push(Node {
                    id: index,
                    ns,
                    local,
                    parent,
                    nth,
                    children: Vec::new(),
                    text: String::new(),
                });
                if is_empty {
                    if stack.is_empty() {
                        root_done = true;
                    }
                } else {
                    stack.push((index, HashMap::new()));
                }
            }
            Event::End(_) => {
                stack.pop();
                if stack.is_empty() {
                    root_done = true;
                }
            }
            Event::Text(ref t) => {
                let content = t.xml10_content();
                append_text(&mut tree, &stack, &content)?;
            }
            Event::CData(c) => {
                let content = c.xml10_content();
                append_text(&mut tree, &stack, &content)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(invalid(
                                open_path(&tree, &stack),
                                &K_ENTITY,
                                &[&format!("&{other};")],
                            ))
                        }
                    },
                    Err(e) => return Err(malformed(&e, &tree, &stack)),
                };
                append_text(&mut tree, &stack, resolved.encode_utf8(&mut [0u8; 4]))?;
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(invalid(
            open_path(&tree, &stack),
            &K_MALFORMED,
            &["the document ends inside this element"],
        ));
    }
    if tree.nodes.is_empty() {
        return Err(invalid("alert", &K_MISSING, &["alert"]));
    }
    Ok(tree)
}

/// Adds character data to the open element; outside the root only whitespace is allowed.
fn append_text(tree: &mut Tree, stack: &[Open], content: &str) -> Result<(), CapError> {
    if let Some(c) = content.chars().find(|&c| !is_xml_char(c)) {
        return Err(invalid(
            open_path(tree, stack),
            &K_BAD_CHAR,
            &[&format!("U+{:04X}", u32::from(c))],
        ));
    }
    match stack.last().and_then(|(i, _)| tree.nodes.get_mut(*i)) {
        Some(node) => node.text.push_str(content),
        None => {
            let extra = trim_xml(content);
            if !extra.is_empty() {
                return Err(invalid(
                    "alert",
                    &K_AFTER_ROOT,
                    &[&format!("text {}", quoted(extra))],
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Parsing, step 2: the schema, element by element
// ---------------------------------------------------------------------------------------------

/// One element of an `xs:sequence`.
struct Particle {
    name: &'static str,
    min: usize,
    /// None = unbounded.
    max: Option<usize>,
}

const fn one(name: &'static str) -> Particle {
    Particle {
        name,
        min: 1,
        max: Some(1),
    }
}
const fn opt(name: &'static str) -> Particle {
    Particle {
        name,
        min: 0,
        max: Some(1),
    }
}
const fn many(name: &'static str) -> Particle {
    Particle {
        name,
        min: 0,
        max: None,
    }
}
const fn some(name: &'static str) -> Particle {
    Particle {
        name,
        min: 1,
        max: None,
    }
}

const ALERT_SEQ: &[Particle] = &[
    one("identifier"),
    one("sender"),
    one("sent"),
    one("status"),
    one("msgType"),
    opt("source"),
    one("scope"),
    opt("restriction"),
    opt("addresses"),
    many("code"),
    opt("note"),
    opt("references"),
    opt("incidents"),
    many("info"),
];
const INFO_SEQ: &[Particle] = &[
    opt("language"),
    some("category"),
    one("event"),
    many("responseType"),
    one("urgency"),
    one("severity"),
    one("certainty"),
    opt("audience"),
    many("eventCode"),
    opt("effective"),
    opt("onset"),
    opt("expires"),
    opt("senderName"),
    opt("headline"),
    opt("description"),
    opt("instruction"),
    opt("web"),
    opt("contact"),
    many("parameter"),
    many("resource"),
    many("area"),
];
const RESOURCE_SEQ: &[Particle] = &[
    one("resourceDesc"),
    one("mimeType"),
    opt("size"),
    opt("uri"),
    opt("derefUri"),
    opt("digest"),
];
const AREA_SEQ: &[Particle] = &[
    one("areaDesc"),
    many("polygon"),
    many("circle"),
    many("geocode"),
    opt("altitude"),
    opt("ceiling"),
];
const PAIR_SEQ: &[Particle] = &[one("valueName"), one("value")];

/// The children of one complex element, sorted onto the particles of its sequence.
struct Children<'t> {
    tree: &'t Tree,
    parent: &'t Node,
    seq: &'static [Particle],
    lists: Vec<Vec<usize>>,
}

impl<'t> Children<'t> {
    fn list(&self, name: &str) -> &[usize] {
        self.seq
            .iter()
            .position(|p| p.name == name)
            .and_then(|i| self.lists.get(i))
            .map_or(&[], Vec::as_slice)
    }

    fn nodes(&self, name: &str) -> impl Iterator<Item = &'t Node> + '_ {
        self.list(name)
            .iter()
            .filter_map(|&i| self.tree.nodes.get(i))
    }

    fn node(&self, name: &str) -> Option<&'t Node> {
        self.nodes(name).next()
    }

    fn missing(&self, name: &str) -> CapError {
        invalid(
            format!("{}/{name}", self.tree.path(self.parent.id)),
            &K_MISSING,
            &[name],
        )
    }

    /// Text of an optional simple element.
    fn opt_text(&self, name: &str) -> Result<Option<String>, CapError> {
        self.node(name)
            .map(|n| simple_text(self.tree, n))
            .transpose()
    }

    /// Text and path of a required simple element.
    fn req_text(&self, name: &str) -> Result<(String, String), CapError> {
        let node = self.node(name).ok_or_else(|| self.missing(name))?;
        Ok((simple_text(self.tree, node)?, self.tree.path(node.id)))
    }

    /// A required simple element whose value is one of an enumeration.
    fn req_enum<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Result<T, CapError> {
        let (text, path) = self.req_text(name)?;
        enum_value(&text, &path, parse, all)
    }

    /// Texts of a repeated simple element.
    fn texts(&self, name: &str) -> Result<Vec<(String, String)>, CapError> {
        self.nodes(name)
            .map(|n| Ok((simple_text(self.tree, n)?, self.tree.path(n.id))))
            .collect()
    }

    /// `(valueName, value)` pairs of a repeated eventCode / parameter / geocode.
    fn pairs(&self, name: &str) -> Result<Vec<(String, String)>, CapError> {
        self.nodes(name)
            .map(|n| {
                let kids = sequence(self.tree, n, PAIR_SEQ)?;
                Ok((kids.req_text("valueName")?.0, kids.req_text("value")?.0))
            })
            .collect()
    }
}

fn enum_value<T>(
    text: &str,
    path: &str,
    parse: fn(&str) -> Option<T>,
    all: &[&str],
) -> Result<T, CapError> {
    parse(text).ok_or_else(|| invalid(path, &K_ENUM, &[&quoted(text), &all.join(", ")]))
}

fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&v| as_str(v)).collect()
}

/// The trimmed text of an element that must hold text only.
fn simple_text(tree: &Tree, node: &Node) -> Result<String, CapError> {
    if !node.children.is_empty() {
        return Err(invalid(tree.path(node.id), &K_TEXT_ONLY, &[&node.local]));
    }
    Ok(trim_xml(&node.text).to_string())
}

/// Checks a complex element against its `xs:sequence`: only known children, in order, each
/// within its occurrence bounds, and no text of its own. Elements of the XML-signature namespace
/// are allowed after everything else in `<alert>` (the schema's `xs:any`), and ignored.
fn sequence<'t>(
    tree: &'t Tree,
    parent: &'t Node,
    seq: &'static [Particle],
) -> Result<Children<'t>, CapError> {
    let parent_path = tree.path(parent.id);
    if !trim_xml(&parent.text).is_empty() {
        return Err(invalid(parent_path, &K_NO_TEXT, &[&parent.local]));
    }
    let allow_signature = parent.parent.is_none();
    let mut lists: Vec<Vec<usize>> = seq.iter().map(|_| Vec::new()).collect();
    let mut cursor = 0;
    let mut in_signature = false;
    let check_required = |lists: &[Vec<usize>], from: usize, to: usize| -> Result<(), CapError> {
        for (p, list) in seq.iter().zip(lists).take(to).skip(from) {
            if list.len() < p.min {
                return Err(invalid(
                    format!("{parent_path}/{}", p.name),
                    &K_MISSING,
                    &[p.name],
                ));
            }
        }
        Ok(())
    };
    for &child_index in &parent.children {
        let Some(child) = tree.nodes.get(child_index) else {
            continue;
        };
        match child.ns.as_deref() {
            Some(CAP_NS) => {}
            Some(XMLDSIG_NS) if allow_signature => {
                if !in_signature {
                    check_required(&lists, cursor, seq.len())?;
                    in_signature = true;
                }
                continue;
            }
            other => {
                let name = match other {
                    Some(ns) => format!("{{{}}}{}", shown(ns), shown(&child.local)),
                    None => shown(&child.local),
                };
                return Err(invalid(tree.path(child.id), &K_UNKNOWN, &[&name]));
            }
        }
        let found = seq
            .iter()
            .enumerate()
            .skip(cursor)
            .find(|(_, p)| p.name == child.local)
            .map(|(i, _)| i);
        let Some(at) = found.filter(|_| !in_signature) else {
            if seq.iter().any(|p| p.name == child.local) {
                return Err(invalid(tree.path(child.id), &K_ORDER, &[&child.local]));
            }
            return Err(invalid(
                tree.path(child.id),
                &K_UNKNOWN,
                &[&shown(&child.local)],
            ));
        };
        check_required(&lists, cursor, at)?;
        let (Some(list), Some(particle)) = (lists.get_mut(at), seq.get(at)) else {
            continue;
        };
        if particle.max.is_some_and(|max| list.len() >= max) {
            return Err(invalid(tree.path(child.id), &K_ORDER, &[&child.local]));
        }
        list.push(child_index);
        cursor = at;
    }
    if !in_signature {
        check_required(&lists, cursor, seq.len())?;
    }
    Ok(Children {
        tree,
        parent,
        seq,
        lists,
    })
}

/// identifier / sender / reference parts: non-empty, no whitespace, comma, `<` or `&`.
fn is_valid_ident(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&'))
}

fn check_ident(value: &str, path: &str) -> Result<(), CapError> {
    if is_valid_ident(value) {
        Ok(())
    } else {
        Err(invalid(path, &K_IDENT, &[&quoted(value)]))
    }
}

fn check_datetime(value: &str, path: &str) -> Result<(), CapError> {
    parse_datetime(value).map(|_| ()).map_err(|e| {
        // parse_datetime's reasons start with the quoted value, which the template has.
        let value = quoted(value);
        let reason = e.strip_prefix(&format!("{value}: ")).unwrap_or(&e);
        invalid(path, &K_DATETIME, &[&value, reason])
    })
}

/// An optional CAP dateTime element.
fn opt_datetime(kids: &Children<'_>, name: &str) -> Result<Option<String>, CapError> {
    match kids.node(name) {
        None => Ok(None),
        Some(node) => {
            let text = simple_text(kids.tree, node)?;
            check_datetime(&text, &kids.tree.path(node.id))?;
            Ok(Some(text))
        }
    }
}

/// xs:language: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
fn is_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// xs:decimal: `[+-]?(\d+(\.\d*)?|\.\d+)`.
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac)
}

/// xs:integer: `[+-]?\d+`.
fn is_integer(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// A WGS 84 `lat,lon` pair.
fn parse_point(s: &str) -> Result<(f64, f64), String> {
    let (lat, lon) = s
        .split_once(',')
        .ok_or_else(|| format!("{} is not a lat,lon pair", quoted(s)))?;
    let num = |v: &str| -> Result<f64, String> {
        if !is_decimal(v) {
            return Err(format!("{} is not a number", quoted(v)));
        }
        v.parse::<f64>().map_err(|e| format!("{}: {e}", quoted(v)))
    };
    let (lat, lon) = (num(lat)?, num(lon)?);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("{} is outside -90..90, -180..180", quoted(s)));
    }
    Ok((lat, lon))
}

fn check_polygon(s: &str) -> Result<(), String> {
    let points = s
        .split(is_xml_space)
        .filter(|p| !p.is_empty())
        .map(parse_point)
        .collect::<Result<Vec<_>, _>>()?;
    if points.len() < 4 {
        return Err(format!("{} points, at least 4 needed", points.len()));
    }
    if points.first() != points.last() {
        return Err("the first point is not repeated as the last".to_string());
    }
    Ok(())
}

fn check_circle(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split(is_xml_space).filter(|p| !p.is_empty()).collect();
    let [center, radius] = parts.as_slice() else {
        return Err("expected \"lat,lon radius\"".to_string());
    };
    parse_point(center)?;
    let r = radius.parse::<f64>().ok().filter(|_| is_decimal(radius));
    match r {
        Some(r) if r >= 0.0 => Ok(()),
        _ => Err(format!(
            "radius {} is not a non-negative number",
            quoted(radius)
        )),
    }
}

fn parse_alert(tree: &Tree) -> Result<Alert, CapError> {
    let root = tree
        .nodes
        .first()
        .ok_or_else(|| invalid("alert", &K_MISSING, &["alert"]))?;
    let kids = sequence(tree, root, ALERT_SEQ)?;

    let (identifier, path) = kids.req_text("identifier")?;
    check_ident(&identifier, &path)?;
    let (sender, path) = kids.req_text("sender")?;
    check_ident(&sender, &path)?;
    let (sent, path) = kids.req_text("sent")?;
    check_datetime(&sent, &path)?;
    let status = kids.req_enum("status", Status::parse, &names(Status::ALL, Status::as_str))?;
    let msg_type = kids.req_enum(
        "msgType",
        MsgType::parse,
        &names(MsgType::ALL, MsgType::as_str),
    )?;
    let source = kids.opt_text("source")?;
    let scope = kids.req_enum("scope", Scope::parse, &names(Scope::ALL, Scope::as_str))?;
    let restriction = kids.opt_text("restriction")?;
    let addresses = kids.opt_text("addresses")?;
    let scope_needs = |field: &Option<String>, name: &str| match field {
        Some(_) => Ok(()),
        None => Err(invalid(
            format!("alert/{name}"),
            &K_SCOPE_NEEDS,
            &[scope.as_str(), name],
        )),
    };
    match scope {
        Scope::Restricted => scope_needs(&restriction, "restriction")?,
        Scope::Private => scope_needs(&addresses, "addresses")?,
        Scope::Public => {}
    }
    let codes = kids.texts("code")?.into_iter().map(|(t, _)| t).collect();
    let note = kids.opt_text("note")?;
    let references = match kids.node("references") {
        None => Vec::new(),
        Some(node) => {
            let text = simple_text(tree, node)?;
            Reference::parse_list(&text)
                .map_err(|e| invalid(tree.path(node.id), &K_REFERENCES, &[&e]))?
        }
    };
    if matches!(msg_type, MsgType::Update | MsgType::Cancel) && references.is_empty() {
        return Err(invalid(
            "alert/references",
            &K_REFS_REQUIRED,
            &[msg_type.as_str()],
        ));
    }
    let incidents = kids.opt_text("incidents")?;
    let infos = kids
        .nodes("info")
        .map(|node| parse_info(tree, node))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(Alert {
        identifier,
        sender,
        sent,
        status,
        msg_type,
        source,
        scope,
        restriction,
        addresses,
        codes,
        note,
        references,
        incidents,
        infos,
    })
}

fn parse_info(tree: &Tree, node: &Node) -> Result<Info, CapError> {
    let kids = sequence(tree, node, INFO_SEQ)?;
    let language = match kids.node("language") {
        None => DEFAULT_LANGUAGE.to_string(),
        Some(n) => {
            let text = simple_text(tree, n)?;
            if !is_language(&text) {
                return Err(invalid(tree.path(n.id), &K_LANGUAGE, &[&quoted(&text)]));
            }
            text
        }
    };
    let category_names = names(Category::ALL, Category::as_str);
    let categories = kids
        .texts("category")?
        .into_iter()
        .map(|(text, path)| enum_value(&text, &path, Category::parse, &category_names))
        .collect::<Result<Vec<_>, _>>()?;
    let (event, _) = kids.req_text("event")?;
    let response_types = kids
        .texts("responseType")?
        .into_iter()
        .map(|(text, path)| {
            enum_value(
                &text,
                &path,
                |s| RESPONSE_TYPES.contains(&s).then(|| s.to_string()),
                RESPONSE_TYPES,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let urgency = kids.req_enum(
        "urgency",
        Urgency::parse,
        &names(Urgency::ALL, Urgency::as_str),
    )?;
    let severity = kids.req_enum(
        "severity",
        Severity::parse,
        &names(Severity::ALL, Severity::as_str),
    )?;
    let certainty = kids.req_enum(
        "certainty",
        Certainty::parse,
        &names(Certainty::ALL, Certainty::as_str),
    )?;
    let audience = kids.opt_text("audience")?;
    let event_codes = kids.pairs("eventCode")?;
    let effective = opt_datetime(&kids, "effective")?;
    let onset = opt_datetime(&kids, "onset")?;
    let expires = opt_datetime(&kids, "expires")?;
    let sender_name = kids.opt_text("senderName")?;
    let headline = kids.opt_text("headline")?;
    let description = kids.opt_text("description")?;
    let instruction = kids.opt_text("instruction")?;
    let web = kids.opt_text("web")?;
    let contact = kids.opt_text("contact")?;
    let parameters = kids.pairs("parameter")?;
    for resource in kids.nodes("resource") {
        check_resource(tree, resource)?;
    }
    let areas = kids
        .nodes("area")
        .map(|n| parse_area(tree, n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Info {
        language,
        categories,
        event,
        response_types,
        urgency,
        severity,
        certainty,
        audience,
        event_codes,
        effective,
        onset,
        expires,
        sender_name,
        headline,
        description,
        instruction,
        web,
        contact,
        parameters,
        areas,
    })
}

/// Validates a `<resource>` (which the model does not keep).
fn check_resource(tree: &Tree, node: &Node) -> Result<(), CapError> {
    let kids = sequence(tree, node, RESOURCE_SEQ)?;
    kids.req_text("resourceDesc")?;
    kids.req_text("mimeType")?;
    if let Some(size) = kids.node("size") {
        let text = simple_text(tree, size)?;
        if !is_integer(&text) {
            return Err(invalid(tree.path(size.id), &K_INTEGER, &[&quoted(&text)]));
        }
    }
    for name in ["uri", "derefUri", "digest"] {
        kids.opt_text(name)?;
    }
    Ok(())
}

fn parse_area(tree: &Tree, node: &Node) -> Result<Area, CapError> {
    let kids = sequence(tree, node, AREA_SEQ)?;
    let (area_desc, _) = kids.req_text("areaDesc")?;
    let mut polygons = Vec::new();
    for (text, path) in kids.texts("polygon")? {
        check_polygon(&text).map_err(|e| invalid(path, &K_POLYGON, &[&quoted(&text), &e]))?;
        polygons.push(text);
    }
    let mut circles = Vec::new();
    for (text, path) in kids.texts("circle")? {
        check_circle(&text).map_err(|e| invalid(path, &K_CIRCLE, &[&quoted(&text), &e]))?;
        circles.push(text);
    }
    let geocodes = kids.pairs("geocode")?;
    let decimal = |name: &str| -> Result<Option<String>, CapError> {
        match kids.node(name) {
            None => Ok(None),
            Some(n) => {
                let text = simple_text(tree, n)?;
                if !is_decimal(&text) {
                    return Err(invalid(tree.path(n.id), &K_DECIMAL, &[&quoted(&text)]));
                }
                Ok(Some(text))
            }
        }
    };
    let altitude = decimal("altitude")?;
    let ceiling = decimal("ceiling")?;
    if let (None, Some(c)) = (&altitude, &ceiling) {
        return Err(invalid(
            format!("{}/ceiling", tree.path(node.id)),
            &K_CEILING,
            &[&quoted(c)],
        ));
    }
    Ok(Area {
        area_desc,
        polygons,
        circles,
        geocodes,
        altitude,
        ceiling,
    })
}

/// Parses and validates one CAP 1.2 message (UTF-8, at most [`MAX_CAP_BYTES`]).
///
/// Refuses, in this order: a body over the limit ([`CapError::TooLarge`]); a DOCTYPE or entity
/// declaration ([`CapError::Forbidden`]); anything not well-formed, not CAP 1.2, or not valid
/// against the CAP 1.2 schema and the rules listed in the module docs ([`CapError::Invalid`]).
pub fn parse(xml: &[u8]) -> Result<Alert, CapError> {
    if xml.len() > MAX_CAP_BYTES {
        return Err(CapError::TooLarge);
    }
    let xml = xml.strip_prefix(&b"\xEF\xBB\xBF"[..]).unwrap_or(xml);
    let text = std::str::from_utf8(xml).map_err(|e| {
        // A DOCTYPE is refused whatever the encoding.
        if contains_ascii_ci(xml, b"<!DOCTYPE") {
            CapError::Forbidden {
                what: "<!DOCTYPE>".to_string(),
            }
        } else {
            invalid("alert", &K_ENCODING, &[&e.to_string()])
        }
    })?;
    match build_tree(text) {
        Ok(tree) => parse_alert(&tree),
        // A document that quick-xml could not read past but that declares entities or a DTD is
        // reported as what it is.
        Err(CapError::Invalid { .. })
            if contains_ascii_ci(xml, b"<!DOCTYPE") || contains_ascii_ci(xml, b"<!ENTITY") =>
        {
            let what = if contains_ascii_ci(xml, b"<!DOCTYPE") {
                "<!DOCTYPE>"
            } else {
                "<!ENTITY>"
            };
            Err(CapError::Forbidden {
                what: what.to_string(),
            })
        }
        Err(e) => Err(e),
    }
}

fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Escapes text content: `&`, `<`, `>`, and carriage returns (so they survive a re-parse);
/// characters XML cannot carry at all become U+FFFD.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
    fn open(&mut self, name: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>");
        self.depth += 1;
    }
    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }
    fn text(&mut self, name: &str, value: &str) {
        self.indent();
        let _ = write!(self.out, "<{name}>");
        escape_into(&mut self.out, value);
        let _ = writeln!(self.out, "</{name}>");
    }
    fn opt(&mut self, name: &str, value: Option<&String>) {
        if let Some(v) = value {
            self.text(name, v);
        }
    }
    fn pairs(&mut self, name: &str, pairs: &[(String, String)]) {
        for (value_name, value) in pairs {
            self.open(name);
            self.text("valueName", value_name);
            self.text("value", value);
            self.close(name);
        }
    }
}

/// Writes an alert as CAP 1.2 XML: UTF-8 declaration, default namespace [`CAP_NS`], elements in
/// the schema's order, two-space indentation, text escaped. `language` is always written.
///
/// The output is schema-valid when the alert is (e.g. every info has a category); [`parse`] of
/// the output gives back an equal alert when its strings carry no leading or trailing whitespace.
pub fn to_xml(alert: &Alert) -> String {
    let mut w = Writer {
        out: String::with_capacity(4096),
        depth: 0,
    };
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(w.out, "<alert xmlns=\"{CAP_NS}\">");
    w.depth = 1;
    w.text("identifier", &alert.identifier);
    w.text("sender", &alert.sender);
    w.text("sent", &alert.sent);
    w.text("status", alert.status.as_str());
    w.text("msgType", alert.msg_type.as_str());
    w.opt("source", alert.source.as_ref());
    w.text("scope", alert.scope.as_str());
    w.opt("restriction", alert.restriction.as_ref());
    w.opt("addresses", alert.addresses.as_ref());
    for code in &alert.codes {
        w.text("code", code);
    }
    w.opt("note", alert.note.as_ref());
    if !alert.references.is_empty() {
        w.text("references", &Reference::to_list(&alert.references));
    }
    w.opt("incidents", alert.incidents.as_ref());
    for info in &alert.infos {
        w.open("info");
        w.text("language", &info.language);
        for category in &info.categories {
            w.text("category", category.as_str());
        }
        w.text("event", &info.event);
        for response in &info.response_types {
            w.text("responseType", response);
        }
        w.text("urgency", info.urgency.as_str());
        w.text("severity", info.severity.as_str());
        w.text("certainty", info.certainty.as_str());
        w.opt("audience", info.audience.as_ref());
        w.pairs("eventCode", &info.event_codes);
        w.opt("effective", info.effective.as_ref());
        w.opt("onset", info.onset.as_ref());
        w.opt("expires", info.expires.as_ref());
        w.opt("senderName", info.sender_name.as_ref());
        w.opt("headline", info.headline.as_ref());
        w.opt("description", info.description.as_ref());
        w.opt("instruction", info.instruction.as_ref());
        w.opt("web", info.web.as_ref());
        w.opt("contact", info.contact.as_ref());
        w.pairs("parameter", &info.parameters);
        for area in &info.areas {
            w.open("area");
            w.text("areaDesc", &area.area_desc);
            for polygon in &area.polygons {
                w.text("polygon", polygon);
            }
            for circle in &area.circles {
                w.text("circle", circle);
            }
            w.pairs("geocode", &area.geocodes);
            w.opt("altitude", area.altitude.as_ref());
            w.opt("ceiling", area.ceiling.as_ref());
            w.close("area");
        }
        w.close("info");
    }
    w.out.push_str("</alert>\n");
    w.out
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture from tests/data/cap/, embedded at compile time.
    macro_rules! fixture {
        ($name:literal) => {
            (
                $name,
                include_bytes!(concat!("../../../tests/data/cap/", $name)) as &[u8],
            )
        };
    }

    const XSD: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/cap/CAP-v1.2.xsd"
    );

    const OASIS: (&str, &[u8]) = fixture!("oasis-example-amber.xml");
    const HEAT_RED: (&str, &[u8]) = fixture!("zz-heat-red-alert.xml");
    const HEAT_RED_UPDATE: (&str, &[u8]) = fixture!("zz-heat-red-update.xml");
    const HEAT_RED_CANCEL: (&str, &[u8]) = fixture!("zz-heat-red-cancel.xml");
    const COLD_BLUE: (&str, &[u8]) = fixture!("zz-cold-blue.xml");
    const DRILL: (&str, &[u8]) = fixture!("zz-heat-drill-restricted.xml");
    const BILLION_LAUGHS: (&str, &[u8]) = fixture!("billion-laughs.xml");
    const XXE: (&str, &[u8]) = fixture!("xxe.xml");

    const VALID: &[(&str, &[u8])] = &[
        OASIS,
        HEAT_RED,
        HEAT_RED_UPDATE,
        HEAT_RED_CANCEL,
        COLD_BLUE,
        DRILL,
    ];

    fn parsed(fixture: (&str, &[u8])) -> Alert {
        match parse(fixture.1) {
            Ok(alert) => alert,
            Err(e) => panic!("{} does not parse: {e}", fixture.0),
        }
    }

    /// The heat alert with one substitution applied to its XML.
    fn heat_with(from: &str, to: &str) -> Result<Alert, CapError> {
        let xml = String::from_utf8(HEAT_RED.1.to_vec()).unwrap();
        assert!(xml.contains(from), "fixture has no {from:?}");
        parse(xml.replacen(from, to, 1).as_bytes())
    }

    /// A minimal valid alert around the given tail of elements after scope.
    fn minimal(msg_type: &str, after_scope: &str) -> String {
        format!(
            r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>T-1</identifier><sender>s@example.cn</sender><sent>2026-07-14T10:22:33+08:00</sent><status>Test</status><msgType>{msg_type}</msgType><scope>Public</scope>{after_scope}</alert>"#
        )
    }

    fn assert_invalid(result: Result<Alert, CapError>, element: &str) -> CapError {
        match result {
            Err(e @ CapError::Invalid { .. }) => {
                assert_eq!(e.element(), element, "wrong element in {e:?}");
                e
            }
            other => panic!("expected Invalid at {element}, got {other:?}"),
        }
    }

    fn assert_forbidden(result: Result<Alert, CapError>) {
        match result {
            Err(CapError::Forbidden { .. }) => {}
            other => panic!("expected Forbidden, got {other:?}"),
        }
    }

    /// Runs xmllint against the CAP 1.2 schema; fails loudly when xmllint is missing.
    fn xmllint_validates(name: &str, xml: &str) {
        assert!(
            std::path::Path::new(XSD).is_file(),
            "the CAP 1.2 schema is not at {XSD} (tests/data/cap/CAP-v1.2.xsd in the repository)"
        );
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("cap-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, xml).unwrap();
        let output = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(XSD)
            .arg(&path)
            .output();
        let _ = std::fs::remove_file(&path);
        let output = match output {
            Ok(o) => o,
            Err(e) => panic!(
                "xmllint could not be run ({e}); install it (Debian: apt-get install -y libxml2-utils) — this test never skips"
            ),
        };
        assert!(
            output.status.success(),
            "{name} does not validate against {XSD}:\n{}\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn parses_the_oasis_example() {
        let alert = parsed(OASIS);
        assert_eq!(alert.identifier, "KAR0-0306112239-SW");
        assert_eq!(alert.sender, "KARO@CLETS.DOJ.CA.GOV");
        assert_eq!(alert.sent, "2003-06-11T22:39:00-07:00");
        assert_eq!(alert.status, Status::Actual);
        assert_eq!(alert.msg_type, MsgType::Alert);
        assert_eq!(alert.source.as_deref(), Some("SW"));
        assert_eq!(alert.scope, Scope::Public);
        assert_eq!(alert.infos.len(), 2);
        let en = &alert.infos[0];
        assert_eq!(en.language, "en-US");
        assert_eq!(en.categories, vec![Category::Rescue]);
        assert_eq!(en.event, "Child Abduction");
        assert_eq!(en.urgency, Urgency::Immediate);
        assert_eq!(en.severity, Severity::Severe);
        assert_eq!(en.certainty, Certainty::Likely);
        assert_eq!(en.event_codes, vec![("SAME".into(), "CAE".into())]);
        assert_eq!(
            en.sender_name.as_deref(),
            Some("Los Angeles Police Dept - LAPD")
        );
        assert!(en
            .description
            .as_deref()
            .unwrap()
            .starts_with("DATE/TIME: 06/11/03"));
        assert_eq!(en.areas[0].area_desc, "Los Angeles County");
        assert_eq!(en.areas[0].geocodes, vec![("SAME".into(), "006037".into())]);
        let es = &alert.infos[1];
        assert_eq!(es.language, "es-US");
        assert_eq!(es.event, "Abducción de Niño");
        assert_eq!(es.areas[0].area_desc, "condado de Los Ángeles");
    }

    #[test]
    fn parses_the_zhengzhou_red_heat_warning_in_two_languages() {
        let alert = parsed(HEAT_RED);
        assert_eq!(alert.sender, "郑州市气象台");
        assert_eq!(alert.identifier, "41010041600000_20260714102233");
        assert_eq!(alert.infos.len(), 2);
        let zh = &alert.infos[0];
        assert_eq!(zh.language, "zh-CN");
        assert_eq!(zh.event, "高温");
        assert_eq!(zh.categories, vec![Category::Met]);
        assert_eq!(zh.response_types, vec!["Avoid".to_string()]);
        assert_eq!(zh.severity, Severity::Extreme);
        assert_eq!(zh.expires.as_deref(), Some("2026-07-15T20:00:00+08:00"));
        assert!(zh
            .instruction
            .as_deref()
            .unwrap()
            .starts_with("1. 日最高气温≥40℃时"));
        assert!(zh.instruction.as_deref().unwrap().contains("；\n2. "));
        assert_eq!(zh.parameters[0], ("预警级别".into(), "红色".into()));
        assert_eq!(zh.areas.len(), 2);
        assert_eq!(
            zh.areas[0].geocodes,
            vec![
                ("GB/T 2260".into(), "410102".into()),
                ("GB/T 2260".into(), "410105".into())
            ]
        );
        assert_eq!(zh.areas[1].area_desc, "金水区");
        assert!(zh.areas[1].geocodes.is_empty());
        assert_eq!(zh.areas[1].polygons.len(), 1);
        let en = &alert.infos[1];
        assert_eq!(en.language, "en-US");
        // CDATA is taken literally, entities and all.
        assert!(en
            .instruction
            .as_deref()
            .unwrap()
            .contains("Pregnant workers & minors"));
        assert!(en.instruction.as_deref().unwrap().contains(">= 40 °C"));
    }

    #[test]
    fn the_update_and_the_cancel_reference_the_red_heat_warning() {
        let alert = parsed(HEAT_RED);
        let update = parsed(HEAT_RED_UPDATE);
        let cancel = parsed(HEAT_RED_CANCEL);
        assert_eq!(update.msg_type, MsgType::Update);
        assert_eq!(update.references, vec![alert.reference()]);
        assert_eq!(cancel.msg_type, MsgType::Cancel);
        assert_eq!(
            cancel.references,
            vec![alert.reference(), update.reference()]
        );
        assert_eq!(cancel.infos[0].response_types, vec!["AllClear".to_string()]);
        assert_eq!(cancel.infos[0].urgency, Urgency::Past);
    }

    #[test]
    fn parses_the_cold_wave_blue_warning() {
        let alert = parsed(COLD_BLUE);
        let info = &alert.infos[0];
        assert_eq!(info.event, "寒潮");
        assert_eq!(info.severity, Severity::Minor);
        assert_eq!(info.areas[0].area_desc, "中牟县 荥阳市");
        assert_eq!(
            info.areas[0].circles,
            vec!["34.7190,113.9760 25".to_string()]
        );
        assert_eq!(
            info.areas[0]
                .geocodes
                .iter()
                .map(|g| g.1.as_str())
                .collect::<Vec<_>>(),
            vec!["410122", "410182"]
        );
    }

    #[test]
    fn parses_a_prefixed_restricted_drill_with_a_resource_and_entities() {
        let alert = parsed(DRILL);
        assert_eq!(alert.status, Status::Exercise);
        assert_eq!(alert.scope, Scope::Restricted);
        assert_eq!(
            alert.codes,
            vec!["drill".to_string(), "GB/T 35965.1".to_string()]
        );
        assert_eq!(
            alert.note.as_deref(),
            Some("演练消息 — 非真实预警 & 不得转发 <内部>")
        );
        let info = &alert.infos[0];
        assert_eq!(
            info.language, "en-US",
            "the schema default when <language> is absent"
        );
        assert_eq!(info.categories, vec![Category::Met, Category::Safety]);
        assert_eq!(info.areas[0].altitude.as_deref(), Some("0"));
        assert_eq!(info.areas[0].ceiling.as_deref(), Some("150.5"));
    }

    #[test]
    fn every_valid_fixture_round_trips_through_to_xml() {
        for &fixture in VALID {
            let alert = parsed(fixture);
            let xml = to_xml(&alert);
            let again = parse(xml.as_bytes())
                .unwrap_or_else(|e| panic!("to_xml of {} does not parse: {e}\n{xml}", fixture.0));
            assert_eq!(again, alert, "{} changed in the round trip", fixture.0);
            assert_eq!(to_xml(&again), xml, "{}: to_xml is not stable", fixture.0);
        }
    }

    #[test]
    fn every_valid_fixture_validates_against_the_xsd() {
        for &(name, bytes) in VALID {
            xmllint_validates(name, std::str::from_utf8(bytes).unwrap());
        }
    }

    #[test]
    fn every_to_xml_output_validates_against_the_xsd() {
        for &fixture in VALID {
            xmllint_validates(fixture.0, &to_xml(&parsed(fixture)));
        }
        // Text that needs escaping, and characters XML cannot carry.
        let mut alert = parsed(HEAT_RED);
        alert.note = Some("a < b && c > d \"q\" 'a' \r\n\u{1}".to_string());
        let xml = to_xml(&alert);
        xmllint_validates("escaped.xml", &xml);
        assert_eq!(
            parse(xml.as_bytes()).unwrap().note.as_deref(),
            Some("a < b && c > d \"q\" 'a' \r\n\u{FFFD}")
        );
    }

    #[test]
    fn to_xml_writes_the_declaration_and_default_namespace() {
        let xml = to_xml(&parsed(COLD_BLUE));
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n  <identifier>"));
        assert!(xml.contains("\n      <geocode>\n        <valueName>GB/T 2260</valueName>\n        <value>410122</value>\n      </geocode>\n"));
    }

    #[test]
    fn a_missing_urgency_is_named_by_its_path() {
        let xml = String::from_utf8(HEAT_RED.1.to_vec()).unwrap();
        let xml = xml.replacen("<urgency>Immediate</urgency>", "", 1);
        let e = assert_invalid(parse(xml.as_bytes()), "alert/info[1]/urgency");
        assert_eq!(
            e.message_zh(),
            "CAP 消息缺少必需的元素 urgency（alert/info[1]/urgency）"
        );
        assert_eq!(
            e.message_en(),
            "The CAP message is invalid at alert/info[1]/urgency: missing the required element urgency."
        );
    }

    #[test]
    fn a_missing_urgency_in_the_second_info_is_named_with_its_index() {
        let xml = String::from_utf8(HEAT_RED.1.to_vec()).unwrap();
        let at = xml.rfind("<urgency>Immediate</urgency>").unwrap();
        let xml = format!(
            "{}{}",
            &xml[..at],
            &xml[at + "<urgency>Immediate</urgency>".len()..]
        );
        assert_invalid(parse(xml.as_bytes()), "alert/info[2]/urgency");
    }

    #[test]
    fn missing_required_elements_are_refused() {
        assert_invalid(
            heat_with("<sender>郑州市气象台</sender>", ""),
            "alert/sender",
        );
        assert_invalid(
            heat_with("<identifier>41010041600000_20260714102233</identifier>", ""),
            "alert/identifier",
        );
        assert_invalid(heat_with("<scope>Public</scope>", ""), "alert/scope");
        assert_invalid(
            heat_with("<category>Met</category>", ""),
            "alert/info[1]/category",
        );
        assert_invalid(heat_with("<event>高温</event>", ""), "alert/info[1]/event");
        assert_invalid(
            heat_with("<certainty>Likely</certainty>", ""),
            "alert/info[1]/certainty",
        );
        assert_invalid(
            heat_with("<areaDesc>金水区</areaDesc>", ""),
            "alert/info[1]/area[2]/areaDesc",
        );
        assert_invalid(
            heat_with("<value>410105</value>", ""),
            "alert/info[1]/area[1]/geocode[2]/value",
        );
        let no_mime = minimal(
            "Alert",
            "<info><category>Met</category><event>x</event><urgency>Past</urgency><severity>Minor</severity><certainty>Unknown</certainty><resource><resourceDesc>map</resourceDesc></resource></info>",
        );
        assert_invalid(
            parse(no_mime.as_bytes()),
            "alert/info[1]/resource[1]/mimeType",
        );
    }

    #[test]
    fn a_bad_sent_is_refused() {
        for bad in [
            "2026-07-14T10:22:33Z",
            "2026-07-14T10:22:33",
            "2026-07-14 10:22:33+08:00",
            "2026-02-30T10:22:33+08:00",
            "2026-07-14T10:22:33.5+08:00",
            "yesterday",
        ] {
            let e = assert_invalid(
                heat_with(
                    "<sent>2026-07-14T10:22:33+08:00</sent>",
                    &format!("<sent>{bad}</sent>"),
                ),
                "alert/sent",
            );
            assert!(e.message_zh().contains("无效"), "{}", e.message_zh());
        }
        assert_invalid(
            heat_with(
                "<onset>2026-07-14T11:00:00+08:00</onset>",
                "<onset>2026-07-14T25:00:00+08:00</onset>",
            ),
            "alert/info[1]/onset",
        );
    }

    #[test]
    fn the_cap_1_1_namespace_is_refused_by_name() {
        let e = assert_invalid(
            heat_with(CAP_NS, "urn:oasis:names:tc:emergency:cap:1.1"),
            "alert",
        );
        assert!(
            e.to_string()
                .contains("urn:oasis:names:tc:emergency:cap:1.1"),
            "{e}"
        );
        assert!(e.message_zh().contains("命名空间"), "{}", e.message_zh());
        let no_ns = heat_with(" xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"", "");
        assert_invalid(no_ns, "alert");
    }

    #[test]
    fn a_wrong_root_element_is_refused() {
        let xml = "<feed xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>";
        assert_invalid(parse(xml.as_bytes()), "alert");
        assert_invalid(parse(b"   "), "alert");
    }

    #[test]
    fn an_update_or_cancel_without_references_is_refused() {
        for msg_type in ["Update", "Cancel"] {
            let e = assert_invalid(parse(minimal(msg_type, "").as_bytes()), "alert/references");
            assert!(e.message_zh().contains(msg_type), "{}", e.message_zh());
            assert_invalid(
                parse(minimal(msg_type, "<references> </references>").as_bytes()),
                "alert/references",
            );
        }
        assert_invalid(
            parse(minimal("Update", "<references>a,b</references>").as_bytes()),
            "alert/references",
        );
        assert_invalid(
            parse(
                minimal(
                    "Update",
                    "<references>a,b,2026-07-14T10:22:33Z</references>",
                )
                .as_bytes(),
            ),
            "alert/references",
        );
        assert!(parse(minimal("Ack", "").as_bytes()).is_ok());
    }

    #[test]
    fn restricted_and_private_scopes_need_their_elements() {
        let restricted = minimal("Alert", "").replace("Public", "Restricted");
        assert_invalid(parse(restricted.as_bytes()), "alert/restriction");
        let private = minimal("Alert", "").replace("Public", "Private");
        let e = assert_invalid(parse(private.as_bytes()), "alert/addresses");
        assert_eq!(
            e.message_zh(),
            "scope 为 Private 的 CAP 消息必须包含元素 addresses（alert/addresses）"
        );
        let ok =
            minimal("Alert", "<addresses>inspector-7</addresses>").replace("Public", "Private");
        assert_eq!(
            parse(ok.as_bytes()).unwrap().addresses.as_deref(),
            Some("inspector-7")
        );
    }

    #[test]
    fn bad_enumeration_values_are_refused() {
        let e = assert_invalid(
            heat_with("<urgency>Immediate</urgency>", "<urgency>Soon</urgency>"),
            "alert/info[1]/urgency",
        );
        assert_eq!(
            e.message_zh(),
            "CAP 消息中的取值 \"Soon\" 不合规定，应为以下之一：Immediate, Expected, Future, Past, Unknown（alert/info[1]/urgency）"
        );
        assert_invalid(
            heat_with("<status>Actual</status>", "<status>actual</status>"),
            "alert/status",
        );
        assert_invalid(
            heat_with("<category>Met</category>", "<category>Weather</category>"),
            "alert/info[1]/category[1]",
        );
        assert_invalid(
            heat_with(
                "<responseType>Avoid</responseType>",
                "<responseType>Run</responseType>",
            ),
            "alert/info[1]/responseType[1]",
        );
    }

    #[test]
    fn identifiers_with_spaces_commas_or_restricted_characters_are_refused() {
        for bad in ["a b", "a,b", "a&amp;b", "a&lt;b", ""] {
            assert_invalid(
                heat_with(
                    "<identifier>41010041600000_20260714102233</identifier>",
                    &format!("<identifier>{bad}</identifier>"),
                ),
                "alert/identifier",
            );
        }
        assert_invalid(
            heat_with(
                "<sender>郑州市气象台</sender>",
                "<sender>郑州 气象台</sender>",
            ),
            "alert/sender",
        );
    }

    #[test]
    fn unknown_misplaced_and_mixed_content_elements_are_refused() {
        let e = assert_invalid(
            heat_with("<source>", "<colour>red</colour><source>"),
            "alert/colour",
        );
        assert!(e.message_zh().contains("colour"));
        assert_invalid(
            heat_with(
                "<scope>Public</scope>",
                "<scope>Public</scope><scope>Public</scope>",
            ),
            "alert/scope",
        );
        // status after msgType: out of order.
        assert_invalid(
            heat_with(
                "<status>Actual</status>\n  <msgType>Alert</msgType>",
                "<msgType>Alert</msgType><status>Actual</status>",
            ),
            "alert/status",
        );
        assert_invalid(
            heat_with("<event>高温</event>", "<event>高<b>温</b></event>"),
            "alert/info[1]/event",
        );
        assert_invalid(heat_with("<info>", "<info>stray"), "alert/info[1]");
        assert_invalid(
            heat_with(
                "<source>",
                "<x:source xmlns:x=\"urn:other\">a</x:source><source>",
            ),
            "alert/source",
        );
    }

    #[test]
    fn area_geometry_and_numbers_are_checked() {
        let polygon =
            "34.7700,113.6400 34.8900,113.6400 34.8900,113.7700 34.7700,113.7700 34.7700,113.6400";
        assert_invalid(
            heat_with(
                polygon,
                "34.77,113.64 34.89,113.64 34.89,113.77 34.77,113.77",
            ),
            "alert/info[1]/area[2]/polygon[1]",
        );
        assert_invalid(
            heat_with(polygon, "91,0 0,0 0,1 91,0"),
            "alert/info[1]/area[2]/polygon[1]",
        );
        let xml = String::from_utf8(DRILL.1.to_vec()).unwrap();
        let bad_circle = xml.replace("34.8030,113.2980 3.5", "34.8030,113.2980");
        assert_invalid(
            parse(bad_circle.as_bytes()),
            "alert/info[1]/area[1]/circle[1]",
        );
        let bad_ceiling = xml.replace("150.5", "high");
        assert_invalid(
            parse(bad_ceiling.as_bytes()),
            "alert/info[1]/area[1]/ceiling",
        );
        let ceiling_alone = xml.replace("<cap:altitude>0</cap:altitude>", "");
        assert_invalid(
            parse(ceiling_alone.as_bytes()),
            "alert/info[1]/area[1]/ceiling",
        );
        let bad_size = xml.replace("20480", "20 KB");
        assert_invalid(parse(bad_size.as_bytes()), "alert/info[1]/resource[1]/size");
        let bad_language = String::from_utf8(HEAT_RED.1.to_vec())
            .unwrap()
            .replacen("zh-CN", "zh_CN", 1);
        assert_invalid(parse(bad_language.as_bytes()), "alert/info[1]/language");
    }

    #[test]
    fn a_doctype_is_forbidden() {
        let xml = format!("<!DOCTYPE alert>{}", minimal("Alert", ""));
        assert_forbidden(parse(xml.as_bytes()));
        let e = parse(xml.as_bytes()).unwrap_err();
        assert_eq!(e.element(), "alert");
        assert!(e.message_zh().contains("已拒绝"));
        assert_forbidden(parse(b"<!DOCTYPE alert [ <!ENTITY a \"b\""));
        assert_forbidden(parse(b"<!ENTITY a \"b\"><alert/>"));
    }

    #[test]
    fn billion_laughs_is_forbidden() {
        assert_forbidden(parse(BILLION_LAUGHS.1));
    }

    #[test]
    fn xxe_is_forbidden() {
        assert_forbidden(parse(XXE.1));
    }

    #[test]
    fn undeclared_entities_are_not_expanded() {
        let xml = minimal("Alert", "<note>&xxe;</note>");
        let e = assert_invalid(parse(xml.as_bytes()), "alert/note");
        assert!(e.to_string().contains("&xxe;"));
        let xml = minimal("Alert", "<note>&#x90D1;&#24030; &#1;</note>");
        assert_invalid(parse(xml.as_bytes()), "alert/note");
        let xml = minimal("Alert", "<note>&#x90D1;&#24030;</note>");
        assert_eq!(parse(xml.as_bytes()).unwrap().note.as_deref(), Some("郑州"));
    }

    #[test]
    fn a_ten_megabyte_body_is_too_large() {
        let mut body = minimal("Alert", "").into_bytes();
        body.resize(10 * 1024 * 1024, b' ');
        assert_eq!(parse(&body), Err(CapError::TooLarge));
        assert_eq!(CapError::TooLarge.element(), "alert");
        let mut limit = minimal("Alert", "").into_bytes();
        limit.resize(MAX_CAP_BYTES, b' ');
        assert!(parse(&limit).is_ok(), "exactly MAX_CAP_BYTES is accepted");
        limit.push(b' ');
        assert_eq!(parse(&limit), Err(CapError::TooLarge));
    }

    #[test]
    fn not_well_formed_xml_is_invalid() {
        for bad in [
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</sender></alert>",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><note>a & b</note></alert>",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" a=\"1\" a=\"2\"/>",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><!-- a -- b --></alert>",
            "<x:alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"></alert><alert/>",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"></alert> trailing",
            "<alert",
        ] {
            match parse(bad.as_bytes()) {
                Err(CapError::Invalid { .. }) => {}
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let e = parse(
            b"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</sender></alert>",
        )
        .unwrap_err();
        assert!(
            e.message_zh().starts_with("CAP 消息不是格式正确的 XML"),
            "{}",
            e.message_zh()
        );
        assert_invalid(parse(b"\xff\xfe<\0a\0"), "alert");
        assert_invalid(
            parse(b"<?xml version=\"1.0\" encoding=\"GB2312\"?><alert/>"),
            "alert",
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let depth = 100_000;
        let mut xml = String::from("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">");
        xml.push_str(&"<a>".repeat(depth));
        xml.push_str(&"</a>".repeat(depth));
        xml.push_str("</alert>");
        let e = parse(&xml.as_bytes()[..MAX_CAP_BYTES.min(xml.len())]).unwrap_err();
        assert!(matches!(e, CapError::Invalid { .. }), "{e:?}");
        assert!(e.to_string().contains("nested deeper than 16"), "{e}");
    }

    #[test]
    fn hostile_shapes_within_the_size_limit_are_refused_quickly() {
        let head = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">";
        let mut distinct_names = head.to_string();
        for i in 0..30_000 {
            distinct_names.push_str(&format!("<a{i}/>"));
        }
        distinct_names.push_str("</alert>");
        // A long element name with many children: paths are computed only for errors.
        let mut long_name = head.to_string();
        long_name.push_str(&format!("<{}>", "n".repeat(60_000)));
        long_name.push_str(&"<b/>".repeat(30_000));
        long_name.push_str(&format!("</{}></alert>", "n".repeat(60_000)));
        let mut attributes = head.to_string();
        attributes.push_str("<identifier");
        for i in 0..15_000 {
            attributes.push_str(&format!(" a{i}=\"\""));
        }
        attributes.push_str("/></alert>");
        for (what, xml) in [
            ("distinct names", distinct_names),
            ("long name", long_name),
            ("attributes", attributes),
        ] {
            assert!(xml.len() <= MAX_CAP_BYTES, "{what}: {} bytes", xml.len());
            let started = std::time::Instant::now();
            let e = parse(xml.as_bytes()).unwrap_err();
            assert!(matches!(e, CapError::Invalid { .. }), "{what}: {e:?}");
            assert!(
                e.to_string().len() < 600,
                "{what}: the error quotes too much: {e}"
            );
            let took = started.elapsed();
            assert!(
                took < std::time::Duration::from_secs(10),
                "{what} took {took:?}"
            );
        }
    }

    #[test]
    fn comments_cdata_processing_instructions_and_whitespace_are_handled() {
        let xml = format!(
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<?xml-stylesheet href=\"cap.xsl\"?>\n<!-- before -->\n{}\n<!-- after -->\n",
            minimal(
                "Alert",
                "<!-- c --><note>  <![CDATA[<b>高温</b> & ]]>红色<!-- inner -->预警 \n </note>"
            )
        );
        let alert = parse(xml.as_bytes()).unwrap();
        assert_eq!(alert.note.as_deref(), Some("<b>高温</b> & 红色预警"));
        assert_eq!(alert.identifier, "T-1");
    }

    #[test]
    fn an_xml_signature_after_the_infos_is_ignored() {
        let xml = minimal(
            "Alert",
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo/></Signature>",
        );
        assert!(parse(xml.as_bytes()).is_ok());
        let late = minimal(
            "Alert",
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/><note>late</note>",
        );
        assert_invalid(parse(late.as_bytes()), "alert/note");
    }

    #[test]
    fn references_lists_parse_and_print() {
        let list =
            "郑州市气象台,A-1,2026-07-14T10:22:33+08:00\n  s@x,B-2,2026-07-14T12:00:00-00:00";
        let refs = Reference::parse_list(list).unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].sender, "s@x");
        assert_eq!(refs[1].identifier, "B-2");
        assert_eq!(
            Reference::to_list(&refs),
            "郑州市气象台,A-1,2026-07-14T10:22:33+08:00 s@x,B-2,2026-07-14T12:00:00-00:00"
        );
        assert_eq!(Reference::parse_list("  ").unwrap(), vec![]);
        assert!(Reference::parse_list("a,b,c,d").is_err());
        assert!(Reference::parse_list("a,,2026-07-14T10:22:33+08:00").is_err());
        assert!(Reference::parse_list("a,b,2026-07-14").is_err());
    }

    #[test]
    fn datetimes_parse_with_their_offsets() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00+00:00"), Ok(0));
        assert_eq!(parse_datetime("1970-01-01T00:00:00-00:00"), Ok(0));
        assert_eq!(parse_datetime("1970-01-01T08:00:00+08:00"), Ok(0));
        // 2026-07-14T10:22:33+08:00 = 02:22:33 UTC.
        let shanghai = parse_datetime("2026-07-14T10:22:33+08:00").unwrap();
        assert_eq!(shanghai, 1_783_995_753_000);
        assert_eq!(parse_datetime("2026-07-14T02:22:33+00:00"), Ok(shanghai));
        // 10:22:33-05:00 = 15:22:33 UTC, 13 hours after the Shanghai instant.
        assert_eq!(
            parse_datetime("2026-07-14T10:22:33-05:00"),
            Ok(shanghai + 13 * 3_600_000)
        );
        assert_eq!(
            parse_datetime("2026-07-14T10:22:33+05:30"),
            Ok(shanghai + 2 * 3_600_000 + 1_800_000)
        );
        assert_eq!(
            parse_datetime("2024-02-29T00:00:00+00:00"),
            Ok(1_709_164_800_000)
        );
        assert_eq!(parse_datetime("1969-12-31T23:59:59+00:00"), Ok(-1000));
        for bad in [
            "2026-07-14T10:22:33Z",
            "2026-07-14T10:22:33+0800",
            "2026-07-14T10:22:33.000+08:00",
            "2026-13-01T00:00:00+08:00",
            "2025-02-29T00:00:00+08:00",
            "2026-07-14T24:00:00+08:00",
            "2026-07-14T10:60:00+08:00",
            "2026-07-14T10:22:60+08:00",
            "2026-07-14T10:22:33+15:00",
            "0000-01-01T00:00:00+00:00",
            "２026-07-14T10:22:33+08:00",
            "",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn datetimes_format_in_shanghai_time_and_round_trip() {
        assert_eq!(format_datetime(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(
            format_datetime(1_783_995_753_999),
            "2026-07-14T10:22:33+08:00"
        );
        assert_eq!(format_datetime(-1), "1970-01-01T07:59:59+08:00");
        assert_eq!(
            format_datetime(parse_datetime("2026-07-14T10:22:33-05:00").unwrap()),
            "2026-07-14T23:22:33+08:00"
        );
        assert_eq!(
            format_datetime(parse_datetime("2026-12-31T20:00:00-00:00").unwrap()),
            "2027-01-01T04:00:00+08:00"
        );
        assert_eq!(format_datetime(i64::MIN), "0001-01-01T00:00:00+08:00");
        assert_eq!(format_datetime(i64::MAX), "9999-12-31T23:59:59+08:00");
        // Every day across four centuries, at a few times of day.
        let start = parse_datetime("1900-01-01T00:00:00+08:00").unwrap();
        for day in (0..146_097_i64).step_by(7) {
            for second in [0, 1, 43_199, 86_399] {
                let ms = start + (day * 86_400 + second) * 1000;
                let text = format_datetime(ms);
                assert_eq!(parse_datetime(&text), Ok(ms), "{text}");
            }
        }
    }

    #[test]
    fn enumerations_convert_both_ways() {
        for &c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::ALL.len(), 12);
        assert_eq!(Status::parse("Draft"), Some(Status::Draft));
        assert_eq!(MsgType::parse("Ack"), Some(MsgType::Ack));
        assert_eq!(Scope::parse("private"), None);
        assert_eq!(Certainty::Unlikely.to_string(), "Unlikely");
        assert_eq!(Severity::ALL.len(), 5);
        assert_eq!(Urgency::parse("Past"), Some(Urgency::Past));
    }

    #[test]
    fn details_that_look_like_placeholders_are_kept_as_written() {
        let xml = minimal("Alert", "").replace("T-1", "{1}{0}");
        assert_eq!(parse(xml.as_bytes()).unwrap().identifier, "{1}{0}");
        let bad = minimal("Alert", "").replace("T-1", "a{1} b");
        let e = assert_invalid(parse(bad.as_bytes()), "alert/identifier");
        assert_eq!(
            e.to_string(),
            "invalid CAP message at alert/identifier: value \"a{1} b\" must be non-empty, without spaces, commas, < or &"
        );
        assert!(e.message_zh().contains("\"a{1} b\""), "{}", e.message_zh());
    }

    #[test]
    fn every_invalid_message_has_a_chinese_translation() {
        for kind in KINDS {
            let en = fill(kind.en, &["\"x, y\"", "detail"]);
            let e = CapError::Invalid {
                element: "alert/note".into(),
                message: en,
            };
            let zh = e.message_zh();
            assert!(
                !zh.starts_with("CAP 消息无效"),
                "{} has no translation",
                kind.en
            );
            assert!(zh.ends_with("（alert/note）"), "{zh}");
            if kind.en.contains("{0}") {
                assert!(zh.contains("\"x, y\""), "{zh}");
            }
        }
    }
}
