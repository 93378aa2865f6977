//! Historical responses and external reviews from CSV, checked completely before anything is
//! written: any bad line and nothing is imported, every bad line is reported.
//!
//! Survey responses — one survey per file, a column per question key:
//! ```text
//! unit,touchpoint,submitted_at,language,employee,external_id,nps,best,purpose
//! CUN,Después de la estancia,2025-07-14T18:20:00Z,es,,crm-1001,9,La alberca,family
//! ```
//! External reviews (a review site's export) — `source` names the site:
//! ```text
//! source,external_id,unit,touchpoint,submitted_at,language,rating,text
//! tripadvisor,tr-88121,CUN,Después de la estancia,2025-08-02,en,4,"Great pool, slow check-in"
//! ```
//! `external_id` makes a re-import skip what is already in; without it, the line's content
//! does. Multiple-choice answers separate their options with `|`.

use super::SurveyDefinition;
use super::answers::{Answers, check};
use crate::org::import::LineError;
use crate::{Field, InvalidInput, Lang};
use serde_json::{Map, Value};
use std::collections::HashMap;
use time::OffsetDateTime;

/// What rows may refer to: unit codes, touchpoint names (any language) or ids, employee numbers.
#[derive(Debug, Default, Clone)]
pub struct Lookups {
    pub units: HashMap<String, i64>,
    pub touchpoints: HashMap<String, i64>,
    pub people: HashMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedResponse {
    pub line: usize,
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub person_id: Option<i64>,
    pub submitted_at: OffsetDateTime,
    pub language: Lang,
    pub answers: Answers,
    /// `import` for survey responses, `review:<site>` for external reviews.
    pub source: String,
    /// Deduplicates re-imports.
    pub key: String,
}

/// Which format the header announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Responses,
    Reviews,
}

const RESPONSE_COLUMNS: [&str; 6] = [
    "unit",
    "touchpoint",
    "submitted_at",
    "language",
    "employee",
    "external_id",
];
const REVIEW_COLUMNS: [&str; 8] = [
    "source",
    "external_id",
    "unit",
    "touchpoint",
    "submitted_at",
    "language",
    "rating",
    "text",
];

/// The definition external reviews are stored against: a 1–5 rating and the text.
pub fn review_definition() -> SurveyDefinition {
    let json = r#"{"title":{"es":"Reseñas externas","en":"External reviews"},"questions":[
        {"key":"rating","type":"rating","scale":5,"required":true,"prompt":{"es":"Calificación","en":"Rating"}},
        {"key":"title","type":"short_text","prompt":{"es":"Título","en":"Title"}},
        {"key":"text","type":"long_text","prompt":{"es":"Reseña","en":"Review"}}]}"#;
    SurveyDefinition::from_json(json).unwrap_or_else(|_| SurveyDefinition {
        title: Default::default(),
        intro: Default::default(),
        thanks: Default::default(),
        questions: Vec::new(),
    })
}

pub fn file_kind(csv_text: &str) -> Option<FileKind> {
    let first = csv_text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()?
        .to_ascii_lowercase();
    if first.starts_with("source,") {
        Some(FileKind::Reviews)
    } else if first.starts_with("unit,") {
        Some(FileKind::Responses)
    } else {
        None
    }
}

fn parse_instant(raw: &str, now: OffsetDateTime) -> Result<OffsetDateTime, InvalidInput> {
    let raw = raw.trim();
    let at = crate::calendar::parse_day_or_instant(raw, Field::SubmittedAt, false)?;
    if at > now {
        return Err(InvalidInput::FutureDate {
            field: Field::SubmittedAt,
            value: raw.to_owned(),
        });
    }
    Ok(at)
}

