//! Parsing, step 2a: the CAP 1.2 schema (`CAP-v1.2.xsd`), element by element: each complex
//! element's `xs:sequence` (only known children, in order, within their bounds) and the simple
//! types the parser checks values against (identifiers, dateTimes, languages, decimals, the
//! geometry of polygons and circles).

use super::{
    datetime::parse_datetime,
    error::{arg, because, invalid, quoted, shown, CapError, Kind, Reason, Why},
    tree::{is_xml_space, trim_xml, Node, Tree},
    CAP_NS, XMLDSIG_NS,
};

/// One element of an `xs:sequence`.
pub(super) struct Particle {
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

pub(super) const ALERT_SEQ: &[Particle] = &[
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
pub(super) const INFO_SEQ: &[Particle] = &[
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
pub(super) const RESOURCE_SEQ: &[Particle] = &[
    one("resourceDesc"),
    one("mimeType"),
    opt("size"),
    opt("uri"),
    opt("derefUri"),
    opt("digest"),
];
pub(super) const AREA_SEQ: &[Particle] = &[
    one("areaDesc"),
    many("polygon"),
    many("circle"),
    many("geocode"),
    opt("altitude"),
    opt("ceiling"),
];
const PAIR_SEQ: &[Particle] = &[one("valueName"), one("value")];

/// The children of one complex element, sorted onto the particles of its sequence.
pub(super) struct Children<'t> {
    pub(super) tree: &'t Tree,
    pub(super) parent: &'t Node,
    seq: &'static [Particle],
    lists: Vec<Vec<usize>>,
}

impl<'t> Children<'t> {
    pub(super) fn list(&self, name: &str) -> &[usize] {
        self.seq
            .iter()
            .position(|p| p.name == name)
            .and_then(|i| self.lists.get(i))
            .map_or(&[], Vec::as_slice)
    }

    pub(super) fn nodes(&self, name: &str) -> impl Iterator<Item = &'t Node> + '_ {
        self.list(name)
            .iter()
            .filter_map(|&i| self.tree.nodes.get(i))
    }

    pub(super) fn node(&self, name: &str) -> Option<&'t Node> {
        self.nodes(name).next()
    }

    pub(super) fn missing(&self, name: &str) -> CapError {
        invalid(
            format!("{}/{name}", self.tree.path(self.parent.id)),
            Kind::Missing,
            vec![arg("name", name)],
        )
    }

    /// Text of an optional simple element.
    pub(super) fn opt_text(&self, name: &str) -> Result<Option<String>, CapError> {
        self.node(name)
            .map(|n| simple_text(self.tree, n))
            .transpose()
    }

    /// Text and path of a required simple element.
    pub(super) fn req_text(&self, name: &str) -> Result<(String, String), CapError> {
        let node = self.node(name).ok_or_else(|| self.missing(name))?;
        Ok((simple_text(self.tree, node)?, self.tree.path(node.id)))
    }

    /// A required simple element whose value is one of an enumeration.
    pub(super) fn req_enum<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Result<T, CapError> {
        let (text, path) = self.req_text(name)?;
        enum_value(&text, &path, parse, all)
    }

    /// Texts of a repeated simple element.
    pub(super) fn texts(&self, name: &str) -> Result<Vec<(String, String)>, CapError> {
        self.nodes(name)
            .map(|n| Ok((simple_text(self.tree, n)?, self.tree.path(n.id))))
            .collect()
    }

    /// `(valueName, value)` pairs of a repeated eventCode / parameter / geocode.
    pub(super) fn pairs(&self, name: &str) -> Result<Vec<(String, String)>, CapError> {
        self.nodes(name)
            .map(|n| {
                let kids = sequence(self.tree, n, PAIR_SEQ)?;
                Ok((kids.req_text("valueName")?.0, kids.req_text("value")?.0))
            })
            .collect()
    }
}

pub(super) fn enum_value<T>(
    text: &str,
    path: &str,
    parse: fn(&str) -> Option<T>,
    all: &[&str],
) -> Result<T, CapError> {
    parse(text).ok_or_else(|| {
        invalid(
            path,
            Kind::Enum,
            vec![arg("value", quoted(text)), arg("allowed", all.join(", "))],
        )
    })
}

pub(super) fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&v| as_str(v)).collect()
}

/// The trimmed text of an element that must hold text only.
pub(super) fn simple_text(tree: &Tree, node: &Node) -> Result<String, CapError> {
    if !node.children.is_empty() {
        return Err(invalid(
            tree.path(node.id),
            Kind::TextOnly,
            vec![arg("name", shown(&node.local))],
        ));
    }
    Ok(trim_xml(&node.text).to_string())
}

