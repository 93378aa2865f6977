//! Decide: a survey question asks the customers about a standard. Each survey version pins
//! the standard's version; the unit's page and the API then show, per standard, what the
//! customers said, what the shoppers saw and the cases raised about it; and "standards at
//! risk" reads the customers' answers to it instead of the moment's overall score.

use crate::harness::{Backend, TestApp, both};
use crate::shopping::{fixture, report};
use axum::http::{Method, StatusCode};
use cumbre::scheduler::run_once;
use cumbre_domain::clock::Clock;
use serde_json::{Value, json};

both!(a_question_about_a_standard_is_checked_and_pins_its_version);
both!(customers_shoppers_and_cases_are_shown_per_standard);

/// A check-in survey: how it went, and the wait (asking about `standard`).
fn checkin_survey(standard: &str, kind: &str) -> Value {
    json!({
        "title": {"es": "Su llegada", "en": "Your arrival"},
        "questions": [
            {"key": "nps", "type": "nps", "required": true,
             "prompt": {"es": "¿Nos recomendaría?", "en": "Would you recommend us?"}},
            {"key": "wait", "type": kind, "standard": standard,
             "prompt": {"es": "¿Qué tal la espera para registrarse?", "en": "How was the wait to check in?"}},
            {"key": "comment", "type": "short_text",
             "prompt": {"es": "Un comentario", "en": "A comment"}}
        ]
    })
}

async fn standard(app: &TestApp, token: &str, key: &str) -> Value {
    app.api(token, Method::GET, "/api/v1/standards", None)
        .await
        .json()
        .as_array()
        .and_then(|l| l.iter().find(|s| s["key"] == json!(key)).cloned())
        .expect("the standard")
}

