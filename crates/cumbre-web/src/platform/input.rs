//! Values read from query strings and forms, the same way for pages and the JSON API: ids,
//! page sizes and offsets, each refused with the field it came from.

use cumbre_domain::{Field, InvalidInput};

/// Reads an optional numeric id from a form field ("" means none).
pub fn optional_id(raw: &str, field: Field) -> Result<Option<i64>, InvalidInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| InvalidInput::NotANumber {
        field,
        value: raw.to_owned(),
    })
}

pub fn required_id(raw: &str, field: Field) -> Result<i64, InvalidInput> {
    optional_id(raw, field)?.ok_or(InvalidInput::Required(field))
}

/// A page size from a query string: empty is `default`, otherwise 1–`max`.
pub fn page_limit(raw: &str, default: i64, max: i64) -> Result<i64, InvalidInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    let n: i64 = raw.parse().map_err(|_| InvalidInput::NotANumber {
        field: Field::Limit,
        value: raw.chars().take(40).collect(),
    })?;
    checked_limit(n, max)
}

/// Rows to skip, given as text (empty: none): a whole number from 0.
pub fn page_offset(raw: &str) -> Result<i64, InvalidInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(0);
    }
    let n: i64 = raw.parse().map_err(|_| InvalidInput::NotANumber {
        field: Field::Offset,
        value: raw.chars().take(40).collect(),
    })?;
    checked_offset(n)
}

/// Rows to skip: 0 or more, or why not.
pub fn checked_offset(n: i64) -> Result<i64, InvalidInput> {
    if n < 0 {
        return Err(InvalidInput::OutOfRange {
            field: Field::Offset,
            min: 0,
            max: i64::MAX,
            value: n.to_string(),
        });
    }
    Ok(n)
}

/// A page size of 1–`max`, or why not.
pub fn checked_limit(n: i64, max: i64) -> Result<i64, InvalidInput> {
    if !(1..=max).contains(&n) {
        return Err(InvalidInput::OutOfRange {
            field: Field::Limit,
            min: 1,
            max,
            value: n.to_string(),
        });
    }
    Ok(n)
}
