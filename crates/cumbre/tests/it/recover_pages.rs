//! Recover through its pages: the case page's forms, the promises list, authority limits
//! per unit, editing a rule, lessons learned and the notification outbox.

use crate::harness::{Backend, Browser, TestApp, both};
use crate::recover::{answer, case_of, kinds, user_id};
use axum::http::{Method, StatusCode};
use cumbre::scheduler::run_once;
use serde_json::{Value, json};

both!(
    the_case_page_records_notes_hand_overs_and_approvals,
    authority_limits_hold_for_the_units_under_them,
    rules_are_edited_on_their_page_in_the_simple_form_or_as_json,
    lessons_learned_are_found_by_words_within_scope,
    administrators_see_failed_notifications_and_send_them_again,
    the_case_list_shows_the_deadline_the_case_page_shows,
    the_case_list_pages_counts_marks_new_cases_and_filters_by_whose_they_are,
    a_case_goes_to_the_supervisor_writes_to_the_guest_and_keeps_its_resolution,
    the_inbox_shows_each_person_what_waits_for_them,
);

/// New cases, escalations, approvals and promises coming due reach people in the product,
/// not only by e-mail: every page's header counts them and the inbox lists them.
async fn the_inbox_shows_each_person_what_waits_for_them(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let supervisor = app.login("supervisor@demo.test").await;
    let badge = |body: &str| {
        body.split("id=\"inbox-link\">")
            .nth(1)
            .and_then(|l| l.split("</a>").next())
            .unwrap_or_default()
            .to_owned()
    };
    let quiet = app.get(Some(&supervisor), "/cases").await.body;
    assert!(
        !badge(&quiet).contains("badge"),
        "nothing yet: {}",
        badge(&quiet)
    );

    // A new case for the reception supervisor.
    let first = detractor_case(&app, &admin, "CUN-REC").await;
    let page = app.get(Some(&supervisor), "/cases").await.body;
    assert!(badge(&page).contains(">1</span>"), "{}", badge(&page));
    let inbox = app.get(Some(&supervisor), "/inbox").await.body;
    let new_cases = inbox
        .split("id=\"inbox-new_case\"")
        .nth(1)
        .expect("new cases");
    assert!(
        new_cases.contains(&format!("/cases/{first}\"")),
        "{new_cases}"
    );

    // Missed, it goes up to the manager; a promise due tomorrow morning waits for its owner.
    app.clock.advance(time::Duration::days(2));
    run_once(
        &app.store,
        cumbre_domain::clock::Clock::now(app.clock.as_ref()),
    )
    .await
    .expect("escalates");
    let second = detractor_case(&app, &admin, "CUN-REC").await;
    let case = format!("/cases/{second}");
    // Two days on, the sessions of before have lapsed.
    let supervisor = app.login("supervisor@demo.test").await;
    let manager = app.login("manager@demo.test").await;
    let employee = app.login("employee@demo.test").await;
    let due = app
        .store
        .tenant_clock(app.tenant)
        .await
        .expect("clock")
        .input_value(
            cumbre_domain::clock::Clock::now(app.clock.as_ref()) + time::Duration::hours(12),
        );
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/promises"),
            &[("text", "Llamar de nuevo"), ("due", due.as_str())]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    form(
        &app,
        &supervisor,
        &format!("{case}/status"),
        &[("status", "contacted")],
    )
    .await;
    // Above the supervisor's authority: the manager decides.
    form(
        &app,
        &supervisor,
        &format!("{case}/status"),
        &[
            ("status", "resolved"),
            ("action_taken", "Dos noches de cortesía"),
            ("compensation_type", "noches"),
            ("compensation", "3000.00"),
        ],
    )
    .await;
    let theirs = app.get(Some(&supervisor), "/inbox").await.body;
    let promises = theirs
        .split("id=\"inbox-promise\"")
        .nth(1)
        .unwrap_or_else(|| panic!("promises due: {theirs}"));
    assert!(promises.contains("Llamar de nuevo"), "{promises}");
    let mine = app.get(Some(&manager), "/inbox").await.body;
    let escalated = mine
        .split("id=\"inbox-escalated\"")
        .nth(1)
        .expect("escalated");
    assert!(
        escalated.contains(&format!("/cases/{first}\"")),
        "{escalated}"
    );
    let approvals = mine
        .split("id=\"inbox-approval\"")
        .nth(1)
        .expect("approvals");
    assert!(
        approvals.contains(&format!("/cases/{second}\""))
            && approvals.contains("noches · 3,000.00 MXN"),
        "{approvals}"
    );
    assert!(badge(&mine).contains(">2</span>"), "{}", badge(&mine));
    let nothing = app.get(Some(&employee), "/inbox").await.body;
    assert!(nothing.contains("Nada le espera ahora mismo."), "{nothing}");
}

