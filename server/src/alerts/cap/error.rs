//! Why a CAP message was refused: a [`Kind`] (what is wrong with the element at fault) and its
//! arguments (the names and quoted values that fill the kind's placeholders), one of which may be
//! a [`Why`] — a [`Reason`] with its own arguments (why a date-time, a references entry or a
//! shape is wrong). The words are the locale files' (`[cap]` in `app/locales/*.toml`), chosen
//! when the error is shown, in the reader's language; `Display` (the logs) is the English text.

use super::MAX_CAP_BYTES;
use app::i18n::{fill, Lang, Tr};
use std::fmt;

/// Longest piece of input quoted in an error message, characters.
pub(super) const MAX_QUOTED_CHARS: usize = 80;

/// A piece of input as quoted in an error message: cut to [`MAX_QUOTED_CHARS`].
pub fn shown(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED_CHARS) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// `"value"`, cut to [`MAX_QUOTED_CHARS`].
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", shown(s))
}

/// What fills one placeholder of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A name, a number or a piece of input (already quoted where the message quotes it).
    Text(String),
    /// A reason, rendered in the same language as the message around it.
    Why(Box<Why>),
}

/// A message's arguments: each placeholder's name and what fills it.
pub type Args = Vec<(&'static str, Arg)>;

/// `("name", Arg::Text(value))`: a placeholder filled with a piece of text.
pub fn arg(name: &'static str, value: impl Into<String>) -> (&'static str, Arg) {
    (name, Arg::Text(value.into()))
}

/// `("reason", Arg::Why(why))`.
pub fn because(why: Why) -> (&'static str, Arg) {
    ("reason", Arg::Why(Box::new(why)))
}

/// Fills a template with its arguments in `lang` (a reason is rendered first, in `lang` too).
pub fn render(template: &str, args: &Args, lang: Lang) -> String {
    let rendered: Vec<(&str, String)> = args
        .iter()
        .map(|(name, arg)| {
            let value = match arg {
                Arg::Text(s) => s.clone(),
                Arg::Why(why) => why.message(lang),
            };
            (*name, value)
        })
        .collect();
    let args: Vec<(&str, &dyn fmt::Display)> = rendered
        .iter()
        .map(|(name, value)| (*name, value as &dyn fmt::Display))
        .collect();
    fill(template, &args)
}

/// Declares a fieldless enum of messages, each with its key in the `[cap]` locale table.
macro_rules! messages {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $key:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every one, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The message's template in one language (placeholders `{name}`).
            pub fn template(self, t: &Tr) -> &'static str {
                match self {
                    $($name::$variant => t.$key()),+
                }
            }
        }
    };
}

messages! {
    /// What is wrong with the element at fault (its placeholders in brackets).
    Kind {
        /// A required element is missing (`name`).
        Missing => cap_missing,
        /// An element CAP 1.2 does not define here (`name`).
        Unknown => cap_unknown,
        /// An element out of the schema's order, or repeated too often (`name`).
        Order => cap_order,
        /// The root is not in the CAP 1.2 namespace (`found`).
        Namespace => cap_namespace,
        /// The root is not `alert` (`found`).
        Root => cap_root,
        /// A value outside its enumeration (`value`, `allowed`).
        Enum => cap_enum,
        /// Not a CAP dateTime (`value`, `reason`).
        DateTime => cap_datetime,
        /// An identifier or sender with a space, comma, `<` or `&` (`value`).
        Ident => cap_ident,
        /// A bad `references` entry (`reason`).
        References => cap_references,
        /// An Update or Cancel without references (`msg_type`).
        RefsRequired => cap_refs_required,
        /// A Restricted or Private scope without its element (`scope`, `name`).
        ScopeNeeds => cap_scope_needs,
        /// Not well-formed XML, as the XML reader says it (`detail`, `at`: the byte).
        Malformed => cap_malformed,
        /// An element name with a prefix no namespace is declared for (`prefix`, `at`).
        UndeclaredPrefix => cap_undeclared_prefix,
        /// The document ends inside an element.
        Unclosed => cap_unclosed,
        /// An XML declaration naming another encoding than UTF-8 (`encoding`).
        DeclaredEncoding => cap_declared_encoding,
        /// Bytes that are not UTF-8 (`at`: the first bad byte).
        NotUtf8 => cap_not_utf8,
        /// Nesting deeper than the limit (`max`).
        TooDeep => cap_too_deep,
        /// A simple element with child elements (`name`).
        TextOnly => cap_text_only,
        /// A complex element with text of its own (`name`).
        NoText => cap_no_text,
        /// A character XML cannot carry (`char`).
        BadChar => cap_bad_char,
        /// An entity other than the five predefined ones (`entity`).
        Entity => cap_entity,
        /// An element after the root (`name`).
        ElementAfterRoot => cap_element_after_root,
        /// Text after the root (`text`).
        TextAfterRoot => cap_text_after_root,
        /// Not a language tag (`value`).
        Language => cap_language,
        /// Not an `xs:decimal` (`value`).
        Decimal => cap_decimal,
        /// Not an `xs:integer` (`value`).
        Integer => cap_integer,
        /// A bad polygon (`value`, `reason`).
        Polygon => cap_polygon,
        /// A bad circle (`value`, `reason`).
        Circle => cap_circle,
        /// A ceiling without an altitude (`value`).
        Ceiling => cap_ceiling,
    }
}

