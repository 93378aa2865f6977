//! E-mail invitations: a CSV of recipients becomes one personal link each. Checked
//! completely before anything is queued; any bad line and nothing is.
//!
//! ```text
//! name,email,language,unit,touchpoint,visit_date
//! Ana López,ana@example.com,es,CUN,Después de la estancia,2026-11-20
//! ```

use super::import::Lookups;
use crate::org::Email;
use crate::org::import::LineError;
use crate::{Field, InvalidInput, Lang};
use std::collections::HashSet;
use time::Date;

pub const HEADER: &str = "name,email,language,unit,touchpoint,visit_date";

#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub line: usize,
    pub name: String,
    pub email: Email,
    pub language: Lang,
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub visit_date: Option<Date>,
}

/// Checks a recipients file. `today` bounds visit dates.
pub fn plan(
    csv_text: &str,
    lookups: &Lookups,
    today: Date,
) -> Result<Vec<Recipient>, Vec<LineError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records();
    match records.next() {
        Some(Ok(h))
            if h.iter()
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
                .join(",")
                == HEADER => {}
        Some(_) => {
            return Err(vec![LineError {
                line: 1,
                error: InvalidInput::Header { expected: HEADER },
            }]);
        }
        None => {
            return Err(vec![LineError {
                line: 1,
                error: InvalidInput::EmptyFile,
            }]);
        }
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineError {
                    line: e.position().map_or(0, |p| p.line() as usize),
                    error: InvalidInput::Csv {
                        detail: e.to_string(),
                    },
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 6 {
            errors.push(LineError {
                line,
                error: InvalidInput::ColumnCount {
                    expected: 6,
                    found: record.len(),
                },
            });
            continue;
        }
        let col = |i: usize| record.get(i).unwrap_or_default();
        let row = (|| -> Result<Recipient, InvalidInput> {
            let name = crate::input::optional_text(col(0), Field::Name, 120)?.unwrap_or_default();
            let email = Email::parse(col(1))?;
            let language = Lang::from_code(col(2)).ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::Language,
                value: col(2).to_owned(),
                allowed: "es, en",
            })?;
            let unit_id =
                *lookups
                    .units
                    .get(col(3))
                    .ok_or_else(|| InvalidInput::UnknownReference {
                        field: Field::Unit,
                        value: col(3).to_owned(),
                    })?;
            let touchpoint_id = *lookups
                .touchpoints
                .get(&crate::text::fold(col(4)))
                .ok_or_else(|| InvalidInput::UnknownReference {
                    field: Field::Touchpoint,
                    value: col(4).to_owned(),
                })?;
            let visit_date = crate::calendar::parse_past_day(col(5), Field::VisitDate, today)?;
            Ok(Recipient {
                line,
                name,
                email,
                language,
                unit_id,
                touchpoint_id,
                visit_date,
            })
        })();
        match row {
            Ok(r) if !seen.insert(r.email.as_str().to_owned()) => {
                errors.push(LineError {
                    line,
                    error: InvalidInput::Duplicate {
                        field: Field::Email,
                        value: r.email.as_str().to_owned(),
                    },
                });
            }
            Ok(r) => rows.push(r),
            Err(error) => errors.push(LineError { line, error }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 1,
            error: InvalidInput::EmptyFile,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn recipients_are_checked_line_by_line() {
        let mut l = Lookups::default();
        l.units.insert("CUN".into(), 6);
        l.touchpoints.insert("after the stay".into(), 7);
        let ok = plan("name,email,language,unit,touchpoint,visit_date\nAna,ANA@x.mx,es,CUN,After the Stay,2026-11-20\n", &l, date!(2026 - 11 - 25)).expect("valid");
        assert_eq!(ok[0].email.as_str(), "ana@x.mx");
        let errors = plan(
            "name,email,language,unit,touchpoint,visit_date\nA,bad,es,CUN,after the stay,\nB,b@x.mx,fr,CUN,after the stay,\nC,c@x.mx,es,XXX,after the stay,\nD,d@x.mx,es,CUN,after the stay,2027-01-01\nE,b@x.mx,es,CUN,after the stay,\nF,b@x.mx,es,CUN,after the stay,\n",
            &l,
            date!(2026 - 11 - 25),
        )
        .expect_err("invalid");
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            [2, 3, 4, 5, 7]
        );
    }
}
