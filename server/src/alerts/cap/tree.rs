//! Parsing, step 1: the document read into a tree of elements, well-formed and safe against
//! hostile input. No DOCTYPE is accepted and no entity but the five predefined ones (and
//! character references) is expanded; nesting is capped at [`MAX_DEPTH`] and the reader is
//! iterative, so depth never touches the call stack.

use super::{
    error::{arg, invalid, quoted, shown, CapError, Kind},
    CAP_NS, MAX_DEPTH,
};
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use std::collections::HashMap;

pub(super) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn trim_xml(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// XML 1.0's `Char` production.
pub(super) fn is_xml_char(c: char) -> bool {
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

/// One element of the document.
pub(super) struct Node {
    /// Index of this node in [`Tree::nodes`].
    pub(super) id: usize,
    /// Namespace URI the element's name resolves to, if any.
    pub(super) ns: Option<String>,
    pub(super) local: String,
    pub(super) parent: Option<usize>,
    /// 1-based position among the parent's children of the same name.
    pub(super) nth: usize,
    pub(super) children: Vec<usize>,
    pub(super) text: String,
}

/// The document's elements; the root is node 0.
pub(super) struct Tree {
    pub(super) nodes: Vec<Node>,
}

impl Tree {
    /// Path of a node for error messages, e.g. "alert/info[1]/area[2]"; repeatable elements
    /// carry their index. Computed only when needed (paths are not stored: a long element name
    /// repeated in every descendant's path would multiply memory).
    pub(super) fn path(&self, id: usize) -> String {
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
pub(super) fn build_tree(xml: &str) -> Result<Tree, CapError> {
    let mut reader = NsReader::from_str(xml);
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
                Kind::Malformed,
                vec![
                    arg("detail", shown(&e.to_string())),
                    arg("at", position.to_string()),
                ],
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
                            Kind::DeclaredEncoding,
                            vec![arg("encoding", shown(&enc))],
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
                        Kind::TooDeep,
                        vec![arg("max", MAX_DEPTH.to_string())],
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
                        return Err(invalid(
                            open_path(&tree, &stack),
                            Kind::UndeclaredPrefix,
                            vec![
                                arg("prefix", quoted(&prefix)),
                                arg("at", position.to_string()),
                            ],
                        ))
                    }
                };
                let index = tree.nodes.len();
                let (parent, nth) = match stack.last_mut() {
                    None => {
                        if root_done {
                            return Err(invalid(
                                "alert",
                                Kind::ElementAfterRoot,
                                vec![arg("name", shown(&local))],
                            ));
                        }
                        if local != "alert" {
                            return Err(invalid(
                                "alert",
                                Kind::Root,
                                vec![arg("found", format!("<{}>", shown(&local)))],
                            ));
                        }
                        if ns.as_deref() != Some(CAP_NS) {
                            return Err(invalid(
                                "alert",
                                Kind::Namespace,
                                vec![arg("found", quoted(ns.as_deref().unwrap_or("")))],
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
                                Kind::Entity,
                                vec![arg("entity", format!("&{};", shown(other)))],
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
            Kind::Unclosed,
            Vec::new(),
        ));
    }
    if tree.nodes.is_empty() {
        return Err(invalid("alert", Kind::Missing, vec![arg("name", "alert")]));
    }
    Ok(tree)
}

/// Adds character data to the open element; outside the root only whitespace is allowed.
fn append_text(tree: &mut Tree, stack: &[Open], content: &str) -> Result<(), CapError> {
    if let Some(c) = content.chars().find(|&c| !is_xml_char(c)) {
        return Err(invalid(
            open_path(tree, stack),
            Kind::BadChar,
            vec![arg("char", format!("U+{:04X}", u32::from(c)))],
        ));
    }
    match stack.last().and_then(|(i, _)| tree.nodes.get_mut(*i)) {
        Some(node) => node.text.push_str(content),
        None => {
            let extra = trim_xml(content);
            if !extra.is_empty() {
                return Err(invalid(
                    "alert",
                    Kind::TextAfterRoot,
                    vec![arg("text", quoted(extra))],
                ));
            }
        }
    }
    Ok(())
}
