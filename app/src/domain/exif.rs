//! A small EXIF reader: capture time, GPS position and orientation from a JPEG, PNG or WebP.
//!
//! Used in the browser (before the photo is compressed, which drops the metadata) and on the
//! server (the evidence record). Reads only what it needs, checks every offset, never panics on
//! hostile input, and gives up quietly (`Exif::default()`) on anything it does not understand.

/// What the evidence record keeps from a photo's metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exif {
    /// 1 (upright) … 8, as in the EXIF Orientation tag.
    pub orientation: Option<u8>,
    /// DateTimeOriginal as `YYYY-MM-DDTHH:MM:SS` (camera local time).
    pub taken_at: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// How far into a file to look for the metadata (it sits at the start in all three formats).
pub const SCAN_LIMIT: usize = 256 * 1024;

impl Exif {
    /// Reads the metadata of a JPEG, PNG or WebP file (only the first [`SCAN_LIMIT`] bytes).
    pub fn read(file: &[u8]) -> Exif {
        let file = &file[..file.len().min(SCAN_LIMIT)];
        find_tiff(file).map(parse_tiff).unwrap_or_default()
    }
}

/// The TIFF structure inside the container.
fn find_tiff(file: &[u8]) -> Option<&[u8]> {
    if file.starts_with(&[0xFF, 0xD8]) {
        // JPEG: segments until start of scan; APP1 "Exif\0\0".
        let mut i = 2;
        while i + 4 <= file.len() {
            if file[i] != 0xFF {
                return None;
            }
            let marker = file[i + 1];
            if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
                i += 2;
                continue;
            }
            if marker == 0xDA || marker == 0xD9 {
                return None;
            }
            let len = usize::from(u16::from_be_bytes([file[i + 2], file[i + 3]]));
            let body = file.get(i + 4..i + 2 + len)?;
            if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
                return Some(&body[6..]);
            }
            i += 2 + len;
        }
        None
    } else if file.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut i = 8;
        while i + 8 <= file.len() {
            let len = u32::from_be_bytes(file[i..i + 4].try_into().ok()?) as usize;
            let kind = &file[i + 4..i + 8];
            let body = file.get(i + 8..(i + 8).checked_add(len)?)?;
            if kind == b"eXIf" {
                return Some(body);
            }
            if kind == b"IDAT" || kind == b"IEND" {
                return None;
            }
            i = i.checked_add(12 + len)?;
        }
        None
    } else if file.len() >= 12 && &file[0..4] == b"RIFF" && &file[8..12] == b"WEBP" {
        let mut i = 12;
        while i + 8 <= file.len() {
            let len = u32::from_le_bytes(file[i + 4..i + 8].try_into().ok()?) as usize;
            let body = file.get(i + 8..(i + 8).checked_add(len)?)?;
            if &file[i..i + 4] == b"EXIF" {
                // Some writers keep the JPEG-style "Exif\0\0" prefix.
                return Some(body.strip_prefix(b"Exif\0\0").unwrap_or(body));
            }
            i = i.checked_add(8 + len + (len & 1))?;
        }
        None
    } else {
        None
    }
}

#[derive(Clone, Copy)]
struct Tiff<'a> {
    data: &'a [u8],
    little: bool,
}

impl<'a> Tiff<'a> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// The entries of the IFD at `offset`: (tag, type, count, value-or-offset position).
    fn entries(&self, offset: usize) -> impl Iterator<Item = (u16, u16, u32, usize)> + 'a {
        let this = *self;
        let count = this.u16(offset).unwrap_or(0) as usize;
        (0..count.min(512)).filter_map(move |n| {
            let at = offset + 2 + n * 12;
            Some((this.u16(at)?, this.u16(at + 2)?, this.u32(at + 4)?, at + 8))
        })
    }

    /// Where a value of `size` bytes lives: inline when it fits in 4 bytes, else at the offset.
    fn value_at(&self, field: usize, size: usize) -> Option<usize> {
        if size <= 4 {
            Some(field)
        } else {
            let at = self.u32(field)? as usize;
            (at.checked_add(size)? <= self.data.len()).then_some(at)
        }
    }

    fn ascii(&self, field: usize, count: u32) -> Option<&'a str> {
        let n = count as usize;
        let at = self.value_at(field, n)?;
        let bytes = self.data.get(at..at + n)?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(n);
        std::str::from_utf8(&bytes[..end]).ok()
    }

    fn rationals(&self, field: usize, count: u32) -> Option<Vec<f64>> {
        let n = (count as usize).min(8);
        let at = self.value_at(field, n * 8)?;
        (0..n)
            .map(|i| {
                let num = f64::from(self.u32(at + i * 8)?);
                let den = f64::from(self.u32(at + i * 8 + 4)?);
                (den != 0.0).then(|| num / den)
            })
            .collect()
    }
}

