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
//!
//! A refusal is a [`CapError`]: the element at fault, a [`Kind`] and its arguments, worded by the
//! locale files in the reader's language ([`CapError::message`]).
//!
//! The files: `model` (the message as data), `error` (refusals), `datetime`, `tree` (step 1:
//! the document as a tree of elements), `schema` and `parse` (step 2: the tree against the
//! schema, into the model), `write` (the model back to XML).

mod datetime;
mod error;
mod model;
mod parse;
mod schema;
mod tree;
mod write;

#[cfg(test)]
mod tests;

pub use datetime::{format_datetime, parse_datetime};
pub use error::{arg, because, quoted, render, shown, Arg, Args, CapError, Kind, Reason, Why};
pub use model::{
    Alert, Area, Category, Certainty, Info, MsgType, Reference, Scope, Severity, Status, Urgency,
};
pub use parse::parse;
pub use write::to_xml;

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
