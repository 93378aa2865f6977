//! QR codes for survey links: SVG for print shops and the card page, PNG for everything else.

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

/// Medium error correction survives a smudged or partly covered printed code.
fn code(url: &str) -> Result<QrCode, qrcode::types::QrError> {
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
}

pub fn svg(url: &str) -> anyhow::Result<String> {
    Ok(code(url)?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// A black-on-white PNG, `scale` pixels per module, with the standard 4-module quiet zone.
pub fn png(url: &str, scale: usize) -> anyhow::Result<Vec<u8>> {
    let code = code(url)?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            for dy in 0..scale {
                let row = (y * scale + dy) * side;
                pixels[row + x * scale..row + (x + 1) * scale].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side)?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_a_square_image_with_a_quiet_zone() {
        let bytes = png("https://cumbre.example/s/abc", 4).expect("png");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().expect("decodes");
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width % 4, 0);
        let svg = svg("https://cumbre.example/s/abc").expect("svg");
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
