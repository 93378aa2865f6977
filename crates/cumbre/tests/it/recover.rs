//! Recover: alert rules open recovery cases exactly once, overdue cases escalate up the
//! tree once per deadline even with two schedulers on one database, and cases stay within
//! scope.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};
use cumbre::scheduler::run_once;
use cumbre_domain::access::Scope;
use cumbre_store::Store;
use serde_json::{Value, json};

both!(
    rules_open_one_case_per_response_and_see_each_response_once,
    two_schedulers_on_one_database_act_once,
    overdue_cases_escalate_up_the_tree_once_per_deadline,
    owners_contact_promise_and_resolve_within_their_authority,
    alerts_reach_their_mailboxes_and_webhooks_once,
    a_recovered_customer_is_asked_again_and_counted_won_back,
    managers_write_rules_for_their_units_on_the_rules_page,
    administrators_set_business_hours_and_deadlines_that_cases_follow,
);

pub(crate) async fn survey(app: &TestApp, part: &str) -> i64 {
    app.store
        .list_surveys(&Scope::Tenant(app.tenant))
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains(part))
        .expect("survey")
        .id
}

pub(crate) async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store
        .user_by_email(&cumbre_domain::org::Email::parse(email).expect("email"))
        .await
        .expect("user")
        .id
        .0
}

pub(crate) async fn first_touchpoint(app: &TestApp) -> i64 {
    app.store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints")[0]
        .id
}

