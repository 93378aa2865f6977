//! Hostile and absurd input: refused with a reason, never a crash, a hang or a flood.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};

both!(
    extreme_dates_are_refused_with_a_reason_everywhere,
    bad_input_is_refused_with_a_reason_people_can_read,
    searches_with_control_characters_find_by_the_other_words,
    absurd_page_numbers_answer_with_a_page,
);

/// A page number near the top of the integers once overflowed the offset it became (a
/// panic in a debug build, a wrapped offset in release).
async fn absurd_page_numbers_answer_with_a_page(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let browser = app.login("admin@demo.test").await;
    for path in ["/people", "/cases"] {
        for page in ["0", "-5", "9223372036854775807", "-9223372036854775808"] {
            let reply = app
                .get(Some(&browser), &format!("{path}?page={page}"))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{path}?page={page}: {}",
                reply.body
            );
        }
    }
}

/// A NUL in a search once reached PostgreSQL, which refuses it in any text (a 500): every
/// search splits its words at control characters too, on pages and in the API alike.
async fn searches_with_control_characters_find_by_the_other_words(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let browser = app.login("admin@demo.test").await;
    for q in ["%00", "ana%00l%C3%B3pez", "%01%1F%7F", "%E2%80%8Bana%00"] {
        for path in [
            format!("/api/v1/cases?q={q}"),
            format!("/api/v1/responses?q={q}"),
            format!("/api/v1/people?q={q}"),
            format!("/api/v1/lessons?q={q}"),
        ] {
            let reply = app.api(&admin, Method::GET, &path, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        }
        for path in [
            format!("/cases?q={q}"),
            format!("/responses?q={q}"),
            format!("/people?q={q}"),
            format!("/lessons?q={q}"),
        ] {
            let reply = app.get(Some(&browser), &path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        }
    }
}

/// Dates at the end of the calendar once looped forever, allocated gigabytes or
/// overflowed; every page, export and API that takes a date refuses them in the caller's
/// language and stays up.
async fn extreme_dates_are_refused_with_a_reason_everywhere(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let auditor = app.token("auditor@demo.test").await;
    let admin = app.token("admin@demo.test").await;
    let browser = app.login("admin@demo.test").await;
    let unit = app.unit_id("CUN").await;
    let touchpoints = app.store.list_touchpoints(app.tenant).await.expect("tps");
    let touchpoint = touchpoints[0].id;
    let ranges = [
        "to=9999-12-31",
        "from=9999-12-01&to=9999-12-31",
        "from=0001-01-01&to=2026-01-01",
        "from=1970-01-01&to=2199-12-31",
        "from=2026-02-01&to=2026-01-01",
        "to=2026-13-45",
    ];
    for range in ranges {
        for token in [&auditor, &admin] {
            for path in [
                format!("/api/v1/metrics?interval=month&{range}"),
                format!("/api/v1/metrics?interval=day&{range}"),
                format!("/api/v1/metrics/breakdown?by=channel&{range}"),
                format!("/api/v1/metrics/response-rate?{range}"),
                format!("/api/v1/responses?{range}"),
                format!("/api/v1/recovery?{range}"),
            ] {
                let reply = app.api(token, Method::GET, &path, None).await;
                // Listings page through any span of the supported calendar.
                if wide_listing(&path) && reply.status == StatusCode::OK {
                    continue;
                }
                assert!(
                    reply.status == StatusCode::UNPROCESSABLE_ENTITY
                        || (token == &auditor && reply.status == StatusCode::FORBIDDEN),
                    "{path}: {} {}",
                    reply.status,
                    reply.body
                );
                if reply.status == StatusCode::UNPROCESSABLE_ENTITY {
                    let message = reply.json()["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    assert!(
                        message.contains("1970")
                            || message.contains("periodo")
                            || message.contains("fecha"),
                        "{path}: {message}"
                    );
                }
            }
        }
        for path in [
            format!("/overview?{range}"),
            format!("/overview.csv?{range}"),
            format!("/dashboard/units/{unit}?{range}"),
            format!("/dashboard/units/{unit}?format=csv&{range}"),
            format!("/dashboard/touchpoints/{touchpoint}?{range}"),
            format!("/responses?{range}"),
            format!("/responses.csv?{range}"),
            format!("/recovery?{range}"),
        ] {
            let reply = app.get(Some(&browser), &path).await;
            if wide_listing(&path) && reply.status == StatusCode::OK {
                continue;
            }
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                reply.body
            );
            assert!(
                reply.body.contains("1970")
                    || reply.body.contains("periodo")
                    || reply.body.contains("fecha"),
                "{path}: the page says why (in Spanish, the browser's default): {}",
                reply.body.chars().take(300).collect::<String>()
            );
        }
    }
    // The edges of the supported calendar still answer.
    let reply = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/metrics?interval=quarter&from=2180-01-01&to=2199-12-31",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let health = app.get(None, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
}

fn wide_listing(path: &str) -> bool {
    path.contains("responses") && path.contains("from=1970-01-01&to=2199-12-31")
}

/// Input that was once accepted, or refused with a message naming Rust types.
async fn bad_input_is_refused_with_a_reason_people_can_read(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let scope = cumbre_domain::access::Scope::Tenant(app.tenant);
    let nps = app
        .store
        .list_surveys(&scope)
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains("NPS"))
        .expect("NPS")
        .id;
    let unit = app.unit_id("CUN").await;
    let touchpoint = app.store.list_touchpoints(app.tenant).await.expect("tps")[0].id;
    let submit = |answers: serde_json::Value, at: Option<&str>| {
        let mut body =
            serde_json::json!({"unit_id": unit, "touchpoint_id": touchpoint, "answers": answers});
        if let Some(at) = at {
            body["submitted_at"] = serde_json::json!(at);
        }
        body
    };
    let path = format!("/api/v1/surveys/{nps}/responses");
    // A score sent as text, and a date before the supported calendar.
    let text_score = app
        .api(
            &admin,
            Method::POST,
            &path,
            Some(submit(serde_json::json!({"nps": "9"}), None)),
        )
        .await;
    assert_eq!(
        text_score.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        text_score.body
    );
    let ancient = app
        .api(
            &admin,
            Method::POST,
            &path,
            Some(submit(
                serde_json::json!({"nps": 9}),
                Some("0001-01-01T00:00:00Z"),
            )),
        )
        .await;
    assert_eq!(
        ancient.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        ancient.body
    );
    // A body far beyond any answer is 413, not a parse error.
    let huge = format!(
        "{{\"answers\":{{\"fix\":\"{}\"}}}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let req = axum::http::Request::post(&path)
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(huge))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A malformed id is a JSON 404, not axum's plain text.
    let malformed = app
        .api(&admin, Method::GET, "/api/v1/units/abc", None)
        .await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    assert!(
        malformed.json()["message"].is_string(),
        "{}",
        malformed.body
    );
    assert!(!malformed.body.contains("i64"), "{}", malformed.body);
    // JSON that does not fit says so without Rust type names.
    let wrong = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{nps}/definition"),
            Some(serde_json::json!("a string")),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert!(!wrong.body.contains("struct"), "{}", wrong.body);
    // A definition with a misspelt field or a NUL is refused with where it is.
    let mut definition = app
        .store
        .get_survey(&scope, nps)
        .await
        .expect("survey")
        .definition
        .as_ref()
        .clone();
    let mut raw = serde_json::to_value(&definition).expect("json");
    raw["questions"][0]["requird"] = serde_json::json!(true);
    let misspelt = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{nps}/definition"),
            Some(raw),
        )
        .await;
    assert_eq!(
        misspelt.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        misspelt.body
    );
    assert!(misspelt.body.contains("requird"), "{}", misspelt.body);
    definition
        .title
        .0
        .insert("es".into(), "Encuesta\u{0}".into());
    let nul = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{nps}/definition"),
            Some(serde_json::to_value(&definition).expect("json")),
        )
        .await;
    assert_eq!(nul.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", nul.body);
    // Invalid UTF-8 on the public form is refused, not stored as U+FFFD.
    let link = app
        .store
        .list_links(&scope, nps)
        .await
        .expect("links")
        .into_iter()
        .next()
        .expect("link");
    let req = axum::http::Request::post(format!("/s/{}", link.token))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "idempotency_key=u1&q.nps=3&q.fix=%FF%FEmal",
        ))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored = app
        .api(&admin, Method::GET, "/api/v1/responses?q=mal", None)
        .await
        .json();
    assert_eq!(
        stored["items"].as_array().map(Vec::len),
        Some(0),
        "{stored}"
    );
    // An executive sees every rule but writes none; a unit the caller cannot see is 404.
    let ceo = app.token("ceo@demo.test").await;
    let rule = app
        .api(
            &ceo,
            Method::POST,
            "/api/v1/rules",
            Some(serde_json::json!({"name": "x", "unit_id": unit, "definition": {
                "conditions": [{"kind": "score", "type": "nps", "at_most": 6}], "open_case": "low"}})),
        )
        .await;
    assert_eq!(rule.status, StatusCode::FORBIDDEN, "{}", rule.body);
    let employee = app.token("employee@demo.test").await;
    let elsewhere = app
        .api(
            &employee,
            Method::GET,
            &format!("/api/v1/metrics?unit={}", app.unit_id("PDC").await),
            None,
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "{}",
        elsewhere.body
    );
}
