//! Photo evidence of an audit item. A phone sends each photo as a data URL; only JPEG and PNG
//! of bounded size are taken, and what a camera writes beside the picture — EXIF (with the
//! place and time it was taken and the device), XMP, comments, text chunks — is removed
//! before it is stored: a covert shopper's photo must not say who took it or where they live.

use crate::InvalidInput;
use base64::Engine;
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;

/// Largest photo, decoded. The phone form scales pictures down well below it.
pub const MAX_BYTES: usize = 1_500_000;
pub const MAX_PER_ITEM: usize = 3;
pub const MAX_PER_AUDIT: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// The image with its metadata removed.
    pub bytes: Vec<u8>,
}

fn bad() -> InvalidInput {
    InvalidInput::BadPhoto {
        max_kb: MAX_BYTES / 1000,
    }
}

/// PNG chunks that draw the picture; every other (text, time, EXIF, private) is dropped.
const PNG_KEPT: [&[u8; 4]; 8] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB",
];

impl Photo {
    /// From `data:image/jpeg;base64,…` (or `image/png`): decoded, checked to be what it
    /// says, and stripped of its metadata.
    pub fn from_data_url(raw: &str) -> Result<Self, InvalidInput> {
        let (head, data) = raw.trim().split_once(',').ok_or_else(bad)?;
        let head = head.to_ascii_lowercase();
        // Base64 is 4/3 of the bytes: refuse before decoding what could not fit.
        if data.len() > MAX_BYTES / 3 * 4 + 4 {
            return Err(bad());
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| bad())?;
        match head.as_str() {
            "data:image/jpeg;base64" | "data:image/jpg;base64" => Self::jpeg(bytes),
            "data:image/png;base64" => Self::png(bytes),
            _ => Err(bad()),
        }
    }

    fn jpeg(bytes: Vec<u8>) -> Result<Self, InvalidInput> {
        if bytes.len() > MAX_BYTES || !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(bad());
        }
        let mut jpeg = Jpeg::from_bytes(bytes.into()).map_err(|_| bad())?;
        // APP0 (JFIF) and APP14 (Adobe colour) describe the picture; APP1–APP13 and
        // APP15 (EXIF, XMP, ICC, maker notes, Photoshop) and comments describe its maker.
        jpeg.segments_mut().retain(|s| {
            let m = s.marker();
            !((markers::APP1..=markers::APP15).contains(&m) && m != markers::APP14
                || m == markers::COM)
        });
        Ok(Photo {
            content_type: "image/jpeg",
            bytes: jpeg.encoder().bytes().to_vec(),
        })
    }

    fn png(bytes: Vec<u8>) -> Result<Self, InvalidInput> {
        if bytes.len() > MAX_BYTES || !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(bad());
        }
        let mut png = Png::from_bytes(bytes.into()).map_err(|_| bad())?;
        png.chunks_mut()
            .retain(|c| PNG_KEPT.iter().any(|k| c.kind() == **k));
        Ok(Photo {
            content_type: "image/png",
            bytes: png.encoder().bytes().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXIF: &[u8] = b"Exif\0\0GPS 21.1619 -86.8515 Calle Secreta 12";
    const COMMENT: &[u8] = b"taken by shopper 7";

    /// A 1×1 JPEG (baseline, greyscale) with an EXIF segment naming a place.
    fn jpeg_with_exif() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        out.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        out.extend(segment(0xE1, EXIF));
        out.extend(segment(0xFE, COMMENT));
        out.extend(picture());
        out
    }

    /// A segment: marker, big-endian length (itself included), contents.
    fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, marker];
        out.extend(((contents.len() + 2) as u16).to_be_bytes());
        out.extend(contents);
        out
    }

    /// DQT, SOF0 (1×1, one component), DHT (DC and AC, one code each), SOS, the scan, EOI.
    fn picture() -> Vec<u8> {
        let mut out = segment(0xDB, &[&[0u8][..], &[1u8; 64][..]].concat());
        out.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        let table = |class: u8| [&[class][..], &[1u8][..], &[0u8; 15][..], &[0u8][..]].concat();
        out.extend(segment(0xC4, &table(0x00)));
        out.extend(segment(0xC4, &table(0x10)));
        out.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        out.extend([0x00, 0xFF, 0xD9]);
        out
    }

    fn url(kind: &str, bytes: &[u8]) -> String {
        format!(
            "data:image/{kind};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_what_the_camera_wrote_and_keeps_the_picture() {
        let raw = jpeg_with_exif();
        assert!(contains(&raw, b"Calle Secreta"));
        let photo = Photo::from_data_url(&url("jpeg", &raw)).expect("a JPEG");
        assert_eq!(photo.content_type, "image/jpeg");
        assert!(!contains(&photo.bytes, b"Calle Secreta"), "EXIF removed");
        assert!(!contains(&photo.bytes, b"shopper 7"), "comment removed");
        assert!(contains(&photo.bytes, b"JFIF"));
        // Exactly the two segments went: the picture is byte for byte what it was.
        let mut expected = vec![0xFF, 0xD8];
        expected.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        expected.extend(picture());
        assert_eq!(photo.bytes, expected);
    }

    #[test]
    fn a_png_keeps_only_the_chunks_that_draw_it() {
        let mut png = Vec::new();
        {
            let mut enc = ::png::Encoder::new(&mut png, 1, 1);
            enc.set_color(::png::ColorType::Grayscale);
            enc.add_text_chunk("Author".into(), "Shopper 7, Calle Secreta".into())
                .expect("text");
            let mut w = enc.write_header().expect("header");
            w.write_image_data(&[128]).expect("data");
        }
        assert!(contains(&png, b"Calle Secreta"));
        let photo = Photo::from_data_url(&url("png", &png)).expect("a PNG");
        assert_eq!(photo.content_type, "image/png");
        assert!(!contains(&photo.bytes, b"Calle Secreta"));
        assert!(contains(&photo.bytes, b"IDAT") && contains(&photo.bytes, b"IEND"));
    }

    #[test]
    fn anything_else_is_refused() {
        let big = vec![0xFFu8; MAX_BYTES + 1];
        for raw in [
            "not a data url".to_owned(),
            url("gif", b"GIF89a"),
            url("jpeg", b"<script>alert(1)</script>"),
            url("png", &jpeg_with_exif()),
            "data:image/jpeg;base64,@@@".to_owned(),
            url("jpeg", &big),
        ] {
            assert!(
                Photo::from_data_url(&raw).is_err(),
                "{}",
                &raw[..raw.len().min(40)]
            );
        }
    }
}