const TAG_ORIENTATION: u16 = 0x0112;
const TAG_EXIF_IFD: u16 = 0x8769;
const TAG_GPS_IFD: u16 = 0x8825;
const TAG_DATETIME_ORIGINAL: u16 = 0x9003;
const TYPE_ASCII: u16 = 2;
const TYPE_SHORT: u16 = 3;
const TYPE_LONG: u16 = 4;
const TYPE_RATIONAL: u16 = 5;

fn parse_tiff(data: &[u8]) -> Exif {
    let little = match data.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return Exif::default(),
    };
    let tiff = Tiff { data, little };
    if tiff.u16(2) != Some(42) {
        return Exif::default();
    }
    let mut exif = Exif::default();
    let Some(ifd0) = tiff.u32(4).map(|o| o as usize) else {
        return exif;
    };
    let mut exif_ifd = None;
    let mut gps_ifd = None;
    for (tag, kind, _count, field) in tiff.entries(ifd0) {
        match (tag, kind) {
            (TAG_ORIENTATION, TYPE_SHORT) => {
                exif.orientation = tiff
                    .u16(field)
                    .and_then(|o| u8::try_from(o).ok())
                    .filter(|o| (1..=8).contains(o));
            }
            (TAG_EXIF_IFD, TYPE_LONG) => exif_ifd = tiff.u32(field).map(|o| o as usize),
            (TAG_GPS_IFD, TYPE_LONG) => gps_ifd = tiff.u32(field).map(|o| o as usize),
            _ => {}
        }
    }
    if let Some(ifd) = exif_ifd {
        for (tag, kind, count, field) in tiff.entries(ifd) {
            if tag == TAG_DATETIME_ORIGINAL && kind == TYPE_ASCII {
                exif.taken_at = tiff.ascii(field, count).and_then(exif_datetime);
            }
        }
    }
    if let Some(ifd) = gps_ifd {
        let (mut lat_ref, mut lon_ref, mut lat, mut lon) = (None, None, None, None);
        for (tag, kind, count, field) in tiff.entries(ifd) {
            match (tag, kind) {
                (1, TYPE_ASCII) => {
                    lat_ref = tiff.ascii(field, count).and_then(|s| s.chars().next())
                }
                (2, TYPE_RATIONAL) => lat = tiff.rationals(field, count).and_then(|v| dms(&v)),
                (3, TYPE_ASCII) => {
                    lon_ref = tiff.ascii(field, count).and_then(|s| s.chars().next())
                }
                (4, TYPE_RATIONAL) => lon = tiff.rationals(field, count).and_then(|v| dms(&v)),
                _ => {}
            }
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            let lat = if lat_ref == Some('S') { -lat } else { lat };
            let lon = if lon_ref == Some('W') { -lon } else { lon };
            if (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon)
                && !(lat == 0.0 && lon == 0.0)
            {
                exif.lat = Some(lat);
                exif.lon = Some(lon);
            }
        }
    }
    exif
}

/// Degrees, minutes, seconds → decimal degrees.
fn dms(v: &[f64]) -> Option<f64> {
    match v {
        [d, m, s, ..] => Some(d + m / 60.0 + s / 3600.0),
        [d] => Some(*d),
        _ => None,
    }
}

/// `2026:07:14 10:22:33` → `2026-07-14T10:22:33`; anything else (including all-zero
/// placeholders) → `None`.
fn exif_datetime(s: &str) -> Option<String> {
    let b = s.trim().as_bytes();
    if b.len() < 19 || b[4] != b':' || b[7] != b':' || b[10] != b' ' {
        return None;
    }
    let mut out = String::from_utf8(b[..19].to_vec()).ok()?;
    out.replace_range(4..5, "-");
    out.replace_range(7..8, "-");
    out.replace_range(10..11, "T");
    crate::domain::report::is_local_datetime(&out).then_some(out)
}