/// The hotel's manager hands a case to the reception supervisor (below them: the case
/// moves to the team, still in the hotel), who e-mails the guest at the address they
/// consented to — a real e-mail, with nothing of the staff application in it; once
/// resolved, the case page still shows what was done, why, what it cost and what it taught.
async fn a_case_goes_to_the_supervisor_writes_to_the_guest_and_keeps_its_resolution(
    backend: Backend,
) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let survey = crate::recover::survey(&app, "NPS").await;
    let reply = app
        .api(&admin, Method::POST, &format!("/api/v1/surveys/{survey}/responses"), Some(json!({
            "answers": {"nps": 2, "contact": {"name": "Ana López", "email": "ana@huesped.example", "phone": "", "consent": true}},
            "unit_id": app.unit_id("CUN").await,
            "touchpoint_id": crate::recover::first_touchpoint(&app).await})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let response = reply.json()["id"].as_i64().expect("id");
    run_once(
        &app.store,
        cumbre_domain::clock::Clock::now(app.clock.as_ref()),
    )
    .await
    .expect("pass");
    let id = case_of(&app, &admin, response).await["id"]
        .as_i64()
        .expect("id");
    let case = format!("/cases/{id}");

    // The supervisor of the hotel's reception is among those it can be handed to.
    let manager = app.login("manager@demo.test").await;
    let page = app.get(Some(&manager), &case).await.body;
    let supervisor_id = user_id(&app, "supervisor@demo.test").await;
    assert!(
        page.contains(&format!(
            "<option value=\"{supervisor_id}\">supervisor@demo.test · Recepción · Cancún</option>"
        )),
        "{page}"
    );
    let to = supervisor_id.to_string();
    assert_eq!(
        form(
            &app,
            &manager,
            &format!("{case}/owner"),
            &[("owner_id", to.as_str())]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let detail = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(detail["owner_id"], supervisor_id);
    assert_eq!(detail["unit_id"], app.unit_id("CUN-REC").await);
    let supervisor = app.login("supervisor@demo.test").await;
    assert_eq!(
        app.get(Some(&supervisor), &case).await.status,
        StatusCode::OK
    );

    // An e-mail to the guest goes out over SMTP and is recorded.
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/notes"),
            &[
                ("kind", "email"),
                ("text", "Lamentamos la espera; le esperamos de nuevo")
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let sink = crate::smtp::SmtpSink::start().await;
    let mailer = cumbre_web::platform::mail::Mailer::new(&sink.url(), "cumbre@sierraazul.example")
        .expect("mailer");
    let delivery = cumbre_web::recover::notify::Delivery::new(
        Some(mailer),
        "https://cumbre.sierraazul.example",
        crate::harness::loopback_allowed(),
    )
    .expect("delivery");
    cumbre::scheduler::deliver(&app.store, &delivery, app.clock.as_ref())
        .await
        .expect("deliver");
    let mails = sink.mails();
    let to_guest: Vec<_> = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("ana@huesped.example")))
        .collect();
    assert_eq!(to_guest.len(), 1, "{mails:?}");
    let text = to_guest[0].text();
    assert!(
        text.contains("Lamentamos la espera; le esperamos de nuevo"),
        "{text}"
    );
    assert!(
        !text.contains("/cases/"),
        "no staff link reaches a guest: {text}"
    );
    let history = app.get(Some(&supervisor), &case).await.body;
    assert!(
        history.contains("enviado a ana@huesped.example"),
        "{history}"
    );

    // Without a consented address there is nothing to send to.
    let other = detractor_case(&app, &admin, "CUN").await;
    let refused = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/cases/{other}/notes"),
            Some(json!({"kind": "email", "text": "Hola"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);

    // Resolved, the case still says what was done.
    let admin_page = app.login("admin@demo.test").await;
    form(
        &app,
        &supervisor,
        &format!("{case}/promises"),
        &[
            ("text", "Upgrade en su próxima visita"),
            ("due", "2027-01-15T12:00"),
        ],
    )
    .await;
    let (cause, cause_name) = app
        .store
        .root_causes(app.tenant)
        .await
        .expect("causes")
        .into_iter()
        .next()
        .expect("a root cause");
    let cause = cause.to_string();
    assert_eq!(
        form(
            &app,
            &admin_page,
            &format!("{case}/status"),
            &[
                ("status", "resolved"),
                ("action_taken", "Cambio de habitación y disculpa en persona"),
                ("root_cause_id", cause.as_str()),
                ("compensation_type", "Cena"),
                ("compensation", "150"),
                ("lessons", "Avisar del tiempo de espera al llegar"),
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let resolved = app.get(Some(&manager), &case).await.body;
    let section = resolved
        .split("id=\"resolution\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .unwrap_or_else(|| panic!("the resolution is shown: {resolved}"));
    for part in [
        "Cambio de habitación y disculpa en persona",
        cause_name.as_str(),
        "Cena · 150.00 MXN",
        "Avisar del tiempo de espera al llegar",
        "Upgrade en su próxima visita",
    ] {
        assert!(section.contains(part), "{part}: {section}");
    }
}

/// A case escalated past its first-contact deadline is listed with that deadline (the
/// case page's), not with the time escalation next acts.
async fn the_case_list_shows_the_deadline_the_case_page_shows(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let id = detractor_case(&app, &admin, "CUN-REC").await;
    // Two days on, escalation has acted (and set its next reminder).
    app.clock.advance(time::Duration::days(2));
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    run_once(&app.store, now).await.expect("pass");
    let manager = app.login("manager@demo.test").await;
    let case = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(case["status"], "new");
    assert!(
        case["escalation_level"].as_i64().unwrap_or_default() > 0,
        "{case}"
    );
    assert_ne!(case["due_at"], case["first_contact_due_at"]);
    // The page's "first contact due" text, then the list's row for the case.
    let page = app.get(Some(&manager), &format!("/cases/{id}")).await.body;
    let first_due = page
        .split("Primer contacto antes de</dt><dd>")
        .nth(1)
        .and_then(|d| d.split("</dd>").next())
        .expect("the first-contact deadline on the case page")
        .to_owned();
    let list = app.get(Some(&manager), "/cases").await.body;
    let row = list
        .split("<tr")
        .find(|r| r.contains(&format!("/cases/{id}\"")))
        .expect("the case is listed")
        .to_owned();
    assert!(
        row.contains(&first_due),
        "the list shows {first_due}: {row}"
    );
    assert!(
        row.contains("class=\"overdue\""),
        "and marks it overdue: {row}"
    );
}

/// Sixty-one cases: the list counts them and pages them 50 at a time; a case opened today is
/// marked and comes first when sorted by date; "owned by me" lists only the viewer's own,
/// "escalated to me" the ones escalation brought to them, and a resolution waiting for
/// approval has its own filter.
async fn the_case_list_pages_counts_marks_new_cases_and_filters_by_whose_they_are(
    backend: Backend,
) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    for _ in 0..60 {
        answer(&app, &admin, "CUN-REC", 1, false).await;
    }
    run_once(
        &app.store,
        cumbre_domain::clock::Clock::now(app.clock.as_ref()),
    )
    .await
    .expect("opens sixty cases");
    // Three days on, every one of them has gone up to the hotel's manager at least.
    app.clock.advance(time::Duration::days(3));
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    run_once(&app.store, now).await.expect("escalates");
    let fresh = detractor_case(&app, &admin, "CUN-REC").await;

    let supervisor = app.login("supervisor@demo.test").await;
    let manager = app.login("manager@demo.test").await;
    let count = |body: &str| {
        body.split("id=\"case-count\">")
            .nth(1)
            .and_then(|c| c.split("</p>").next())
            .unwrap_or("(no count)")
            .to_owned()
    };
    let rows = |body: &str| {
        body.matches("<tr class=\"overdue\"").count() + body.matches("<tr>").count() - 1
    };

    let first = app.get(Some(&supervisor), "/cases?show=mine").await.body;
    assert_eq!(count(&first), "61 casos · 1–50", "{first}");
    assert_eq!(rows(&first), 50);
    assert!(first.contains("page=2"), "a link to the next page");
    let second = app
        .get(Some(&supervisor), "/cases?show=mine&page=2")
        .await
        .body;
    assert_eq!(count(&second), "61 casos · 51–61");
    assert_eq!(rows(&second), 11);
    // A page past the end shows the last one; an absurd one does not break the list.
    for far in ["9", "9223372036854775807"] {
        let page = app
            .get(Some(&supervisor), &format!("/cases?show=mine&page={far}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(count(&page.body), "61 casos · 51–61", "page {far}");
    }

    // Most urgent first, the fresh case is last but marked; newest first, it leads.
    let urgent = app
        .get(Some(&supervisor), "/cases?show=mine&page=2")
        .await
        .body;
    let fresh_row = urgent
        .split("<tr")
        .find(|r| r.contains(&format!("/cases/{fresh}\"")))
        .expect("the fresh case is on the last page")
        .to_owned();
    assert!(fresh_row.contains("recién abierto"), "{fresh_row}");
    assert_eq!(urgent.matches("recién abierto").count(), 1);
    let newest = app
        .get(Some(&supervisor), "/cases?show=mine&sort=newest")
        .await
        .body;
    let first_row = newest
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tr>").next())
        .unwrap_or_default();
    assert!(
        first_row.contains(&format!("/cases/{fresh}\"")),
        "{first_row}"
    );

    // The manager owns none of them; sixty were escalated to them.
    let mine = app.get(Some(&manager), "/cases?show=mine").await.body;
    assert!(mine.contains("No hay casos con estos filtros."), "{mine}");
    let to_me = app
        .get(Some(&manager), "/cases?show=escalated_to_me")
        .await
        .body;
    assert!(count(&to_me).starts_with("60 casos"), "{}", count(&to_me));
    let escalated = app.get(Some(&manager), "/cases?show=escalated").await.body;
    assert!(count(&escalated).starts_with("60 casos"));
    assert!(escalated.contains("escalado a manager@demo.test"));
    let api = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/cases?show=escalated&limit=10&offset=55",
            None,
        )
        .await
        .json();
    assert_eq!(api["total"], 60);
    assert_eq!(api["items"].as_array().map(Vec::len), Some(5));
    let bad = app
        .api(&admin, Method::GET, "/api/v1/cases?show=theirs", None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    // A resolution above the supervisor's authority waits for approval.
    let case = format!("/cases/{fresh}");
    form(
        &app,
        &supervisor,
        &format!("{case}/status"),
        &[("status", "contacted")],
    )
    .await;
    form(
        &app,
        &supervisor,
        &format!("{case}/status"),
        &[
            ("status", "resolved"),
            ("action_taken", "Dos noches de cortesía"),
            ("compensation_type", "noches"),
            ("compensation", "3000.00"),
        ],
    )
    .await;
    let waiting = app.get(Some(&manager), "/cases?show=approval").await.body;
    assert_eq!(count(&waiting), "1 caso", "{waiting}");
    assert!(waiting.contains(&format!("/cases/{fresh}\"")));
    assert!(waiting.contains("Aprobación pendiente"));
}

/// A detractor at `unit` becomes a case (the demo's company rule opens it); its id.
async fn detractor_case(app: &TestApp, admin: &str, unit: &str) -> i64 {
    let response = answer(app, admin, unit, 2, false).await;
    run_once(
        &app.store,
        cumbre_domain::clock::Clock::now(app.clock.as_ref()),
    )
    .await
    .expect("pass");
    case_of(app, admin, response).await["id"]
        .as_i64()
        .expect("id")
}

async fn form(app: &TestApp, who: &Browser, path: &str, fields: &[(&str, &str)]) -> StatusCode {
    let reply = app.post(who, path, fields).await;
    assert!(
        reply.status == StatusCode::SEE_OTHER || reply.status.is_client_error(),
        "{path}: {} {}",
        reply.status,
        reply.body
    );
    // A lapsed session also answers 303, to the sign-in page: that is no success.
    let to = reply
        .headers
        .get(axum::http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default();
    assert!(!to.starts_with("/login"), "{path}: signed out ({to})");
    reply.status
}

async fn the_case_page_records_notes_hand_overs_and_approvals(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let supervisor = app.login("supervisor@demo.test").await;
    let manager = app.login("manager@demo.test").await;
    let id = detractor_case(&app, &admin, "CUN-REC").await;
    let case = format!("/cases/{id}");

    // A message to the guest and an internal note, from the page.
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/notes"),
            &[
                ("kind", "message"),
                ("channel", "WhatsApp"),
                ("text", "Le escribimos para disculparnos")
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/notes"),
            &[("kind", "note"), ("text", "  ")]
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty note is refused"
    );
    let page = app.get(Some(&supervisor), &case).await;
    assert!(
        page.body.contains("Le escribimos para disculparnos") && page.body.contains("WhatsApp"),
        "{}",
        page.body
    );

    // A promise with the tenant's local time; it shows on the case and on /promises.
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/promises"),
            &[
                ("text", "Le llamamos mañana a las 12:00"),
                ("due", "2026-11-26T12:00")
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/promises"),
            &[("text", "Ayer"), ("due", "2026-11-20T12:00")]
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a promise is for the future"
    );
    let promises = app.get(Some(&manager), "/promises").await;
    assert_eq!(promises.status, StatusCode::OK);
    assert!(
        promises.body.contains("Le llamamos mañana a las 12:00")
            && promises.body.contains("2026-11-26 12:00"),
        "{}",
        promises.body
    );
    let regional_of_elsewhere = app.login("employee@demo.test").await;
    let theirs = app.get(Some(&regional_of_elsewhere), "/promises").await;
    assert!(
        !theirs.body.contains("Le llamamos mañana"),
        "an employee sees no team promises"
    );

    // Contact, then resolve above the supervisor's authority: the manager decides on the page.
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/status"),
            &[("status", "contacted"), ("note", "Hablé con el huésped")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        form(
            &app,
            &supervisor,
            &format!("{case}/status"),
            &[
                ("status", "resolved"),
                ("action_taken", "Dos noches de cortesía"),
                ("compensation_type", "noches"),
                ("compensation", "3000.00")
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let detail = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(detail["status"], "contacted", "waits for approval");
    let page = app.get(Some(&manager), &case).await;
    let marker = format!("action=\"{case}/approvals/");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("the approver sees the decision form: {}", page.body))
        + marker.len();
    let approval: String = page.body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let decide = format!("{case}/approvals/{approval}");
    assert_eq!(
        form(&app, &supervisor, &decide, &[("decision", "approve")]).await,
        StatusCode::FORBIDDEN,
        "the one who asked does not approve"
    );
    assert_eq!(
        form(&app, &manager, &decide, &[("decision", "decline")]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline says why"
    );
    assert_eq!(
        form(
            &app,
            &manager,
            &decide,
            &[("decision", "decline"), ("reason", "Una noche basta")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let page = app.get(Some(&supervisor), &case).await;
    assert!(
        page.body.contains("Una noche basta"),
        "the reason is on the timeline"
    );

    // Handing the case over: only to someone who answers for the unit.
    let employee = user_id(&app, "employee@demo.test").await.to_string();
    assert_eq!(
        form(
            &app,
            &manager,
            &format!("{case}/owner"),
            &[("owner_id", &employee)]
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let me = user_id(&app, "manager@demo.test").await;
    assert_eq!(
        form(
            &app,
            &manager,
            &format!("{case}/owner"),
            &[("owner_id", &me.to_string())]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let detail = app
        .api(&admin, Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await
        .json();
    assert_eq!(detail["owner_id"], me);
    assert_eq!(
        kinds(&app, &admin, id).await,
        [
            "opened",
            "message",
            "promise",
            "status",
            "approval_requested",
            "declined",
            "reassigned"
        ]
    );
    // Win-back needs a resolved case; the page refuses it before.
    assert_eq!(
        form(&app, &manager, &format!("{case}/winback"), &[]).await,
        StatusCode::CONFLICT
    );
    // A sibling hotel's case is out of the manager's sight.
    let sibling = format!("/cases/{}", detractor_case(&app, &admin, "PDC").await);
    assert_eq!(
        app.get(Some(&manager), &sibling).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        form(
            &app,
            &manager,
            &format!("{sibling}/notes"),
            &[("text", "x")]
        )
        .await,
        StatusCode::NOT_FOUND
    );
}

async fn resolve(app: &TestApp, token: &str, id: i64, cents: i64) -> Value {
    let reply = app
        .api(token, Method::POST, &format!("/api/v1/cases/{id}/status"), Some(json!({"status": "resolved",
            "resolution": {"action_taken": "Cortesía", "compensation_type": "cena", "compensation_cents": cents}})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

async fn authority_limits_hold_for_the_units_under_them(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin_token = app.token("admin@demo.test").await;
    let supervisor = app.token("supervisor@demo.test").await;
    let admin = app.login("admin@demo.test").await;
    let region = app.unit_id("SA-CMX").await.to_string();
    let desk = app.unit_id("CUN-REC").await.to_string();

    // Bad input changes nothing.
    for (fields, why) in [
        (
            vec![
                ("unit_id", region.as_str()),
                ("role", "manager"),
                ("amount", "cien"),
            ],
            "amount",
        ),
        (
            vec![("unit_id", "999999"), ("role", "manager"), ("amount", "10")],
            "unit",
        ),
        (
            vec![("unit_id", ""), ("role", "rey"), ("amount", "10")],
            "role",
        ),
    ] {
        assert!(
            form(&app, &admin, "/admin/recovery/limit", &fields)
                .await
                .is_client_error(),
            "{why}"
        );
    }
    let before = app
        .store
        .authority_limits(app.tenant)
        .await
        .expect("limits");
    assert_eq!(
        before.len(),
        1,
        "only the demo's manager-wide limit: {before:?}"
    );

    // The region's managers grant up to 100.00: that holds for the desk under it.
    assert_eq!(
        form(
            &app,
            &admin,
            "/admin/recovery/limit",
            &[("unit_id", &region), ("role", "manager"), ("amount", "100")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let page = app.get(Some(&admin), "/admin/recovery").await;
    let limits = &page.body[page.body.find("id=\"limits\"").expect("the limits table")..];
    assert!(
        limits.contains("100.00")
            && limits.contains("Toda la empresa")
            && limits.contains("1500.00"),
        "{limits}"
    );
    let first = detractor_case(&app, &admin_token, "CUN-REC").await;
    assert_eq!(
        resolve(&app, &supervisor, first, 12_000).await["outcome"],
        "approval_requested"
    );

    // The desk's own limit beats the region's.
    assert_eq!(
        form(
            &app,
            &admin,
            "/admin/recovery/limit",
            &[("unit_id", &desk), ("role", "manager"), ("amount", "200")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let second = detractor_case(&app, &admin_token, "CUN-REC").await;
    assert_eq!(
        resolve(&app, &supervisor, second, 12_000).await["outcome"],
        "done"
    );

    // Removing it brings the region's back.
    assert_eq!(
        form(
            &app,
            &admin,
            "/admin/recovery/limit",
            &[("unit_id", &desk), ("role", "manager"), ("remove", "1")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        form(
            &app,
            &admin,
            "/admin/recovery/limit",
            &[("unit_id", &desk), ("role", "manager"), ("remove", "1")]
        )
        .await,
        StatusCode::NOT_FOUND,
        "nothing left to remove"
    );
    let third = detractor_case(&app, &admin_token, "CUN-REC").await;
    assert_eq!(
        resolve(&app, &supervisor, third, 12_000).await["outcome"],
        "approval_requested"
    );
    let manager = app.login("manager@demo.test").await;
    assert_eq!(
        app.post(&manager, "/admin/recovery/limit", &[("amount", "1")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn rules_are_edited_on_their_page_in_the_simple_form_or_as_json(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let manager = app.login("manager@demo.test").await;
    let token = app.token("manager@demo.test").await;
    let cun = app.unit_id("CUN").await.to_string();
    assert_eq!(
        form(
            &app,
            &manager,
            "/rules",
            &[
                ("name", "Ruido"),
                ("unit_id", &cun),
                ("words", "ruido"),
                ("priority", "normal")
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let rules = app
        .api(&token, Method::GET, "/api/v1/rules", None)
        .await
        .json();
    let rule = |rules: &Value, name: &str| {
        rules
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .expect("rule")
    };
    let id = rule(&rules, "Ruido")["id"].clone();
    let page = app.get(Some(&manager), &format!("/rules/{id}")).await;
    assert!(
        page.body.contains("value=\"ruido\"")
            && !page.body.contains("<textarea name=\"definition\""),
        "the simple form: {}",
        page.body
    );

    // The simple form: more words, a CSAT bound, all conditions, urgent.
    let saved = form(
        &app,
        &manager,
        &format!("/rules/{id}"),
        &[
            ("name", "Ruido o fiesta"),
            ("unit_id", &cun),
            ("words", "ruido, fiesta"),
            ("score_type", "csat"),
            ("at_most", "2"),
            ("combine", "all"),
            ("priority", "urgent"),
            ("active", "1"),
        ],
    )
    .await;
    assert_eq!(saved, StatusCode::SEE_OTHER);
    let after = rule(
        &app.api(&token, Method::GET, "/api/v1/rules", None)
            .await
            .json(),
        "Ruido o fiesta",
    );
    assert_eq!(after["definition"]["all"], true);
    assert_eq!(after["definition"]["open_case"], "urgent");
    assert_eq!(
        after["definition"]["conditions"]
            .as_array()
            .expect("conditions")
            .len(),
        2
    );
    assert_eq!(after["active"], true);

    // As JSON: a condition the simple form cannot write; a broken one is refused with its path.
    let page = app
        .get(Some(&manager), &format!("/rules/{id}?json=1"))
        .await;
    assert!(
        page.body.contains("<textarea name=\"definition\""),
        "{}",
        page.body
    );
    let bad = app.post(&manager, &format!("/rules/{id}"), &[("name", "Ruido o fiesta"), ("unit_id", &cun), ("active", "1"),
        ("definition", r#"{"conditions": [{"kind": "score", "question": "nps", "at_least": 9, "at_most": 3}], "open_case": "high"}"#)]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("conditions[0]") || bad.body.contains("conditions.0"),
        "{}",
        bad.body
    );
    let unchanged = rule(
        &app.api(&token, Method::GET, "/api/v1/rules", None)
            .await
            .json(),
        "Ruido o fiesta",
    );
    assert_eq!(unchanged["definition"], after["definition"]);
    let json_rule = r#"{"conditions": [{"kind": "score", "question": "nps", "at_least": 0, "at_most": 3}], "open_case": "high"}"#;
    assert_eq!(
        form(
            &app,
            &manager,
            &format!("/rules/{id}"),
            &[
                ("name", "NPS muy bajo"),
                ("unit_id", &cun),
                ("definition", json_rule)
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let edited = rule(
        &app.api(&token, Method::GET, "/api/v1/rules", None)
            .await
            .json(),
        "NPS muy bajo",
    );
    assert_eq!(edited["definition"]["conditions"][0]["question"], "nps");
    assert_eq!(edited["active"], false, "left unticked, the rule is off");
    let page = app.get(Some(&manager), &format!("/rules/{id}")).await;
    assert!(
        page.body.contains("<textarea name=\"definition\""),
        "a rule beyond the simple form opens as JSON"
    );

    // The company's rule is visible but not the manager's to change; a sibling's is not found.
    let company = rule(
        &app.api(&token, Method::GET, "/api/v1/rules", None)
            .await
            .json(),
        "Detractor (NPS 0–6)",
    )["id"]
        .clone();
    assert_eq!(
        app.post(
            &manager,
            &format!("/rules/{company}"),
            &[("name", "x"), ("unit_id", &cun), ("words", "x")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let admin = app.token("admin@demo.test").await;
    let elsewhere = app.api(&admin, Method::POST, "/api/v1/rules", Some(json!({"name": "PDC", "unit_id": app.unit_id("PDC").await,
        "definition": {"conditions": [{"kind": "keywords", "words": ["ruido"]}], "open_case": "low"}}))).await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.body);
    let pdc_rule = elsewhere.json()["id"].clone();
    assert_eq!(
        app.get(Some(&manager), &format!("/rules/{pdc_rule}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn lessons_learned_are_found_by_words_within_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let id = detractor_case(&app, &admin, "CUN-REC").await;
    let other = detractor_case(&app, &admin, "PDC").await;
    for (case, lesson) in [
        (
            id,
            "Revisar el aire acondicionado antes de asignar la habitación",
        ),
        (other, "Confirmar la reserva del restaurante por teléfono"),
    ] {
        let reply = app.api(&admin, Method::POST, &format!("/api/v1/cases/{case}/status"),
            Some(json!({"status": "resolved", "resolution": {"action_taken": "Cambio de habitación", "lessons": lesson}}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let found = |token: String, q: &'static str| {
        let app = &app;
        async move {
            app.api(&token, Method::GET, &format!("/api/v1/lessons?q={q}"), None)
                .await
                .json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|l| l["case_id"].as_i64().expect("id"))
                .collect::<Vec<_>>()
        }
    };
    // Accents and case do not matter; every word must match.
    assert_eq!(found(admin.clone(), "AIRE%20habitacion").await, [id]);
    assert_eq!(
        found(admin.clone(), "aire%20restaurante").await,
        Vec::<i64>::new()
    );
    assert_eq!(found(admin.clone(), "").await.len(), 2);
    // The Cancún manager finds Cancún's lesson, not Playa del Carmen's.
    let manager = app.token("manager@demo.test").await;
    assert_eq!(found(manager.clone(), "").await, [id]);
    assert_eq!(found(manager, "restaurante").await, Vec::<i64>::new());
    let page = app
        .get(
            Some(&app.login("manager@demo.test").await),
            "/lessons?q=aire",
        )
        .await;
    assert!(
        page.body.contains("Revisar el aire acondicionado") && !page.body.contains("restaurante"),
        "{}",
        page.body
    );
    // The same words find the case in the case list.
    let listed = app
        .api(&admin, Method::GET, "/api/v1/cases?q=acondicionado", None)
        .await
        .json();
    let ids: Vec<i64> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [id]);
    let bad = app
        .api(&admin, Method::GET, "/api/v1/lessons?root_cause=abc", None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn administrators_see_failed_notifications_and_send_them_again(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin_token = app.token("admin@demo.test").await;
    // A rule calling a webhook nobody listens on: every attempt fails until it gives up.
    let company = app.unit_id("SA").await;
    let rule = app.api(&admin_token, Method::POST, "/api/v1/rules", Some(json!({"name": "Webhook", "unit_id": company,
        "definition": {"conditions": [{"kind": "score", "type": "nps", "at_most": 6}], "webhook": "http://127.0.0.1:9/hook"}}))).await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.body);
    detractor_case(&app, &admin_token, "CUN-REC").await;
    let delivery = cumbre_web::recover::notify::Delivery::new(
        None,
        "https://cumbre.example",
        crate::harness::loopback_allowed(),
    )
    .expect("delivery");
    for _ in 0..6 {
        cumbre_web::recover::notify::deliver_due(&app.store, &delivery, app.clock.as_ref())
            .await
            .expect("deliver");
        app.clock.advance(time::Duration::hours(2));
    }
    let failed = app
        .api(
            &admin_token,
            Method::GET,
            "/api/v1/notifications?status=failed",
            None,
        )
        .await
        .json();
    let items = failed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{failed}");
    assert_eq!(items[0]["channel"], "webhook");
    assert!(items[0]["last_error"].is_string());
    let nid = items[0]["id"].as_i64().expect("id");

    let admin = app.login("admin@demo.test").await;
    let page = app
        .get(Some(&admin), "/admin/notifications?status=failed")
        .await;
    assert!(
        page.body.contains("http://127.0.0.1:9/hook")
            && page
                .body
                .contains(&format!("/admin/notifications/{nid}/retry")),
        "{}",
        page.body
    );
    assert_eq!(
        form(
            &app,
            &admin,
            &format!("/admin/notifications/{nid}/retry"),
            &[]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        form(
            &app,
            &admin,
            &format!("/admin/notifications/{nid}/retry"),
            &[]
        )
        .await,
        StatusCode::CONFLICT,
        "queued again, not failed"
    );
    let queued = app
        .api(
            &admin_token,
            Method::GET,
            "/api/v1/notifications?status=queued",
            None,
        )
        .await
        .json();
    assert!(
        queued["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["id"] == nid && n["attempts"] == 0)
    );
    assert_eq!(
        app.api(
            &admin_token,
            Method::GET,
            "/api/v1/notifications?status=lost",
            None
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let manager = app.login("manager@demo.test").await;
    assert_eq!(
        app.get(Some(&manager), "/admin/notifications").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&manager, &format!("/admin/notifications/{nid}/retry"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
