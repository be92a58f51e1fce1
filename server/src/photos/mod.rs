//! The photo pipeline: from the bytes a phone uploaded to two metadata-free JPEG derivatives
//! (display ≤ 1600 px, thumbnail ≤ 320 px), plus the evidence (hash, EXIF time, GPS,
//! orientation) the union keeps.
//!
//! Cheap checks first: the type is sniffed from magic bytes, and the pixel dimensions are read
//! from the header and limited before anything is decoded (decompression bombs). JPEGs are
//! decoded by libjpeg-turbo at the smallest DCT scale that still covers the display size, which
//! is most of the speed; PNG and WebP go through `image`. The EXIF orientation is applied after
//! resizing (fewer pixels to move). CPU work runs on blocking threads, bounded by a semaphore.

pub mod budget;
pub mod header;
pub mod intake;
pub mod mask;
pub mod store;

use app::domain::exif::Exif;
use fast_image_resize::{
    images::Image as FirImage, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer,
};
use sha2::{Digest, Sha256};
use std::{io::Cursor, sync::Arc};
use tokio::sync::Semaphore;
use turbojpeg::{Compressor, Decompressor, Image as TjImage, PixelFormat, ScalingFactor, Subsamp};

/// Largest photo file accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 12 * 1024 * 1024;
/// Most pixels a photo may have (checked from the header, before decoding).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Longest side a photo may have, in pixels.
pub const MAX_DIMENSION: u32 = 16_384;
/// Long side of the display copy.
pub const DISPLAY_MAX: u32 = 1600;
/// Long side of the thumbnail.
pub const THUMB_MAX: u32 = 320;
/// JPEG quality of the display copy.
pub const DISPLAY_QUALITY: i32 = 80;
/// JPEG quality of the thumbnail.
pub const THUMB_QUALITY: i32 = 75;

/// What the bytes are, judged from their first bytes only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Webp,
    /// HEIC/HEIF/AVIF: iPhones' default; not decodable here.
    Heif,
    Unknown,
}

impl Sniffed {
    pub fn of(bytes: &[u8]) -> Sniffed {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Sniffed::Jpeg
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Sniffed::Png
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Sniffed::Webp
        } else if bytes.len() >= 12
            && &bytes[4..8] == b"ftyp"
            && matches!(
                &bytes[8..12],
                b"heic"
                    | b"heix"
                    | b"hevc"
                    | b"hevx"
                    | b"heim"
                    | b"heis"
                    | b"mif1"
                    | b"msf1"
                    | b"avif"
            )
        {
            Sniffed::Heif
        } else {
            Sniffed::Unknown
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "jpeg",
            Sniffed::Png => "png",
            Sniffed::Webp => "webp",
            Sniffed::Heif => "heif",
            Sniffed::Unknown => "unknown",
        }
    }
}

/// Why a photo was refused. Each is a 4xx with a message for the worker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("file too large ({0} bytes)")]
    TooLarge(usize),
    #[error("HEIC/HEIF photo")]
    Heif,
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("{width}×{height} pixels is too large")]
    TooManyPixels { width: u32, height: u32 },
    #[error("damaged or incomplete image: {0}")]
    Corrupt(String),
    #[error("progressive JPEG with {0} scans")]
    TooManyScans(usize),
    #[error("decoding would need {bytes} bytes, more than the whole decode budget")]
    TooCostly { bytes: u64 },
    /// The decode budget stayed full for the whole wait: a 503, sent again later.
    #[error("decode budget busy")]
    Busy,
}

/// One finished photo: the derivatives to store and the evidence behind them.
#[derive(Debug, Clone)]
pub struct Processed {
    pub format: Sniffed,
    pub original_size: (u32, u32),
    /// SHA-256 of the bytes as received (lower-case hex): also their storage key.
    pub sha256: String,
    pub exif: Exif,
    pub display: Vec<u8>,
    pub display_size: (u32, u32),
    pub thumb: Vec<u8>,
    pub thumb_size: (u32, u32),
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Warnings libjpeg-turbo raises on real phones' files whose pixels are still complete.
const TOLERATED_JPEG_WARNINGS: &[&str] =
    &["extraneous bytes before marker", "Invalid SOS parameters"];

/// What decoding `bytes` will hold in memory, or why they are refused before decoding.
pub fn cost_of(bytes: &[u8]) -> Result<header::Cost, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge(bytes.len()));
    }
    header::decode_cost(bytes, |w, h| {
        let f = jpeg_scale(w, h, DISPLAY_MAX);
        (f.scale(w as usize) as u32, f.scale(h as usize) as u32)
    })
}

