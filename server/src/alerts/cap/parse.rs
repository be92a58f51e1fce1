//! Parsing, step 2b: the element tree read into the [`Alert`] model against the schema, with the
//! CAP 1.2 prose rules the schema cannot say (scope's required elements, references for an
//! Update or Cancel, a ceiling's altitude), and [`parse`], the way in.

use super::{
    error::{arg, because, invalid, quoted, CapError, Kind},
    model::{
        Alert, Area, Category, Certainty, Info, MsgType, Reference, Scope, Severity, Status,
        Urgency, RESPONSE_TYPES,
    },
    schema::{
        check_circle, check_datetime, check_ident, check_polygon, enum_value, is_decimal,
        is_integer, is_language, names, opt_datetime, sequence, simple_text, ALERT_SEQ, AREA_SEQ,
        INFO_SEQ, RESOURCE_SEQ,
    },
    tree::{build_tree, Node, Tree},
    DEFAULT_LANGUAGE, MAX_CAP_BYTES,
};

fn parse_alert(tree: &Tree) -> Result<Alert, CapError> {
    let root = tree
        .nodes
        .first()
        .ok_or_else(|| invalid("alert", Kind::Missing, vec![arg("name", "alert")]))?;
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
            Kind::ScopeNeeds,
            vec![arg("scope", scope.as_str()), arg("name", name)],
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
                .map_err(|why| invalid(tree.path(node.id), Kind::References, vec![because(why)]))?
        }
    };
    if matches!(msg_type, MsgType::Update | MsgType::Cancel) && references.is_empty() {
        return Err(invalid(
            "alert/references",
            Kind::RefsRequired,
            vec![arg("msg_type", msg_type.as_str())],
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
                return Err(invalid(
                    tree.path(n.id),
                    Kind::Language,
                    vec![arg("value", quoted(&text))],
                ));
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
            return Err(invalid(
                tree.path(size.id),
                Kind::Integer,
                vec![arg("value", quoted(&text))],
            ));
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
        check_polygon(&text).map_err(|why| {
            invalid(
                path,
                Kind::Polygon,
                vec![arg("value", quoted(&text)), because(why)],
            )
        })?;
        polygons.push(text);
    }
    let mut circles = Vec::new();
    for (text, path) in kids.texts("circle")? {
        check_circle(&text).map_err(|why| {
            invalid(
                path,
                Kind::Circle,
                vec![arg("value", quoted(&text)), because(why)],
            )
        })?;
        circles.push(text);
    }
    let geocodes = kids.pairs("geocode")?;
    let decimal = |name: &str| -> Result<Option<String>, CapError> {
        match kids.node(name) {
            None => Ok(None),
            Some(n) => {
                let text = simple_text(tree, n)?;
                if !is_decimal(&text) {
                    return Err(invalid(
                        tree.path(n.id),
                        Kind::Decimal,
                        vec![arg("value", quoted(&text))],
                    ));
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
            Kind::Ceiling,
            vec![arg("value", quoted(c))],
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
    let document = std::str::from_utf8(xml).map_err(|e| {
        // A DOCTYPE is refused whatever the encoding.
        if contains_ascii_ci(xml, b"<!DOCTYPE") {
            CapError::Forbidden {
                what: "<!DOCTYPE>".to_string(),
            }
        } else {
            invalid(
                "alert",
                Kind::NotUtf8,
                vec![arg("at", e.valid_up_to().to_string())],
            )
        }
    })?;
    match build_tree(document) {
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