messages! {
    /// Why a value is wrong, in more detail than its [`Kind`] says.
    Reason {
        /// A dateTime in "Z" (UTC without an offset).
        DtZulu => cap_dt_zulu,
        /// A dateTime not of the schema's pattern.
        DtShape => cap_dt_shape,
        /// The year 0000.
        DtYear => cap_dt_year,
        /// A month outside 01–12 (`month`).
        DtMonth => cap_dt_month,
        /// A day the month does not have (`day`).
        DtDay => cap_dt_day,
        /// An hour, minute or second out of range.
        DtTime => cap_dt_time,
        /// An offset beyond ±14:00.
        DtOffset => cap_dt_offset,
        /// A references entry that is not three parts (`entry`, `parts`).
        RefTriple => cap_ref_triple,
        /// A references entry with a bad sender (`entry`).
        RefSender => cap_ref_sender,
        /// A references entry with a bad identifier (`entry`).
        RefIdentifier => cap_ref_identifier,
        /// A references entry with a bad sent time (`entry`, `sent`, `reason`).
        RefSent => cap_ref_sent,
        /// A point that is not `lat,lon` (`value`).
        PointPair => cap_point_pair,
        /// A coordinate that is not a number (`value`).
        PointNumber => cap_point_number,
        /// A point off the globe (`value`).
        PointRange => cap_point_range,
        /// A polygon of too few points (`count`).
        PolygonPoints => cap_polygon_points,
        /// A polygon whose last point is not its first.
        PolygonOpen => cap_polygon_open,
        /// A circle that is not `lat,lon radius`.
        CircleShape => cap_circle_shape,
        /// A negative or unreadable radius (`value`).
        CircleRadius => cap_circle_radius,
    }
}

/// A reason with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    pub reason: Reason,
    pub args: Args,
}

impl Why {
    pub fn new(reason: Reason, args: Args) -> Why {
        Why { reason, args }
    }

    /// The reason in a language.
    pub fn message(&self, lang: Lang) -> String {
        render(self.reason.template(lang.tr()), &self.args, lang)
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Why {}

/// Why a CAP message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapError {
    /// The body is larger than [`MAX_CAP_BYTES`].
    TooLarge,
    /// A DOCTYPE or entity declaration — what could expand entities or fetch external ones —
    /// refused outright (`what`: the markup found, e.g. `<!DOCTYPE>`).
    Forbidden { what: String },
    /// Not well-formed XML, wrong root or namespace, a missing required element, a bad
    /// enumeration value, a bad dateTime, a bad reference triple, an unknown or misplaced
    /// element…: `element` names the element at fault as a path, e.g.
    /// `"alert/info[2]/urgency"` (repeatable elements carry a 1-based index).
    Invalid {
        element: String,
        kind: Kind,
        args: Args,
    },
}

/// A [`CapError::Invalid`].
pub(super) fn invalid(element: impl Into<String>, kind: Kind, args: Args) -> CapError {
    CapError::Invalid {
        element: element.into(),
        kind,
        args,
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

    /// What is wrong, without where (`Invalid`'s kind with its arguments).
    pub fn detail(&self, lang: Lang) -> String {
        match self {
            CapError::Invalid { kind, args, .. } => render(kind.template(lang.tr()), args, lang),
            other => other.message(lang),
        }
    }

    /// The whole message for a person reading `lang` (a union admin importing a warning, the
    /// feed's operator).
    pub fn message(&self, lang: Lang) -> String {
        let t = lang.tr();
        match self {
            CapError::TooLarge => fill(
                t.cap_too_large(),
                &[("kib", &(MAX_CAP_BYTES / 1024)), ("bytes", &MAX_CAP_BYTES)],
            ),
            CapError::Forbidden { what } => fill(t.cap_forbidden(), &[("what", what)]),
            CapError::Invalid { element, .. } => fill(
                t.cap_invalid(),
                &[("element", element), ("message", &self.detail(lang))],
            ),
        }
    }
}

impl fmt::Display for CapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapError::TooLarge => write!(f, "CAP message is larger than {MAX_CAP_BYTES} bytes"),
            CapError::Forbidden { what } => write!(f, "CAP message refused: it contains {what}"),
            CapError::Invalid { element, .. } => write!(
                f,
                "invalid CAP message at {element}: {}",
                self.detail(Lang::En)
            ),
        }
    }
}

impl std::error::Error for CapError {}