/// Checks a whole file against `def` (the survey's current definition, or
/// [`review_definition`] for reviews).
pub fn plan(
    csv_text: &str,
    def: &SurveyDefinition,
    lookups: &Lookups,
    now: OffsetDateTime,
) -> Result<(FileKind, Vec<PlannedResponse>), Vec<LineError>> {
    let fail = |line, error| vec![LineError { line, error }];
    let kind = file_kind(csv_text).ok_or_else(|| fail(1, InvalidInput::Header { expected: "unit,touchpoint,submitted_at,language,employee,external_id,<question keys…> — or — source,external_id,unit,touchpoint,submitted_at,language,rating,text" }))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        _ => return Err(fail(1, InvalidInput::EmptyFile)),
    };
    let fixed: &[&str] = match kind {
        FileKind::Responses => &RESPONSE_COLUMNS,
        FileKind::Reviews => &REVIEW_COLUMNS,
    };
    if header.len() < fixed.len() || header[..fixed.len()] != *fixed {
        return Err(fail(
            1,
            InvalidInput::Header {
                expected: match kind {
                    FileKind::Responses => {
                        "unit,touchpoint,submitted_at,language,employee,external_id,<question keys…>"
                    }
                    FileKind::Reviews => {
                        "source,external_id,unit,touchpoint,submitted_at,language,rating,text"
                    }
                },
            },
        ));
    }
    let question_columns: Vec<String> = header[fixed.len()..].to_vec();
    if kind == FileKind::Responses {
        for key in &question_columns {
            if def.question(key).is_none() {
                return Err(fail(
                    1,
                    InvalidInput::UnknownQuestion { value: key.clone() },
                ));
            }
        }
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or(usize::MAX);
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(LineError {
                    line,
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
        if record.len() != header.len() {
            errors.push(LineError {
                line,
                error: InvalidInput::ColumnCount {
                    expected: header.len(),
                    found: record.len(),
                },
            });
            continue;
        }
        let get = |name: &str| record.get(col(name)).unwrap_or_default();
        let row =
            (|| -> Result<PlannedResponse, InvalidInput> {
                let unit_id = *lookups.units.get(get("unit")).ok_or_else(|| {
                    InvalidInput::UnknownReference {
                        field: Field::Unit,
                        value: get("unit").to_owned(),
                    }
                })?;
                let tp = get("touchpoint");
                let touchpoint_id =
                    *lookups
                        .touchpoints
                        .get(&crate::text::fold(tp))
                        .ok_or_else(|| InvalidInput::UnknownReference {
                            field: Field::Touchpoint,
                            value: tp.to_owned(),
                        })?;
                let submitted_at = parse_instant(get("submitted_at"), now)?;
                let language =
                    Lang::from_code(get("language")).ok_or_else(|| InvalidInput::NotOneOf {
                        field: Field::Language,
                        value: get("language").to_owned(),
                        allowed: "es, en",
                    })?;
                let mut raw = Map::new();
                let (source, person_id) = match kind {
                    FileKind::Responses => {
                        for key in &question_columns {
                            let value = get(key);
                            if value.is_empty() {
                                continue;
                            }
                            let multi = def.question(key).is_some_and(|q| {
                                matches!(q.kind, super::QuestionKind::MultipleChoice { .. })
                            });
                            let v = if multi {
                                Value::Array(
                                    value
                                        .split('|')
                                        .map(|s| Value::String(s.trim().to_owned()))
                                        .collect(),
                                )
                            } else {
                                Value::String(value.to_owned())
                            };
                            raw.insert(key.clone(), v);
                        }
                        let person = match get("employee") {
                            "" => None,
                            n => Some(*lookups.people.get(n).ok_or_else(|| {
                                InvalidInput::UnknownReference {
                                    field: Field::Person,
                                    value: n.to_owned(),
                                }
                            })?),
                        };
                        ("import".to_owned(), person)
                    }
                    FileKind::Reviews => {
                        let site = get("source").to_ascii_lowercase();
                        if site.is_empty()
                            || site.len() > 40
                            || !site
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                        {
                            return Err(InvalidInput::BadKey {
                                value: get("source").to_owned(),
                            });
                        }
                        for key in ["rating", "title", "text"] {
                            if col(key) != usize::MAX && !get(key).is_empty() {
                                raw.insert(key.to_owned(), Value::String(get(key).to_owned()));
                            }
                        }
                        (format!("review:{site}"), None)
                    }
                };
                let answers = check(def, &raw).map_err(|mut list| list.remove(0).1)?;
                let external = get("external_id");
                let key = if external.is_empty() {
                    format!("import:line:{}", content_key(&record))
                } else {
                    format!("import:{source}:{external}")
                };
                Ok(PlannedResponse {
                    line,
                    unit_id,
                    touchpoint_id,
                    person_id,
                    submitted_at,
                    language,
                    answers,
                    source,
                    key,
                })
            })();
        match row {
            Ok(p) => {
                if let Some(first) = keys.insert(p.key.clone(), line) {
                    errors.push(LineError {
                        line,
                        error: InvalidInput::Duplicate {
                            field: Field::Key,
                            value: format!("{} (line {first})", get("external_id")),
                        },
                    });
                } else {
                    planned.push(p);
                }
            }
            Err(error) => errors.push(LineError { line, error }),
        }
    }
    if planned.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 1,
            error: InvalidInput::EmptyFile,
        });
    }
    if errors.is_empty() {
        Ok((kind, planned))
    } else {
        Err(errors)
    }
}