/// Checks a complex element against its `xs:sequence`: only known children, in order, each
/// within its occurrence bounds, and no text of its own. Elements of the XML-signature namespace
/// are allowed after everything else in `<alert>` (the schema's `xs:any`), and ignored.
pub(super) fn sequence<'t>(
    tree: &'t Tree,
    parent: &'t Node,
    seq: &'static [Particle],
) -> Result<Children<'t>, CapError> {
    let parent_path = tree.path(parent.id);
    if !trim_xml(&parent.text).is_empty() {
        return Err(invalid(
            parent_path,
            Kind::NoText,
            vec![arg("name", shown(&parent.local))],
        ));
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
                    Kind::Missing,
                    vec![arg("name", p.name)],
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
                return Err(invalid(
                    tree.path(child.id),
                    Kind::Unknown,
                    vec![arg("name", name)],
                ));
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
                return Err(invalid(
                    tree.path(child.id),
                    Kind::Order,
                    vec![arg("name", shown(&child.local))],
                ));
            }
            return Err(invalid(
                tree.path(child.id),
                Kind::Unknown,
                vec![arg("name", shown(&child.local))],
            ));
        };
        check_required(&lists, cursor, at)?;
        let (Some(list), Some(particle)) = (lists.get_mut(at), seq.get(at)) else {
            continue;
        };
        if particle.max.is_some_and(|max| list.len() >= max) {
            return Err(invalid(
                tree.path(child.id),
                Kind::Order,
                vec![arg("name", shown(&child.local))],
            ));
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
pub(super) fn is_valid_ident(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&'))
}

pub(super) fn check_ident(value: &str, path: &str) -> Result<(), CapError> {
    if is_valid_ident(value) {
        Ok(())
    } else {
        Err(invalid(
            path,
            Kind::Ident,
            vec![arg("value", quoted(value))],
        ))
    }
}

pub(super) fn check_datetime(value: &str, path: &str) -> Result<(), CapError> {
    parse_datetime(value).map(|_| ()).map_err(|why| {
        invalid(
            path,
            Kind::DateTime,
            vec![arg("value", quoted(value)), because(why)],
        )
    })
}

/// An optional CAP dateTime element.
pub(super) fn opt_datetime(kids: &Children<'_>, name: &str) -> Result<Option<String>, CapError> {
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
pub(super) fn is_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// xs:decimal: `[+-]?(\d+(\.\d*)?|\.\d+)`.
pub(super) fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac)
}

/// xs:integer: `[+-]?\d+`.
pub(super) fn is_integer(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// A WGS 84 `lat,lon` pair.
fn parse_point(s: &str) -> Result<(f64, f64), Why> {
    let (lat, lon) = s
        .split_once(',')
        .ok_or_else(|| Why::new(Reason::PointPair, vec![arg("value", quoted(s))]))?;
    let num = |v: &str| -> Result<f64, Why> {
        v.parse::<f64>()
            .ok()
            .filter(|_| is_decimal(v))
            .ok_or_else(|| Why::new(Reason::PointNumber, vec![arg("value", quoted(v))]))
    };
    let (lat, lon) = (num(lat)?, num(lon)?);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(Why::new(Reason::PointRange, vec![arg("value", quoted(s))]));
    }
    Ok((lat, lon))
}

/// A polygon: at least four points, the first repeated as the last.
pub(super) fn check_polygon(s: &str) -> Result<(), Why> {
    let points = s
        .split(is_xml_space)
        .filter(|p| !p.is_empty())
        .map(parse_point)
        .collect::<Result<Vec<_>, _>>()?;
    if points.len() < 4 {
        return Err(Why::new(
            Reason::PolygonPoints,
            vec![arg("count", points.len().to_string())],
        ));
    }
    if points.first() != points.last() {
        return Err(Why::new(Reason::PolygonOpen, Vec::new()));
    }
    Ok(())
}

/// A circle: `lat,lon radius` (kilometres, not negative).
pub(super) fn check_circle(s: &str) -> Result<(), Why> {
    let parts: Vec<&str> = s.split(is_xml_space).filter(|p| !p.is_empty()).collect();
    let [center, radius] = parts.as_slice() else {
        return Err(Why::new(Reason::CircleShape, Vec::new()));
    };
    parse_point(center)?;
    let r = radius.parse::<f64>().ok().filter(|_| is_decimal(radius));
    match r {
        Some(r) if r >= 0.0 => Ok(()),
        _ => Err(Why::new(
            Reason::CircleRadius,
            vec![arg("value", quoted(radius))],
        )),
    }
}
