//! What a photo will cost to decode, read from its header alone (nothing is decoded here).
//!
//! [`decode_cost`] is the bytes of every buffer the pipeline holds for one photo: the decoded
//! pixels at the decoder's native layout (width × height × channels × bytes per channel), the
//! RGB copy, the resizer's intermediate rows and the derivatives. A progressive (or multi-scan)
//! JPEG also needs its whole coefficient buffer at full resolution, however small it is decoded,
//! and is refused above [`MAX_JPEG_SCANS`] scans (a few hundred thousand scans over a large
//! image is the "progressive bomb": minutes of CPU for a few kilobytes).

use super::{check_dimensions, fit, PhotoError, Sniffed, DISPLAY_MAX};

/// Most scans a JPEG may have. Cameras write 1 (baseline) or about 10 (progressive); encoders
/// tuned for size stay under 20.
pub const MAX_JPEG_SCANS: usize = 64;

/// What decoding a photo will hold at most, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// The display copy, its upright copy and the thumbnail, all RGB (a photo never needs less).
const DERIVATIVES: u64 = 3 * (DISPLAY_MAX as u64) * (DISPLAY_MAX as u64) * 3;

/// The cost of decoding `bytes`, or why they are refused before decoding. `jpeg_scaled` gives
/// the size the JPEG decoder writes at the DCT scale it will use (`(w, h) -> (sw, sh)`).
pub fn decode_cost(
    bytes: &[u8],
    jpeg_scaled: impl Fn(u32, u32) -> (u32, u32),
) -> Result<Cost, PhotoError> {
    // (original size, size as decoded, bytes of the decoded buffers)
    let (original, (width, height), decoded) = match Sniffed::of(bytes) {
        Sniffed::Jpeg => {
            let info = jpeg_info(bytes)?;
            check_dimensions(info.width, info.height)?;
            if info.scans > MAX_JPEG_SCANS {
                return Err(PhotoError::TooManyScans(info.scans));
            }
            let (sw, sh) = jpeg_scaled(info.width, info.height);
            let out = px(sw, sh) * 3;
            // Several scans: libjpeg keeps every DCT coefficient (2 bytes) of every component.
            let coefficients = if info.progressive || info.scans > 1 {
                px(info.width, info.height) * 2 * u64::from(info.components.max(1))
            } else {
                0
            };
            ((info.width, info.height), (sw, sh), out + coefficients)
        }
        Sniffed::Png => {
            let (w, h, channels, depth_bytes) = png_info(bytes)?;
            check_dimensions(w, h)?;
            let native = px(w, h) * u64::from(channels) * u64::from(depth_bytes);
            let rgb = if channels == 3 && depth_bytes == 1 {
                0
            } else {
                px(w, h) * 3
            };
            ((w, h), (w, h), native + rgb)
        }
        Sniffed::Webp => {
            let (w, h) = webp_size(bytes)?;
            check_dimensions(w, h)?;
            ((w, h), (w, h), px(w, h) * (4 + 3))
        }
        Sniffed::Heif => return Err(PhotoError::Heif),
        Sniffed::Unknown => return Err(PhotoError::NotAnImage),
    };
    // The resizer's horizontal pass: display-wide rows over the source's whole height.
    let (dw, _) = fit(width, height, DISPLAY_MAX);
    let intermediate = u64::from(dw) * u64::from(height.max(width)) * 3;
    Ok(Cost {
        width: original.0,
        height: original.1,
        bytes: decoded + intermediate + DERIVATIVES,
    })
}

fn px(w: u32, h: u32) -> u64 {
    u64::from(w) * u64::from(h)
}

/// What the JPEG's markers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    pub progressive: bool,
    pub scans: usize,
}

fn damaged(why: &str) -> PhotoError {
    PhotoError::Corrupt(why.into())
}

