//! Property tests over every parser that reads outside input: survey definitions,
//! answers, the organisation, response, review and invitation CSVs, bounce reports and
//! dates. Arbitrary and adversarial input (huge cells, deep JSON, control characters,
//! formulas, quotes) must give a value or a clear, bounded error — never a panic.
//! CI runs the default number of cases; `scripts/fuzz.sh` runs many more.

use crate::Lang;
use crate::input::MAX_MESSAGE;
use crate::listen::SurveyDefinition;
use proptest::prelude::*;
use serde_json::Value;

/// Cells people and attackers put in spreadsheets.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 áéíóúñ._@-]{0,20}",
        Just("=HYPERLINK(\"http://evil.example\",\"x\")".to_owned()),
        Just("\"quoted, with comma\"".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("9999-12-31".to_owned()),
        Just("0000-01-01".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999".to_owned()),
        "\\PC{0,30}",
        any::<String>(),
        "x{1000,5000}",
    ]
}

/// A CSV with `header` and rows of adversarial cells (any number of columns).
fn csv_with(header: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::collection::vec(cell(), 0..12), 0..20).prop_map(
        move |rows| {
            let mut out = String::from(header);
            out.push('\n');
            for row in rows {
                out.push_str(&row.join(","));
                out.push('\n');
            }
            out
        },
    )
}

/// JSON of any shape, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        cell().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("title".to_owned()),
                    Just("questions".to_owned()),
                    Just("key".to_owned()),
                    Just("type".to_owned()),
                    Just("prompt".to_owned()),
                    Just("options".to_owned()),
                    Just("show_if".to_owned()),
                    Just("es".to_owned()),
                    Just("en".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn bounded(e: &crate::InvalidInput) {
    for lang in [Lang::Es, Lang::En] {
        let m = e.message(lang);
        assert!(!m.is_empty());
        assert!(m.chars().count() <= MAX_MESSAGE + 1, "{m}");
    }
}

fn demo_definition() -> SurveyDefinition {
    crate::listen::templates::template("post-stay-nps").expect("a template")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    #[test]
    fn survey_definitions_of_any_shape_parse_or_say_where(doc in json()) {
        if let Err(errors) = SurveyDefinition::from_json(&doc.to_string()) {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                bounded(&e.error);
            }
        }
    }

    #[test]
    fn a_real_definition_with_one_field_changed_is_checked(path in 0usize..6, value in json()) {
        let mut doc = serde_json::to_value(demo_definition()).expect("json");
        let target = match path {
            0 => &mut doc["title"],
            1 => &mut doc["questions"][0]["prompt"],
            2 => &mut doc["questions"][0]["type"],
            3 => &mut doc["questions"][1],
            4 => &mut doc["questions"][0]["show_if"],
            _ => &mut doc["questions"],
        };
        *target = value;
        let _ = SurveyDefinition::from_json(&doc.to_string());
    }

    #[test]
    fn answers_of_any_shape_are_checked(raw in proptest::collection::btree_map("[a-z_]{1,8}|nps|fix|best", json(), 0..8)) {
        let def = demo_definition();
        let map: serde_json::Map<String, Value> = raw.into_iter().collect();
        for result in [crate::listen::answers::check(&def, &map), crate::listen::answers::check_json(&def, &map)] {
            if let Err(errors) = result {
                for (_, e) in &errors {
                    bounded(e);
                }
            }
        }
    }

    #[test]
    fn organisation_files_plan_or_report_each_line(csv in csv_with("record,key,name,parent,kind,department,job_title,email,hire_date,manager")) {
        let today = time::macros::date!(2026 - 11 - 25);
        if let Err(errors) = crate::org::import::plan(&csv, &Default::default(), today) {
            for e in &errors {
                bounded(&e.error);
            }
        }
    }

    #[test]
    fn response_and_review_files_plan_or_report_each_line(
        responses in csv_with("unit,touchpoint,submitted_at,language,employee,external_id,nps,best,purpose"),
        reviews in csv_with("source,external_id,unit,touchpoint,submitted_at,language,rating,text"),
    ) {
        let now = time::macros::datetime!(2026-11-25 12:00 UTC);
        let mut lookups = crate::listen::import::Lookups::default();
        lookups.units.insert("CUN".into(), 1);
        lookups.touchpoints.insert("después de la estancia".into(), 1);
        for (csv, def) in [(responses, demo_definition()), (reviews, crate::listen::import::review_definition())] {
            if let Err(errors) = crate::listen::import::plan(&csv, &def, &lookups, now) {
                for e in &errors {
                    bounded(&e.error);
                }
            }
        }
    }

    #[test]
    fn invitation_files_plan_or_report_each_line(csv in csv_with("name,email,language,unit,touchpoint,visit_date")) {
        let mut lookups = crate::listen::import::Lookups::default();
        lookups.units.insert("CUN".into(), 1);
        let today = time::macros::date!(2026 - 11 - 25);
        if let Err(errors) = crate::listen::invitations::plan(&csv, &lookups, today) {
            for e in &errors {
                bounded(&e.error);
            }
        }
    }

    #[test]
    fn bounce_reports_of_any_text_are_read_or_refused(
        head in "\\PC{0,200}",
        recipient in cell(),
        tail in any::<String>(),
    ) {
        let report = format!("{head}\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nStatus: 5.1.1\r\n{tail}");
        for text in [report.as_str(), head.as_str(), tail.as_str()] {
            if let Err(e) = crate::listen::bounces::read_report(text) {
                bounded(&e);
            }
        }
    }

    #[test]
    fn dates_and_ranges_of_any_text_parse_inside_the_calendar(from in cell(), to in cell()) {
        use crate::calendar::*;
        if let Ok(d) = parse_day(&from, crate::Field::From) {
            prop_assert!((FIRST_DAY..=LAST_DAY).contains(&d));
        }
        if let Ok(at) = parse_day_or_instant(&to, crate::Field::To, true) {
            prop_assert!(at >= time::OffsetDateTime::UNIX_EPOCH);
        }
        let today = jiff::civil::date(2026, 11, 25);
        if let Ok(r) = DayRange::parse(&from, &to, |f, t| (f.unwrap_or(today), t.unwrap_or(today))) {
            prop_assert!(r.days() >= 1 && r.days() <= MAX_RANGE_DAYS + 1);
            for i in [crate::improve::Interval::Day, crate::improve::Interval::Quarter] {
                prop_assert!(!i.periods(r.from(), r.to()).is_empty());
            }
        }
    }
}
