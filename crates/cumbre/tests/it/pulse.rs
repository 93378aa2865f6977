//! Employee pulses end to end: an administrator creates one through the API, the scheduler
//! opens its cycle once (two at once included), invitations go out over real SMTP, employees
//! answer from their links, and the results come back through the anonymity rule.

use crate::harness::{Backend, TestApp, both};
use crate::smtp::SmtpSink;
use axum::http::{Method, StatusCode};
use cumbre_domain::clock::Clock;
use cumbre_web::platform::mail::{Mailer, send_due};
use serde_json::{Value, json};
use sqlx::Connection;

both!(
    a_pulse_is_opened_once_answered_once_and_reported_without_small_groups,
    the_demo_pulse_shows_a_hotel_whose_enps_fell,
    administrators_set_the_thresholds_new_pulses_copy,
    a_pulse_keeps_the_terms_its_participants_were_shown,
);

const BASE: &str = "https://personas.sierraazul.example";

/// A pulse for Cancún, its cycle opened and its invitations e-mailed: (pulse, links).
pub(crate) async fn open_pulse(app: &TestApp, sink: &SmtpSink) -> (i64, Vec<String>) {
    let admin = app.token("admin@demo.test").await;
    let cun = app.unit_id("CUN").await;
    let created = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/pulses",
            Some(json!({"name": "Pulso de diciembre", "template": "monthly", "audience_unit_id": cun})),
        )
        .await;
    let pulse = created.json()["id"].as_i64().expect("id");
    cumbre::scheduler::run_once(&app.store, app.clock.now())
        .await
        .expect("pass");
    let mailer =
        Mailer::new(&sink.url(), "Personas <personas@sierraazul.example>").expect("mailer");
    send_due(&app.store, &mailer, app.clock.as_ref(), BASE)
        .await
        .expect("sent");
    (pulse, tokens(sink))
}

fn tokens(sink: &SmtpSink) -> Vec<String> {
    sink.mails
        .lock()
        .expect("mails")
        .iter()
        .filter_map(|m| {
            let text = m.text();
            let start = text.find(&format!("{BASE}/p/"))? + BASE.len() + 3;
            Some(
                text[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect(),
            )
        })
        .collect()
}

/// Every suppressed figure in `v`, anywhere: it must carry no number.
fn suppressed(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) if m.get("suppressed") == Some(&Value::Bool(true)) => {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 2, "only suppressed and reason: {v}");
            out.push(v.clone());
        }
        Value::Object(m) => m.values().for_each(|x| suppressed(x, out)),
        Value::Array(a) => a.iter().for_each(|x| suppressed(x, out)),
        _ => {}
    }
}