/// Runs the whole pipeline on one photo (CPU-bound: call it on a blocking thread).
pub fn process(bytes: &[u8]) -> Result<Processed, PhotoError> {
    cost_of(bytes)?;
    process_checked(bytes)
}

/// [`process`] once [`cost_of`] has accepted the bytes.
fn process_checked(bytes: &[u8]) -> Result<Processed, PhotoError> {
    let format = Sniffed::of(bytes);
    let exif = Exif::read(bytes);
    let orientation = exif.orientation.unwrap_or(1);
    // Every derivative is decoded and encoded again, however small the file: a copy of the
    // camera's file would keep its quantisation and Huffman tables and any embedded thumbnail,
    // which can tell the phone model (and so the worker) apart.
    let (rgb, width, height, original_size) = match format {
        Sniffed::Jpeg => decode_jpeg(bytes, DISPLAY_MAX)?,
        Sniffed::Png | Sniffed::Webp => decode_other(bytes, format)?,
        Sniffed::Heif => return Err(PhotoError::Heif),
        Sniffed::Unknown => return Err(PhotoError::NotAnImage),
    };
    let swaps = matches!(orientation, 5..=8);

    // Display size, computed in the upright frame, then resized in the stored frame.
    let (up_w, up_h) = if swaps {
        (height, width)
    } else {
        (width, height)
    };
    let (disp_w, disp_h) = fit(up_w, up_h, DISPLAY_MAX);
    let (stored_w, stored_h) = if swaps {
        (disp_h, disp_w)
    } else {
        (disp_w, disp_h)
    };
    let resized = resize(rgb, width, height, stored_w, stored_h)?;
    let upright = orient(&resized, stored_w, stored_h, orientation);
    let display = encode(&upright, disp_w, disp_h, DISPLAY_QUALITY)?;

    let (thumb_w, thumb_h) = fit(disp_w, disp_h, THUMB_MAX);
    let thumb_rgb = resize(upright, disp_w, disp_h, thumb_w, thumb_h)?;
    let thumb = encode(&thumb_rgb, thumb_w, thumb_h, THUMB_QUALITY)?;

    Ok(Processed {
        format,
        original_size,
        sha256: sha256_hex(bytes),
        exif,
        display,
        display_size: (disp_w, disp_h),
        thumb,
        thumb_size: (thumb_w, thumb_h),
    })
}

fn check_dimensions(width: u32, height: u32) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt("zero-sized image".into()));
    }
    if width > MAX_DIMENSION
        || height > MAX_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    Ok(())
}

/// Scales `(w, h)` down so the long side is at most `max` (never up).
pub fn fit(w: u32, h: u32, max: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max {
        return (w, h);
    }
    let scale = f64::from(max) / f64::from(long);
    let sw = ((f64::from(w) * scale).round() as u32).clamp(1, max);
    let sh = ((f64::from(h) * scale).round() as u32).clamp(1, max);
    (sw, sh)
}

type Decoded = (Vec<u8>, u32, u32, (u32, u32));

/// The smallest DCT scale whose long side still reaches `target`.
fn jpeg_scale(w: u32, h: u32, target: u32) -> ScalingFactor {
    let long = w.max(h) as usize;
    let mut factors = Decompressor::supported_scaling_factors();
    factors.retain(|f| f.num() <= f.denom());
    factors.sort_by(|a, b| (a.num() * b.denom()).cmp(&(b.num() * a.denom())));
    factors
        .into_iter()
        .find(|f| f.scale(long) >= target as usize)
        .unwrap_or(ScalingFactor::ONE)
}

/// Decodes at the smallest DCT scale whose long side still reaches `target`.
fn decode_jpeg(bytes: &[u8], target: u32) -> Result<Decoded, PhotoError> {
    let corrupt = |e: turbojpeg::Error| PhotoError::Corrupt(e.to_string());
    let mut d = Decompressor::new().map_err(corrupt)?;
    let header = d.read_header(bytes).map_err(|_| PhotoError::NotAnImage)?;
    let (w, h) = (header.width as u32, header.height as u32);
    check_dimensions(w, h)?;
    // The marker walk refused more scans already; libjpeg-turbo's own limit is the backstop.
    d.set_scan_limit(header::MAX_JPEG_SCANS as u32)
        .map_err(corrupt)?;
    let factor = jpeg_scale(w, h, target);
    d.set_scaling_factor(factor).map_err(corrupt)?;
    let scaled = header.scaled(factor);
    let mut image = TjImage {
        pixels: vec![0u8; 3 * scaled.width * scaled.height],
        width: scaled.width,
        pitch: 3 * scaled.width,
        height: scaled.height,
        format: PixelFormat::RGB,
    };
    if let Err(e) = d.decompress(bytes, image.as_deref_mut()) {
        let message = e.to_string();
        if !TOLERATED_JPEG_WARNINGS.iter().any(|w| message.contains(w)) {
            return Err(PhotoError::Corrupt(message));
        }
    }
    Ok((
        image.pixels,
        scaled.width as u32,
        scaled.height as u32,
        (w, h),
    ))
}

