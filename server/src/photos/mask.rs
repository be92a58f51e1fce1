//! Masking a hazard photo before the enterprise sees it: the inspector's rectangles (a face, a
//! badge, a name tag, the one machine only one person runs) are painted over in the pixels of a
//! new copy — not a layer, not CSS — widened to whole 16-pixel JPEG blocks, so that nothing of
//! what was there survives the re-encoding (no block, no chroma sample mixes masked and kept
//! pixels). The copy and its thumbnail are encoded afresh, with no metadata; the union's copy
//! and the original are untouched.

use super::{encode, fit, resize, PhotoError, DISPLAY_QUALITY, THUMB_MAX, THUMB_QUALITY};
use turbojpeg::{Decompressor, Image as TjImage, PixelFormat};

/// One rectangle, in thousandths of the photo's width and height (what the notice form sends,
/// whatever size the inspector's screen showed the photo at).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

/// Rectangles one photo may have.
pub const MAX_MASKS_PER_PHOTO: usize = 20;
/// The colour masked pixels become.
pub const MASK_RGB: [u8; 3] = [24, 24, 24];
/// JPEG blocks (4:2:0 MCUs) are this many pixels wide and high.
const BLOCK: u32 = 16;

impl Rect {
    /// Reads `x,y,w,h` (each 0–1000, the rectangle inside the photo, not empty).
    pub fn parse(s: &str) -> Option<Rect> {
        let n: Vec<u16> = s
            .split(',')
            .map(|p| p.trim().parse::<u16>().ok())
            .collect::<Option<Vec<_>>>()?;
        let [x, y, w, h] = n.as_slice() else {
            return None;
        };
        let ok = *w > 0 && *h > 0 && x + w <= 1000 && y + h <= 1000;
        ok.then_some(Rect {
            x: *x,
            y: *y,
            w: *w,
            h: *h,
        })
    }

    /// The pixels it covers in a `width` × `height` image, widened to whole blocks.
    fn pixels(self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let scale = |v: u16, size: u32| (u32::from(v) * size) / 1000;
        let scale_up = |v: u16, size: u32| (u32::from(v) * size).div_ceil(1000);
        let x0 = scale(self.x, width) / BLOCK * BLOCK;
        let y0 = scale(self.y, height) / BLOCK * BLOCK;
        let x1 = (scale_up(self.x + self.w, width).div_ceil(BLOCK) * BLOCK).min(width);
        let y1 = (scale_up(self.y + self.h, height).div_ceil(BLOCK) * BLOCK).min(height);
        (x0, y0, x1, y1)
    }
}

/// A masked copy of a display JPEG: (display, its size, thumbnail, its size).
pub type Masked = (Vec<u8>, (u32, u32), Vec<u8>, (u32, u32));

/// Paints `rects` over a copy of the display photo and encodes it and its thumbnail again
/// (CPU-bound: call it on a blocking thread).
pub fn mask(display: &[u8], rects: &[Rect]) -> Result<Masked, PhotoError> {
    let err = |e: turbojpeg::Error| PhotoError::Corrupt(e.to_string());
    let mut d = Decompressor::new().map_err(err)?;
    let header = d.read_header(display).map_err(err)?;
    let (w, h) = (header.width as u32, header.height as u32);
    let mut rgb = vec![0u8; 3 * header.width * header.height];
    d.decompress(
        display,
        TjImage {
            pixels: rgb.as_mut_slice(),
            width: header.width,
            pitch: 3 * header.width,
            height: header.height,
            format: PixelFormat::RGB,
        },
    )
    .map_err(err)?;
    for r in rects {
        let (x0, y0, x1, y1) = r.pixels(w, h);
        for y in y0..y1 {
            for x in x0..x1 {
                let i = 3 * (y * w + x) as usize;
                rgb[i..i + 3].copy_from_slice(&MASK_RGB);
            }
        }
    }
    let out = encode(&rgb, w, h, DISPLAY_QUALITY)?;
    let (tw, th) = fit(w, h, THUMB_MAX);
    let thumb_rgb = resize(rgb, w, h, tw, th)?;
    let thumb = encode(&thumb_rgb, tw, th, THUMB_QUALITY)?;
    Ok((out, (w, h), thumb, (tw, th)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_are_read_in_thousandths_and_widened_to_whole_blocks() {
        let rect = |x, y, w, h| Rect { x, y, w, h };
        assert_eq!(
            Rect::parse("100, 200,300,400"),
            Some(rect(100, 200, 300, 400))
        );
        for bad in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "900,0,200,10",
            "0,0,0,10",
            "a,b,c,d",
            "-1,0,5,5",
        ] {
            assert_eq!(Rect::parse(bad), None, "{bad}");
        }
        // 1600 × 1200: x 160–640 → 160–640 (block-aligned), y 240–720 → 240–720.
        assert_eq!(
            rect(100, 200, 300, 400).pixels(1600, 1200),
            (160, 240, 640, 720)
        );
        // A rectangle off the block grid grows outward, never inward, and stays in the photo.
        assert_eq!(rect(1, 1, 998, 998).pixels(1000, 750), (0, 0, 1000, 750));
    }
}
