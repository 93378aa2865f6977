//! The organisation CSV: units and people in one file, checked completely before anything
//! is written. A file with any bad line imports nothing; every bad line is reported.
//!
//! ```text
//! record,key,name,parent,kind,department,job_title,email,hire_date,manager
//! unit,SA,Hoteles Sierra Azul,,company,,,,,
//! unit,CAN,Sierra Azul Cancún,SA,location,,,,,
//! person,E0001,Ana López Ruiz,CAN,,Recepción,Recepcionista,ana@example.com,2019-04-01,E0000
//! ```
//! `key` is the unit code or the employee number: rows with a key that already exists update
//! that unit or person, so the same file can be imported again after edits.

use super::{Email, EmployeeNumber, HireDate, JobTitle, PersonName, UnitCode, UnitKind, UnitName};
use crate::input::optional_text;
use crate::{Field, InvalidInput};
use std::collections::{HashMap, HashSet};
use time::Date;

pub const HEADER: [&str; 10] = [
    "record",
    "key",
    "name",
    "parent",
    "kind",
    "department",
    "job_title",
    "email",
    "hire_date",
    "manager",
];
const HEADER_TEXT: &str =
    "record,key,name,parent,kind,department,job_title,email,hire_date,manager";

/// A unit to create or update, in an order where every parent comes first.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub line: usize,
    pub code: UnitCode,
    pub name: UnitName,
    pub kind: UnitKind,
    /// The parent's code; `None` for the top unit.
    pub parent: Option<String>,
}

/// A person to create or update.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub line: usize,
    pub number: EmployeeNumber,
    pub name: PersonName,
    pub unit: String,
    pub department: Option<String>,
    pub job_title: Option<JobTitle>,
    pub email: Option<Email>,
    pub hire_date: Option<HireDate>,
    pub manager: Option<String>,
}

/// A fully checked file, ready to apply in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportPlan {
    pub units: Vec<UnitRow>,
    pub people: Vec<PersonRow>,
}

/// One refused line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub error: InvalidInput,
}

/// What the tenant already has, so the file can refer to existing units and people.
#[derive(Debug, Clone, Default)]
pub struct ExistingOrg {
    /// Unit key → parent key. Units without a code appear as `#<id>` so that parent chains
    /// are complete for cycle checks; files cannot use such keys.
    pub units: HashMap<String, Option<String>>,
    /// The key of the top unit, if the tenant has one.
    pub root: Option<String>,
    /// Employee numbers that exist.
    pub people: HashSet<String>,
    /// Person e-mail → employee number (or `#<id>`) that owns it.
    pub emails: HashMap<String, String>,
}

/// Reads and checks the whole file. `today` bounds hire dates.
pub fn plan(
    csv_text: &str,
    existing: &ExistingOrg,
    today: Date,
) -> Result<ImportPlan, Vec<LineError>> {
    let mut errors = Vec::new();
    let mut plan = ImportPlan::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());

    let mut records = reader.records();
    match records.next() {
        None => {
            return Err(vec![LineError {
                line: 1,
                error: InvalidInput::EmptyFile,
            }]);
        }
        Some(Err(e)) => return Err(vec![csv_error(1, &e)]),
        Some(Ok(header)) => {
            let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
            if names != HEADER {
                return Err(vec![LineError {
                    line: 1,
                    error: InvalidInput::Header {
                        expected: HEADER_TEXT,
                    },
                }]);
            }
        }
    }

    let mut unit_lines: HashMap<String, usize> = HashMap::new();
    let mut person_lines: HashMap<String, usize> = HashMap::new();
    let mut emails: HashMap<String, String> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(csv_error(line, &e));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
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
        let parsed = match col(0).to_ascii_lowercase().as_str() {
            "unit" => parse_unit(line, &col).map(|u| {
                if let Some(first) = unit_lines.insert(u.code.as_str().to_owned(), line) {
                    Err(dup(Field::Key, u.code.as_str(), first))
                } else {
                    plan.units.push(u);
                    Ok(())
                }
            }),
            "person" => parse_person(line, &col, today).map(|p| {
                if let Some(first) = person_lines.insert(p.number.as_str().to_owned(), line) {
                    return Err(dup(Field::Key, p.number.as_str(), first));
                }
                if let Some(email) = &p.email
                    && emails
                        .insert(email.as_str().to_owned(), p.number.as_str().to_owned())
                        .is_some()
                {
                    return Err(InvalidInput::Duplicate {
                        field: Field::Email,
                        value: email.as_str().to_owned(),
                    });
                }
                plan.people.push(p);
                Ok(())
            }),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Record,
                value: other.to_owned(),
                allowed: "unit, person",
            }),
        };
        if let Err(error) | Ok(Err(error)) = parsed {
            errors.push(LineError { line, error });
        }
    }

    check_units(&mut plan.units, existing, &mut errors);
    check_people(&plan, existing, &unit_lines, &mut errors);

    if plan.units.is_empty() && plan.people.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 1,
            error: InvalidInput::EmptyFile,
        });
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