fn decode_other(bytes: &[u8], format: Sniffed) -> Result<Decoded, PhotoError> {
    let image_format = match format {
        Sniffed::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::WebP,
    };
    let reader = image::ImageReader::with_format(Cursor::new(bytes), image_format);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    check_dimensions(w, h)?;
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_PIXELS * 8);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let rgb = decoded.into_rgb8();
    Ok((rgb.into_raw(), w, h, (w, h)))
}

fn resize(rgb: Vec<u8>, w: u32, h: u32, to_w: u32, to_h: u32) -> Result<Vec<u8>, PhotoError> {
    if (w, h) == (to_w, to_h) {
        return Ok(rgb);
    }
    let src = FirImage::from_vec_u8(w, h, rgb, PixelType::U8x3)
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let mut dst = FirImage::new(to_w, to_h, PixelType::U8x3);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom)),
        )
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    Ok(dst.into_vec())
}

/// Applies an EXIF orientation (1–8) to a packed RGB image of `w`×`h`.
pub fn orient(rgb: &[u8], w: u32, h: u32, orientation: u8) -> Vec<u8> {
    if orientation <= 1 || orientation > 8 {
        return rgb.to_vec();
    }
    let (w, h) = (w as usize, h as usize);
    let (out_w, out_h) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; rgb.len()];
    for y in 0..out_h {
        for x in 0..out_w {
            let (sx, sy) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x), // 8
            };
            let s = (sy * w + sx) * 3;
            let d = (y * out_w + x) * 3;
            out[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
        }
    }
    out
}

/// Baseline JPEG, 4:2:0, no metadata of any kind (libjpeg-turbo writes only JFIF).
fn encode(rgb: &[u8], w: u32, h: u32, quality: i32) -> Result<Vec<u8>, PhotoError> {
    let err = |e: turbojpeg::Error| PhotoError::Corrupt(e.to_string());
    let mut c = Compressor::new().map_err(err)?;
    c.set_quality(quality).map_err(err)?;
    c.set_subsamp(Subsamp::Sub2x2).map_err(err)?;
    c.compress_to_vec(TjImage {
        pixels: rgb,
        width: w as usize,
        pitch: 3 * w as usize,
        height: h as usize,
        format: PixelFormat::RGB,
    })
    .map_err(err)
}

/// Runs [`process`] on blocking threads, at most `permits` at a time, each photo within its
/// share of the decode [`budget::Budget`].
#[derive(Clone, Debug)]
pub struct Pipeline {
    permits: Arc<Semaphore>,
    budget: budget::Budget,
}

impl Pipeline {
    /// `permits` photos decoded at once (one per core by default: the work is CPU-bound).
    pub fn new(permits: usize, budget: budget::Budget) -> Pipeline {
        Pipeline {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            budget,
        }
    }

