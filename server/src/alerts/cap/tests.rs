//! The CAP module's tests: the OASIS example and Zhengzhou's warnings (tests/data/cap/) parsed,
//! written back and validated by xmllint against the OASIS schema; every refusal named by its
//! element, in both languages; hostile input refused quickly.

use super::*;
use app::i18n::Lang;

/// A fixture from tests/data/cap/, embedded at compile time.
macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../../../../tests/data/cap/", $name)) as &[u8],
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
        e.message(Lang::ZhCn),
        "CAP 消息缺少必需的元素 urgency（alert/info[1]/urgency）"
    );
    assert_eq!(
        e.message(Lang::En),
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
        assert!(
            e.message(Lang::ZhCn).contains("无效"),
            "{}",
            e.message(Lang::ZhCn)
        );
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
    assert!(
        e.message(Lang::ZhCn).contains("命名空间"),
        "{}",
        e.message(Lang::ZhCn)
    );
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
        assert!(
            e.message(Lang::ZhCn).contains(msg_type),
            "{}",
            e.message(Lang::ZhCn)
        );
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
        e.message(Lang::ZhCn),
        "scope 为 Private 的 CAP 消息必须包含元素 addresses（alert/addresses）"
    );
    let ok = minimal("Alert", "<addresses>inspector-7</addresses>").replace("Public", "Private");
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
        e.message(Lang::ZhCn),
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
    assert!(e.message(Lang::ZhCn).contains("colour"));
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
    assert!(e.message(Lang::ZhCn).contains("已拒绝"));
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
        e.message(Lang::ZhCn)
            .starts_with("CAP 消息不是格式正确的 XML"),
        "{}",
        e.message(Lang::ZhCn)
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
    let list = "郑州市气象台,A-1,2026-07-14T10:22:33+08:00\n  s@x,B-2,2026-07-14T12:00:00-00:00";
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
    assert!(
        e.message(Lang::ZhCn).contains("\"a{1} b\""),
        "{}",
        e.message(Lang::ZhCn)
    );
    // Named like a placeholder of the message itself: still quoted as written.
    let named = minimal("Alert", "").replace("T-1", "{element} {message}");
    let e = assert_invalid(parse(named.as_bytes()), "alert/identifier");
    assert!(e.to_string().contains("\"{element} {message}\""), "{e}");
    let zh = e.message(Lang::ZhCn);
    assert!(zh.contains("\"{element} {message}\""), "{zh}");
    assert!(zh.ends_with("（alert/identifier）"), "{zh}");
}

/// The `{name}` placeholders of a template, in order.
fn placeholders(template: &'static str) -> Vec<&'static str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

#[test]
fn every_invalid_message_has_a_chinese_translation() {
    for &kind in Kind::ALL {
        let en = kind.template(Lang::En.tr());
        let names = placeholders(en);
        let args: Args = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    *n,
                    Arg::Text(if i == 0 { "\"x, y\"" } else { "detail" }.into()),
                )
            })
            .collect();
        let e = CapError::Invalid {
            element: "alert/note".into(),
            kind,
            args,
        };
        let zh = e.message(Lang::ZhCn);
        assert_ne!(
            kind.template(Lang::ZhCn.tr()),
            en,
            "{kind:?} has no translation"
        );
        assert!(zh.ends_with("（alert/note）"), "{zh}");
        if !names.is_empty() {
            assert!(zh.contains("\"x, y\""), "{zh}");
        }
        assert!(!zh.contains('{'), "{kind:?}: {zh}");
        assert!(!e.message(Lang::En).contains('{'), "{kind:?}: {e}");
    }
    for &reason in Reason::ALL {
        let en = reason.template(Lang::En.tr());
        assert_ne!(
            reason.template(Lang::ZhCn.tr()),
            en,
            "{reason:?} has no translation"
        );
        let args: Args = placeholders(en)
            .into_iter()
            .map(|n| (n, Arg::Text("x".into())))
            .collect();
        let zh = Why { reason, args }.message(Lang::ZhCn);
        assert!(!zh.contains('{'), "{reason:?}: {zh}");
    }
}

#[test]
fn a_reason_is_told_in_the_language_of_its_message() {
    let bad = minimal(
        "Update",
        "<references>s@x,B-2,2026-07-14T10:22:33Z</references>",
    );
    let e = assert_invalid(parse(bad.as_bytes()), "alert/references");
    assert_eq!(
        e.message(Lang::En),
        "The CAP message is invalid at alert/references: bad references value: \"s@x,B-2,2026-07-14T10:22:33Z\": sent \"2026-07-14T10:22:33Z\": CAP forbids \"Z\"; write the offset, e.g. +00:00 or +08:00."
    );
    let zh = e.message(Lang::ZhCn);
    assert!(zh.contains("CAP 不允许用“Z”表示时区"), "{zh}");
    assert!(!zh.contains("forbids"), "{zh}");
}