fn dup(field: Field, value: &str, _first_line: usize) -> InvalidInput {
    InvalidInput::Duplicate {
        field,
        value: value.to_owned(),
    }
}

pub(crate) fn csv_error(line: usize, e: &csv::Error) -> LineError {
    let detail = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
        _ => e.to_string(),
    };
    LineError {
        line,
        error: InvalidInput::Csv { detail },
    }
}

fn key(raw: &str) -> Result<String, InvalidInput> {
    let key =
        optional_text(raw, Field::Key, UnitCode::MAX)?.ok_or(InvalidInput::Required(Field::Key))?;
    if key.starts_with('#') {
        return Err(InvalidInput::NotOneOf {
            field: Field::Key,
            value: key,
            allowed: "a code that does not start with #",
        });
    }
    Ok(key)
}

fn parse_unit<'a>(line: usize, col: &impl Fn(usize) -> &'a str) -> Result<UnitRow, InvalidInput> {
    let code = UnitCode::parse(&key(col(1))?)?.ok_or(InvalidInput::Required(Field::Key))?;
    Ok(UnitRow {
        line,
        code,
        name: UnitName::parse(col(2))?,
        parent: optional_text(col(3), Field::Parent, UnitCode::MAX)?,
        kind: if col(4).is_empty() {
            return Err(InvalidInput::Required(Field::UnitKind));
        } else {
            UnitKind::parse(col(4))?
        },
    })
}

fn parse_person<'a>(
    line: usize,
    col: &impl Fn(usize) -> &'a str,
    today: Date,
) -> Result<PersonRow, InvalidInput> {
    let number = EmployeeNumber::parse(&key(col(1))?)?.ok_or(InvalidInput::Required(Field::Key))?;
    let manager = optional_text(col(9), Field::Manager, EmployeeNumber::MAX)?;
    if manager.as_deref() == Some(number.as_str()) {
        return Err(InvalidInput::SelfManager);
    }
    Ok(PersonRow {
        line,
        name: PersonName::parse(col(2))?,
        unit: optional_text(col(3), Field::Unit, UnitCode::MAX)?
            .ok_or(InvalidInput::Required(Field::Unit))?,
        department: optional_text(col(5), Field::Department, 80)?,
        job_title: JobTitle::parse(col(6))?,
        email: Email::parse_optional(col(7))?,
        hire_date: HireDate::parse(col(8), today)?,
        manager,
        number,
    })
}

/// Parents must exist, there is one top unit, no cycles; then sort parents first.
fn check_units(units: &mut [UnitRow], existing: &ExistingOrg, errors: &mut Vec<LineError>) {
    let in_file: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let mut parent_of: HashMap<String, Option<String>> = existing.units.clone();
    for u in units.iter() {
        parent_of.insert(u.code.as_str().to_owned(), u.parent.clone());
    }
    let depths = chain_depths(units.iter().map(|u| u.code.as_str()), |k| {
        parent_of.get(k).and_then(|p| p.as_deref())
    });
    let first_root_line = units
        .iter()
        .filter(|u| u.parent.is_none())
        .map(|u| u.line)
        .min();
    let mut bad: HashSet<usize> = HashSet::new();
    for u in units.iter() {
        let fail = |error| LineError {
            line: u.line,
            error,
        };
        match &u.parent {
            None => {
                let is_existing_root = existing.root.as_deref() == Some(u.code.as_str());
                let other_root_in_file = first_root_line.is_some_and(|first| first < u.line);
                if (existing.root.is_some() && !is_existing_root) || other_root_in_file {
                    errors.push(fail(InvalidInput::SecondRoot));
                    bad.insert(u.line);
                }
            }
            Some(parent) => {
                if !in_file.contains(parent.as_str()) && !existing.units.contains_key(parent) {
                    errors.push(fail(InvalidInput::UnknownReference {
                        field: Field::Parent,
                        value: parent.clone(),
                    }));
                    bad.insert(u.line);
                } else if existing.root.as_deref() == Some(u.code.as_str()) {
                    errors.push(fail(InvalidInput::MoveRoot));
                    bad.insert(u.line);
                } else if depths.get(u.code.as_str()).is_some_and(Option::is_none) {
                    errors.push(fail(InvalidInput::Cycle {
                        value: u.code.as_str().to_owned(),
                    }));
                    bad.insert(u.line);
                }
            }
        }
    }
    if bad.is_empty() {
        // Parents first: sort by depth within the combined tree.
        let by_line: HashMap<usize, usize> = units
            .iter()
            .map(|u| {
                let d = depths.get(u.code.as_str()).copied().flatten();
                (u.line, d.unwrap_or(0))
            })
            .collect();
        drop(depths);
        units.sort_by_key(|u| (by_line.get(&u.line).copied().unwrap_or(0), u.line));
    }
}

