//! Writing: an [`Alert`] as CAP 1.2 XML, schema-valid when the alert is.

use super::{
    model::{Alert, Reference},
    tree::is_xml_char,
    CAP_NS,
};
use std::fmt::Write as _;

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
