//! What people type: receipt codes, unified social credit codes (USCC) and mobile numbers. A
//! parsed value must read back as itself from its own spelling.
#![no_main]

use app::domain::{phone::PhoneNumber, receipt::ReceiptCode, uscc::Uscc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = ReceiptCode::parse(text) {
        assert_eq!(ReceiptCode::parse(code.as_str()).ok(), Some(code.clone()));
        assert_eq!(ReceiptCode::parse(&code.to_string()).ok(), Some(code));
    }
    if let Ok(uscc) = Uscc::parse(text) {
        assert_eq!(Uscc::parse(uscc.as_str()).ok(), Some(uscc));
    }
    if let Ok(phone) = PhoneNumber::parse(text) {
        assert!(PhoneNumber::parse(phone.as_str()).ok() == Some(phone.clone()));
        assert_eq!(app::domain::phone::mask(phone.as_str()).chars().count(), 11);
    }
});