/// Each node's number of ancestors along `parent`, or `None` when its chain runs into a
/// cycle; every node is walked once (a 20,000-deep chain checked per row was quadratic).
fn chain_depths<'a>(
    nodes: impl IntoIterator<Item = &'a str>,
    parent: impl Fn(&'a str) -> Option<&'a str>,
) -> HashMap<&'a str, Option<usize>> {
    let mut known: HashMap<&'a str, Option<usize>> = HashMap::new();
    for start in nodes {
        if known.contains_key(start) {
            continue;
        }
        // Walk up until a node already known, the top, or a node of this walk (a cycle).
        let mut path: Vec<&'a str> = Vec::new();
        let mut on_path: HashSet<&'a str> = HashSet::new();
        let mut current = Some(start);
        let mut base: Option<usize> = Some(0);
        while let Some(node) = current {
            if let Some(&d) = known.get(node) {
                base = d.map(|d| d + 1);
                break;
            }
            if !on_path.insert(node) {
                base = None;
                break;
            }
            path.push(node);
            current = parent(node);
            if current.is_none() {
                base = Some(0);
            }
        }
        // `base` is the depth of the last node walked (or None); descend assigning.
        let mut depth = base;
        for node in path.into_iter().rev() {
            known.insert(node, depth);
            depth = depth.map(|d| d + 1);
        }
    }
    known
}

