//! The CAP 1.2 parser (alerts posted by the weather service's feed) on any bytes. An alert it
//! accepts must survive being written out and read back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::alerts::cap;

fuzz_target!(|data: &[u8]| {
    if let Ok(alert) = cap::parse(data) {
        let xml = cap::to_xml(&alert);
        let again = cap::parse(xml.as_bytes())
            .unwrap_or_else(|e| panic!("written alert does not parse: {e:?}\n{xml}"));
        assert_eq!(again, alert, "round trip changed the alert");
    }
});
