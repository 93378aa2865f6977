//! Listen: the public survey page, the responses API, versions, links and scope.

use crate::harness::{Backend, Reply, TestApp, both};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

both!(
    customer_answers_by_link_once_per_page_view,
    invalid_answers_come_back_with_messages_in_the_respondents_language,
    closed_surveys_and_unknown_links_take_no_answers,
    api_responses_are_idempotent_and_validated_per_field,
    editing_a_published_survey_makes_a_version_and_old_responses_keep_theirs,
    responses_page_by_cursor_and_filter_within_scope,
    managers_design_and_distribute_only_within_their_subtree,
    survey_pages_distribute_with_links_qr_codes_and_cards,
    the_journey_page_lists_touchpoints_and_admins_extend_it,
    submissions_are_throttled_per_client_and_bounded_in_size,
    the_response_browser_filters_shows_and_exports_within_scope,
    kiosk_answers_are_idempotent_validated_and_keep_their_time,
    concurrent_submissions_commit_in_groups_without_duplicates_or_loss,
    without_a_script_the_form_asks_in_steps_and_drops_nothing_unsaid,
    answers_are_found_by_their_words_through_the_index_until_erased,
    a_common_word_pages_through_every_answer_that_holds_it,
);

/// A guest whose phone runs no script: the questions that depend on the score come on a
/// second step, an answer typed under a question that stopped applying is pointed out
/// before it is let go, a missing answer names its question, the thanks page says thanks
/// once and acknowledges the request to be contacted, and a wrong link is a guest's page.
async fn without_a_script_the_form_asks_in_steps_and_drops_nothing_unsaid(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let path = app.link_path("NPS", "Cancún").await;
    let first = app.get(None, &path).await.body;
    let fieldset = |body: &str, key: &str| {
        body.split(&format!("id=\"q-{key}\""))
            .nth(1)
            .and_then(|f| f.split('>').next())
            .unwrap_or_default()
            .to_owned()
    };
    // The score's follow-ups wait for the score.
    assert!(
        fieldset(&first, "best").contains("hidden"),
        "{}",
        fieldset(&first, "best")
    );
    assert!(!fieldset(&first, "nps").contains("hidden"));
    let shown = hidden(&first, "shown");
    assert_eq!(shown, "nps,purpose");

    // A required answer missing: the message names the question and is tied to it.
    let key = hidden(&first, "idempotency_key");
    let base = [
        ("lang", "es"),
        ("idempotency_key", key.as_str()),
        ("shown", shown.as_str()),
    ];
    let missing = app
        .public_post(
            &path,
            &[base.as_slice(), &[("q.purpose", "family")]].concat(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains("Falta responder «¿Qué tan probable es que nos recomiende"),
        "{}",
        missing.body
    );
    assert!(fieldset(&missing.body, "nps").contains("aria-describedby=\"err-nps\""));

    // Step 2: a 3 brings "what should we fix?" and the contact question; nothing is kept yet.
    let step = app
        .public_post(
            &path,
            &[base.as_slice(), &[("q.nps", "3"), ("q.purpose", "family")]].concat(),
        )
        .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    assert!(step.body.contains("id=\"form-more\""), "{}", step.body);
    assert!(!fieldset(&step.body, "fix").contains("hidden"));
    assert!(!fieldset(&step.body, "contact").contains("hidden"));
    assert!(fieldset(&step.body, "best").contains("hidden"));
    assert!(
        step.body.contains("value=\"3\" checked"),
        "the score is kept"
    );
    let admin = app.token("admin@demo.test").await;
    assert_eq!(
        app.responses(&admin, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // The guest had typed under "what was best?" (a 9 first), then lowered the score:
    // the text is pointed out, not silently lost.
    let shown2 = hidden(&step.body, "shown");
    let stale = app
        .public_post(
            &path,
            &[
                ("lang", "es"),
                ("idempotency_key", key.as_str()),
                ("shown", shown2.as_str()),
                ("q.nps", "3"),
                ("q.best", "La vista al mar"),
                ("q.fix", "La espera en recepción"),
                ("q.contact.consent", "1"),
                ("q.contact.email", "ana@huesped.example"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK, "{}", stale.body);
    let best = stale
        .body
        .split("id=\"q-best\"")
        .nth(1)
        .and_then(|b| b.split("</fieldset>").next())
        .unwrap_or_default();
    assert!(
        best.contains("ya no aplica") && best.contains("La vista al mar"),
        "{best}"
    );
    assert_eq!(hidden(&stale.body, "dropped"), "best");

    // Sent again as it is: recorded without the stale text, and the thanks say so once.
    let dropped = hidden(&stale.body, "dropped");
    let shown3 = hidden(&stale.body, "shown");
    let sent = app
        .public_post(
            &path,
            &[
                ("lang", "es"),
                ("idempotency_key", key.as_str()),
                ("shown", shown3.as_str()),
                ("dropped", dropped.as_str()),
                ("q.nps", "3"),
                ("q.best", "La vista al mar"),
                ("q.fix", "La espera en recepción"),
                ("q.contact.consent", "1"),
                ("q.contact.email", "ana@huesped.example"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let items = app.responses(&admin, "").await["items"].clone();
    assert_eq!(items[0]["answers"]["fix"], "La espera en recepción");
    assert!(items[0]["answers"].get("best").is_none());
    let thanks = app.get(None, sent.location()).await.body;
    assert_eq!(thanks.matches("¡Gracias").count(), 1, "{thanks}");
    assert!(
        thanks.contains("se pondrá en contacto con usted"),
        "{thanks}"
    );

    // A wrong link is the guest's page, with nothing of the staff application.
    let wrong = app.get(None, "/s/no-such-survey-link").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(
        wrong.body.contains("Enlace no encontrado"),
        "{}",
        wrong.body
    );
    for staff in ["/cases", "/overview", "/login", "main-nav"] {
        assert!(!wrong.body.contains(staff), "{staff} on a guest's 404");
    }
}

impl TestApp {
    /// The demo's post-stay link of a hotel, as a path `/s/…`.
    pub(crate) async fn link_path(&self, survey_name_part: &str, unit_name_part: &str) -> String {
        let scope = cumbre_domain::access::Scope::Tenant(self.tenant);
        let survey = self
            .store
            .list_surveys(&scope)
            .await
            .expect("surveys")
            .into_iter()
            .find(|s| s.name.contains(survey_name_part))
            .expect("survey");
        let link = self
            .store
            .list_links(&scope, survey.id)
            .await
            .expect("links")
            .into_iter()
            .find(|l| l.unit_name.contains(unit_name_part))
            .expect("link");
        format!("/s/{}", link.token)
    }

    async fn survey_id(&self, name_part: &str) -> i64 {
        let scope = cumbre_domain::access::Scope::Tenant(self.tenant);
        self.store
            .list_surveys(&scope)
            .await
            .expect("surveys")
            .into_iter()
            .find(|s| s.name.contains(name_part))
            .expect("survey")
            .id
    }

    pub(crate) async fn public_post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).expect("encodes");
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    pub(crate) async fn responses(&self, token: &str, query: &str) -> Value {
        let reply = self
            .api(
                token,
                Method::GET,
                &format!("/api/v1/responses{query}"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()
    }
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

async fn customer_answers_by_link_once_per_page_view(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let path = app.link_path("NPS", "Cancún").await;
    let page = app.get(None, &format!("{path}?lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("How likely are you to recommend us")
            && page.body.contains("Sierra Azul Cancún")
    );
    let spanish = app.get(None, &path).await.body;
    assert!(
        spanish.contains("¿Qué tan probable es que nos recomiende"),
        "Spanish by default"
    );
    let key = hidden(&page.body, "idempotency_key");
    let fields = [
        ("lang", "en"),
        ("idempotency_key", key.as_str()),
        ("q.nps", "10"),
        ("q.best", "Carmen at the front desk was wonderful"),
        ("q.purpose", "family"),
    ];
    let sent = app.public_post(&path, &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(sent.location().ends_with("/thanks?lang=en"));
    let thanks = app.get(None, sent.location()).await;
    assert!(thanks.body.contains("Thank you! We read every answer."));
    // The same page submitted again (a double tap, a retry) records nothing new.
    assert_eq!(
        app.public_post(&path, &fields).await.status,
        StatusCode::SEE_OTHER
    );

    let manager = app.token("manager@demo.test").await;
    let mine = app.responses(&manager, "").await;
    let items = mine["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one response: {mine}");
    assert_eq!(items[0]["answers"]["nps"], 10);
    assert_eq!(
        items[0]["answers"]["best"],
        "Carmen at the front desk was wonderful"
    );
    assert_eq!(items[0]["nps"], 10);
    assert_eq!(items[0]["language"], "en");
    assert_eq!(items[0]["source"], "link");
    assert_eq!(items[0]["unit_id"], app.unit_id("CUN").await);
    for field in ["id", "touchpoint_id", "submitted_at"] {
        assert!(!items[0][field].is_null(), "{field}");
    }
    // A fresh page view is a new response.
    let again = app.get(None, &path).await;
    let other_key = hidden(&again.body, "idempotency_key");
    assert_ne!(other_key, key);
    app.public_post(
        &path,
        &[
            ("idempotency_key", other_key.as_str()),
            ("q.nps", "4"),
            ("q.fix", "La espera"),
        ],
    )
    .await;
    assert_eq!(
        app.responses(&manager, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // Scope: the reception supervisor and another region's hotel see none of the hotel's responses.
    let supervisor = app.token("supervisor@demo.test").await;
    assert_eq!(
        app.responses(&supervisor, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

async fn invalid_answers_come_back_with_messages_in_the_respondents_language(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let path = app.link_path("NPS", "Cancún").await;
    for (lang, message) in [
        // The message names the question, not a generic "answer".
        (
            "es",
            "Falta responder «¿Qué tan probable es que nos recomiende",
        ),
        ("en", "Please answer “How likely are you to recommend us"),
    ] {
        let reply = app
            .public_post(
                &path,
                &[
                    ("lang", lang),
                    ("idempotency_key", "k1"),
                    ("q.purpose", "family"),
                    ("q.fix", "Mi texto"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains(message), "{lang}: {}", reply.body);
        assert!(
            reply.body.contains("value=\"family\" checked"),
            "answers are kept"
        );
        assert!(reply.body.contains(">Mi texto</textarea>"));
    }
    let out_of_range = app
        .public_post(&path, &[("q.nps", "11"), ("lang", "es")])
        .await;
    assert!(out_of_range.body.contains("«11» está fuera de 0–10"));
    let bad_contact = app
        .public_post(
            &path,
            &[
                ("q.nps", "2"),
                ("q.contact.consent", "1"),
                ("q.contact.email", "no-email"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(bad_contact.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_contact.body.contains("is not a valid e-mail address"));
    let ceo = app.token("ceo@demo.test").await;
    assert_eq!(
        app.responses(&ceo, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing was stored"
    );
    // Answers to questions that stay hidden are not kept.
    app.public_post(
        &path,
        &[
            ("q.nps", "9"),
            ("q.fix", "should be dropped"),
            ("q.best", "Todo"),
        ],
    )
    .await;
    let stored = app.responses(&ceo, "").await;
    assert_eq!(
        stored["items"][0]["answers"],
        json!({"nps": 9, "best": "Todo"})
    );
}

async fn closed_surveys_and_unknown_links_take_no_answers(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let path = app.link_path("NPS", "Cancún").await;
    let survey = app.survey_id("NPS").await;
    let admin = app.token("admin@demo.test").await;
    let closed = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/status"),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let page = app.get(None, &path).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("ya no está recibiendo respuestas"));
    assert_eq!(
        app.public_post(&path, &[("q.nps", "10")]).await.status,
        StatusCode::GONE
    );
    assert_eq!(
        app.responses(&admin, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(
        app.get(None, "/s/not-a-real-token").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(None, "/s/%3Cscript%3E").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/status"),
            Some(json!({"status": "draft"})),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::CONFLICT,
        "a closed survey cannot become a draft again"
    );
    app.api(
        &admin,
        Method::POST,
        &format!("/api/v1/surveys/{survey}/status"),
        Some(json!({"status": "published"})),
    )
    .await;
    assert_eq!(
        app.get(None, &path).await.status,
        StatusCode::OK,
        "reopened"
    );
}

async fn post_response(
    app: &TestApp,
    token: &str,
    survey: i64,
    key: Option<&str>,
    body: Value,
    lang: &str,
) -> Reply {
    let mut req = Request::post(format!("/api/v1/surveys/{survey}/responses"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, lang);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    app.send(req.body(Body::from(body.to_string())).expect("request"))
        .await
}

async fn touchpoint(app: &TestApp, name_part: &str) -> i64 {
    app.store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints")
        .into_iter()
        .find(|t| t.name.get(cumbre_domain::Lang::En).contains(name_part))
        .expect("touchpoint")
        .id
}

async fn api_responses_are_idempotent_and_validated_per_field(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let manager = app.token("manager@demo.test").await;
    let survey = app.survey_id("CSAT").await;
    let unit = app.unit_id("CUN-REC").await;
    let checkin = touchpoint(&app, "check-in").await;
    let body = json!({"answers": {"csat": 5, "aspects": ["speed"]}, "unit_id": unit, "touchpoint_id": checkin});
    let first = post_response(
        &app,
        &manager,
        survey,
        Some("visit-123"),
        body.clone(),
        "es",
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = post_response(
        &app,
        &manager,
        survey,
        Some("visit-123"),
        body.clone(),
        "es",
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.json()["id"],
        first.json()["id"],
        "the same key gives the same response"
    );
    assert_eq!(
        app.responses(&manager, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let invalid = json!({"answers": {"csat": 9, "aspects": ["wifi"], "bogus": 1}, "unit_id": app.unit_id("PDC").await, "touchpoint_id": checkin, "language": "fr"});
    for (lang, csat_message) in [
        ("en", "'9' is outside 1–5"),
        ("es", "«9» está fuera de 1–5"),
    ] {
        let reply = post_response(
            &app,
            &manager,
            survey,
            Some("visit-999"),
            invalid.clone(),
            lang,
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = &reply.json()["fields"];
        assert_eq!(fields["answers.csat"], csat_message, "{fields}");
        for f in ["answers.aspects", "answers.bogus", "unit_id", "language"] {
            assert!(fields[f].is_string(), "{f} reported: {fields}");
        }
    }
    assert_eq!(
        app.responses(&manager, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing stored"
    );
    let no_answers =
        post_response(&app, &manager, survey, None, json!({"unit_id": unit}), "en").await;
    assert_eq!(no_answers.status, StatusCode::UNPROCESSABLE_ENTITY);
    let future = post_response(&app, &manager, survey, None, json!({"answers": {"csat": 3}, "unit_id": unit, "touchpoint_id": checkin, "submitted_at": "2030-01-01T00:00:00Z"}), "en").await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    let history = post_response(&app, &manager, survey, None, json!({"answers": {"csat": 3}, "unit_id": unit, "touchpoint_id": checkin, "submitted_at": "2026-03-01T12:00:00Z"}), "en").await;
    assert_eq!(history.status, StatusCode::CREATED);
    let stored = app.responses(&manager, "").await;
    assert_eq!(stored["items"][1]["submitted_at"], "2026-03-01T12:00:00Z");
    assert_eq!(stored["items"][1]["source"], "import");
}

async fn editing_a_published_survey_makes_a_version_and_old_responses_keep_theirs(
    backend: Backend,
) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let survey = app.survey_id("CES").await;
    let unit = app.unit_id("SA").await;
    let call = touchpoint(&app, "Reservation").await;
    let first = post_response(
        &app,
        &admin,
        survey,
        None,
        json!({"answers": {"ces": 2}, "unit_id": unit, "touchpoint_id": call}),
        "es",
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let mut def = app
        .api(
            &admin,
            Method::GET,
            &format!("/api/v1/surveys/{survey}"),
            None,
        )
        .await
        .json()["definition"]
        .clone();
    def["questions"].as_array_mut().expect("questions").push(json!({"key": "agent", "type": "short_text", "prompt": {"es": "¿Quién le atendió?", "en": "Who helped you?"}}));
    let saved = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{survey}/definition"),
            Some(def.clone()),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["version"], 2);
    let second = post_response(
        &app,
        &admin,
        survey,
        None,
        json!({"answers": {"ces": 1, "agent": "Luis"}, "unit_id": unit, "touchpoint_id": call}),
        "es",
    )
    .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let items = app.responses(&admin, &format!("?survey={survey}")).await["items"].clone();
    let versions: Vec<i64> = items
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["survey_version_id"].as_i64().expect("version"))
        .collect();
    assert_eq!(versions.len(), 2);
    assert_ne!(
        versions[0], versions[1],
        "the old response keeps the version it answered"
    );
    // An invalid definition is refused with the path of each problem, and changes nothing.
    def["questions"][0]["type"] = json!("rating");
    def["questions"][0]["scale"] = json!(99);
    let bad = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{survey}/definition"),
            Some(def),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["fields"]["questions[0].scale"].is_string(),
        "{}",
        bad.body
    );
    assert_eq!(
        app.api(
            &admin,
            Method::GET,
            &format!("/api/v1/surveys/{survey}"),
            None
        )
        .await
        .json()["version"],
        2
    );
    // A draft is edited in place.
    let cun = app.unit_id("CUN").await;
    let draft = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/surveys",
            Some(json!({"name": "Borrador", "owner_unit_id": cun, "template": "touchpoint-csat"})),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let draft_id = draft.json()["id"].as_i64().expect("id");
    let def = draft.json()["definition"].clone();
    let saved = app
        .api(
            &admin,
            Method::PUT,
            &format!("/api/v1/surveys/{draft_id}/definition"),
            Some(def),
        )
        .await;
    assert_eq!(saved.json()["version"], 1);
    let answer = post_response(
        &app,
        &admin,
        draft_id,
        None,
        json!({"answers": {"csat": 5}, "unit_id": cun, "touchpoint_id": call}),
        "en",
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::CONFLICT,
        "a draft takes no answers"
    );
}

async fn responses_page_by_cursor_and_filter_within_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let survey = app.survey_id("CSAT").await;
    let checkin = touchpoint(&app, "check-in").await;
    let room = touchpoint(&app, "Room").await;
    let (cun, pdc) = (app.unit_id("CUN-AMA").await, app.unit_id("PDC").await);
    for day in 1..=7 {
        let (unit, tp) = if day % 2 == 0 {
            (cun, room)
        } else {
            (pdc, checkin)
        };
        let at = format!("2026-10-{day:02}T09:00:00Z");
        let r = post_response(&app, &admin, survey, None, json!({"answers": {"csat": day % 5 + 1}, "unit_id": unit, "touchpoint_id": tp, "submitted_at": at}), "es").await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app.responses(&admin, &format!("?limit=3{cursor}")).await;
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|r| r["submitted_at"].as_str().expect("at").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=7)
        .rev()
        .map(|d| format!("2026-10-{d:02}T09:00:00Z"))
        .collect();
    assert_eq!(seen, expected, "newest first, each once");
    let rooms = app.responses(&admin, &format!("?touchpoint={room}")).await;
    assert_eq!(rooms["items"].as_array().map(Vec::len), Some(3));
    let window = app
        .responses(&admin, "?from=2026-10-03T00:00:00Z&to=2026-10-05T00:00:00Z")
        .await;
    assert_eq!(window["items"].as_array().map(Vec::len), Some(2));
    let cancun = app.unit_id("CUN").await;
    assert_eq!(
        app.responses(&admin, &format!("?unit={cancun}")).await["items"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "unit means its subtree"
    );
    let manager = app.token("manager@demo.test").await;
    assert_eq!(
        app.responses(&manager, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "only the manager's hotel"
    );
    assert_eq!(
        app.responses(&manager, &format!("?unit={pdc}")).await["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let employee = app.token("employee@demo.test").await;
    assert_eq!(
        app.responses(&employee, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let bad = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/responses?cursor=garbage",
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn managers_design_and_distribute_only_within_their_subtree(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let manager = app.token("manager@demo.test").await;
    let (cun, pdc) = (app.unit_id("CUN").await, app.unit_id("PDC").await);
    let listed = app
        .api(&manager, Method::GET, "/api/v1/surveys", None)
        .await
        .json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(5),
        "company-wide surveys (three templates, the check-in survey and the win-back follow-up) apply to the hotel"
    );
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["editable"] == false)
    );
    let company_survey = app.survey_id("NPS").await;
    let edit = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/surveys/{company_survey}/status"),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);

    let own = app
        .api(
            &manager,
            Method::POST,
            "/api/v1/surveys",
            Some(
                json!({"name": "Spa Cancún", "owner_unit_id": cun, "template": "touchpoint-csat"}),
            ),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    let elsewhere = app
        .api(
            &manager,
            Method::POST,
            "/api/v1/surveys",
            Some(json!({"name": "Spa Playa", "owner_unit_id": pdc, "template": "touchpoint-csat"})),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let id = own.json()["id"].as_i64().expect("id");
    app.api(
        &manager,
        Method::POST,
        &format!("/api/v1/surveys/{id}/status"),
        Some(json!({"status": "published"})),
    )
    .await;
    let spa = app
        .store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints")[4]
        .id;
    let link = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/surveys/{id}/links"),
            Some(json!({"touchpoint_id": spa, "unit_id": app.unit_id("CUN-SPA").await})),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);
    let path = link.json()["path"].as_str().expect("path").to_owned();
    assert_eq!(path.len(), "/s/".len() + 64, "a 256-bit token");
    assert_eq!(app.get(None, &path).await.status, StatusCode::OK);
    let sibling = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/surveys/{id}/links"),
            Some(json!({"touchpoint_id": spa, "unit_id": pdc})),
        )
        .await;
    assert_eq!(sibling.status, StatusCode::UNPROCESSABLE_ENTITY);

    let regional_other = app.token("regional@demo.test").await;
    assert_eq!(
        app.api(&regional_other, Method::GET, "/api/v1/surveys", None)
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(6),
        "the region sees the five company surveys and its hotel's"
    );
    let employee = app.token("employee@demo.test").await;
    assert_eq!(
        app.api(&employee, Method::GET, "/api/v1/surveys", None)
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(
        app.api(
            &employee,
            Method::GET,
            &format!("/api/v1/surveys/{id}"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn survey_pages_distribute_with_links_qr_codes_and_cards(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let manager = app.login("manager@demo.test").await;
    let list = app.get(Some(&manager), "/surveys").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Después de la estancia (NPS)") && list.body.contains("Publicada"));
    // A survey of the manager's own, from a template, published and given a link.
    let cun = app.unit_id("CUN").await.to_string();
    let created = app
        .post(
            &manager,
            "/surveys",
            &[
                ("name", "Spa Cancún"),
                ("owner_unit_id", &cun),
                ("template", "touchpoint-csat"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let survey_path = created
        .location()
        .split('?')
        .next()
        .expect("path")
        .to_owned();
    assert_eq!(
        app.post(
            &manager,
            &format!("{survey_path}/status"),
            &[("status", "published")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let spa = app.unit_id("CUN-SPA").await.to_string();
    let pool = app
        .store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints")[4]
        .id
        .to_string();
    let link = app
        .post(
            &manager,
            &format!("{survey_path}/links"),
            &[
                ("touchpoint_id", &pool),
                ("unit_id", &spa),
                ("label", "Recepción del spa"),
            ],
        )
        .await;
    assert_eq!(link.status, StatusCode::SEE_OTHER, "{}", link.body);
    let req = Request::get(&survey_path)
        .header(header::COOKIE, &manager.cookie)
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .expect("request");
    let page = app.send(req).await;
    assert!(page.body.contains("Publicada") && page.body.contains("Recepción del spa"));
    assert!(
        !page.body.contains("evil.example"),
        "links never follow the request's Host header"
    );
    let url_start = page
        .body
        .find("https://encuestas.sierraazul.example/s/")
        .expect("an absolute link on the configured public URL");
    let url = page.body[url_start..]
        .split('"')
        .next()
        .expect("url")
        .to_owned();
    let public = app
        .get(
            None,
            url.trim_start_matches("https://encuestas.sierraazul.example"),
        )
        .await;
    assert_eq!(public.status, StatusCode::OK);
    let qr_base = page
        .body
        .split("/qr.png")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .expect("qr link")
        .to_owned();
    let png = app.get(Some(&manager), &format!("{qr_base}/qr.png")).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(
        png.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"image/png"[..])
    );
    let svg = app.get(Some(&manager), &format!("{qr_base}/qr.svg")).await;
    assert!(svg.body.starts_with("<?xml") || svg.body.contains("<svg"));
    assert!(
        page.body
            .contains("&#60;iframe src=&#34;https://encuestas.sierraazul.example/s/"),
        "an embed snippet per link"
    );
    let public_csp = public
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        public_csp.contains("frame-ancestors *"),
        "survey pages can be embedded: {public_csp}"
    );
    let private_csp = page
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        private_csp.contains("frame-ancestors 'none'"),
        "management pages cannot: {private_csp}"
    );
    let card = app.get(Some(&manager), &format!("{qr_base}/card")).await;
    assert!(
        card.body.contains("Spa · Cancún") || card.body.contains("Cancún"),
        "the card names the place"
    );
    assert!(card.body.contains("Escanee"));
    // The definition editor refuses bad JSON with the path of the problem and keeps the version.
    let bad = app
        .post(
            &manager,
            &format!("{survey_path}/definition"),
            &[("definition", r#"{"title":{"es":"x"},"questions":[]}"#)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("title: Falta el texto en «en»"),
        "{}",
        bad.body
    );
    // Someone else's QR code is not found.
    let other = app.login("supervisor@demo.test").await;
    assert_eq!(
        app.get(Some(&other), &format!("{qr_base}/qr.png"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let employee = app.login("employee@demo.test").await;
    assert!(
        app.get(Some(&employee), "/surveys")
            .await
            .body
            .contains("Todavía no hay encuestas")
    );
}

async fn the_journey_page_lists_touchpoints_and_admins_extend_it(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let manager = app.login("manager@demo.test").await;
    let journey = app.get(Some(&manager), "/touchpoints").await.body;
    let first = journey
        .find("Llamada de reservación")
        .expect("first moment");
    let last = journey.find("Después de la estancia").expect("last moment");
    assert!(first < last, "in journey order");
    let denied = app
        .post(
            &manager,
            "/touchpoints",
            &[("name_es", "Spa"), ("name_en", "Spa"), ("position", "8")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let admin = app.login("admin@demo.test").await;
    let missing_en = app
        .post(
            &admin,
            "/touchpoints",
            &[("name_es", "Spa"), ("name_en", ""), ("position", "8")],
        )
        .await;
    assert_eq!(missing_en.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post(
            &admin,
            "/touchpoints",
            &[
                ("name_es", "Spa y masajes"),
                ("name_en", "Spa and massage"),
                ("position", "8"),
                ("unit_codes", "CUN, TUL"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get(Some(&admin), "/touchpoints").await.body;
    assert!(
        page.contains("Spa y masajes") && page.contains("Sierra Azul Cancún, Sierra Azul Tulum")
    );
    let token = app.token("admin@demo.test").await;
    assert_eq!(
        app.api(&token, Method::GET, "/api/v1/touchpoints", None)
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(8)
    );
}

async fn submissions_are_throttled_per_client_and_bounded_in_size(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let path = app.link_path("NPS", "Tulum").await;
    // One budget per link and client for every public way in: the form and the kiosk.
    for i in 0..60 {
        let key = format!("page-{i}");
        let reply = if i % 2 == 0 {
            app.public_post(&path, &[("idempotency_key", key.as_str()), ("q.nps", "8")])
                .await
        } else {
            kiosk_post(&app, &path, json!({"key": key, "answers": {"nps": "8"}})).await
        };
        assert!(
            reply.status == StatusCode::SEE_OTHER || reply.status == StatusCode::CREATED,
            "submission {i}: {}",
            reply.status
        );
    }
    let limited = app
        .public_post(&path, &[("idempotency_key", "page-61"), ("q.nps", "8")])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    assert!(limited.body.contains("Demasiados intentos"));
    let kiosk = kiosk_post(
        &app,
        &path,
        json!({"key": "page-62", "answers": {"nps": "8"}}),
    )
    .await;
    assert_eq!(
        kiosk.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the kiosk is no way around the form's budget"
    );
    let ceo = app.token("ceo@demo.test").await;
    assert_eq!(
        app.responses(&ceo, "?limit=100").await["items"]
            .as_array()
            .map(Vec::len),
        Some(60)
    );
    // Ten minutes later the same client may answer again.
    app.clock.advance(time::Duration::minutes(11));
    assert_eq!(
        app.public_post(&path, &[("idempotency_key", "page-later"), ("q.nps", "8")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // A body far larger than any honest answer is refused before it is read.
    let other = app.link_path("NPS", "Oaxaca").await;
    let huge = "x".repeat(200 * 1024);
    let reply = app
        .public_post(&other, &[("q.nps", "8"), ("q.fix", huge.as_str())])
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("demasiado grande"), "{}", reply.body);
    assert_eq!(
        app.responses(&ceo, "?limit=100").await["items"]
            .as_array()
            .map(Vec::len),
        Some(61)
    );
}

async fn the_response_browser_filters_shows_and_exports_within_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let cancun = app.link_path("NPS", "Cancún").await;
    let playa = app.link_path("NPS", "Playa del Carmen").await;
    app.public_post(
        &cancun,
        &[
            ("idempotency_key", "a"),
            ("q.nps", "10"),
            ("q.best", "Carmen fue EXCELENTE en recepción"),
            ("q.purpose", "family"),
        ],
    )
    .await;
    app.public_post(
        &cancun,
        &[
            ("idempotency_key", "b"),
            ("q.nps", "3"),
            ("q.fix", "La espera en el check-in fue larguísima"),
        ],
    )
    .await;
    app.public_post(
        &playa,
        &[
            ("idempotency_key", "c"),
            ("q.nps", "8"),
            ("q.fix", "El wifi de la habitación"),
        ],
    )
    .await;
    let manager = app.login("manager@demo.test").await;
    let all = app.get(Some(&manager), "/responses").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.body.matches("href=\"/responses/").count(),
        2,
        "only the manager's hotel"
    );
    assert!(!all.body.contains("wifi"));
    let detractors = app
        .get(Some(&manager), "/responses?band=detractor")
        .await
        .body;
    assert!(detractors.contains("larguísima") && !detractors.contains("Carmen"));
    let words = app.get(Some(&manager), "/responses?q=excelente").await.body;
    assert!(
        words.contains("Carmen") && !words.contains("larguísima"),
        "case- and accent-blind words"
    );
    let id = words
        .split("href=\"/responses/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a row")
        .to_owned();
    let detail = app
        .get(Some(&manager), &format!("/responses/{id}"))
        .await
        .body;
    assert!(
        detail.contains("¿Qué tan probable es que nos recomiende") && detail.contains("10 / 10")
    );
    assert!(
        detail.contains("Familia"),
        "options show their label, not their code"
    );
    let ceo = app.login("ceo@demo.test").await;
    let everything = app.get(Some(&ceo), "/responses").await.body;
    let playa_id = everything
        .split("href=\"/responses/")
        .skip(1)
        .find(|s| s.contains("Playa del Carmen"))
        .and_then(|s| s.split('"').next())
        .expect("Playa row")
        .to_owned();
    assert_eq!(
        app.get(Some(&manager), &format!("/responses/{playa_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let csv = app.get(Some(&manager), "/responses.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "header and two rows: {}", csv.body);
    assert!(
        lines[0].starts_with("\u{feff}id,submitted_at,survey,survey_version,unit,touchpoint,"),
        "a byte-order mark, so spreadsheets read UTF-8"
    );
    assert_eq!(
        csv.body.matches('\u{feff}').count(),
        1,
        "one mark, however many batches"
    );
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or_default()
            .starts_with("attachment; filename=\"responses-2026-"),
        "{:?}",
        csv.headers[header::CONTENT_DISPOSITION]
    );
    assert!(csv.body.contains("Carmen fue EXCELENTE"));
    // Every cell in words: the touchpoint and channel by name, the answers by prompt.
    assert!(
        csv.body.contains("Enlace o código QR") && csv.body.contains("Familia"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("\"family\"") && !csv.body.contains("{\""));
    // One survey: a column per question, headed by its prompt, values as people read them.
    let token = app.token("manager@demo.test").await;
    let listed = app.responses(&token, "?limit=10").await;
    let survey = listed["items"][0]["survey_id"].as_i64().expect("survey id");
    let one = app
        .get(Some(&manager), &format!("/responses.csv?survey={survey}"))
        .await;
    assert_eq!(one.status, StatusCode::OK);
    let mut reader =
        csv::ReaderBuilder::new().from_reader(one.body.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |key: &str| {
        head.iter()
            .position(|h| h.ends_with(&format!("[{key}]")))
            .unwrap_or_else(|| panic!("a column for {key}: {head:?}"))
    };
    let (nps, purpose, best) = (column("nps"), column("purpose"), column("best"));
    assert!(head[nps].starts_with("¿Qué tan probable"), "{head:?}");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    let promoter = rows
        .iter()
        .find(|r| &r[nps] == "10")
        .expect("the promoter's row");
    assert_eq!(&promoter[purpose], "Familia", "an option by its label");
    assert_eq!(&promoter[best], "Carmen fue EXCELENTE en recepción");
    let touchpoint = head
        .iter()
        .position(|h| h == "touchpoint")
        .expect("touchpoint");
    assert!(
        !promoter[touchpoint].is_empty() && promoter[touchpoint].parse::<i64>().is_err(),
        "the touchpoint by name: {:?}",
        &promoter[touchpoint]
    );
    let at = &promoter[1];
    assert!(
        at.len() == 25
            && at.as_bytes()[10] == b'T'
            && (at[19..].starts_with('-') || at[19..].starts_with('+')),
        "local time with its offset: {at}"
    );
    assert!(
        one.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or_default()
            .contains("filename=\"responses-"),
    );
    let filtered = app
        .get(Some(&manager), "/responses.csv?band=promoter")
        .await;
    assert_eq!(filtered.body.lines().count(), 2);
    let bad = app.get(Some(&manager), "/responses?from=ayer").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let employee = app.login("employee@demo.test").await;
    assert!(
        app.get(Some(&employee), "/responses")
            .await
            .body
            .contains("Ninguna respuesta coincide")
    );
}

async fn kiosk_post(app: &TestApp, path: &str, body: Value) -> Reply {
    let req = Request::post(format!("{path}/kiosk"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(req).await
}

async fn kiosk_answers_are_idempotent_validated_and_keep_their_time(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let path = app.link_path("CSAT", "Cancún").await;
    let page = app.get(None, &format!("{path}/kiosk")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("data-kiosk=\"{path}/kiosk\""))
            && page.body.contains("/static/kiosk.js")
    );
    let answered = "2026-11-25T08:30:00Z";
    let first = kiosk_post(&app, &path, json!({"key": "tablet-1-0001", "lang": "en", "submitted_at": answered, "answers": {"csat": "5", "aspects": ["speed"]}})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let replay = kiosk_post(
        &app,
        &path,
        json!({"key": "tablet-1-0001", "lang": "en", "answers": {"csat": "1"}}),
    )
    .await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.json()["id"], first.json()["id"]);
    let invalid = kiosk_post(
        &app,
        &path,
        json!({"key": "tablet-1-0002", "answers": {"csat": "9"}}),
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stale = kiosk_post(&app, &path, json!({"key": "tablet-1-0003", "submitted_at": "2026-09-01T10:00:00Z", "answers": {"csat": 3}})).await;
    assert_eq!(stale.status, StatusCode::CREATED);
    let admin = app.token("admin@demo.test").await;
    let stored = app.responses(&admin, "").await;
    let items = stored["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "one per key: {stored}");
    assert_eq!(
        items[0]["submitted_at"], "2026-11-25T10:00:00Z",
        "too old a device time falls back to arrival"
    );
    assert_eq!(
        items[1]["submitted_at"], answered,
        "the device's time of answer is kept"
    );
    assert_eq!(items[1]["source"], "kiosk");
    assert_eq!(
        items[1]["answers"],
        json!({"csat": 5, "aspects": ["speed"]})
    );
    let survey = app.survey_id("CSAT").await;
    app.api(
        &admin,
        Method::POST,
        &format!("/api/v1/surveys/{survey}/status"),
        Some(json!({"status": "closed"})),
    )
    .await;
    let closed = kiosk_post(
        &app,
        &path,
        json!({"key": "tablet-1-0004", "answers": {"csat": 4}}),
    )
    .await;
    assert_eq!(closed.status, StatusCode::GONE);
}

async fn concurrent_submissions_commit_in_groups_without_duplicates_or_loss(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::demo(backend).await);
    let token = app.token("admin@demo.test").await;
    let survey = app.survey_id("CSAT").await;
    let unit = app.unit_id("CUN").await;
    let checkin = touchpoint(&app, "check-in").await;
    // 133 requests at once: 60 keys, each sent twice, 3 with an unknown touchpoint and 10
    // without a key (each of those is a response of its own).
    let mut tasks = Vec::new();
    for i in 0..133 {
        let (app, token) = (app.clone(), token.clone());
        let (tp, key) = match i {
            0..120 => (checkin, Some(format!("burst-{}", i % 60))),
            120..123 => (987_654, Some(format!("bad-{i}"))),
            _ => (checkin, None),
        };
        tasks.push(tokio::spawn(async move {
            let body =
                json!({"answers": {"csat": i % 5 + 1}, "unit_id": unit, "touchpoint_id": tp});
            let reply = post_response(&app, &token, survey, key.as_deref(), body, "en").await;
            (key, reply.status, reply.body)
        }));
    }
    let mut ids: std::collections::HashMap<String, Vec<(StatusCode, Value)>> =
        std::collections::HashMap::new();
    let mut keyless = std::collections::HashSet::new();
    let mut refused = 0;
    for t in tasks {
        let (key, status, body) = t.await.expect("task");
        let id = || serde_json::from_str::<Value>(&body).expect("json")["id"].clone();
        match (status, key) {
            (StatusCode::CREATED, None) => assert!(keyless.insert(id().to_string()), "a new id"),
            (StatusCode::CREATED | StatusCode::OK, Some(key)) => {
                ids.entry(key).or_default().push((status, id()))
            }
            (StatusCode::UNPROCESSABLE_ENTITY, Some(_)) => refused += 1,
            (other, _) => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(
        refused, 3,
        "the unknown touchpoints are refused on their own"
    );
    assert_eq!(keyless.len(), 10, "every keyless submission is stored");
    for (key, list) in &ids {
        assert!(
            list.windows(2).all(|w| w[0].1 == w[1].1),
            "key {key} answered with one id: {list:?}"
        );
        let created = list
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "key {key}: one 201, then replays: {list:?}");
        assert!(
            !keyless.contains(&list[0].1.to_string()),
            "key {key} shares no id with a keyless response"
        );
    }
    let stored = app.responses(&token, "?limit=1000").await;
    assert_eq!(
        stored["items"].as_array().map(Vec::len),
        Some(ids.len() + keyless.len()),
        "one row per accepted key and keyless submission, none lost"
    );
}

/// A search reads the text index, and finds what reading every answer found: a word
/// inside words, case and accents aside, every word required; a word too short for the
/// index only narrows, and alone it is refused with a reason; nothing typed is search
/// syntax; an erased answer is no longer found.
async fn answers_are_found_by_their_words_through_the_index_until_erased(backend: Backend) {
    // The writer indexes new answers once an hour here, so the test says when.
    let app = TestApp::demo_tuned(backend, 0.0, |store| {
        store.with_text_indexed_every(std::time::Duration::from_secs(3600))
    })
    .await;
    let admin = app.token("admin@demo.test").await;
    let cancun = app.link_path("NPS", "Cancún").await;
    let post = |key: &'static str, nps: &'static str, field: &'static str, text: &'static str| {
        let (app, cancun) = (&app, &cancun);
        async move {
            let reply = app
                .public_post(
                    cancun,
                    &[("idempotency_key", key), ("q.nps", nps), (field, text)],
                )
                .await;
            assert!(reply.status.is_redirection() || reply.status.is_success());
        }
    };
    post("a", "5", "q.fix", "El baño estaba limpio, el wifi lento").await;
    post("b", "6", "q.fix", "Precio 50% más caro que la \"oferta\"").await;
    post("c", "2", "q.fix", "Había una CUCARACHA en el baño").await;
    let found = |q: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let query = serde_urlencoded::to_string([("q", q)]).expect("query");
            let mut keys: Vec<String> = app.responses(admin, &format!("?{query}")).await["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|r| {
                    let fix = r["answers"]["fix"].as_str().unwrap_or_default();
                    fix.chars().take(5).collect::<String>()
                })
                .collect();
            keys.sort();
            keys
        }
    };
    // The same answers before they are indexed (read directly) and after.
    for indexed in [false, true] {
        if indexed {
            let added = app.store.index_new_answers().await.expect("index");
            assert!(backend == Backend::Postgres || added == 3, "{added}");
        }
        assert_eq!(found("cucaracha").await, ["Había"], "{indexed}");
        assert_eq!(
            found("CUCARÁCHA").await,
            ["Había"],
            "case and accents aside"
        );
        assert_eq!(found("ucara").await, ["Había"], "inside a word");
        assert_eq!(found("baño").await, ["El ba", "Había"]);
        assert_eq!(found("bano limpio").await, ["El ba"], "every word");
        assert_eq!(found("el baño").await, ["El ba", "Había"]);
        assert_eq!(
            found("ya baño").await,
            Vec::<String>::new(),
            "a short word narrows"
        );
        assert_eq!(found("50%").await, ["Preci"], "% is a character");
        assert_eq!(found("\"oferta\"").await, ["Preci"], "so are quotes");
        for syntax in [
            "oferta OR cucaracha",
            "cuca*",
            "NEAR(cucaracha)",
            "\"\"\"",
            "^baño",
        ] {
            assert_eq!(found(syntax).await, Vec::<String>::new(), "{syntax}");
        }
    }
    // Alone, a short word would read every answer ever given: refused, with the reason.
    let refused = app
        .api(&admin, Method::GET, "/api/v1/responses?q=wc", None)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.json()["message"],
        "Busque al menos una palabra de 3 letras o más"
    );
    let browser = app.login("admin@demo.test").await;
    for path in ["/responses?q=wc+tv", "/responses.csv?q=wc"] {
        let page = app.get(Some(&browser), path).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            page.body.contains("3 letras o más"),
            "{path}: {}",
            page.body
        );
    }
    // Erased, an indexed answer leaves the index with it, also when the next answer takes
    // its number (SQLite gives the newest row's id again once it is gone), and that
    // answer is indexed in its turn.
    let erase = |q: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let id = app.responses(admin, &format!("?q={q}")).await["items"][0]["id"].clone();
            let erased = app
                .api(
                    admin,
                    Method::DELETE,
                    &format!("/api/v1/responses/{id}"),
                    None,
                )
                .await;
            assert!(erased.status.is_success(), "{}", erased.body);
        }
    };
    erase("cucaracha").await;
    post("d", "10", "q.best", "Todo perfecto").await;
    let perfect = || async { app.responses(&admin, "?q=perfecto").await["items"].clone() };
    for indexed in [false, true] {
        if indexed {
            app.store.index_new_answers().await.expect("index");
        }
        assert_eq!(found("cucaracha").await, Vec::<String>::new(), "{indexed}");
        assert_eq!(found("baño").await, ["El ba"]);
        assert_eq!(
            perfect().await.as_array().map(Vec::len),
            Some(1),
            "{indexed}"
        );
    }
    // An answer erased before it was indexed is not found either.
    post("e", "1", "q.fix", "Otra cucaracha").await;
    assert_eq!(found("cucaracha").await, ["Otra "]);
    erase("cucaracha").await;
    assert_eq!(found("cucaracha").await, Vec::<String>::new());
    app.store.index_new_answers().await.expect("index");
    assert_eq!(found("cucaracha").await, Vec::<String>::new());
    assert_eq!(perfect().await.as_array().map(Vec::len), Some(1));
}

/// A word many answers hold is read three ways: from a walk of the newest answers when
/// they fill the page, from the walk alone when it read every answer left, else from the
/// index's set of every match. Small limits take each way with eight answers; the pages
/// together list every answer holding the word, newest first, once.
async fn a_common_word_pages_through_every_answer_that_holds_it(backend: Backend) {
    let app = TestApp::demo_tuned(backend, 0.0, |store| store.with_text_limits(2, 3)).await;
    let admin = app.token("admin@demo.test").await;
    let cancun = app.link_path("NPS", "Cancún").await;
    let said = [
        "Ruido en la calle",
        "Mucho ruido",
        "Ruido otra vez",
        "Todo bien",
        "Ruido de nuevo",
        "Excelente",
        "Limpio",
        "Amable",
    ];
    for (i, fix) in said.iter().enumerate() {
        app.clock.advance(time::Duration::minutes(1));
        let reply = app
            .public_post(
                &cancun,
                &[
                    ("idempotency_key", &i.to_string()),
                    ("q.nps", "4"),
                    ("q.fix", fix),
                ],
            )
            .await;
        assert!(reply.status.is_redirection() || reply.status.is_success());
    }
    let mut listed = Vec::new();
    let mut query = "?q=ruido&limit=1".to_owned();
    for _ in 0..said.len() {
        let page = app.responses(&admin, &query).await;
        for item in page["items"].as_array().expect("items") {
            listed.push(
                item["answers"]["fix"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => query = format!("?q=ruido&limit=1&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        listed,
        [
            "Ruido de nuevo",
            "Ruido otra vez",
            "Mucho ruido",
            "Ruido en la calle"
        ]
    );
    let both = app.responses(&admin, "?q=mucho+ruido").await;
    assert_eq!(both["items"].as_array().map(Vec::len), Some(1), "{both}");
}
