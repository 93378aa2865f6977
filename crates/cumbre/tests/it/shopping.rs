//! Decide: mystery shopping through the API. A programme assigns each unit one visit per
//! period in rotation, with its form pinned to the standards in force; an auditor sees
//! only their own work and sends each report exactly once; reviewers publish or return
//! it; the unit's manager disputes failed items and an overturned one recomputes the
//! score while the original stays visible.

use crate::harness::{Backend, Reply, TestApp, both};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

both!(a_programme_assigns_each_unit_one_visit_per_period_in_rotation);
both!(an_audit_is_sent_once_scored_reviewed_and_published);
both!(an_overturned_dispute_recomputes_the_score_and_keeps_the_original);

pub(crate) struct Fixture {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) auditors: [(String, i64); 2],
    programme: i64,
    units: [i64; 2],
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.api(token, Method::GET, "/api/v1/me", None).await.json()["id"]
        .as_i64()
        .expect("id")
}

/// The demo with a monthly programme over two hotels (Cancún, and the first of the
/// others), through every moment of truth, with both demo auditors.
pub(crate) async fn fixture(backend: Backend) -> Fixture {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let a1 = app.token("auditor@demo.test").await;
    let a2 = app.token("auditor2@demo.test").await;
    let auditors = [
        (a1.clone(), user_id(&app, &a1).await),
        (a2.clone(), user_id(&app, &a2).await),
    ];
    let touchpoints: Vec<i64> = app
        .api(&admin, Method::GET, "/api/v1/touchpoints", None)
        .await
        .json()
        .as_array()
        .expect("touchpoints")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    let units = [app.unit_id("CUN").await, app.unit_id("PDC").await];
    let created = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/programmes",
            Some(json!({"name": "Huésped misterioso", "briefing": "Reserve por teléfono, llegue a las 15:00, cene en el restaurante.",
                        "unit_ids": units, "touchpoint_ids": touchpoints,
                        "auditor_ids": [auditors[0].1, auditors[1].1]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let programme = created.json()["id"].as_i64().expect("id");
    Fixture {
        app,
        admin,
        auditors,
        programme,
        units,
    }
}

impl Fixture {
    pub(crate) async fn generate(&self, day: &str) -> i64 {
        let reply = self
            .app
            .api(
                &self.admin,
                Method::POST,
                &format!("/api/v1/programmes/{}/assignments", self.programme),
                Some(json!({"day": day})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()["made"].as_i64().expect("made")
    }

    async fn assignments(&self, token: &str) -> Vec<Value> {
        let reply = self
            .app
            .api(token, Method::GET, "/api/v1/assignments", None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json().as_array().expect("list").clone()
    }

    /// The November assignment of the Cancún hotel, with its auditor's token and form.
    pub(crate) async fn cancun_visit(&self) -> (String, i64, Value) {
        self.generate("2026-11-10").await;
        let all = self.assignments(&self.admin).await;
        let a = all
            .iter()
            .find(|a| a["unit_id"] == json!(self.units[0]) && a["period"] == "2026-11-01")
            .expect("Cancún's visit");
        let auditor = a["auditor_id"].as_i64().expect("auditor");
        let token = self
            .auditors
            .iter()
            .find(|(_, id)| *id == auditor)
            .expect("one of ours")
            .0
            .clone();
        let id = a["id"].as_i64().expect("id");
        let detail = self
            .app
            .api(
                &token,
                Method::GET,
                &format!("/api/v1/assignments/{id}"),
                None,
            )
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
        (token, id, detail.json())
    }

    pub(crate) async fn submit(&self, token: &str, key: &str, body: &Value) -> Reply {
        let req = Request::post("/api/v1/audits")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(Body::from(body.to_string()))
            .expect("request");
        self.app.send(req).await
    }
}

/// Every item of `detail`'s form in order: (key, weight, critical, time limit?, section).
pub(crate) fn form_items(detail: &Value) -> Vec<(String, u64, bool, bool, i64)> {
    detail["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().cloned().unwrap_or_default())
        .map(|i| {
            (
                i["key"].as_str().expect("key").to_owned(),
                i["standard"]["weight"].as_u64().expect("weight"),
                i["standard"]["critical"].as_bool().expect("critical"),
                i["standard"]["check"]["kind"] == "time_limit",
                i["touchpoint_id"].as_i64().expect("section"),
            )
        })
        .collect()
}

/// A report passing everything except `failed` (with a note); time limits measured at 1.
pub(crate) fn report(assignment: i64, detail: &Value, failed: &[&str]) -> Value {
    let items: Vec<Value> = form_items(detail)
        .iter()
        .map(|(key, _, _, timed, _)| {
            let fail = failed.contains(&key.as_str());
            match (timed, fail) {
                (true, false) => json!({"key": key, "measured": 1}),
                (true, true) => json!({"key": key, "measured": 999, "note": "Esperé muchísimo"}),
                (false, false) => json!({"key": key, "outcome": "pass"}),
                (false, true) => json!({"key": key, "outcome": "fail", "note": "No se hizo"}),
            }
        })
        .collect();
    json!({"assignment_id": assignment, "visited_at": "2026-11-20T19:00:00Z", "items": items})
}

async fn a_programme_assigns_each_unit_one_visit_per_period_in_rotation(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    assert_eq!(f.generate("2026-10-15").await, 2);
    assert_eq!(
        f.generate("2026-10-31").await,
        0,
        "the period has its visits"
    );
    let october = f.assignments(&f.admin).await;
    assert_eq!(october.len(), 2);
    assert!(october.iter().all(|a| a["period"] == "2026-10-01"));
    let auditor_of = |list: &[Value], unit: i64, period: &str| {
        list.iter()
            .find(|a| a["unit_id"] == json!(unit) && a["period"] == period)
            .map(|a| a["auditor_id"].clone())
            .expect("assignment")
    };
    assert_ne!(
        auditor_of(&october, f.units[0], "2026-10-01"),
        auditor_of(&october, f.units[1], "2026-10-01"),
        "the visits are spread"
    );
    // October is over and nothing was done: both are overdue.
    let overdue = app
        .api(
            &f.admin,
            Method::GET,
            "/api/v1/assignments?overdue=true",
            None,
        )
        .await
        .json();
    assert_eq!(overdue.as_array().map(Vec::len), Some(2), "{overdue}");

    // A standard changed before November: October's forms keep the version they pinned.
    let first_key = october[0]["id"].as_i64().expect("id");
    let detail = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/assignments/{first_key}"),
            None,
        )
        .await
        .json();
    let item = &detail["sections"][0]["items"][0];
    let key = item["key"].as_str().expect("key").to_owned();
    let version = item["version"].as_i64().expect("version");
    let standard = app
        .api(&f.admin, Method::GET, "/api/v1/standards", None)
        .await
        .json()
        .as_array()
        .and_then(|l| l.iter().find(|s| s["key"] == json!(key)).cloned())
        .expect("standard");
    let changed = app
        .api(
            &f.admin,
            Method::POST,
            "/api/v1/standards",
            Some(
                json!({"key": key, "touchpoint_id": standard["touchpoint_id"],
                        "unit_id": standard["unit_id"], "department_id": standard["department_id"],
                        "name": "Un nombre nuevo para el estándar", "weight": 7}),
            ),
        )
        .await;
    assert_eq!(changed.status, StatusCode::CREATED, "{}", changed.body);

    assert_eq!(f.generate("2026-11-02").await, 2);
    let all = f.assignments(&f.admin).await;
    for unit in f.units {
        assert_ne!(
            auditor_of(&all, unit, "2026-10-01"),
            auditor_of(&all, unit, "2026-11-01"),
            "unit {unit} saw the same shopper twice in a row"
        );
    }
    let again = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/assignments/{first_key}"),
            None,
        )
        .await
        .json();
    assert_eq!(again["sections"][0]["items"][0]["version"], json!(version));
    let november = all
        .iter()
        .find(|a| a["period"] == "2026-11-01")
        .and_then(|a| a["id"].as_i64())
        .expect("november");
    let new_form = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/assignments/{november}"),
            None,
        )
        .await
        .json();
    let pinned = new_form["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["key"] == json!(key))
        .expect("the item");
    assert_eq!(pinned["version"], json!(version + 1));
    assert_eq!(
        pinned["standard"]["name"],
        "Un nombre nuevo para el estándar"
    );

    // Each auditor sees only their own assignments, and not another's by id.
    for (token, id) in &f.auditors {
        let mine = f.assignments(token).await;
        assert_eq!(mine.len(), 2, "one visit per period each");
        assert!(mine.iter().all(|a| a["auditor_id"] == json!(id)));
    }
    let theirs = all
        .iter()
        .find(|a| a["auditor_id"] != json!(f.auditors[0].1))
        .and_then(|a| a["id"].as_i64())
        .expect("another's");
    let reply = app
        .api(
            &f.auditors[0].0,
            Method::GET,
            &format!("/api/v1/assignments/{theirs}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // The units visited cannot see a covert programme's plan.
    let manager = app.token("manager@demo.test").await;
    for path in ["/api/v1/assignments", "/api/v1/programmes"] {
        let reply = app.api(&manager, Method::GET, path, None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }

    // Reassigning keeps the rotation's rules: only the programme's auditors; a cancelled
    // visit is not made again.
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/assignments/{theirs}"),
            Some(json!({"action": "reassign", "auditor_id": f.auditors[0].1})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/assignments/{theirs}"),
            Some(json!({"action": "reassign", "auditor_id": user_id(app, &manager).await})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/assignments/{theirs}"),
            Some(json!({"action": "cancel"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        f.generate("2026-11-20").await,
        0,
        "a cancelled visit stays cancelled"
    );
    let cancelled = app
        .api(
            &f.admin,
            Method::GET,
            "/api/v1/assignments?status=cancelled",
            None,
        )
        .await
        .json();
    assert_eq!(cancelled.as_array().map(Vec::len), Some(1));

    // A programme with what is not the tenant's is refused and nothing is made.
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            "/api/v1/programmes",
            Some(
                json!({"name": "x", "unit_ids": [f.units[0]], "touchpoint_ids": [999999],
                        "auditor_ids": [f.auditors[0].1]}),
            ),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            "/api/v1/programmes",
            Some(
                json!({"name": "x", "unit_ids": [f.units[0]], "touchpoint_ids": [],
                        "auditor_ids": [user_id(app, &manager).await]}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let programmes = app
        .api(&f.admin, Method::GET, "/api/v1/programmes", None)
        .await
        .json();
    assert_eq!(programmes.as_array().map(Vec::len), Some(1));
}

async fn an_audit_is_sent_once_scored_reviewed_and_published(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let (token, assignment, detail) = f.cancun_visit().await;
    let items = form_items(&detail);
    assert!(items.len() >= 5, "{detail}");
    assert!(
        detail["briefing"]
            .as_str()
            .is_some_and(|b| b.contains("Reserve")),
        "the shopper reads the briefing"
    );
    let manager = app.token("manager@demo.test").await;

    // Refused reports store nothing: a failure without a note, an item not on the form.
    let mut bad = report(assignment, &detail, &[]);
    bad["items"][0] = json!({"key": items[0].0, "outcome": "fail"});
    if items[0].3 {
        bad["items"][0] = json!({"key": items[0].0, "measured": 999});
    }
    bad["items"]
        .as_array_mut()
        .expect("items")
        .push(json!({"key": "not-on-the-form", "outcome": "pass"}));
    let reply = f.submit(&token, "bad-1", &bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("not-on-the-form"), "{}", reply.body);
    bad["items"].as_array_mut().expect("items").pop();
    let reply = f.submit(&token, "bad-2", &bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(&items[0].0),
        "the item is named: {}",
        reply.body
    );
    let mut future = report(assignment, &detail, &[]);
    future["visited_at"] = json!("2026-11-30T10:00:00Z");
    let reply = f.submit(&token, "bad-3", &future).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = f
        .submit(
            &f.auditors[0].0.clone(),
            "x",
            &report(999_999, &detail, &[]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let listed = app
        .api(&f.admin, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(listed, json!([]), "nothing was stored");

    // A critical item fails: its section earns nothing. Everything else passes.
    let critical = items
        .iter()
        .find(|i| i.2 && !i.3)
        .expect("the demo has a critical behaviour")
        .clone();
    let good = report(assignment, &detail, &[critical.0.as_str()]);
    let first = f.submit(&token, "visit-cun-nov", &good).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let id = first.json()["id"].as_i64().expect("id");
    // The phone sends it again (it did not hear the answer): stored once.
    let again = f.submit(&token, "visit-cun-nov", &good).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json(), json!({"id": id, "replayed": true}));
    let other_key = f.submit(&token, "visit-cun-nov-2", &good).await;
    assert_eq!(other_key.status, StatusCode::CONFLICT, "{}", other_key.body);

    let total: u64 = items.iter().map(|i| i.1).sum();
    let knocked: u64 = items
        .iter()
        .filter(|i| i.4 == critical.4)
        .map(|i| i.1)
        .sum();
    let audit = app
        .api(&f.admin, Method::GET, &format!("/api/v1/audits/{id}"), None)
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let audit = audit.json();
    assert_eq!(audit["status"], "submitted");
    assert_eq!(audit["possible"], json!(total));
    assert_eq!(audit["earned"], json!(total - knocked), "{audit}");
    assert_eq!(audit["critical_failures"], json!(1));
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(items.len()));

    // Not published yet: the unit's manager sees nothing; the other auditor neither.
    let list = app
        .api(&manager, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(list, json!([]));
    let other = f
        .auditors
        .iter()
        .find(|(t, _)| *t != token)
        .expect("other")
        .0
        .clone();
    let reply = app
        .api(&other, Method::GET, &format!("/api/v1/audits/{id}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Returned with a comment, corrected by the auditor under a new key, then published.
    let review = |decision: &'static str, note: &'static str| {
        let app = &f.app;
        let admin = f.admin.clone();
        async move {
            app.api(
                &admin,
                Method::POST,
                &format!("/api/v1/audits/{id}/review"),
                Some(json!({"decision": decision, "note": note})),
            )
            .await
        }
    };
    assert_eq!(
        review("return", "").await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a return says why"
    );
    let reply = review("return", "Falta la nota del registro: ¿cuánto esperó?").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let mine = f.assignments(&token).await;
    let status = mine
        .iter()
        .find(|a| a["id"] == json!(assignment))
        .map(|a| a["status"].clone());
    assert_eq!(status, Some(json!("returned")));
    let resent = f.submit(&token, "visit-cun-nov-fixed", &good).await;
    assert_eq!(resent.status, StatusCode::CREATED, "{}", resent.body);
    assert_eq!(resent.json()["id"], json!(id), "the same audit, corrected");
    assert_eq!(review("publish", "").await.status, StatusCode::NO_CONTENT);
    assert_eq!(review("publish", "").await.status, StatusCode::CONFLICT);

    let list = app
        .api(&manager, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["status"], "published");
    assert_eq!(list[0]["earned"], json!(total - knocked));
    // The failed critical item opened a corrective action: a recovery case at the hotel,
    // owned, with deadlines, about that moment of truth.
    let published = app
        .api(&manager, Method::GET, &format!("/api/v1/audits/{id}"), None)
        .await
        .json();
    let item = published["items"]
        .as_array()
        .and_then(|l| l.iter().find(|i| i["key"] == json!(critical.0)))
        .expect("the critical item");
    let case = item["case_id"].as_i64().expect("a corrective action");
    assert!(
        published["items"].as_array().is_some_and(|l| l
            .iter()
            .filter(|i| !i["case_id"].is_null())
            .count()
            == 1),
        "only the critical failure opens one"
    );
    let case = app
        .api(
            &manager,
            Method::GET,
            &format!("/api/v1/cases/{case}"),
            None,
        )
        .await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.body);
    let case = case.json();
    assert_eq!(case["priority"], "high");
    assert_eq!(case["unit_id"], json!(f.units[0]));
    assert_eq!(case["touchpoint_id"], json!(critical.4));
    assert!(case["owner_id"].is_i64(), "{case}");
    assert!(
        case["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Huésped misterioso")),
        "{case}"
    );
    // The hotel's dashboard shows what the shoppers found beside the customers' figures.
    let browser = app.login("manager@demo.test").await;
    let dashboard = app
        .get(
            Some(&browser),
            &format!(
                "/dashboard/units/{}?from=2026-11-01&to=2026-11-30",
                f.units[0]
            ),
        )
        .await;
    assert_eq!(dashboard.status, StatusCode::OK);
    let section = dashboard
        .body
        .split("id=\"unit-audits\"")
        .nth(1)
        .expect("the mystery-shopper results");
    let expected = format!("{:.0} %", (total - knocked) as f64 * 100.0 / total as f64);
    assert!(section.contains(&expected), "{expected} in {section}");
    assert!(section.contains("n = 1"));
    assert!(section.contains("1 punto crítico no cumplido"));
    // The overview's map shows the shoppers' layer beside (or instead of) the customers'.
    let ceo_browser = app.login("ceo@demo.test").await;
    let region = app
        .get(
            Some(&ceo_browser),
            "/overview?from=2026-11-01&to=2026-11-30&layer=both",
        )
        .await;
    assert_eq!(region.status, StatusCode::OK);
    let map = region.body.split("id=\"map\"").nth(1).expect("the map");
    assert!(
        map.contains(&format!("auditoría: {expected} (n = 1)")),
        "{map}"
    );
    let customers_only = app
        .get(
            Some(&ceo_browser),
            "/overview?from=2026-11-01&to=2026-11-30",
        )
        .await;
    assert!(!customers_only.body.contains("auditoría:"));
    // Another hotel's dashboard has none of it.
    let admin_browser = app.login("admin@demo.test").await;
    let other = app
        .get(
            Some(&admin_browser),
            &format!(
                "/dashboard/units/{}?from=2026-11-01&to=2026-11-30",
                f.units[1]
            ),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(!other.body.contains("id=\"unit-audits\""));
    // Filters: the unit, the visit's days.
    for (query, expected) in [
        (format!("unit={}", f.units[0]), 1),
        (format!("unit={}", f.units[1]), 0),
        ("from=2026-11-20&to=2026-11-20".to_owned(), 1),
        ("from=2026-11-21".to_owned(), 0),
        ("status=submitted".to_owned(), 0),
    ] {
        let list = app
            .api(
                &f.admin,
                Method::GET,
                &format!("/api/v1/audits?{query}"),
                None,
            )
            .await
            .json();
        assert_eq!(list.as_array().map(Vec::len), Some(expected), "{query}");
    }
    let reply = app
        .api(
            &f.admin,
            Method::GET,
            "/api/v1/audits?from=2026-11-21&to=2026-11-20",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The manager of another hotel does not see it.
    let units = app
        .api(&f.admin, Method::GET, "/api/v1/units", None)
        .await
        .json();
    assert!(units.as_array().is_some_and(|u| !u.is_empty()));
    let reply = app
        .api(&manager, Method::POST, "/api/v1/audits", Some(good.clone()))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "only auditors report");
}

async fn an_overturned_dispute_recomputes_the_score_and_keeps_the_original(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let (token, assignment, detail) = f.cancun_visit().await;
    let items = form_items(&detail);
    let critical = items
        .iter()
        .find(|i| i.2 && !i.3)
        .expect("a critical behaviour")
        .clone();
    let plain = items
        .iter()
        .find(|i| !i.2 && !i.3 && i.4 != critical.4)
        .expect("a plain behaviour elsewhere")
        .clone();
    let passed = items
        .iter()
        .find(|i| i.0 != critical.0 && i.0 != plain.0 && !i.3)
        .expect("a passed item")
        .clone();
    let reply = f
        .submit(
            &token,
            "k1",
            &report(
                assignment,
                &detail,
                &[critical.0.as_str(), plain.0.as_str()],
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_i64().expect("id");
    let manager = app.token("manager@demo.test").await;
    let dispute = |token: String, items: Value| {
        let app = &f.app;
        async move {
            app.api(
                &token,
                Method::POST,
                &format!("/api/v1/audits/{id}/disputes"),
                Some(json!({ "items": items })),
            )
            .await
        }
    };
    // Nothing to dispute before it is published.
    let early = dispute(
        manager.clone(),
        json!([{"key": critical.0, "reason": "No es así"}]),
    )
    .await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/audits/{id}/review"),
            Some(json!({"decision": "publish"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let before = app
        .api(&manager, Method::GET, &format!("/api/v1/audits/{id}"), None)
        .await
        .json();
    let total: u64 = items.iter().map(|i| i.1).sum();
    let knocked: u64 = items
        .iter()
        .filter(|i| i.4 == critical.4)
        .map(|i| i.1)
        .sum();
    assert_eq!(
        before["earned"],
        json!(total - knocked - plain.1),
        "{before}"
    );

    // Only failed items, each once, with a reason; only the unit's manager.
    let reply = dispute(
        manager.clone(),
        json!([{"key": passed.0, "reason": "Queremos revisarlo"}]),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = dispute(manager.clone(), json!([{"key": critical.0, "reason": " "}])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = dispute(
        app.token("employee@demo.test").await,
        json!([{"key": critical.0, "reason": "x"}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let opened = dispute(
        manager.clone(),
        json!([{"key": critical.0, "reason": "La cámara de la recepción muestra que sí se hizo"}]),
    )
    .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.body);
    let dispute_id = opened.json()["ids"][0].as_i64().expect("id");
    let twice = dispute(
        manager.clone(),
        json!([{"key": critical.0, "reason": "otra vez"}]),
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The reviewer overturns it: the section counts again; the original stays visible.
    let decide = |decision: &'static str| {
        let app = &f.app;
        let admin = f.admin.clone();
        async move {
            app.api(
                &admin,
                Method::POST,
                &format!("/api/v1/disputes/{dispute_id}"),
                Some(json!({"decision": decision, "reason": "El video lo confirma"})),
            )
            .await
        }
    };
    let reply = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/disputes/{dispute_id}"),
            Some(json!({"decision": "overturned", "reason": "yo mismo"})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "the disputer does not decide"
    );
    assert_eq!(decide("overturned").await.status, StatusCode::NO_CONTENT);
    assert_eq!(decide("upheld").await.status, StatusCode::CONFLICT);
    let after = app
        .api(&manager, Method::GET, &format!("/api/v1/audits/{id}"), None)
        .await
        .json();
    assert_eq!(after["earned"], json!(total - plain.1), "{after}");
    assert_eq!(after["original_earned"], before["earned"]);
    assert_eq!(after["critical_failures"], json!(0));
    let item = after["items"]
        .as_array()
        .and_then(|l| l.iter().find(|i| i["key"] == json!(critical.0)))
        .expect("item");
    assert_eq!(
        (item["outcome"].clone(), item["counted"].clone()),
        (json!("fail"), json!("pass"))
    );
    assert_eq!(after["disputes"][0]["decision"], "overturned");
    assert_eq!(
        after["disputes"][0]["decision_reason"],
        "El video lo confirma"
    );

    // After the programme's days, no more disputes.
    f.app.clock.advance(time::Duration::days(8));
    let late = dispute(manager, json!([{"key": plain.0, "reason": "Tarde"}])).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
}

both!(the_pages_carry_a_visit_from_the_phone_form_to_a_decided_dispute);

/// The form fields the phone page sends for `detail`'s items: everything passes except
/// `failed`, which fails with a note.
fn page_fields(detail: &Value, failed: &str) -> Vec<(String, String)> {
    let mut out = vec![("visited_at".to_owned(), "2026-11-20T14:30".to_owned())];
    for (key, _, _, timed, _) in form_items(detail) {
        let fail = key == failed;
        if timed {
            out.push((
                format!("measured:{key}"),
                if fail { "99" } else { "1" }.into(),
            ));
        } else {
            out.push((
                format!("outcome:{key}"),
                if fail { "fail" } else { "pass" }.into(),
            ));
        }
        out.push((
            format!("note:{key}"),
            if fail { "Nadie saludó al llegar" } else { "" }.into(),
        ));
    }
    out
}

async fn the_pages_carry_a_visit_from_the_phone_form_to_a_decided_dispute(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let (token, assignment, detail) = f.cancun_visit().await;
    let email = if token == f.auditors[0].0 {
        "auditor@demo.test"
    } else {
        "auditor2@demo.test"
    };
    let shopper = app.login(email).await;
    let list = app.get(Some(&shopper), "/audits").await;
    assert!(
        list.body.contains(&format!("/assignments/{assignment}")),
        "the visit is listed for its shopper"
    );
    let form = app
        .get(Some(&shopper), &format!("/assignments/{assignment}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"audit-form\""));
    assert!(form.body.contains("Reserve por teléfono"), "the briefing");
    let key = form
        .body
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the page's key")
        .to_owned();
    let critical = form_items(&detail)
        .into_iter()
        .find(|i| i.2 && !i.3)
        .expect("a critical behaviour");
    let mut fields = page_fields(&detail, &critical.0);
    fields.push(("key".into(), key.clone()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // A failure without a note is refused with the item named; nothing is stored.
    let mut no_note = pairs.clone();
    no_note.retain(|(k, _)| *k != format!("note:{}", critical.0));
    let refused = app
        .post(&shopper, &format!("/assignments/{assignment}"), &no_note)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = app
        .post(&shopper, &format!("/assignments/{assignment}"), &pairs)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location(), "/audits?ok=submitted");
    // The phone sends the queued form again: stored once.
    let again = app
        .post(&shopper, &format!("/assignments/{assignment}"), &pairs)
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let audits = app
        .api(&f.admin, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(audits.as_array().map(Vec::len), Some(1));
    let id = audits[0]["id"].as_i64().expect("id");
    assert_eq!(
        audits[0]["visited_at"], "2026-11-20T19:30:00Z",
        "the tenant's zone"
    );

    // The reviewer finds it waiting and publishes it from the page.
    let ceo = app.login("ceo@demo.test").await;
    let queue = app.get(Some(&ceo), "/audits").await;
    assert!(
        queue.body.contains(&format!("/audits/{id}")),
        "{}",
        queue.body
    );
    let page = app.get(Some(&ceo), &format!("/audits/{id}")).await;
    assert!(page.body.contains("id=\"review-form\""));
    let reply = app
        .post(
            &ceo,
            &format!("/audits/{id}/review"),
            &[("decision", "publish")],
        )
        .await;
    assert_eq!(reply.location(), format!("/audits/{id}?ok=published"));

    // The hotel's manager reads it (not who the shopper was) and disputes the failure.
    let manager = app.login("manager@demo.test").await;
    let page = app.get(Some(&manager), &format!("/audits/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(email),
        "the shopper stays anonymous to the unit"
    );
    assert!(page.body.contains("No cumple"));
    assert!(page.body.contains("Nadie saludó al llegar"));
    assert!(page.body.contains("id=\"dispute-form\""));
    let reason = format!("reason:{}", critical.0);
    let reply = app
        .post(
            &manager,
            &format!("/audits/{id}/disputes"),
            &[
                ("item", critical.0.as_str()),
                (reason.as_str(), "La grabación muestra el saludo"),
            ],
        )
        .await;
    assert_eq!(
        reply.location(),
        format!("/audits/{id}?ok=disputed"),
        "{}",
        reply.body
    );

    // The reviewer overturns it from the page; everyone sees the new score and the history.
    let page = app.get(Some(&ceo), &format!("/audits/{id}")).await;
    let dispute = page
        .body
        .split("action=\"/disputes/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the decision form")
        .to_owned();
    let reply = app
        .post(
            &ceo,
            &format!("/disputes/{dispute}"),
            &[
                ("decision", "overturned"),
                ("reason", "El video lo confirma"),
                ("audit", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(reply.location(), format!("/audits/{id}?ok=decided"));
    let page = app.get(Some(&manager), &format!("/audits/{id}")).await;
    assert!(
        page.body.contains("Anulado: cuenta como cumplido"),
        "{}",
        page.body
    );
    assert!(page.body.contains("El video lo confirma"));
    assert!(page.body.contains("el reporte original decía"));
    assert!(
        !page.body.contains("id=\"dispute-form\""),
        "nothing left to dispute"
    );
}

both!(two_shoppers_of_one_visit_are_compared_item_by_item);

async fn two_shoppers_of_one_visit_are_compared_item_by_item(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let (token, assignment, detail) = f.cancun_visit().await;
    let (other_token, other_id) = f
        .auditors
        .iter()
        .find(|(t, _)| *t != token)
        .cloned()
        .expect("the other shopper");
    let second = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/assignments/{assignment}/calibration"),
            Some(json!({ "auditor_id": other_id })),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let second = second.json()["id"].as_i64().expect("id");
    let again = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/assignments/{assignment}/calibration"),
            Some(json!({ "auditor_id": other_id })),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one second visit per shopper"
    );
    let items = form_items(&detail);
    let behaviours: Vec<&str> = items
        .iter()
        .filter(|i| !i.3)
        .map(|i| i.0.as_str())
        .collect();
    let (a, b) = (behaviours[0], behaviours[1]);
    // The first fails A; the second, stricter, fails A and B; both pass the rest.
    let first = f
        .submit(&token, "cal-1", &report(assignment, &detail, &[a]))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let other = f
        .submit(&other_token, "cal-2", &report(second, &detail, &[a, b]))
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);

    let figures = app
        .api(&f.admin, Method::GET, "/api/v1/auditors", None)
        .await
        .json();
    let pair = &figures["pairs"][0];
    let n = items.len() as f64;
    // Hand-computed: n items; they agree on all but B. The first grades n−1 passes and
    // 1 failure, the second n−2 and 2: chance agreement ((n−1)(n−2) + 1·2) / n².
    let observed = (n - 1.0) / n;
    let chance = ((n - 1.0) * (n - 2.0) + 2.0) / (n * n);
    let kappa = (observed - chance) / (1.0 - chance);
    assert_eq!(pair["visits"], 1);
    assert_eq!(pair["items"], json!(items.len()));
    assert_eq!(pair["agreed"], json!(items.len() - 1));
    assert!((pair["observed"].as_f64().expect("observed") - observed).abs() < 1e-9);
    assert!(
        (pair["kappa"].as_f64().expect("kappa") - kappa).abs() < 1e-9,
        "{pair}"
    );
    // Who is lenient: the one who passed what the other failed.
    let lenient_first =
        pair["first_id"] == json!(f.auditors.iter().find(|(t, _)| *t == token).map(|x| x.1));
    let (passed_failed, failed_passed) = (
        pair["first_passed_second_failed"].as_i64(),
        pair["second_passed_first_failed"].as_i64(),
    );
    if lenient_first {
        assert_eq!((passed_failed, failed_passed), (Some(1), Some(0)));
    } else {
        assert_eq!((passed_failed, failed_passed), (Some(0), Some(1)));
    }
    // A calibration visit never counts for the unit.
    let reply = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/audits/{}/review", other.json()["id"]),
            Some(json!({"decision": "publish"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let manager = app.token("manager@demo.test").await;
    let seen = app
        .api(&manager, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(seen, json!([]), "{seen}");
}

both!(the_journey_finds_a_planted_risk_and_stays_quiet_on_noise);

async fn the_journey_finds_a_planted_risk_and_stays_quiet_on_noise(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let standards = app
        .api(&f.admin, Method::GET, "/api/v1/standards", None)
        .await
        .json();
    let touchpoint_of = |key: &str| {
        standards
            .as_array()
            .and_then(|l| l.iter().find(|s| s["key"] == json!(key)))
            .and_then(|s| s["touchpoint_id"].as_i64())
            .expect("standard")
    };
    let checkin = touchpoint_of("checkin-wait");
    let room = standards
        .as_array()
        .and_then(|l| {
            l.iter()
                .filter_map(|s| s["touchpoint_id"].as_i64())
                .find(|t| *t != checkin)
        })
        .expect("another moment of truth");
    // Customers: at Playa del Carmen the check-in is rated badly while its other moment
    // of truth is rated well; at Cancún both are rated well.
    let csat = crate::recover::survey(app, "CSAT").await;
    let (cun, pdc) = (f.units[0], f.units[1]);
    for (unit, touchpoint, score) in [
        (pdc, checkin, 1),
        (pdc, room, 5),
        (cun, checkin, 5),
        (cun, room, 5),
    ] {
        for i in 0..40 {
            let reply = app
                .api(
                    &f.admin,
                    Method::POST,
                    &format!("/api/v1/surveys/{csat}/responses"),
                    Some(json!({"unit_id": unit, "touchpoint_id": touchpoint,
                                "answers": {"csat": score},
                                "submitted_at": format!("2026-10-{:02}T15:00:00Z", i % 28 + 1)})),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        }
    }
    // Shoppers: three months of visits; Playa del Carmen fails the check-in time limit
    // each time; Cancún fails one behaviour once (noise: its customers are content).
    let token_of = |auditor: &Value| {
        f.auditors
            .iter()
            .find(|(_, id)| json!(id) == *auditor)
            .map(|(t, _)| t.clone())
            .expect("one of ours")
    };
    let mut noise_done = false;
    for (day, visit) in [
        ("2026-09-10", "2026-09-12T16:00:00Z"),
        ("2026-10-10", "2026-10-12T16:00:00Z"),
        ("2026-11-10", "2026-11-12T16:00:00Z"),
    ] {
        f.generate(day).await;
        let period = format!("{}01", &day[..8]);
        for a in f
            .assignments(&f.admin)
            .await
            .iter()
            .filter(|a| a["period"] == json!(period) && a["status"] == "open")
        {
            let id = a["id"].as_i64().expect("id");
            let token = token_of(&a["auditor_id"]);
            let detail = app
                .api(
                    &token,
                    Method::GET,
                    &format!("/api/v1/assignments/{id}"),
                    None,
                )
                .await
                .json();
            let behaviour = form_items(&detail)
                .into_iter()
                .find(|i| !i.3 && !i.2)
                .expect("a behaviour")
                .0;
            let failed: Vec<&str> = if a["unit_id"] == json!(pdc) {
                vec!["checkin-wait"]
            } else if !noise_done {
                noise_done = true;
                vec![behaviour.as_str()]
            } else {
                vec![]
            };
            let mut body = report(id, &detail, &failed);
            body["visited_at"] = json!(visit);
            let sent = f.submit(&token, &format!("risk-{id}"), &body).await;
            assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
            let audit = sent.json()["id"].as_i64().expect("audit");
            let published = app
                .api(
                    &f.admin,
                    Method::POST,
                    &format!("/api/v1/audits/{audit}/review"),
                    Some(json!({"decision": "publish"})),
                )
                .await;
            assert_eq!(
                published.status,
                StatusCode::NO_CONTENT,
                "{}",
                published.body
            );
        }
    }

    let ceo = app.login("ceo@demo.test").await;
    let journey = app.get(Some(&ceo), "/touchpoints").await;
    let section = journey
        .body
        .split("id=\"at-risk\"")
        .nth(1)
        .expect("the leaders see standards at risk");
    assert!(
        section.contains("Sierra Azul Playa del Carmen: Registro en 5 minutos o menos"),
        "{section}"
    );
    assert!(section.contains("Confirmado"));
    assert!(
        section.contains("1 de 3") || section.contains("0 de 3"),
        "{section}"
    );
    assert!(
        !section.contains("Sierra Azul Cancún:"),
        "noise stays quiet: {section}"
    );
    // The Cancún manager sees their hotel only: nothing at risk there.
    let manager = app.login("manager@demo.test").await;
    let journey = app.get(Some(&manager), "/touchpoints").await;
    let section = journey
        .body
        .split("id=\"at-risk\"")
        .nth(1)
        .expect("section");
    assert!(!section.contains("Playa del Carmen"), "{section}");
    assert!(section.contains("Ningún estándar muestra riesgo"));
    // Those who do not lead see no such section.
    let employee = app.login("employee@demo.test").await;
    let journey = app.get(Some(&employee), "/touchpoints").await;
    assert!(!journey.body.contains("id=\"at-risk\""));
}

both!(two_sends_of_one_report_at_once_store_it_once);

/// A phone that retries while its first send is still in flight: both arrive together,
/// under the same key or under two; one report is stored and both answers name it or
/// say the assignment takes no other.
async fn two_sends_of_one_report_at_once_store_it_once(backend: Backend) {
    let f = fixture(backend).await;
    let (token, assignment, detail) = f.cancun_visit().await;
    let body = report(assignment, &detail, &[]);
    let (a, b) = tokio::join!(
        f.submit(&token, "same-key", &body),
        f.submit(&token, "same-key", &body)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CREATED],
        "{} / {}",
        a.body,
        b.body
    );
    assert_eq!(a.json()["id"], b.json()["id"]);
    let (c, d) = tokio::join!(
        f.submit(&token, "other-1", &body),
        f.submit(&token, "other-2", &body)
    );
    for r in [&c, &d] {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    }
    let stored = f
        .app
        .api(&f.admin, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(stored.as_array().map(Vec::len), Some(1), "{stored}");
}

both!(the_scheduler_makes_each_new_periods_visits_once);

async fn the_scheduler_makes_each_new_periods_visits_once(backend: Backend) {
    let f = fixture(backend).await;
    let now = cumbre_domain::clock::Clock::now(f.app.clock.as_ref());
    // Two servers' passes at once: November's two visits are made once.
    let (a, b) = tokio::join!(
        cumbre::scheduler::run_once(&f.app.store, now),
        cumbre::scheduler::run_once(&f.app.store, now)
    );
    let made = a.expect("pass").visits_planned + b.expect("pass").visits_planned;
    assert_eq!(made, 2);
    let again = cumbre::scheduler::run_once(&f.app.store, now)
        .await
        .expect("pass");
    assert_eq!(again.visits_planned, 0);
    let all = f.assignments(&f.admin).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|a| a["period"] == "2026-11-01"), "{all:?}");
    // December begins: its visits are made, each hotel by the other shopper.
    let december = now + time::Duration::days(10);
    let pass = cumbre::scheduler::run_once(&f.app.store, december)
        .await
        .expect("pass");
    assert_eq!(pass.visits_planned, 2);
    let all = f.assignments(&f.admin).await;
    for unit in f.units {
        let by = |period: &str| {
            all.iter()
                .find(|a| a["unit_id"] == json!(unit) && a["period"] == period)
                .map(|a| a["auditor_id"].clone())
        };
        assert!(by("2026-12-01").is_some());
        assert_ne!(by("2026-11-01"), by("2026-12-01"), "rotation");
    }
}
