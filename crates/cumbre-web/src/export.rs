//! The one way Cumbre writes CSV for people to open: every cell that a spreadsheet would
//! read as a formula (starting `=`, `+`, `-`, `@`, tab or carriage return) is prefixed
//! with an apostrophe, so a unit called `=HYPERLINK(…)` or a guest's comment stays text.
//! Plain numbers (`-12.5`, a negative NPS) are left as they are.

use std::borrow::Cow;

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

    pub fn into_inner(self) -> Result<Vec<u8>, std::io::Error> {
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