async fn a_pulse_is_opened_once_answered_once_and_reported_without_small_groups(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let cun = app.unit_id("CUN").await;
    let created = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/pulses",
            Some(json!({"name": "Pulso de diciembre", "template": "monthly", "audience_unit_id": cun})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let pulse = created.json()["id"].as_i64().expect("id");
    assert_eq!(created.json()["mode"], "anonymous");
    assert_eq!(created.json()["min_group"], 5);
    // Bad input changes nothing.
    for bad in [
        json!({"name": "x", "template": "weekly", "audience_unit_id": cun}),
        json!({"name": "x", "template": "monthly", "audience_unit_id": cun, "mode": "open"}),
        json!({"name": "x", "template": "monthly", "audience_unit_id": cun, "open_days": 0}),
    ] {
        let r = app
            .api(&admin, Method::POST, "/api/v1/pulses", Some(bad.clone()))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let nowhere = json!({"name": "x", "template": "monthly", "audience_unit_id": 999_999});
    let r = app
        .api(&admin, Method::POST, "/api/v1/pulses", Some(nowhere))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let manager = app.token("manager@demo.test").await;
    let r = app
        .api(
            &manager,
            Method::POST,
            "/api/v1/pulses",
            Some(json!({"name": "x", "template": "monthly", "audience_unit_id": cun})),
        )
        .await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);

    // Two schedulers at once open the cycle once.
    let now = app.clock.now();
    let (a, b) = tokio::join!(
        cumbre::scheduler::run_once(&app.store, now),
        cumbre::scheduler::run_once(&app.store, now)
    );
    let opened = a.expect("pass").pulses_opened + b.expect("pass").pulses_opened;
    assert_eq!(opened, 1);
    let sink = SmtpSink::start().await;
    let mailer =
        Mailer::new(&sink.url(), "Personas <personas@sierraazul.example>").expect("mailer");
    send_due(&app.store, &mailer, app.clock.as_ref(), BASE)
        .await
        .expect("sent");
    let links = tokens(&sink);
    assert!(links.len() >= 20, "{} invitations", links.len());
    assert_eq!(
        send_due(&app.store, &mailer, app.clock.as_ref(), BASE)
            .await
            .expect("again"),
        0,
        "each invitation goes out once"
    );

    // The page says what is kept before the first question.
    let page = app.get(None, &format!("/p/{}", links[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("anónimo") && page.body.contains("menos de 5"),
        "{}",
        page.body
    );
    let answer = |enps: &'static str, comment: &'static str| {
        vec![
            ("terms", "anonymous:5:10"),
            ("enps", enps),
            ("tools", "4"),
            ("leader", "2"),
            ("recognition", "5"),
            ("voice", "3"),
            ("comment", comment),
        ]
    };
    let bad = app
        .post_raw(None, &format!("/p/{}", links[0]), &answer("11", ""))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut sent = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let (enps, comment) = if i % 3 == 0 {
            ("10", "Falta personal en la noche")
        } else {
            ("3", "")
        };
        let r = app
            .post_raw(None, &format!("/p/{link}"), &answer(enps, comment))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        sent.push(enps);
    }
    let again = app
        .post_raw(None, &format!("/p/{}", links[0]), &answer("0", ""))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "answered once");

    // Stored apart from its author: no person, no time.
    let mut conn = sqlx::AnyConnection::connect(&app._db.url)
        .await
        .expect("connect");
    let linked: i64 = sqlx::query_scalar(
        "SELECT CAST(count(*) AS BIGINT) FROM pulse_answers WHERE person_id IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(linked, 0);
    let pulses = app.api(&admin, Method::GET, "/api/v1/pulses", None).await;
    assert_eq!(pulses.json()[0]["locked"], true, "the mode is fixed now");

    // An open cycle shows nothing; once closed, its figures.
    let results = |token: String, query: String| {
        let app = &app;
        async move {
            app.api(
                &token,
                Method::GET,
                &format!("/api/v1/pulse/results?pulse={pulse}{query}"),
                None,
            )
            .await
        }
    };
    let r = results(admin.clone(), String::new()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["cycles"].as_array().map(Vec::len), Some(0));
    app.clock.advance(time::Duration::days(8));
    let r = results(admin.clone(), String::new()).await;
    let body = r.json();
    let cycle = &body["cycles"][0];
    assert_eq!(
        cycle["cycle"]["answered"].as_i64(),
        Some(links.len() as i64)
    );
    let figures = &cycle["figures"];
    let promoters = sent.iter().filter(|s| **s == "10").count() as i64;
    assert_eq!(
        figures["answers"].as_i64(),
        Some(links.len() as i64),
        "{figures}"
    );
    assert_eq!(figures["promoters"].as_i64(), Some(promoters));
    assert_eq!(
        figures["detractors"].as_i64(),
        Some(links.len() as i64 - promoters)
    );
    // Departments with fewer than five answers, or that would give such a rest away, show
    // no figure; those shown count at least five.
    let mut hidden = Vec::new();
    suppressed(&body, &mut hidden);
    assert!(!hidden.is_empty(), "a small group is hidden: {body}");
    for d in cycle["by_department"].as_array().expect("departments") {
        if let Some(n) = d["figures"]["answers"].as_i64() {
            assert!(n >= 5, "{d}");
        }
    }
    let comments = cycle["comments"].as_array().map(Vec::len);
    let written = links.len().div_ceil(3);
    if links.len() >= 10 {
        assert_eq!(comments, Some(written), "{}", cycle["comments"]);
    }
    // A manager reads their own subtree; another location, an employee or a bad query: no.
    let r = results(manager.clone(), String::new()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let other = app.unit_id("PDC").await;
    let r = results(manager.clone(), format!("&unit={other}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let employee = app.token("employee@demo.test").await;
    let r = results(employee, String::new()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let far = results(admin.clone(), "&from=0001-01-01&to=9999-12-31".to_owned()).await;
    assert_eq!(far.status, StatusCode::OK, "the widest range: {}", far.body);
    for q in [
        "&tenure=forever",
        "&from=2026-13-01",
        "&from=2026-12-01&to=2026-01-01",
    ] {
        let r = results(admin.clone(), q.to_owned()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
    }
    // The results page says the same, in the reader's language, and why a group is hidden.
    let browser = app.login("manager@demo.test").await;
    let list = app.get(Some(&browser), "/pulses").await;
    assert!(list.body.contains("Pulso de diciembre"), "{}", list.body);
    let page = app.get(Some(&browser), &format!("/pulses/{pulse}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Oculto") && page.body.contains("respuestas"),
        "{}",
        page.body
    );
    // The file says the same: a hidden group has its reason and no number.
    let csv = app
        .get(Some(&browser), &format!("/pulses/{pulse}/results.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.iter().any(|r| &r[2] == "yes"), "{}", csv.body);
    for r in rows.iter().filter(|r| &r[2] == "hidden") {
        assert!(!r[3].is_empty(), "a reason: {r:?}");
        assert!(r.iter().skip(4).all(str::is_empty), "no number: {r:?}");
    }
    assert!(rows.iter().any(|r| &r[2] == "hidden"), "{}", csv.body);
    let employee = app.login("employee@demo.test").await;
    assert_eq!(
        app.get(Some(&employee), "/pulses").await.status,
        StatusCode::NOT_FOUND
    );
    // After the cycle closed, a link takes no answer.
    let late = app.get(None, &format!("/p/{}", links[1])).await;
    assert!(late.body.contains("pulse-answered") || late.body.contains("pulse-closed"));
}

/// The demo's six monthly pulses: Playa del Carmen's eNPS falls after its manager changed
/// three cycles ago while Cancún's holds, and small teams are hidden.
async fn the_demo_pulse_shows_a_hotel_whose_enps_fell(backend: Backend) {
    let app = TestApp::demo_with_history(backend, 0.02).await;
    let admin = app.token("admin@demo.test").await;
    let pulses = app
        .api(&admin, Method::GET, "/api/v1/pulses", None)
        .await
        .json();
    let pulse = pulses[0]["id"].as_i64().expect("the demo's pulse");
    let enps = |unit: i64| {
        let (app, admin) = (&app, &admin);
        async move {
            let r = app
                .api(
                    admin,
                    Method::GET,
                    &format!("/api/v1/pulse/results?pulse={pulse}&unit={unit}"),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let body = r.json();
            let cycles = body["cycles"].as_array().expect("cycles").clone();
            assert_eq!(cycles.len(), 6, "six closed cycles");
            let mut hidden = Vec::new();
            suppressed(&body, &mut hidden);
            assert!(!hidden.is_empty(), "small teams are hidden");
            cycles
                .iter()
                .map(|c| {
                    c["figures"]["enps"]["value"]
                        .as_f64()
                        .expect("the hotel is shown")
                })
                .collect::<Vec<f64>>()
        }
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let pdc = enps(app.unit_id("PDC").await).await;
    let cun = enps(app.unit_id("CUN").await).await;
    assert!(
        mean(&pdc[..3]) - mean(&pdc[3..]) > 30.0,
        "Playa del Carmen fell: {pdc:?}"
    );
    assert!(
        (mean(&cun[..3]) - mean(&cun[3..])).abs() < 25.0,
        "Cancún held: {cun:?}"
    );
}

/// The organisation's thresholds: never below three, comments at least as many as figures;
/// a new pulse copies them, an existing one keeps what its participants saw.
async fn administrators_set_the_thresholds_new_pulses_copy(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let cun = app.unit_id("CUN").await;
    let new_pulse = || json!({"name": "Pulso", "template": "quarterly", "audience_unit_id": cun});
    let before = app
        .api(&admin, Method::POST, "/api/v1/pulses", Some(new_pulse()))
        .await
        .json();
    for bad in [
        json!({"min_group": 2, "min_comments": 10}),
        json!({"min_group": 7, "min_comments": 5}),
    ] {
        let r = app
            .api(
                &admin,
                Method::PUT,
                "/api/v1/settings/anonymity",
                Some(bad.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let got = app
        .api(&admin, Method::GET, "/api/v1/settings/anonymity", None)
        .await;
    assert_eq!(
        got.json(),
        json!({"min_group": 5, "min_comments": 10}),
        "unchanged"
    );
    let manager = app.token("manager@demo.test").await;
    let r = app
        .api(
            &manager,
            Method::PUT,
            "/api/v1/settings/anonymity",
            Some(json!({"min_group": 3, "min_comments": 3})),
        )
        .await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);
    let set = app
        .api(
            &admin,
            Method::PUT,
            "/api/v1/settings/anonymity",
            Some(json!({"min_group": 7, "min_comments": 12})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let after = app
        .api(&admin, Method::POST, "/api/v1/pulses", Some(new_pulse()))
        .await
        .json();
    assert_eq!(
        (after["min_group"].as_i64(), after["min_comments"].as_i64()),
        (Some(7), Some(12))
    );
    let pulses = app
        .api(&admin, Method::GET, "/api/v1/pulses", None)
        .await
        .json();
    let kept = pulses
        .as_array()
        .expect("pulses")
        .iter()
        .find(|p| p["id"] == before["id"])
        .expect("the first pulse")
        .clone();
    assert_eq!(
        kept["min_group"], 5,
        "an existing pulse keeps its thresholds"
    );
    // The administrators' form says the same.
    let browser = app.login("admin@demo.test").await;
    let r = app
        .post(
            &browser,
            "/pulses/thresholds",
            &[("min_group", "2"), ("min_comments", "9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &browser,
            "/pulses/thresholds",
            &[("min_group", "6"), ("min_comments", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(Some(&browser), "/pulses").await.body;
    assert!(page.contains("value=\"6\""), "{page}");
}

/// What a participant is shown is what holds: a change of mode before the first answer
/// sends an open page back to be read again, and after it the mode and thresholds cannot
/// change (the name and the schedule can).
async fn a_pulse_keeps_the_terms_its_participants_were_shown(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let sink = SmtpSink::start().await;
    let (pulse, links) = open_pulse(&app, &sink).await;
    let admin = app.token("admin@demo.test").await;
    let change = |body: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            app.api(
                admin,
                Method::POST,
                &format!("/api/v1/pulses/{pulse}"),
                Some(body),
            )
            .await
        }
    };
    let page = app.get(None, &format!("/p/{}", links[0])).await.body;
    assert!(page.contains("value=\"anonymous:5:10\""), "{page}");
    // Before any answer the administrator may still make it confidential…
    let r = change(json!({"mode": "confidential"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // …and a page opened under the old terms is sent back to be read again.
    let fields = [
        ("terms", "anonymous:5:10"),
        ("enps", "9"),
        ("tools", "4"),
        ("leader", "4"),
        ("recognition", "4"),
        ("voice", "4"),
    ];
    let stale = app
        .post_raw(None, &format!("/p/{}", links[0]), &fields)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.body.contains("confidencial"),
        "the new terms: {}",
        stale.body
    );
    let mut fresh = fields;
    fresh[0] = ("terms", "confidential:5:10");
    let ok = app
        .post_raw(None, &format!("/p/{}", links[0]), &fresh)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // From the first answer on, the terms hold.
    for locked in [json!({"mode": "anonymous"}), json!({"min_group": 8})] {
        let r = change(locked.clone()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{locked}: {}", r.body);
    }
    let r = change(json!({"name": "Pulso de fin de año", "open_days": 10})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["name"], "Pulso de fin de año");
    assert_eq!(r.json()["mode"], "confidential");
    for bad in [json!({"open_days": 0}), json!({"min_group": 2})] {
        let r = change(bad.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let manager = app.token("manager@demo.test").await;
    let r = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/pulses/{pulse}"),
            Some(json!({"name": "x"})),
        )
        .await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);
    // The confidential answer names its person; no output does.
    let mut conn = sqlx::AnyConnection::connect(&app._db.url)
        .await
        .expect("connect");
    let linked: i64 = sqlx::query_scalar(
        "SELECT CAST(count(*) AS BIGINT) FROM pulse_answers WHERE person_id IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(linked, 1);
}
