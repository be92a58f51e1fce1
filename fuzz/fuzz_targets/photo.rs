//! The photo pipeline on any bytes: the header walk and budget estimate, then (when the estimate
//! accepts them) decoding, orientation, resizing and re-encoding. It must answer an error or
//! derivatives within their limits, never panic, and never decode what it priced too low.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::photos::{self, DISPLAY_MAX};

fuzz_target!(|data: &[u8]| {
    let Ok(cost) = photos::cost_of(data) else {
        return;
    };
    if let Ok(done) = photos::process(data) {
        let (w, h) = done.display_size;
        assert!(w <= DISPLAY_MAX && h <= DISPLAY_MAX, "display {w}×{h}");
        assert!(
            done.display.starts_with(&[0xff, 0xd8]),
            "display is not a JPEG"
        );
        assert!(
            done.thumb.starts_with(&[0xff, 0xd8]),
            "thumbnail is not a JPEG"
        );
        let (ow, oh) = done.original_size;
        assert!(
            u64::from(ow) <= u64::from(cost.width).max(1) * 8
                && u64::from(oh) <= u64::from(cost.height).max(1) * 8,
            "decoded {ow}×{oh}, priced as {}×{}",
            cost.width,
            cost.height
        );
    }
});
