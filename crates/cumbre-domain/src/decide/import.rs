//! The standards file: one standard a line, all lines or none, every bad line reported.
//!
//! ```text
//! key,touchpoint,unit,department,name,kind,limit,time_unit,weight,critical
//! checkin-wait,Llegada y check-in,,Recepción,Registro en 5 minutos,time,5,minutes,3,yes
//! ```
//! `touchpoint` is its id or its name in either language; `unit` a unit's code (empty:
//! the whole organisation); `department` its name (empty: none); `kind` `behaviour` or
//! `time`; `critical` yes / no (sí, true, 1 also).

use super::standard::{StandardDefinition, parse_key};
use crate::org::import::{LineError, csv_error};
use crate::text::fold;
use crate::{Field, InvalidInput, UnitId};
use std::collections::HashMap;

pub const HEADER: [&str; 10] = [
    "key",
    "touchpoint",
    "unit",
    "department",
    "name",
    "kind",
    "limit",
    "time_unit",
    "weight",
    "critical",
];
pub const HEADER_TEXT: &str =
    "key,touchpoint,unit,department,name,kind,limit,time_unit,weight,critical";
/// Most lines one file may hold.
pub const MAX_LINES: usize = 5_000;

/// What the file may name.
#[derive(Debug, Default)]
pub struct Lookups {
    /// By code.
    pub units: HashMap<String, i64>,
    /// By id and by folded name in each language.
    pub touchpoints: HashMap<String, i64>,
    /// By folded name.
    pub departments: HashMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStandard {
    pub line: usize,
    pub key: String,
    pub touchpoint_id: i64,
    pub unit_id: Option<UnitId>,
    pub department_id: Option<i64>,
    pub definition: StandardDefinition,
}

fn yes_no(raw: &str) -> Result<bool, InvalidInput> {
    match fold(raw).as_str() {
        "" | "no" | "false" | "0" => Ok(false),
        "yes" | "si" | "true" | "1" => Ok(true),
        other => Err(InvalidInput::NotOneOf {
            field: Field::Standard,
            value: other.chars().take(40).collect(),
            allowed: "yes, no",
        }),
    }
}

pub fn plan(csv_text: &str, lookups: &Lookups) -> Result<Vec<PlannedStandard>, Vec<LineError>> {
    let fail = |line, error| vec![LineError { line, error }];
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records();
    match records.next() {
        None => return Err(fail(1, InvalidInput::EmptyFile)),
        Some(Err(e)) => return Err(vec![csv_error(1, &e)]),
        Some(Ok(h)) => {
            let names: Vec<String> = h.iter().map(|c| c.to_ascii_lowercase()).collect();
            if names != HEADER {
                return Err(fail(
                    1,
                    InvalidInput::Header {
                        expected: HEADER_TEXT,
                    },
                ));
            }
        }
    }
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_error(e.position().map_or(0, |p| p.line() as usize), &e));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if planned.len() + errors.len() >= MAX_LINES {
            errors.push(LineError {
                line,
                error: InvalidInput::TooMany {
                    field: Field::Standard,
                    max: MAX_LINES,
                },
            });
            break;
        }
        if record.len() != HEADER.len() {
            errors.push(LineError {
                line,
                error: InvalidInput::ColumnCount {
                    expected: HEADER.len(),
                    found: record.len(),
                },
            });
            continue;
        }
        let col = |i: usize| record.get(i).unwrap_or_default();
        match parse_line(line, &col, lookups) {
            Ok(p) => {
                if keys.insert(p.key.clone(), line).is_some() {
                    errors.push(LineError {
                        line,
                        error: InvalidInput::Duplicate {
                            field: Field::Key,
                            value: p.key,
                        },
                    });
                } else {
                    planned.push(p);
                }
            }
            Err(error) => errors.push(LineError { line, error }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if planned.is_empty() {
        return Err(fail(1, InvalidInput::EmptyFile));
    }
    Ok(planned)
}

fn parse_line<'a>(
    line: usize,
    col: &impl Fn(usize) -> &'a str,
    l: &Lookups,
) -> Result<PlannedStandard, InvalidInput> {
    let unknown = |field, value: &str| InvalidInput::UnknownReference {
        field,
        value: value.chars().take(80).collect(),
    };
    let key = parse_key(col(0))?;
    let touchpoint_id = match col(1) {
        "" => return Err(InvalidInput::Required(Field::Touchpoint)),
        t => *l
            .touchpoints
            .get(t)
            .or_else(|| l.touchpoints.get(&fold(t)))
            .ok_or_else(|| unknown(Field::Touchpoint, t))?,
    };
    let unit_id = match col(2) {
        "" => None,
        code => Some(UnitId(
            *l.units
                .get(code)
                .ok_or_else(|| unknown(Field::Unit, code))?,
        )),
    };
    let department_id = match col(3) {
        "" => None,
        d => Some(
            *l.departments
                .get(&fold(d))
                .ok_or_else(|| unknown(Field::Department, d))?,
        ),
    };
    let definition =
        StandardDefinition::parse(col(4), col(5), col(6), col(7), col(8), yes_no(col(9))?)?;
    Ok(PlannedStandard {
        line,
        key,
        touchpoint_id,
        unit_id,
        department_id,
        definition,
    })
}