/// A company-wide rule: any NPS of 6 or less opens a case of `priority`.
async fn detractor_rule(app: &TestApp, token: &str, priority: &str) -> Value {
    let company = app.unit_id("SA").await;
    let reply = app
        .api(
            token,
            Method::POST,
            "/api/v1/rules",
            Some(json!({
                "name": "Detractor",
                "unit_id": company,
                "definition": {
                    "conditions": [{"kind": "score", "type": "nps", "at_most": 6}],
                    "open_case": priority,
                    "notify": ["calidad@sierraazul.example"]
                }
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

pub(crate) async fn answer(
    app: &TestApp,
    token: &str,
    unit: &str,
    nps: i64,
    imported: bool,
) -> i64 {
    let survey = survey(app, "NPS").await;
    let mut body = json!({
        "answers": {"nps": nps, "fix": "La espera"},
        "unit_id": app.unit_id(unit).await,
        "touchpoint_id": first_touchpoint(app).await,
    });
    if imported {
        body["submitted_at"] = json!("2026-10-01T12:00:00Z");
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
    reply.json()["id"].as_i64().expect("id")
}

async fn rules_open_one_case_per_response_and_see_each_response_once(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let manager = app.token("manager@demo.test").await;

    // A rule that does nothing, or with a bad webhook, is refused with the path.
    let bad = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/rules",
            Some(json!({"name": "x", "unit_id": app.unit_id("SA").await, "definition": {
                "conditions": [{"kind": "score", "type": "nps", "at_most": 6}], "webhook": "ftp://x"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["fields"]["webhook"].is_string(), "{}", bad.body);
    // A manager writes rules for their hotel, not for another.
    let elsewhere = app
        .api(
            &manager,
            Method::POST,
            "/api/v1/rules",
            Some(
                json!({"name": "PDC", "unit_id": app.unit_id("PDC").await, "definition": {
                "conditions": [{"kind": "keywords", "words": ["sucio"]}], "open_case": "low"}}),
            ),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    detractor_rule(&app, &admin, "high").await;

    let detractor = answer(&app, &admin, "CUN-REC", 3, false).await;
    let promoter = answer(&app, &admin, "CUN-REC", 9, false).await;
    let old = answer(&app, &admin, "CUN-REC", 2, true).await;
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    let pass = run_once(&app.store, now).await.expect("pass");
    assert_eq!(pass.responses, 3, "every new response is seen");
    assert_eq!(
        pass.cases_opened, 1,
        "the detractor only; imports are not watched by this rule"
    );
    let again = run_once(&app.store, now).await.expect("pass");
    assert_eq!(
        (again.responses, again.cases_opened),
        (0, 0),
        "and only once"
    );

    let cases = app
        .api(&admin, Method::GET, "/api/v1/cases", None)
        .await
        .json()["items"]
        .clone();
    assert_eq!(cases.as_array().map(Vec::len), Some(1));
    let case = &cases[0];
    assert_eq!(case["response_id"], detractor);
    assert_ne!(case["response_id"], promoter);
    assert_ne!(case["response_id"], old);
    assert_eq!(case["status"], "new");
    assert_eq!(case["priority"], "high");
    assert_eq!(case["escalation_level"], 0);
    assert_eq!(
        case["owner_id"],
        user_id(&app, "supervisor@demo.test").await,
        "the reception team's manager owns it"
    );
    assert_eq!(
        case["due_at"], "2026-11-25T14:00:00Z",
        "high priority: first contact within 4 hours"
    );
    let id = case["id"].as_i64().expect("id");
    let detail = app
        .api(&manager, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.json()["timeline"][0]["kind"], "opened");

    // A case at another hotel is not the Cancún manager's to see.
    let pdc = answer(&app, &admin, "PDC", 1, false).await;
    run_once(&app.store, now).await.expect("pass");
    let all = app
        .api(&admin, Method::GET, "/api/v1/cases", None)
        .await
        .json();
    let pdc_case = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["response_id"] == pdc)
        .expect("the other hotel's case")["id"]
        .clone();
    assert_eq!(
        app.api(
            &manager,
            Method::GET,
            &format!("/api/v1/cases/{pdc_case}"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let mine = app
        .api(&manager, Method::GET, "/api/v1/cases", None)
        .await
        .json();
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");
    let employee = app.token("employee@demo.test").await;
    assert_eq!(
        app.api(&employee, Method::GET, &format!("/api/v1/cases/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bad_filter = app
        .api(&admin, Method::GET, "/api/v1/cases?status=lost", None)
        .await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn two_schedulers_on_one_database_act_once(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    detractor_rule(&app, &admin, "normal").await;
    for i in 0..40 {
        answer(
            &app,
            &admin,
            if i % 2 == 0 { "CUN" } else { "PDC" },
            i % 7,
            false,
        )
        .await;
    }
    let other = Store::connect(&app._db.url).await.expect("a second server");
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    let (a, b) = tokio::join!(run_once(&app.store, now), run_once(&other, now));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(a.responses + b.responses, 40, "{a:?} {b:?}");
    assert_eq!(
        a.cases_opened + b.cases_opened,
        40,
        "every answer here is 0–6"
    );
    let cases = app
        .api(&admin, Method::GET, "/api/v1/cases?limit=1000", None)
        .await
        .json();
    assert_eq!(cases["items"].as_array().map(Vec::len), Some(40));
}

async fn overdue_cases_escalate_up_the_tree_once_per_deadline(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    detractor_rule(&app, &admin, "urgent").await;
    answer(&app, &admin, "CUN-REC", 0, false).await;
    let start = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    run_once(&app.store, start).await.expect("opens the case");
    let other = Store::connect(&app._db.url).await.expect("a second server");
    let chain = [
        user_id(&app, "manager@demo.test").await,
        user_id(&app, "regional@demo.test").await,
        user_id(&app, "ceo@demo.test").await,
        user_id(&app, "admin@demo.test").await,
        // Past the top: the administrator keeps being reminded, the level stays.
        user_id(&app, "admin@demo.test").await,
    ];
    // Urgent: first contact within an hour. Not yet…
    let at = start + time::Duration::minutes(59);
    assert!(
        run_once(&app.store, at)
            .await
            .expect("pass")
            .escalated
            .is_empty()
    );
    // …then one level per missed hour, whichever of two schedulers gets there first.
    for (level, expected) in chain.iter().enumerate() {
        app.clock.advance(time::Duration::minutes(61));
        let at = cumbre_domain::clock::Clock::now(app.clock.as_ref());
        let (a, b) = tokio::join!(run_once(&app.store, at), run_once(&other, at));
        let escalated = a.expect("a").escalated.len() + b.expect("b").escalated.len();
        assert_eq!(escalated, 1, "level {}: once", level + 1);
        let case = &app
            .api(&admin, Method::GET, "/api/v1/cases", None)
            .await
            .json()["items"][0];
        assert_eq!(case["escalation_level"], (level as i64 + 1).min(4));
        assert_eq!(case["escalated_to"], *expected, "level {}", level + 1);
        assert_eq!(case["overdue"], true);
    }
    let id = app
        .api(&admin, Method::GET, "/api/v1/cases", None)
        .await
        .json()["items"][0]["id"]
        .clone();
    let timeline = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json()["timeline"]
        .clone();
    let kinds: Vec<&str> = timeline
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "escalated",
            "escalated",
            "escalated",
            "escalated",
            "reminded"
        ]
    );
    // Escalation tells; it does not take the case from the one working it.
    let case = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(
        case["owner_id"],
        user_id(&app, "supervisor@demo.test").await
    );

    // Past the top, the reminder comes daily, not every hour of the urgent period.
    app.clock.advance(time::Duration::minutes(61));
    let at = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    assert!(
        run_once(&app.store, at)
            .await
            .expect("pass")
            .escalated
            .is_empty()
    );
    for _ in 0..3 {
        app.clock.advance(time::Duration::hours(24));
        let at = cumbre_domain::clock::Clock::now(app.clock.as_ref());
        assert_eq!(
            run_once(&app.store, at)
                .await
                .expect("pass")
                .escalated
                .len(),
            1
        );
    }
    // The case page reads the four reminders as one line.
    let page = app
        .get(
            Some(&app.login("admin@demo.test").await),
            &format!("/cases/{id}"),
        )
        .await
        .body;
    let history = page.split("id=\"timeline\"").nth(1).expect("the history");
    assert_eq!(history.matches("<li>").count(), 6, "{history}");
    assert!(history.contains("4 recordatorios desde el"), "{history}");
    assert!(!history.contains("Estado"), "no status changes here");
    assert!(
        page.contains("Escalado a</dt><dd id=\"escalated-to\">admin@demo.test"),
        "{page}"
    );
}

pub(crate) async fn case_of(app: &TestApp, token: &str, response: i64) -> Value {
    app.api(token, Method::GET, "/api/v1/cases?limit=1000", None)
        .await
        .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["response_id"] == response)
        .cloned()
        .expect("the response's case")
}

pub(crate) async fn kinds(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    app.api(token, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json()["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

async fn owners_contact_promise_and_resolve_within_their_authority(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let supervisor = app.token("supervisor@demo.test").await;
    let manager = app.token("manager@demo.test").await;
    let regional = app.token("regional@demo.test").await;
    let grant = cumbre_domain::access::AdminGrant::operator(app.tenant);
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    app.store
        .set_authority_limit(
            &grant,
            None,
            Some(cumbre_domain::access::Role::Manager),
            5_000,
            "test",
            now,
        )
        .await
        .expect("limit");
    detractor_rule(&app, &admin, "normal").await;
    let response = answer(&app, &admin, "CUN-REC", 2, false).await;
    run_once(&app.store, now).await.expect("pass");
    let case = case_of(&app, &admin, response).await;
    let id = case["id"].as_i64().expect("id");
    let path = |p: &str| format!("/api/v1/cases/{id}{p}");
    let post = |token: &str, p: &str, body: Value| {
        let (app, token, url) = (&app, token.to_owned(), path(p));
        async move { app.api(&token, Method::POST, &url, Some(body)).await }
    };

    // First contact: the deadline becomes the resolution's.
    let contacted = post(
        &supervisor,
        "/status",
        json!({"status": "contacted", "note": "Llamé al huésped"}),
    )
    .await;
    assert_eq!(contacted.status, StatusCode::OK, "{}", contacted.body);
    let case = case_of(&app, &admin, response).await;
    assert_eq!(case["status"], "contacted");
    assert_eq!(case["due_at"], case["resolve_due_at"]);
    let skip = post(&supervisor, "/status", json!({"status": "closed"})).await;
    assert_eq!(skip.status, StatusCode::CONFLICT, "resolved before closed");

    // Promises: in the future only; kept once; one left to lapse is broken by the scheduler.
    let past = post(
        &supervisor,
        "/promises",
        json!({"text": "Llamar", "due_at": "2026-11-24T12:00:00Z"}),
    )
    .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    let callback = post(
        &supervisor,
        "/promises",
        json!({"text": "Le llamamos mañana antes de las 12:00", "due_at": "2026-11-26T18:00:00Z"}),
    )
    .await;
    assert_eq!(callback.status, StatusCode::CREATED, "{}", callback.body);
    let refund = post(
        &supervisor,
        "/promises",
        json!({"text": "Reembolso de la noche", "due_at": "2026-11-25T11:00:00Z"}),
    )
    .await;
    let callback = callback.json()["id"].clone();
    let kept = app
        .api(
            &supervisor,
            Method::POST,
            &format!("/api/v1/promises/{callback}/kept"),
            None,
        )
        .await;
    assert_eq!(kept.status, StatusCode::NO_CONTENT);
    let twice = app
        .api(
            &supervisor,
            Method::POST,
            &format!("/api/v1/promises/{callback}/kept"),
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    app.clock.advance(time::Duration::hours(2));
    let later = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    assert_eq!(
        run_once(&app.store, later)
            .await
            .expect("pass")
            .promises_broken,
        1
    );
    let promises = app
        .api(&manager, Method::GET, "/api/v1/promises", None)
        .await
        .json();
    let states: Vec<&str> = promises["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["state"].as_str().expect("state"))
        .collect();
    assert_eq!(states.len(), 2, "{promises}");
    assert!(
        states.contains(&"kept") && states.contains(&"broken"),
        "{states:?}"
    );
    assert_eq!(refund.status, StatusCode::CREATED);

    // 120.00 is above a manager's 50.00: the hotel manager must approve.
    let resolution = json!({"action_taken": "Cambio de habitación y disculpa", "compensation_type": "noche gratis",
                            "compensation_cents": 12_000, "lessons": "Revisar el aire acondicionado antes de asignar"});
    let asked = post(
        &supervisor,
        "/status",
        json!({"status": "resolved", "resolution": resolution}),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let asked = asked.json();
    assert_eq!(asked["outcome"], "approval_requested");
    assert_eq!(
        asked["approver_id"],
        user_id(&app, "manager@demo.test").await
    );
    assert_eq!(
        case_of(&app, &admin, response).await["status"],
        "contacted",
        "waits for the decision"
    );
    let again = post(
        &supervisor,
        "/status",
        json!({"status": "resolved", "resolution": resolution}),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one request at a time"
    );
    let approval = format!("/api/v1/approvals/{}", asked["approval_id"]);
    let not_theirs = app
        .api(
            &regional,
            Method::POST,
            &approval,
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(
        not_theirs.status,
        StatusCode::FORBIDDEN,
        "only the approver decides"
    );
    let no_reason = app
        .api(
            &manager,
            Method::POST,
            &approval,
            Some(json!({"decision": "decline"})),
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline says why"
    );
    let approved = app
        .api(
            &manager,
            Method::POST,
            &approval,
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(approved.status, StatusCode::NO_CONTENT, "{}", approved.body);
    assert_eq!(case_of(&app, &admin, response).await["status"], "resolved");

    // Close, then reopen: the case is back with a fresh resolution deadline.
    assert_eq!(
        post(&manager, "/status", json!({"status": "closed"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        post(
            &manager,
            "/status",
            json!({"status": "contacted", "note": "El huésped volvió a llamar"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let reopened = case_of(&app, &admin, response).await;
    assert_eq!(reopened["status"], "contacted");
    assert_ne!(reopened["resolve_due_at"], case["resolve_due_at"]);

    // Messages and hand-overs, within reach.
    assert_eq!(post(&manager, "/notes", json!({"kind": "message", "channel": "teléfono", "text": "Confirmó la nueva habitación"})).await.status, StatusCode::CREATED);
    assert_eq!(
        post(&manager, "/notes", json!({"text": " "})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let manager_id = user_id(&app, "manager@demo.test").await;
    let upward = post(&supervisor, "/owner", json!({"owner_id": manager_id})).await;
    assert_eq!(
        upward.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a team supervisor cannot hand to their boss"
    );
    let employee_id = user_id(&app, "employee@demo.test").await;
    assert_eq!(
        post(&admin, "/owner", json!({"owner_id": employee_id}))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post(&admin, "/owner", json!({"owner_id": manager_id}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        case_of(&app, &admin, response).await["owner_id"],
        manager_id
    );
    let timeline = kinds(&app, &admin, id).await;
    assert_eq!(
        timeline,
        [
            "opened",
            "status",
            "promise",
            "promise",
            "promise_kept",
            "promise_broken",
            "approval_requested",
            "approved",
            "status",
            "status",
            "status",
            "message",
            "reassigned"
        ]
    );

    // A complaint at the desk opens a case by hand; the desk's manager owns it.
    let desk = app
        .api(&manager, Method::POST, "/api/v1/cases", Some(json!({"unit_id": app.unit_id("CUN-REC").await,
            "title": "Queja en recepción: ruido", "priority": "urgent", "customer_name": "Sr. Pérez"})))
        .await;
    assert_eq!(desk.status, StatusCode::CREATED, "{}", desk.body);
    let employee = app.token("employee@demo.test").await;
    let refused = app
        .api(
            &employee,
            Method::POST,
            "/api/v1/cases",
            Some(json!({"unit_id": app.unit_id("CUN-REC").await, "title": "x"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    // Nobody acts on a sibling hotel's case.
    let pdc = answer(&app, &admin, "PDC", 0, false).await;
    run_once(&app.store, later).await.expect("pass");
    let pdc_case = case_of(&app, &admin, pdc).await["id"].clone();
    let sibling = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/cases/{pdc_case}/status"),
            Some(json!({"status": "contacted"})),
        )
        .await;
    assert_eq!(sibling.status, StatusCode::NOT_FOUND);
}

/// One webhook call as received: its Standard Webhooks headers, raw body and JSON.
#[derive(Clone)]
pub(crate) struct Call {
    pub headers: Vec<(String, String)>,
    pub raw: String,
    pub json: Value,
}

/// A loopback webhook receiver: records each call, answers `status`.
pub(crate) async fn receiver(status: u16) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Call>>>) {
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let headers = ["webhook-id", "webhook-timestamp", "webhook-signature"]
                    .into_iter()
                    .map(|h| {
                        let v = headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("");
                        (h.to_owned(), v.to_owned())
                    })
                    .collect();
                seen.lock().expect("lock").push(Call {
                    headers,
                    json: serde_json::from_str(&body).unwrap_or(Value::Null),
                    raw: body,
                });
                StatusCode::from_u16(status).expect("status")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, calls)
}

async fn alerts_reach_their_mailboxes_and_webhooks_once(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let sink = crate::smtp::SmtpSink::start().await;
    let (ok_url, ok_calls) = receiver(204).await;
    let (down_url, down_calls) = receiver(503).await;
    let company = app.unit_id("SA").await;
    let mut secrets = Vec::new();
    for (name, url) in [("Webhook", ok_url.as_str()), ("Caído", down_url.as_str())] {
        let reply = app
            .api(
                &admin,
                Method::POST,
                "/api/v1/rules",
                Some(json!({"name": name, "unit_id": company, "definition": {
                "conditions": [{"kind": "score", "type": "nps", "at_most": 2}],
                "notify": ["calidad@sierraazul.example"], "webhook": url}})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let secret = reply.json()["webhook_secret"]
            .as_str()
            .expect("a new endpoint's secret, shown once")
            .to_owned();
        assert!(secret.starts_with("whsec_"));
        secrets.push(secret);
    }
    let response = answer(&app, &admin, "CUN", 1, false).await;
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    run_once(&app.store, now).await.expect("pass");
    let mailer = cumbre_web::platform::mail::Mailer::new(&sink.url(), "cumbre@sierraazul.example")
        .expect("mailer");
    let delivery = cumbre_web::recover::notify::Delivery::new(
        Some(mailer),
        "https://cumbre.sierraazul.example",
        crate::harness::loopback_allowed(),
    )
    .expect("delivery");
    let sent = cumbre::scheduler::deliver(&app.store, &delivery, app.clock.as_ref())
        .await
        .expect("deliver");
    // Two rule e-mails, the owner's new-case e-mail (the demo's detractor rule) and one webhook.
    assert_eq!(sent, 4);
    assert_eq!(
        cumbre::scheduler::deliver(&app.store, &delivery, app.clock.as_ref())
            .await
            .expect("again"),
        0,
        "never twice"
    );
    let calls = ok_calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].headers[0].1.starts_with("msg_"),
        "the call names its notification"
    );
    assert_eq!(calls[0].json["response"]["id"], response);
    assert_eq!(calls[0].json["response"]["answers"]["nps"], 1);
    crate::webhooks::verify_independently(&secrets[0], &calls[0]);
    let mails = sink.mails();
    let owner_mail = mails
        .iter()
        .find(|m| m.to == ["manager@demo.test"])
        .expect("the hotel manager hears of the case");
    assert!(
        owner_mail
            .text()
            .contains("https://cumbre.sierraazul.example/cases/"),
        "{}",
        owner_mail.text()
    );
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.to == ["calidad@sierraazul.example"])
            .count(),
        2
    );
    // The receiver that was down is tried again later, not at once.
    assert_eq!(down_calls.lock().expect("lock").len(), 1);
    app.clock.advance(time::Duration::minutes(6));
    cumbre::scheduler::deliver(&app.store, &delivery, app.clock.as_ref())
        .await
        .expect("retry");
    assert_eq!(
        down_calls.lock().expect("lock").len(),
        2,
        "retried after the back-off"
    );
    let counts = app
        .store
        .notification_counts(app.tenant)
        .await
        .expect("counts");
    assert!(
        counts.contains(&("webhook".into(), "queued".into(), 1)),
        "{counts:?}"
    );
}

async fn a_recovered_customer_is_asked_again_and_counted_won_back(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let survey = survey(&app, "NPS").await;
    // Consent to be contacted puts the e-mail on the case; without it there is none.
    let reply = app
        .api(&admin, Method::POST, &format!("/api/v1/surveys/{survey}/responses"), Some(json!({
            "answers": {"nps": 2, "contact": {"name": "Ana López", "email": "ana@huesped.example", "phone": "", "consent": true}},
            "unit_id": app.unit_id("CUN").await, "touchpoint_id": first_touchpoint(&app).await})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let response = reply.json()["id"].as_i64().expect("id");
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    run_once(&app.store, now).await.expect("pass");
    let case = case_of(&app, &admin, response).await;
    let id = case["id"].as_i64().expect("id");
    let detail = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(detail["customer_email"], "ana@huesped.example");
    assert_eq!(detail["customer_name"], "Ana López");

    // Not before it is resolved; then once.
    let early = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/cases/{id}/winback"),
            None,
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let resolved = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/cases/{id}/status"),
            Some(json!({"status": "resolved",
            "resolution": {"action_taken": "Cambio de habitación"}})),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    let sent = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/cases/{id}/winback"),
            None,
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let twice = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/cases/{id}/winback"),
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // The invitation job sends it; Ana answers 10.
    let sink = crate::smtp::SmtpSink::start().await;
    let mailer =
        cumbre_web::platform::mail::Mailer::new(&sink.url(), "encuestas@sierraazul.example")
            .expect("mailer");
    let base = "https://encuestas.sierraazul.example";
    assert_eq!(
        cumbre_web::platform::mail::send_due(&app.store, &mailer, app.clock.as_ref(), base)
            .await
            .expect("sent"),
        1
    );
    let mail = sink.mails()[0].text();
    assert!(mail.contains("ana@huesped.example"));
    let start = mail.find(&format!("{base}/s/")).expect("a link") + base.len() + 3;
    let token: String = mail[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let page = app.get(None, &format!("/s/{token}")).await;
    assert!(
        page.body.contains("Después de cómo lo resolvimos"),
        "the follow-up survey"
    );
    let marker = "name=\"idempotency_key\" value=\"";
    let at = page.body.find(marker).expect("key") + marker.len();
    let key: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
    let body = serde_urlencoded::to_string([
        ("lang", "es"),
        ("idempotency_key", key.as_str()),
        ("q.nps", "10"),
    ])
    .expect("form");
    let answered = app
        .send(
            axum::http::Request::post(format!("/s/{token}"))
                .header(
                    axum::http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(axum::body::Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);

    let metrics = app
        .api(&admin, Method::GET, "/api/v1/recovery", None)
        .await
        .json();
    let total = &metrics["items"][0];
    assert_eq!(total["recovered"], json!({"hits": 1, "n": 1}));
    assert_eq!(total["cases"], 1);
    assert_eq!(
        metrics["min_sample"], 30,
        "one answer is shown, but as insufficient"
    );
    let page = app
        .get(Some(&app.login("admin@demo.test").await), "/recovery")
        .await;
    assert!(
        page.body.contains("100 % (1/1)") && page.body.contains("datos insuficientes"),
        "{}",
        page.body
    );
}

async fn managers_write_rules_for_their_units_on_the_rules_page(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let manager = app.login("manager@demo.test").await;
    let page = app.get(Some(&manager), "/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Detractor (NPS 0–6)"),
        "the company's rules apply to the hotel"
    );
    let cun = app.unit_id("CUN").await.to_string();
    let nothing = app
        .post(
            &manager,
            "/rules",
            &[("name", "Vacía"), ("unit_id", &cun), ("priority", "high")],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.body.contains("conditions"), "{}", nothing.body);
    let created = app
        .post(
            &manager,
            "/rules",
            &[
                ("name", "Ruido en Cancún"),
                ("unit_id", &cun),
                ("words", "ruido, fiesta"),
                ("score_type", "csat"),
                ("at_most", "2"),
                ("combine", "any"),
                ("priority", "urgent"),
                ("notify", "gerencia.cun@sierraazul.example"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = app.get(Some(&manager), "/rules").await;
    assert!(
        page.body.contains("Ruido en Cancún")
            && page
                .body
                .contains("CSAT ≤ 2 o Palabras en el comentario: ruido, fiesta"),
        "{}",
        page.body
    );
    // A manager cannot switch off the company's rule, only their own.
    let rules = app
        .api(
            &app.token("manager@demo.test").await,
            Method::GET,
            "/api/v1/rules",
            None,
        )
        .await
        .json();
    let id_of = |name: &str| {
        rules
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["name"] == name)
            .expect("rule")["id"]
            .clone()
    };
    let company = id_of("Detractor (NPS 0–6)");
    let own = id_of("Ruido en Cancún");
    assert_eq!(
        app.post(
            &manager,
            &format!("/rules/{company}/active"),
            &[("active", "0")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &manager,
            &format!("/rules/{own}/active"),
            &[("active", "0")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let token = app.token("manager@demo.test").await;
    let after = app
        .api(&token, Method::GET, "/api/v1/rules", None)
        .await
        .json();
    let state = |id: &Value| {
        after
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["id"] == *id)
            .expect("rule")["active"]
            .clone()
    };
    assert_eq!((state(&company), state(&own)), (json!(true), json!(false)));
    let pdc = app.unit_id("PDC").await.to_string();
    let elsewhere = app
        .post(
            &manager,
            "/rules",
            &[
                ("name", "PDC"),
                ("unit_id", &pdc),
                ("words", "ruido"),
                ("priority", "low"),
            ],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

async fn administrators_set_business_hours_and_deadlines_that_cases_follow(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let manager = app.login("manager@demo.test").await;
    assert_eq!(
        app.get(Some(&manager), "/admin/recovery").await.status,
        StatusCode::FORBIDDEN
    );
    let page = app.get(Some(&admin), "/admin/recovery").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("America/Cancun"), "the demo's zone");
    let bad = app
        .post(
            &admin,
            "/admin/recovery/clock",
            &[("zone", "Luna/Tranquilidad")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Monday to Friday, 09:00–18:00 in Cancún; urgent cases get two business hours.
    let mut clock = vec![
        ("zone", "America/Cancun"),
        ("business", "1"),
        ("opens", "09:00"),
        ("closes", "18:00"),
    ];
    clock.extend([
        ("d0", "1"),
        ("d1", "1"),
        ("d2", "1"),
        ("d3", "1"),
        ("d4", "1"),
    ]);
    assert_eq!(
        app.post(&admin, "/admin/recovery/clock", &clock)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let sla = app
        .post(
            &admin,
            "/admin/recovery/sla",
            &[
                ("priority", "urgent"),
                ("first_contact_hours", "2"),
                ("resolve_hours", "16"),
            ],
        )
        .await;
    assert_eq!(sla.status, StatusCode::SEE_OTHER, "{}", sla.body);
    assert_eq!(
        app.post(
            &admin,
            "/admin/recovery/sla",
            &[
                ("priority", "urgent"),
                ("first_contact_hours", "0"),
                ("resolve_hours", "1")
            ]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Opened on Wednesday at 05:00 in Cancún: first contact by 11:00, resolution by
    // Thursday 16:00 (9 hours on Wednesday, 7 on Thursday).
    let token = app.token("manager@demo.test").await;
    let opened = app
        .api(&token, Method::POST, "/api/v1/cases", Some(json!({"unit_id": app.unit_id("CUN").await, "title": "Queja", "priority": "urgent"})))
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.body);
    let id = opened.json()["id"].clone();
    let case = app
        .api(&token, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(case["first_contact_due_at"], "2026-11-25T16:00:00Z");
    assert_eq!(case["resolve_due_at"], "2026-11-26T21:00:00Z");
}