/// Walks a JPEG's markers: the frame header (size, components, progressive) and the number of
/// scans (SOS markers outside any segment, found by skipping each scan's entropy-coded data).
pub fn jpeg_info(bytes: &[u8]) -> Result<JpegInfo, PhotoError> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(PhotoError::NotAnImage);
    }
    let mut info = JpegInfo::default();
    let mut frame = false;
    let mut i = 2;
    loop {
        // Fill bytes (0xFF runs) may precede a marker.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            // Truncated after the last complete scan: the decoder decides whether that is enough.
            break;
        };
        i += 2;
        match marker {
            0xD9 => break,                  // EOI
            0x01 | 0xD0..=0xD7 => continue, // no length
            _ => {}
        }
        let len = match (bytes.get(i), bytes.get(i + 1)) {
            (Some(&a), Some(&b)) => usize::from(u16::from_be_bytes([a, b])),
            _ => break,
        };
        if len < 2 {
            return Err(damaged("marker segment shorter than its length field"));
        }
        let segment = bytes.get(i + 2..i + len).unwrap_or(&[]);
        match marker {
            // Start of frame: baseline, extended, progressive, lossless (Huffman or arithmetic).
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                if frame {
                    return Err(damaged("more than one frame header"));
                }
                if segment.len() < 6 {
                    return Err(damaged("short frame header"));
                }
                frame = true;
                info.height = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                info.width = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                info.components = segment[5];
                info.progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
            }
            0xDA => {
                info.scans += 1;
                if info.scans > MAX_JPEG_SCANS {
                    // No need to walk further: refused either way.
                    return Ok(info);
                }
                // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a
                // restart marker.
                let mut j = i + len;
                while j + 1 < bytes.len() {
                    if bytes[j] == 0xFF
                        && bytes[j + 1] != 0x00
                        && !(0xD0..=0xD7).contains(&bytes[j + 1])
                    {
                        break;
                    }
                    j += 1;
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += len;
    }
    if !frame {
        return Err(PhotoError::NotAnImage);
    }
    Ok(info)
}

/// A PNG's IHDR: width, height, channels after expansion and bytes per channel.
pub fn png_info(bytes: &[u8]) -> Result<(u32, u32, u8, u8), PhotoError> {
    // Signature (8), IHDR length (4) and type (4), then the 13 bytes of IHDR.
    let ihdr = bytes.get(8..29).ok_or(PhotoError::NotAnImage)?;
    if &ihdr[4..8] != b"IHDR" {
        return Err(damaged("PNG without IHDR first"));
    }
    let w = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let h = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    let depth = ihdr[16];
    let channels = match ihdr[17] {
        0 => 1, // grey
        2 => 3, // RGB
        3 => 4, // palette, expanded to RGBA when it has transparency (assume it does)
        4 => 2, // grey + alpha
        6 => 4, // RGBA
        _ => return Err(damaged("unknown PNG colour type")),
    };
    // Low bit depths and palettes expand to 8 bits per channel; 16 stays 16.
    let depth_bytes = if depth == 16 { 2 } else { 1 };
    Ok((w, h, channels, depth_bytes))
}