    pub fn per_core(budget: budget::Budget) -> Pipeline {
        Pipeline::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            budget,
        )
    }

    pub fn budget(&self) -> &budget::Budget {
        &self.budget
    }

    pub async fn process(&self, bytes: Arc<Vec<u8>>) -> Result<Processed, PhotoError> {
        let cost = cost_of(&bytes)?;
        self.process_known(bytes, cost).await
    }

    /// [`Pipeline::process`] for bytes whose [`cost_of`] is known.
    pub async fn process_known(
        &self,
        bytes: Arc<Vec<u8>>,
        cost: header::Cost,
    ) -> Result<Processed, PhotoError> {
        // Memory first, then a core: a photo holding a core never waits for memory.
        let _share = self.budget.reserve(cost.bytes).await?;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PhotoError::Corrupt("shutting down".into()))?;
        tokio::task::spawn_blocking(move || process_checked(&bytes))
            .await
            .unwrap_or_else(|e| Err(PhotoError::Corrupt(format!("pipeline task failed: {e}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_fit_without_upscaling() {
        assert_eq!(fit(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit(800, 600, 1600), (800, 600));
        assert_eq!(fit(20000, 10, 1600), (1600, 1));
    }

    #[test]
    fn file_types_are_told_by_their_first_bytes() {
        assert_eq!(Sniffed::of(&[0xFF, 0xD8, 0xFF, 0xE0]), Sniffed::Jpeg);
        assert_eq!(Sniffed::of(b"\x89PNG\r\n\x1a\n...."), Sniffed::Png);
        assert_eq!(Sniffed::of(b"RIFF\0\0\0\0WEBPVP8 "), Sniffed::Webp);
        assert_eq!(Sniffed::of(b"\0\0\0\x18ftypheic\0\0\0\0"), Sniffed::Heif);
        assert_eq!(Sniffed::of(b"GIF89a......"), Sniffed::Unknown);
        assert_eq!(Sniffed::of(b""), Sniffed::Unknown);
    }

    /// A 3×2 image whose pixels are numbered 0..6 (red channel), to follow them around.
    fn numbered() -> Vec<u8> {
        (0..6u8).flat_map(|i| [i, 0, 0]).collect()
    }

    fn reds(rgb: &[u8]) -> Vec<u8> {
        rgb.chunks(3).map(|p| p[0]).collect()
    }

    #[test]
    fn every_orientation_turns_the_image_upright() {
        // Stored 3×2:  0 1 2 / 3 4 5
        let src = numbered();
        assert_eq!(reds(&orient(&src, 3, 2, 1)), [0, 1, 2, 3, 4, 5]);
        assert_eq!(reds(&orient(&src, 3, 2, 2)), [2, 1, 0, 5, 4, 3]); // mirrored
        assert_eq!(reds(&orient(&src, 3, 2, 3)), [5, 4, 3, 2, 1, 0]); // 180°
        assert_eq!(reds(&orient(&src, 3, 2, 4)), [3, 4, 5, 0, 1, 2]); // flipped
        assert_eq!(reds(&orient(&src, 3, 2, 5)), [0, 3, 1, 4, 2, 5]); // transposed, 2×3
        assert_eq!(reds(&orient(&src, 3, 2, 6)), [3, 0, 4, 1, 5, 2]); // 90° clockwise, 2×3
        assert_eq!(reds(&orient(&src, 3, 2, 7)), [5, 2, 4, 1, 3, 0]); // transverse, 2×3
        assert_eq!(reds(&orient(&src, 3, 2, 8)), [2, 5, 1, 4, 0, 3]); // 90° anticlockwise, 2×3
    }

    #[test]
    fn a_small_upright_jpeg_is_encoded_again_so_no_camera_trace_survives() {
        let rgb: Vec<u8> = (0..800 * 600 * 3).map(|i| (i % 251) as u8).collect();
        let image = TjImage {
            pixels: &rgb[..],
            width: 800,
            pitch: 2400,
            height: 600,
            format: PixelFormat::RGB,
        };
        // A "camera" file: its own quality (so its own quantisation tables) and a JFXX
        // thumbnail segment after the JFIF header.
        let camera = turbojpeg::compress(image, 97, Subsamp::Sub2x1)
            .unwrap()
            .to_vec();
        let mut file = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        file.extend_from_slice(b"JFXX\x00\x13thumbnai");
        file.extend_from_slice(&camera[2..]);
        let p = process(&file).unwrap();
        assert_eq!(p.display_size, (800, 600));
        assert_eq!(p.thumb_size, (320, 240));
        assert!(!p.display.windows(4).any(|w| w == b"JFXX"));
        let tables = |jpeg: &[u8]| -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            let mut i = 2;
            while i + 4 <= jpeg.len() && jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA {
                let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
                if jpeg[i + 1] == 0xDB {
                    out.push(jpeg[i..i + 2 + len].to_vec());
                }
                i += 2 + len;
            }
            out
        };
        let theirs = tables(&camera);
        assert!(!theirs.is_empty());
        for table in tables(&p.display) {
            assert!(
                !theirs.contains(&table),
                "a camera quantisation table survived"
            );
        }
        let mut cut = file.clone();
        cut.truncate(file.len() / 2);
        assert!(
            matches!(process(&cut), Err(PhotoError::Corrupt(_))),
            "a truncated small JPEG is refused too"
        );
    }

    #[test]
    fn refuses_before_decoding() {
        assert_eq!(
            process(b"hello world, not an image").err(),
            Some(PhotoError::NotAnImage)
        );
        assert_eq!(
            process(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").err(),
            Some(PhotoError::Heif)
        );
        assert!(matches!(
            process(&vec![0xFF; MAX_PHOTO_BYTES + 1]),
            Err(PhotoError::TooLarge(_))
        ));
    }
}