/// A stable fingerprint of a line's content (FNV-1a, 64 bits): the same line imported twice
/// is recognised without an external id.
fn content_key(record: &csv::StringRecord) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for field in record.iter() {
        for byte in field.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::templates::template;
    use time::macros::datetime;

    fn lookups() -> Lookups {
        let mut l = Lookups::default();
        l.units.insert("CUN".into(), 6);
        l.touchpoints
            .insert(crate::text::fold("Después de la estancia"), 7);
        l.touchpoints.insert("7".into(), 7);
        l.people.insert("E0005".into(), 5);
        l
    }

    const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

    #[test]
    fn survey_responses_plan_with_question_columns() {
        let def = template("post-stay-nps").expect("template");
        let csv = "unit,touchpoint,submitted_at,language,employee,external_id,nps,best,purpose\n\
                   CUN,despues de la estancia,2025-07-14T18:20:00Z,es,E0005,crm-1,9,La alberca,family\n\
                   CUN,7,2025-07-15,en,,,3,,business\n";
        let (kind, rows) = plan(csv, &def, &lookups(), NOW).expect("valid");
        assert_eq!(kind, FileKind::Responses);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].person_id, Some(5));
        assert_eq!(rows[0].key, "import:import:crm-1");
        assert!(rows[1].key.starts_with("import:line:"));
        assert_eq!(rows[1].answers.0.len(), 2);
    }

    #[test]
    fn every_bad_line_is_reported() {
        let def = template("post-stay-nps").expect("template");
        let csv = "unit,touchpoint,submitted_at,language,employee,external_id,nps\n\
                   XXX,7,2025-07-14,es,,a,9\n\
                   CUN,Spa,2025-07-14,es,,b,9\n\
                   CUN,7,2027-01-01,es,,c,9\n\
                   CUN,7,2025-07-14,fr,,d,9\n\
                   CUN,7,2025-07-14,es,,e,11\n\
                   CUN,7,2025-07-14,es,,e,10\n";
        let errors = plan(csv, &def, &lookups(), NOW).expect_err("invalid");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
        let unknown = plan(
            "unit,touchpoint,submitted_at,language,employee,external_id,color\n",
            &def,
            &lookups(),
            NOW,
        )
        .expect_err("unknown column");
        assert_eq!(
            unknown[0].error,
            InvalidInput::UnknownQuestion {
                value: "color".into()
            }
        );
    }

    #[test]
    fn reviews_become_ratings_and_text() {
        let csv = "source,external_id,unit,touchpoint,submitted_at,language,rating,text\n\
                   TripAdvisor,tr-1,CUN,7,2025-08-02,en,4,\"Great pool, slow check-in\"\n\
                   google,g-1,CUN,7,2025-08-03,es,9,Mal\n";
        let errors = plan(csv, &review_definition(), &lookups(), NOW).expect_err("rating 9 of 5");
        assert_eq!(errors[0].line, 3);
        let ok = plan(
            &csv.replace(",9,Mal", ",2,Mal"),
            &review_definition(),
            &lookups(),
            NOW,
        )
        .expect("valid");
        assert_eq!(ok.1[0].source, "review:tripadvisor");
        assert_eq!(ok.1[0].answers.search_text(), "great pool, slow check-in");
    }
}