fn check_people(
    plan: &ImportPlan,
    existing: &ExistingOrg,
    file_units: &HashMap<String, usize>,
    errors: &mut Vec<LineError>,
) {
    let file_people: HashSet<&str> = plan.people.iter().map(|p| p.number.as_str()).collect();
    let mut manager_of: HashMap<&str, &str> = HashMap::new();
    for p in &plan.people {
        let fail = |error| LineError {
            line: p.line,
            error,
        };
        if !file_units.contains_key(&p.unit) && !existing.units.contains_key(&p.unit) {
            errors.push(fail(InvalidInput::UnknownReference {
                field: Field::Unit,
                value: p.unit.clone(),
            }));
        }
        if let Some(m) = &p.manager {
            if !file_people.contains(m.as_str()) && !existing.people.contains(m) {
                errors.push(fail(InvalidInput::UnknownReference {
                    field: Field::Manager,
                    value: m.clone(),
                }));
            } else {
                manager_of.insert(p.number.as_str(), m.as_str());
            }
        }
        if let Some(email) = &p.email
            && let Some(owner) = existing.emails.get(email.as_str())
            && owner != p.number.as_str()
        {
            errors.push(fail(InvalidInput::EmailTaken {
                value: email.as_str().to_owned(),
            }));
        }
    }
    // A manager chain inside the file must end; existing people keep their managers.
    let depths = chain_depths(plan.people.iter().map(|p| p.number.as_str()), |k| {
        manager_of.get(k).copied()
    });
    for p in &plan.people {
        if depths.get(p.number.as_str()).is_some_and(Option::is_none) {
            errors.push(LineError {
                line: p.line,
                error: InvalidInput::Cycle {
                    value: p.number.as_str().to_owned(),
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);
    const HEAD: &str = "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n";

    fn run(body: &str) -> Result<ImportPlan, Vec<LineError>> {
        plan(&format!("{HEAD}{body}"), &ExistingOrg::default(), TODAY)
    }

    #[test]
    fn a_good_file_plans_units_parents_first_and_people() {
        let plan = run("unit,CAN,Sierra Azul Cancún,CAR,location,,,,,\n\
             unit,SA,Hoteles Sierra Azul,,company,,,,,\n\
             unit,CAR,Caribe,SA,region,,,,,\n\
             person,E2,Ana López,CAN,,Recepción,Recepcionista,ana@x.mx,2020-01-02,E1\n\
             person,E1,John Smith,CAN,,,Gerente,,,\n")
        .unwrap();
        let codes: Vec<&str> = plan.units.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes, ["SA", "CAR", "CAN"]);
        assert_eq!(plan.people.len(), 2);
        assert_eq!(plan.people[0].manager.as_deref(), Some("E1"));
        assert_eq!(plan.people[0].hire_date.unwrap().to_iso(), "2020-01-02");
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let errors = run("unit,SA,Hoteles,,company,,,,,\n\
             unit,X1,,SA,location,,,,,\n\
             unit,X2,Hotel,NOPE,location,,,,,\n\
             person,E1,Ana,SA,,,,not-an-email,,\n\
             person,E2,Bea,SA,,,,,2030-01-01,\n\
             thing,E3,Bea,SA,,,,,,\n\
             person,E4,Eva,SA\n\
             unit,SA,Again,,company,,,,,\n")
        .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(errors[0].error, InvalidInput::Required(Field::Name));
        assert_eq!(
            errors[1].error,
            InvalidInput::UnknownReference {
                field: Field::Parent,
                value: "NOPE".into()
            }
        );
        assert!(matches!(errors[2].error, InvalidInput::Email { .. }));
        assert!(matches!(errors[3].error, InvalidInput::FutureDate { .. }));
        assert!(matches!(
            errors[4].error,
            InvalidInput::NotOneOf {
                field: Field::Record,
                ..
            }
        ));
        assert_eq!(
            errors[5].error,
            InvalidInput::ColumnCount {
                expected: 10,
                found: 4
            }
        );
        assert!(matches!(errors[6].error, InvalidInput::Duplicate { .. }));
    }

    #[test]
    fn header_must_match_and_file_must_have_rows() {
        let e = plan("a,b\n", &ExistingOrg::default(), TODAY).unwrap_err();
        assert!(matches!(e[0].error, InvalidInput::Header { .. }));
        let e = plan("", &ExistingOrg::default(), TODAY).unwrap_err();
        assert_eq!(e[0].error, InvalidInput::EmptyFile);
        let e = run("").unwrap_err();
        assert_eq!(e[0].error, InvalidInput::EmptyFile);
    }

    #[test]
    fn cycles_and_second_roots_are_refused() {
        let errors = run("unit,A,A,B,region,,,,,\n\
             unit,B,B,A,region,,,,,\n\
             unit,R1,Root,,company,,,,,\n\
             unit,R2,Root two,,company,,,,,\n")
        .unwrap_err();
        let kinds: Vec<_> = errors.iter().map(|e| (e.line, e.error.clone())).collect();
        assert_eq!(
            kinds,
            [
                (2, InvalidInput::Cycle { value: "A".into() }),
                (3, InvalidInput::Cycle { value: "B".into() }),
                (5, InvalidInput::SecondRoot),
            ]
        );
    }

    #[test]
    fn rows_may_refer_to_existing_units_and_people() {
        let mut existing = ExistingOrg::default();
        existing.units.insert("SA".into(), None);
        existing.root = Some("SA".into());
        existing.people.insert("E0".into());
        existing.emails.insert("taken@x.mx".into(), "E0".into());
        let ok = plan(
            &format!("{HEAD}person,E1,Ana,SA,,,,,,E0\n"),
            &existing,
            TODAY,
        )
        .unwrap();
        assert_eq!(ok.people[0].unit, "SA");
        let e = plan(
            &format!("{HEAD}person,E1,Ana,SA,,,,taken@x.mx,,\nunit,NEW,Top,,company,,,,,\n"),
            &existing,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(
            e[0].error,
            InvalidInput::EmailTaken {
                value: "taken@x.mx".into()
            }
        );
        assert_eq!(e[1].error, InvalidInput::SecondRoot);
    }

    #[test]
    fn manager_cycles_in_the_file_are_refused() {
        let e = run("unit,SA,Hoteles,,company,,,,,\n\
             person,E1,Ana,SA,,,,,,E2\n\
             person,E2,Bea,SA,,,,,,E1\n")
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(
            e.iter()
                .all(|e| matches!(e.error, InvalidInput::Cycle { .. }))
        );
    }

    #[test]
    fn a_chain_twenty_thousand_deep_is_checked_once_per_unit() {
        let mut csv = String::from("unit,U0,Top,,company,,,,,\n");
        for i in 1..20_000 {
            csv.push_str(&format!("unit,U{i},Unit {i},U{},area,,,,,\n", i - 1));
        }
        let ok = run(&csv).expect("a deep but sound tree");
        assert_eq!(ok.units.len(), 20_000);
        assert_eq!(ok.units[0].code.as_str(), "U0", "parents first");
        assert_eq!(ok.units[19_999].code.as_str(), "U19999");
        // Close the chain into a loop far down: every unit on it is refused.
        let looped = csv.replacen("unit,U0,Top,,company", "unit,U0,Top,U19999,company", 1);
        let errors = run(&looped).expect_err("a cycle");
        assert_eq!(errors.len(), 20_000);
        assert!(matches!(errors[0].error, InvalidInput::Cycle { .. }));
    }
}
