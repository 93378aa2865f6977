use super::answers::{Answer, Contact, check};
use super::survey::SurveyDefinition;
use super::templates::{TEMPLATES, template};
use crate::{Field, InvalidInput};
use serde_json::{Map, Value, json};

fn post_stay() -> SurveyDefinition {
    template("post-stay-nps").expect("template is valid")
}

fn answers(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

#[test]
fn shipped_templates_are_valid_and_round_trip() {
    for t in TEMPLATES {
        let def =
            SurveyDefinition::from_json(t.json).unwrap_or_else(|e| panic!("{}: {e:?}", t.key));
        assert_eq!(
            SurveyDefinition::from_json(&def.to_json()).expect("round trip"),
            def
        );
    }
}

#[test]
fn definitions_report_every_problem_with_its_path() {
    let bad = json!({
        "title": {"es": "Hola"},
        "questions": [
            {"key": "nps", "type": "nps", "prompt": {"es": "a", "en": "b"}},
            {"key": "nps", "type": "csat", "prompt": {"es": "a", "en": "b"}},
            {"key": "Bad Key", "type": "rating", "scale": 20, "prompt": {"es": "a", "en": "b"}},
            {"key": "pick", "type": "single_choice", "options": [], "prompt": {"es": "a", "en": "b"}},
            {"key": "why", "type": "long_text", "prompt": {"es": "a", "en": "b"}, "show_if": {"question": "later", "in": [1]}},
            {"key": "later", "type": "nps", "prompt": {"es": "a", "en": "b"}, "show_if": {"question": "nps", "in": [11]}}
        ]
    });
    let errors = SurveyDefinition::from_json(&bad.to_string()).expect_err("invalid");
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "title",
            "questions[1].key",
            "questions[2].key",
            "questions[2].scale",
            "questions[3].options",
            "questions[4].show_if.question",
            "questions[5].show_if.in"
        ]
    );
    assert_eq!(
        errors[0].error,
        InvalidInput::MissingTranslation {
            field: Field::Title,
            lang: "en".into()
        }
    );
    assert_eq!(
        errors[0].error.message(crate::Lang::Es),
        "Falta el texto en «en» de título"
    );
    let not_json = SurveyDefinition::from_json("{").expect_err("not JSON");
    assert!(matches!(not_json[0].error, InvalidInput::BadJson { .. }));
    let unknown_type = SurveyDefinition::from_json(
        r#"{"title":{"es":"a","en":"b"},"questions":[{"key":"x","type":"slider","prompt":{"es":"a","en":"b"}}]}"#,
    );
    assert!(unknown_type.is_err());
}

#[test]
fn answers_follow_required_ranges_and_options() {
    let def = post_stay();
    let ok = check(
        &def,
        &answers(json!({"nps": "10", "best": "  Carmen en recepción  ", "purpose": "family"})),
    )
    .expect("valid");
    assert_eq!(ok.0["nps"], Answer::Score(10));
    assert_eq!(ok.0["best"], Answer::Text("Carmen en recepción".into()));
    assert_eq!(ok.nps(&def), Some(10));

    let errors =
        check(&def, &answers(json!({"purpose": "spa", "extra": "x"}))).expect_err("invalid");
    let keys: Vec<&str> = errors.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["extra", "nps", "purpose"]);
    assert_eq!(errors[1].1, InvalidInput::Required(Field::Answer));
    assert_eq!(
        errors[2].1,
        InvalidInput::NotAnOption {
            value: "spa".into()
        }
    );

    let out = check(&def, &answers(json!({"nps": 11}))).expect_err("out of range");
    assert_eq!(out[0].1.message(crate::Lang::En), "'11' is outside 0–10");
    let nan = check(&def, &answers(json!({"nps": "ten"}))).expect_err("not a number");
    assert!(matches!(nan[0].1, InvalidInput::NotANumber { .. }));
}

#[test]
fn hidden_questions_are_not_kept() {
    let def = post_stay();
    // A promoter's "what should we fix" is hidden: dropped, not an error.
    let a = check(&def, &answers(json!({"nps": 9, "fix": "nada"}))).expect("valid");
    assert!(!a.0.contains_key("fix"));
    let a = check(
        &def,
        &answers(json!({"nps": 3, "fix": "La espera en el check-in", "best": "x"})),
    )
    .expect("valid");
    assert!(a.0.contains_key("fix") && !a.0.contains_key("best"));
}

#[test]
fn contact_details_need_consent_and_a_channel() {
    let def = post_stay();
    let without_consent = check(
        &def,
        &answers(json!({"nps": 2, "contact": {"name": "Ana", "email": "ana@x.mx"}})),
    )
    .expect("valid");
    assert!(
        !without_consent.0.contains_key("contact"),
        "nothing is kept without consent"
    );
    let kept = check(
        &def,
        &answers(
            json!({"nps": 2, "contact": {"name": "Ana", "email": "ANA@x.mx", "consent": "on"}}),
        ),
    )
    .expect("valid");
    assert_eq!(
        kept.0["contact"],
        Answer::Contact(Contact {
            name: Some("Ana".into()),
            email: Some("ana@x.mx".into()),
            phone: None
        })
    );
    let no_channel = check(
        &def,
        &answers(json!({"nps": 2, "contact": {"name": "Ana", "consent": true}})),
    )
    .expect_err("no channel");
    assert_eq!(no_channel[0].1, InvalidInput::ContactNeedsChannel);
    let bad_phone = check(
        &def,
        &answers(json!({"nps": 2, "contact": {"phone": "call me", "consent": true}})),
    )
    .expect_err("phone");
    assert!(matches!(bad_phone[0].1, InvalidInput::Phone { .. }));
}

#[test]
fn multiple_choice_keeps_definition_order_without_duplicates() {
    let def = template("touchpoint-csat").expect("template");
    let a = check(
        &def,
        &answers(json!({"csat": 5, "aspects": ["knowledge", "speed", "speed"]})),
    )
    .expect("valid");
    assert_eq!(
        a.0["aspects"],
        Answer::Choices(vec!["speed".into(), "knowledge".into()])
    );
    let stored = a.to_json();
    assert_eq!(
        serde_json::from_str::<super::Answers>(&stored).expect("reads back"),
        a
    );
}