/// A WebP's canvas size (lossy `VP8 `, lossless `VP8L` or extended `VP8X`).
pub fn webp_size(bytes: &[u8]) -> Result<(u32, u32), PhotoError> {
    let chunk = bytes.get(12..16).ok_or(PhotoError::NotAnImage)?;
    let body = bytes.get(20..).unwrap_or(&[]);
    let short = || damaged("short WebP header");
    match chunk {
        b"VP8X" => {
            let b = body.get(4..10).ok_or_else(short)?;
            let w = 1 + (u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16);
            let h = 1 + (u32::from(b[3]) | u32::from(b[4]) << 8 | u32::from(b[5]) << 16);
            Ok((w, h))
        }
        b"VP8L" => {
            let b = body.get(0..5).ok_or_else(short)?;
            if b[0] != 0x2F {
                return Err(damaged("bad VP8L signature"));
            }
            let bits = u32::from_le_bytes([b[1], b[2], b[3], b[4]]);
            Ok((1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)))
        }
        b"VP8 " => {
            let b = body.get(0..10).ok_or_else(short)?;
            if b[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(damaged("bad VP8 start code"));
            }
            let w = u32::from(u16::from_le_bytes([b[6], b[7]]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([b[8], b[9]]) & 0x3FFF);
            Ok((w, h))
        }
        _ => Err(damaged("unknown WebP chunk")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: usize, h: usize, progressive: bool) -> Vec<u8> {
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i % 253) as u8).collect();
        let mut c = turbojpeg::Compressor::new().unwrap();
        c.set_progressive(progressive).unwrap();
        c.compress_to_vec(turbojpeg::Image {
            pixels: &rgb[..],
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        })
        .unwrap()
    }

    #[test]
    fn the_marker_walk_reads_size_and_counts_scans() {
        let baseline = jpeg_info(&jpeg(64, 48, false)).unwrap();
        assert_eq!((baseline.width, baseline.height), (64, 48));
        assert_eq!((baseline.scans, baseline.progressive), (1, false));
        assert_eq!(baseline.components, 3);
        let progressive = jpeg_info(&jpeg(64, 48, true)).unwrap();
        assert!(progressive.progressive);
        assert!((2..=MAX_JPEG_SCANS).contains(&progressive.scans));
    }

    #[test]
    fn a_jpeg_with_thousands_of_scans_is_refused_before_decoding() {
        let file = jpeg(64, 48, true);
        let last = file.windows(2).rposition(|m| m == [0xFF, 0xDA]).unwrap();
        let eoi = file.len() - 2;
        let mut bomb = file[..eoi].to_vec();
        for _ in 0..2000 {
            bomb.extend_from_slice(&file[last..eoi]);
        }
        bomb.extend_from_slice(&[0xFF, 0xD9]);
        assert!(matches!(
            decode_cost(&bomb, |w, h| (w, h)),
            Err(PhotoError::TooManyScans(n)) if n > MAX_JPEG_SCANS
        ));
    }

    #[test]
    fn costs_count_every_buffer_at_its_native_depth() {
        // A 16-bit RGBA PNG: 8 bytes a pixel decoded, then 3 for the RGB copy.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&4000u32.to_be_bytes());
        png.extend_from_slice(&3000u32.to_be_bytes());
        png.extend_from_slice(&[16, 6, 0, 0, 0]);
        let cost = decode_cost(&png, |w, h| (w, h)).unwrap();
        assert_eq!((cost.width, cost.height), (4000, 3000));
        let pixels = 4000 * 3000;
        assert!(cost.bytes >= pixels * (8 + 3), "{cost:?}");
        // The same size as an 8-bit RGB PNG costs far less.
        png[24] = 8;
        png[25] = 2;
        assert!(decode_cost(&png, |w, h| (w, h)).unwrap().bytes < pixels * 7);
        // Over the pixel limit: refused from the header.
        png[16..20].copy_from_slice(&16_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&16_000u32.to_be_bytes());
        assert!(matches!(
            decode_cost(&png, |w, h| (w, h)),
            Err(PhotoError::TooManyPixels { .. })
        ));
        // A baseline JPEG decoded at 1/8 costs its scaled pixels, not its full size.
        let file = jpeg(256, 256, false);
        let full = decode_cost(&file, |w, h| (w, h)).unwrap().bytes;
        let eighth = decode_cost(&file, |w, h| (w / 8, h / 8)).unwrap().bytes;
        assert!(eighth < full);
    }

    #[test]
    fn truncated_and_foreign_headers_are_errors_not_panics() {
        for bytes in [
            &b"\xFF\xD8"[..],
            b"\xFF\xD8\xFF\xC0\x00",
            b"\xFF\xD8\xFF\xC0\x00\x01",
            b"\x89PNG\r\n\x1a\n\0\0",
            b"RIFF\0\0\0\0WEBPVP8X",
            b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f",
        ] {
            assert!(decode_cost(bytes, |w, h| (w, h)).is_err(), "{bytes:?}");
        }
    }
}
