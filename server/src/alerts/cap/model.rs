//! The CAP 1.2 data model: an [`Alert`] with its [`Reference`]s and [`Info`] blocks, each with its
//! [`Area`]s, and the schema's enumerations. Fields hold what the message says, as written
//! (date-times stay CAP text; [`super::parse_datetime`] reads them).

use super::{
    datetime::parse_datetime,
    error::{arg, because, quoted, Reason, Why},
    schema::is_valid_ident,
    tree::is_xml_space,
};

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
pub(super) const RESPONSE_TYPES: &[&str] = &[
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
    pub fn parse_list(s: &str) -> Result<Vec<Reference>, Why> {
        let mut out = Vec::new();
        for entry in s.split(is_xml_space).filter(|e| !e.is_empty()) {
            let parts: Vec<&str> = entry.split(',').collect();
            let [sender, identifier, sent] = parts.as_slice() else {
                return Err(Why::new(
                    Reason::RefTriple,
                    vec![
                        arg("entry", quoted(entry)),
                        arg("parts", parts.len().to_string()),
                    ],
                ));
            };
            if !is_valid_ident(sender) {
                return Err(Why::new(
                    Reason::RefSender,
                    vec![arg("entry", quoted(entry))],
                ));
            }
            if !is_valid_ident(identifier) {
                return Err(Why::new(
                    Reason::RefIdentifier,
                    vec![arg("entry", quoted(entry))],
                ));
            }
            parse_datetime(sent).map_err(|why| {
                Why::new(
                    Reason::RefSent,
                    vec![
                        arg("entry", quoted(entry)),
                        arg("sent", quoted(sent)),
                        because(why),
                    ],
                )
            })?;
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