/// Builders for photos with known metadata (tests here and in the `tests` crate).
#[cfg(any(test, feature = "test-support"))]
pub mod fixture {
    /// A little-endian TIFF block with orientation, DateTimeOriginal and GPS.
    pub fn tiff_block(
        orientation: u16,
        taken: &str,
        lat: (u32, u32, u32),
        lon: (u32, u32, u32),
    ) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"II*\0");
        t.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: 3 entries, next 0. Entries are 12 bytes.
        let ifd0 = 8;
        let exif_ifd = ifd0 + 2 + 3 * 12 + 4; // 50
        let exif_len = 2 + 12 + 4;
        let gps_ifd = exif_ifd + exif_len; // 68
        let gps_len = 2 + 4 * 12 + 4;
        let data = gps_ifd + gps_len; // 122
        let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&kind.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        };
        t.extend_from_slice(&3u16.to_le_bytes());
        entry(&mut t, 0x0112, 3, 1, u32::from(orientation));
        entry(&mut t, 0x8769, 4, 1, exif_ifd as u32);
        entry(&mut t, 0x8825, 4, 1, gps_ifd as u32);
        t.extend_from_slice(&0u32.to_le_bytes());
        // Exif IFD: DateTimeOriginal (20 bytes at `data`).
        t.extend_from_slice(&1u16.to_le_bytes());
        entry(&mut t, 0x9003, 2, 20, data as u32);
        t.extend_from_slice(&0u32.to_le_bytes());
        // GPS IFD: N, lat (3 rationals at data+20), E, lon (at data+44).
        t.extend_from_slice(&4u16.to_le_bytes());
        entry(&mut t, 1, 2, 2, u32::from(b'N'));
        entry(&mut t, 2, 5, 3, (data + 20) as u32);
        entry(&mut t, 3, 2, 2, u32::from(b'E'));
        entry(&mut t, 4, 5, 3, (data + 44) as u32);
        t.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(t.len(), data);
        let mut taken = taken.as_bytes().to_vec();
        taken.resize(20, 0);
        t.extend_from_slice(&taken);
        for (d, m, s) in [lat, lon] {
            for (num, den) in [(d, 1u32), (m, 1), (s, 100)] {
                t.extend_from_slice(&num.to_le_bytes());
                t.extend_from_slice(&den.to_le_bytes());
            }
        }
        t
    }

    /// The TIFF block as a JPEG APP1 segment, spliced after the SOI of `jpeg`.
    pub fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{tiff_block, with_exif};
    use super::*;

    const TINY_JPEG_HEAD: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x03, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9,
    ];

    #[test]
    fn reads_orientation_time_and_gps_from_a_jpeg() {
        let tiff = tiff_block(6, "2026:07:14 10:22:33", (34, 45, 3600), (113, 37, 1800));
        let exif = Exif::read(&with_exif(TINY_JPEG_HEAD, &tiff));
        assert_eq!(exif.orientation, Some(6));
        assert_eq!(exif.taken_at.as_deref(), Some("2026-07-14T10:22:33"));
        assert!((exif.lat.unwrap() - (34.0 + 45.0 / 60.0 + 36.0 / 3600.0)).abs() < 1e-9);
        assert!((exif.lon.unwrap() - (113.0 + 37.0 / 60.0 + 18.0 / 3600.0)).abs() < 1e-9);
    }

    #[test]
    fn files_without_metadata_or_not_images_give_nothing() {
        assert_eq!(Exif::read(TINY_JPEG_HEAD), Exif::default());
        assert_eq!(Exif::read(b"hello"), Exif::default());
        assert_eq!(Exif::read(&[]), Exif::default());
    }

    #[test]
    fn truncated_or_hostile_metadata_never_panics() {
        let tiff = tiff_block(3, "2026:07:14 10:22:33", (34, 45, 0), (113, 37, 0));
        let full = with_exif(TINY_JPEG_HEAD, &tiff);
        for cut in 0..full.len() {
            let _ = Exif::read(&full[..cut]);
        }
        // Every single byte flipped.
        for i in 0..full.len() {
            let mut bad = full.clone();
            bad[i] ^= 0xFF;
            let _ = Exif::read(&bad);
        }
    }

    #[test]
    fn placeholder_dates_are_dropped() {
        let tiff = tiff_block(1, "0000:00:00 00:00:00", (0, 0, 0), (0, 0, 0));
        let exif = Exif::read(&with_exif(TINY_JPEG_HEAD, &tiff));
        assert_eq!(exif.taken_at, None);
        assert_eq!(exif.lat, None, "0,0 is a missing fix, not a place");
        assert_eq!(exif.orientation, Some(1));
    }
}
