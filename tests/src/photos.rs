//! Test photos: real JPEGs and PNGs, with known EXIF, a known picture (four coloured quadrants,
//! so a test can tell which way up it is), and the broken and hostile files a server must refuse.

use app::domain::exif::fixture::{tiff_block, with_exif};

/// The colour of each quadrant of the upright picture: top-left, top-right, bottom-left,
/// bottom-right.
pub const QUADRANTS: [[u8; 3]; 4] = [[220, 30, 30], [30, 180, 30], [30, 60, 220], [240, 240, 240]];

/// The upright picture, `w`×`h`, RGB.
pub fn quadrants(w: usize, h: usize) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let q = usize::from(y >= h / 2) * 2 + usize::from(x >= w / 2);
            rgb.extend_from_slice(&QUADRANTS[q]);
        }
    }
    rgb
}

/// How a camera stores an upright picture so that EXIF `orientation` turns it upright again.
pub fn stored_for(orientation: u8, rgb: &[u8], w: usize, h: usize) -> (Vec<u8>, usize, usize) {
    // The inverse of each orientation's transform.
    let (out_w, out_h) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; rgb.len()];
    for y in 0..out_h {
        for x in 0..out_w {
            // (x, y) in the stored image comes from (ux, uy) in the upright one.
            let (ux, uy) = match orientation {
                1 => (x, y),
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (w - 1 - y, x),
                7 => (w - 1 - y, h - 1 - x),
                8 => (y, h - 1 - x),
                _ => panic!("orientation {orientation}"),
            };
            let s = (uy * w + ux) * 3;
            let d = (y * out_w + x) * 3;
            out[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
        }
    }
    (out, out_w, out_h)
}

/// A JPEG of an RGB buffer.
pub fn encode_jpeg(rgb: &[u8], w: usize, h: usize, quality: i32) -> Vec<u8> {
    let image = turbojpeg::Image {
        pixels: rgb,
        width: w,
        pitch: w * 3,
        height: h,
        format: turbojpeg::PixelFormat::RGB,
    };
    turbojpeg::compress(image, quality, turbojpeg::Subsamp::Sub2x2)
        .expect("encode jpeg")
        .to_vec()
}

/// A camera-like JPEG: the upright `w`×`h` quadrant picture stored for `orientation`, with EXIF
/// orientation, capture time and GPS (34°45'36"N 113°37'18"E: Zhengzhou).
pub fn camera_jpeg(w: usize, h: usize, orientation: u8) -> Vec<u8> {
    let (stored, sw, sh) = stored_for(orientation, &quadrants(w, h), w, h);
    let jpeg = encode_jpeg(&stored, sw, sh, 90);
    let tiff = tiff_block(
        u16::from(orientation),
        "2026:07:14 10:22:33",
        (34, 45, 3600),
        (113, 37, 1800),
    );
    with_exif(&jpeg, &tiff)
}

/// A JPEG without metadata.
pub fn plain_jpeg(w: usize, h: usize) -> Vec<u8> {
    encode_jpeg(&quadrants(w, h), w, h, 85)
}

/// A small PNG.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_raw(w, h, quadrants(w as usize, h as usize)).expect("png buffer");
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// A PNG whose header claims `w`×`h` (a decompression bomb): valid signature and IHDR, one tiny
/// IDAT. A server that decodes before checking would try to allocate w·h·3 bytes.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The start of an iPhone HEIC file (ISO-BMFF `ftyp` box with brand `heic`).
pub fn heic() -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x18];
    out.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    out.extend_from_slice(&[0u8; 256]);
    out
}

/// The colour at a fraction of the way across and down a decoded RGB picture.
pub fn colour_at(rgb: &[u8], w: usize, h: usize, fx: f64, fy: f64) -> [u8; 3] {
    let x = ((w as f64) * fx) as usize;
    let y = ((h as f64) * fy) as usize;
    let i = (y * w + x) * 3;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// Whether two colours are within JPEG noise of each other.
pub fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (i16::from(*x) - i16::from(y)).abs() < 40)
}

/// Decodes a JPEG to RGB.
pub fn decode(jpeg: &[u8]) -> (Vec<u8>, usize, usize) {
    let image = turbojpeg::decompress(jpeg, turbojpeg::PixelFormat::RGB).expect("decode jpeg");
    (image.pixels, image.width, image.height)
}

/// Whether the bytes decode as a picture in any format the product takes (JPEG, PNG, WebP).
pub fn decodes(bytes: &[u8]) -> bool {
    turbojpeg::decompress(bytes, turbojpeg::PixelFormat::RGB).is_ok()
        || image::load_from_memory(bytes).is_ok()
}

/// Whether a decoded picture is upright: each quadrant has its colour.
pub fn is_upright(rgb: &[u8], w: usize, h: usize) -> bool {
    close(colour_at(rgb, w, h, 0.25, 0.25), QUADRANTS[0])
        && close(colour_at(rgb, w, h, 0.75, 0.25), QUADRANTS[1])
        && close(colour_at(rgb, w, h, 0.25, 0.75), QUADRANTS[2])
        && close(colour_at(rgb, w, h, 0.75, 0.75), QUADRANTS[3])
}

/// A `w`×`h` grey JPEG with a bright red square (`side` px, top left at `x`, `y`): the pattern a
/// mask must leave no trace of.
pub fn red_square_jpeg(w: usize, h: usize, x: usize, y: usize, side: usize) -> Vec<u8> {
    let mut rgb = vec![128u8; w * h * 3];
    for row in y..y + side {
        for col in x..x + side {
            let i = (row * w + col) * 3;
            rgb[i..i + 3].copy_from_slice(&[230, 20, 20]);
        }
    }
    encode_jpeg(&rgb, w, h, 92)
}

/// Pixels of a decoded picture inside a rectangle (fractions of its width and height).
pub fn pixels_in(rgb: &[u8], w: usize, h: usize, fx: (f64, f64), fy: (f64, f64)) -> Vec<[u8; 3]> {
    let (x0, x1) = ((w as f64 * fx.0) as usize, (w as f64 * fx.1) as usize);
    let (y0, y1) = ((h as f64 * fy.0) as usize, (h as f64 * fy.1) as usize);
    let mut out = Vec::new();
    for y in y0..y1.min(h) {
        for x in x0..x1.min(w) {
            let i = (y * w + x) * 3;
            out.push([rgb[i], rgb[i + 1], rgb[i + 2]]);
        }
    }
    out
}
