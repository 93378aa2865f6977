//! The one way Cumbre writes CSV for people to open: every cell that a spreadsheet would
//! read as a formula (starting `=`, `+`, `-`, `@`, tab or carriage return) is prefixed
//! with an apostrophe, so a unit called `=HYPERLINK(…)` or a guest's comment stays text.
//! Plain numbers (`-12.5`, a negative NPS) are left as they are.

use std::borrow::Cow;

/// Opens every CSV file: the UTF-8 byte-order mark.
pub const BOM: &str = "\u{feff}";

/// A CSV writer into memory that neutralises formula cells.
pub struct CsvWriter(csv::Writer<Vec<u8>>);

impl CsvWriter {
    pub fn new() -> Self {
        Self(csv::Writer::from_writer(Vec::new()))
    }

    pub fn write_record<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.0.write_record(
            cells
                .into_iter()
                .map(|c| safe_cell(c.as_ref()).into_owned()),
        )
    }

    /// The file's bytes, opened by a byte-order mark so spreadsheets read UTF-8 (Excel
    /// otherwise shows "CancÃºn").
    pub fn into_inner(self) -> Result<Vec<u8>, std::io::Error> {
        let mut out = BOM.as_bytes().to_vec();
        out.extend(
            self.0
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string()))?,
        );
        Ok(out)
    }

    /// The rows written so far, without the mark: a later piece of a streamed file.
    pub fn into_rows(self) -> Result<Vec<u8>, std::io::Error> {
        self.0
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

/// A name as a file name piece: `Sierra Azul Cancún` → `sierra-azul-cancun`.
pub fn slug(name: &str) -> String {
    let folded = cumbre_domain::text::fold(name);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "all".to_owned()
    } else {
        out.chars().take(60).collect()
    }
}

/// `cell`, or `'cell` when a spreadsheet would run it.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe_cell("+1+2"), "'+1+2");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("\tcmd"), "'\tcmd");
        assert_eq!(safe_cell("-2+3"), "'-2+3");
        assert_eq!(safe_cell("-12.5"), "-12.5");
        assert_eq!(safe_cell("Cancún"), "Cancún");
        assert_eq!(safe_cell(""), "");
    }
}