/// A published check-in survey owned by the top unit, asking about `checkin-wait`.
async fn published_survey(app: &TestApp, admin: &str) -> i64 {
    let root = app.unit_id("SA").await;
    let created = app
        .api(
            admin,
            Method::POST,
            "/api/v1/surveys",
            Some(json!({"name": "Llegada", "owner_unit_id": root,
                        "definition": checkin_survey("checkin-wait", "csat")})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");
    let published = app
        .api(
            admin,
            Method::POST,
            &format!("/api/v1/surveys/{id}/status"),
            Some(json!({"status": "published"})),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    id
}

async fn a_question_about_a_standard_is_checked_and_pins_its_version(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let root = app.unit_id("SA").await;
    let before = app
        .api(&admin, Method::GET, "/api/v1/surveys", None)
        .await
        .json();
    // A key the company has no standard for, a comment "about" a standard, a malformed
    // key: each refused with the reason, and nothing stored.
    for (definition, expected) in [
        (
            checkin_survey("no-such-standard", "csat"),
            "no-such-standard",
        ),
        (
            json!({"title": {"es": "x", "en": "x"}, "questions": [
                {"key": "c", "type": "short_text", "standard": "checkin-wait",
                 "prompt": {"es": "x", "en": "x"}}]}),
            "de puntuación",
        ),
        (checkin_survey("Check In!", "csat"), "Check In!"),
    ] {
        let reply = app
            .api(
                &admin,
                Method::POST,
                "/api/v1/surveys",
                Some(json!({"name": "Llegada", "owner_unit_id": root, "definition": definition})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(reply.body.contains(expected), "{expected}: {}", reply.body);
    }
    assert_eq!(
        app.api(&admin, Method::GET, "/api/v1/surveys", None)
            .await
            .json(),
        before,
        "nothing was stored"
    );

    let survey = published_survey(&app, &admin).await;
    let wait = standard(&app, &admin, "checkin-wait").await;
    let version = wait["version"].as_i64().expect("version");
    let asked = |s: &Value| {
        s["questions"]
            .as_array()
            .and_then(|l| l.iter().find(|q| q["survey_id"] == json!(survey)).cloned())
            .expect("our survey asks about it")
    };
    let q = asked(&wait);
    assert_eq!(q["question_key"], "wait");
    assert_eq!(q["survey_version"], json!(1));
    assert_eq!(q["standard_version"], json!(version));

    // The standard changes: the published question keeps the version it asked about; the
    // survey's next version asks about the new one.
    let changed = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/standards",
            Some(
                json!({"key": "checkin-wait", "touchpoint_id": wait["touchpoint_id"],
                        "unit_id": wait["unit_id"], "department_id": wait["department_id"],
                        "name": "Registro en 4 minutos o menos", "kind": "time",
                        "limit": 4, "time_unit": "minutes", "weight": 3, "critical": true}),
            ),
        )
        .await;
    assert_eq!(changed.status, StatusCode::CREATED, "{}", changed.body);
    let wait = standard(&app, &admin, "checkin-wait").await;
    assert_eq!(wait["version"], json!(version + 1));
    assert_eq!(asked(&wait)["standard_version"], json!(version));
    let saved = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{survey}/definition"),
            Some({
                let mut rated = checkin_survey("checkin-wait", "rating");
                rated["questions"][1]["scale"] = json!(10);
                rated
            }),
        )
        .await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let wait = standard(&app, &admin, "checkin-wait").await;
    let versions: Vec<(i64, i64)> = wait["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .filter(|q| q["survey_id"] == json!(survey))
        .map(|q| {
            (
                q["survey_version"].as_i64().expect("survey version"),
                q["standard_version"].as_i64().expect("standard version"),
            )
        })
        .collect();
    assert_eq!(versions, [(1, version), (2, version + 1)]);

    // The builder's live check names the unknown standard beside the question.
    let browser = app.login("admin@demo.test").await;
    let check = app
        .post(
            &browser,
            &format!("/surveys/{survey}/check"),
            &[(
                "definition",
                &checkin_survey("no-such-standard", "csat").to_string(),
            )],
        )
        .await;
    assert_eq!(
        check.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        check.body
    );
    let errors = check.json();
    assert_eq!(errors["errors"][0]["path"], "questions[1].standard");
    assert!(
        errors["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no-such-standard") && m.contains("No existe")),
        "{errors}"
    );
    // The builder offers the standards to link a scored question to.
    let page = app
        .get(Some(&browser), &format!("/surveys/{survey}/edit"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("checkin-wait"),
        "the standards are offered"
    );
}

/// Submits through the API at Cancún's check-in: on `day` of November 2026 (brought in
/// as history, which the alert rules leave alone), or now.
async fn answer(
    app: &TestApp,
    token: &str,
    survey: i64,
    touchpoint: i64,
    answers: Value,
    day: Option<u8>,
) {
    let mut body = json!({"answers": answers, "unit_id": app.unit_id("CUN").await,
                          "touchpoint_id": touchpoint});
    if let Some(day) = day {
        body["submitted_at"] = json!(format!("2026-11-{day:02}T18:00:00Z"));
    }
    let reply = app
        .api(
            token,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/responses"),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

async fn customers_shoppers_and_cases_are_shown_per_standard(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let survey = published_survey(app, &f.admin).await;
    let wait = standard(app, &f.admin, "checkin-wait").await;
    let touchpoint = wait["touchpoint_id"].as_i64().expect("touchpoint");
    // Twelve guests at Cancún's check-in: 3 found the wait fine (4–5), 9 did not; one
    // more did not answer that question and does not count. A detractor who waited
    // answers today and opens a case through the alert rules.
    for (i, score) in [5, 4, 4, 2, 1, 2, 3, 1, 2, 3, 2, 1].into_iter().enumerate() {
        let (nps, day) = if i == 4 {
            (2, None)
        } else {
            (9, Some(2 + i as u8))
        };
        let answers = json!({"nps": nps, "wait": score});
        answer(app, &f.admin, survey, touchpoint, answers, day).await;
    }
    answer(
        app,
        &f.admin,
        survey,
        touchpoint,
        json!({"nps": 10}),
        Some(15),
    )
    .await;
    let pass = run_once(&app.store, app.clock.now())
        .await
        .expect("the scheduler's pass");
    assert_eq!(pass.cases_opened, 1, "the detractor's");

    // The shopper fails the check-in wait (a critical standard): publishing opens the
    // corrective action.
    let (token, assignment, detail) = f.cancun_visit().await;
    let sent = f
        .submit(
            &token,
            "cun-nov",
            &report(assignment, &detail, &["checkin-wait"]),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let id = sent.json()["id"].as_i64().expect("id");
    let published = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/audits/{id}/review"),
            Some(json!({"decision": "publish"})),
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::NO_CONTENT,
        "{}",
        published.body
    );

    let cun = app.unit_id("CUN").await;
    let evidence = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/standards/evidence?unit={cun}&from=2026-11-01&to=2026-11-30"),
            None,
        )
        .await;
    assert_eq!(evidence.status, StatusCode::OK, "{}", evidence.body);
    let list = evidence.json();
    let row = list
        .as_array()
        .and_then(|l| l.iter().find(|s| s["key"] == "checkin-wait").cloned())
        .expect("the check-in wait has evidence");
    assert_eq!(row["customers"]["n"], json!(12));
    assert_eq!(row["customers"]["value"], json!(25.0), "3 of 12 favourable");
    assert_eq!(row["applied"], json!(1));
    assert_eq!(row["met"], json!(0));
    // The audit's corrective action and the detractor's case (its wait was 1).
    assert_eq!(row["cases"], json!(2), "{row}");
    assert_eq!(row["open_cases"], json!(2));
    // Weakest first: it failed the only audit.
    assert_eq!(list[0]["key"], "checkin-wait");
    // Standards the shoppers passed are there too, with no customers asked.
    let passed = list
        .as_array()
        .and_then(|l| l.iter().find(|s| s["met"] == json!(1)))
        .expect("a standard met");
    assert_eq!(passed["customers"]["n"], json!(0));

    // Another hotel has none of it; a bad range is refused.
    let pdc = app.unit_id("PDC").await;
    let other = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/standards/evidence?unit={pdc}&from=2026-11-01&to=2026-11-30"),
            None,
        )
        .await
        .json();
    // Only the company's targets, which apply everywhere, with nobody's answers yet.
    let rows = other.as_array().expect("rows");
    assert!(
        rows.iter().all(|r| r["target"].is_object()
            && r["target"]["figure"]["n"] == json!(0)
            && r["applied"] == json!(0)
            && r["cases"] == json!(0)),
        "{other}"
    );
    for query in [
        "unit=",
        "unit=abc",
        &format!("unit={cun}&from=2026-12-01&to=2026-11-01"),
    ] {
        let reply = app
            .api(
                &f.admin,
                Method::GET,
                &format!("/api/v1/standards/evidence?{query}"),
                None,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            reply.body
        );
    }
    // Shoppers see their own work only.
    let reply = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/standards/evidence?unit={cun}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // The hotel's page puts the three side by side, in the manager's words.
    let browser = app.login("manager@demo.test").await;
    let page = app
        .get(
            Some(&browser),
            &format!("/dashboard/units/{cun}?from=2026-11-01&to=2026-11-30"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let section = page
        .body
        .split("id=\"unit-standards\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("the standards section");
    let name = wait["definition"]["name"].as_str().expect("name");
    let line = section
        .split("<tr>")
        .find(|r| r.contains(name))
        .expect("the check-in wait's row");
    assert!(line.contains("25 %") && line.contains("n = 12"), "{line}");
    assert!(line.contains("0 %") && line.contains("n = 1"), "{line}");
    assert!(line.contains("2 · 2 abiertos"), "{line}");
}

both!(a_target_is_the_customers_figure_against_its_goal);

/// A target is a standard the customers meet, not the shoppers: kept out of the audit
/// forms, read from the answers at its moment of truth, and the goal that moment is
/// coloured against.
async fn a_target_is_the_customers_figure_against_its_goal(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let wait = standard(app, &f.admin, "checkin-wait").await;
    let checkin = wait["touchpoint_id"].as_i64().expect("touchpoint");
    let target = |goal: Value, metric: &str, critical: bool| {
        json!({"key": "checkin-csat", "touchpoint_id": checkin, "name": "Clientes satisfechos con el registro",
               "kind": "target", "limit": goal, "time_unit": metric, "weight": 5, "critical": critical})
    };
    for (goal, metric) in [
        (json!(120), "csat"),
        (json!(85), "stars"),
        (json!("mucho"), "csat"),
    ] {
        let reply = app
            .api(
                &f.admin,
                Method::POST,
                "/api/v1/standards",
                Some(target(goal, metric, false)),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
    }
    let saved = app
        .api(
            &f.admin,
            Method::POST,
            "/api/v1/standards",
            Some(target(json!("90"), "csat", true)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let s = standard(app, &f.admin, "checkin-csat").await;
    assert_eq!(
        s["definition"]["check"],
        json!({"kind": "target", "metric": "csat", "goal": 90.0})
    );
    assert_eq!(s["definition"]["critical"], json!(false), "not audited");
    assert_eq!(s["definition"]["weight"], json!(1));
    assert_eq!(
        s["version"],
        json!(2),
        "the demo's target of 85, raised to 90"
    );

    // The shopper's form has no such item.
    let (_, _, detail) = f.cancun_visit().await;
    let keys: Vec<String> = crate::shopping::form_items(&detail)
        .into_iter()
        .map(|i| i.0)
        .collect();
    assert!(keys.contains(&"checkin-wait".to_owned()));
    assert!(!keys.contains(&"checkin-csat".to_owned()), "{keys:?}");

    // Ten guests at Cancún's check-in, six satisfied: 60 % against a goal of 90 %.
    let csat = app
        .store
        .list_surveys(&cumbre_domain::access::Scope::Tenant(app.tenant))
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains("Satisfacción por momento"))
        .expect("the CSAT survey")
        .id;
    for (i, score) in [5, 5, 4, 4, 5, 4, 2, 1, 3, 2].into_iter().enumerate() {
        answer(
            app,
            &f.admin,
            csat,
            checkin,
            json!({"csat": score}),
            Some(3 + i as u8),
        )
        .await;
    }
    let cun = app.unit_id("CUN").await;
    let list = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/standards/evidence?unit={cun}&from=2026-11-01&to=2026-11-30"),
            None,
        )
        .await
        .json();
    let row = list
        .as_array()
        .and_then(|l| l.iter().find(|r| r["key"] == "checkin-csat").cloned())
        .expect("the target has a row");
    assert_eq!(row["target"]["goal"], json!(90.0));
    assert_eq!(row["target"]["figure"]["value"], json!(60.0));
    assert_eq!(row["target"]["figure"]["n"], json!(10));
    assert_eq!(row["target"]["met"], json!(false));
    assert_eq!(row["applied"], json!(0), "no audit checks it");

    // In words: the journey, the unit's standards, the moment coloured against 85.
    let browser = app.login("manager@demo.test").await;
    let journey = app.get(Some(&browser), "/touchpoints").await.body;
    assert!(
        journey.contains("Clientes: CSAT de al menos 90 %"),
        "{journey}"
    );
    let page = app
        .get(
            Some(&browser),
            &format!("/dashboard/units/{cun}?from=2026-11-01&to=2026-11-30&metric=csat"),
        )
        .await;
    let section = page
        .body
        .split("id=\"unit-standards\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("standards");
    let line = section
        .split("<tr>")
        .find(|r| r.contains("Clientes satisfechos con el registro"))
        .expect("the target's row");
    assert!(
        line.contains("CSAT 60 % (n = 10)") && line.contains("por debajo de la meta"),
        "{line}"
    );
    let moment = app
        .get(
            Some(&browser),
            &format!(
                "/dashboard/touchpoints/{checkin}?unit={cun}&from=2026-11-01&to=2026-11-30&metric=csat"
            ),
        )
        .await;
    assert_eq!(moment.status, StatusCode::OK);
    // The company's CSAT target is 80; this moment's standard says 90.
    let kpi = moment
        .body
        .split("kpi-detail")
        .nth(1)
        .expect("the moment's figure");
    assert!(
        kpi.contains("meta 90") && !kpi.contains("meta 80"),
        "the moment's goal is its standard's: {kpi}"
    );
}
