//! The organisation tree through the pages and the API: create, edit, move, refuse.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};
use serde_json::json;

both!(
    admin_creates_edits_and_moves_units_with_their_subtree,
    moving_a_unit_into_its_own_subtree_is_refused_and_changes_nothing,
    only_admins_change_the_organisation,
    unit_names_are_escaped_everywhere,
    api_validates_units_and_answers_in_the_callers_language,
);

async fn admin_creates_edits_and_moves_units_with_their_subtree(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let cun = app.unit_id("CUN").await.to_string();
    let created = app
        .post(
            &admin,
            "/org/units",
            &[
                ("name", "Concierge · Cancún"),
                ("kind", "team"),
                ("code", "CUN-CON"),
                ("parent_id", &cun),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = app.unit_id("CUN-CON").await;
    assert!(created.location().starts_with(&format!("/org/units/{id}")));
    let page = app.get(Some(&admin), &format!("/org/units/{id}")).await;
    assert!(page.body.contains("Concierge · Cancún"));

    let edited = app
        .post(
            &admin,
            &format!("/org/units/{id}"),
            &[
                ("name", "Conserjería · Cancún"),
                ("kind", "team"),
                ("code", "CUN-CON"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(Some(&admin), "/org")
            .await
            .body
            .contains("Conserjería · Cancún")
    );

    // Move the whole Cancún hotel to another region: its teams follow, and the regional
    // manager of the old region no longer sees any of it.
    let regional = app.token("regional@demo.test").await;
    let reception = app.unit_id("CUN-REC").await;
    assert_eq!(
        app.api(
            &regional,
            Method::GET,
            &format!("/api/v1/units/{reception}"),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let pacific = app.unit_id("PVR").await;
    let pacific_region = app
        .api(
            &app.token("ceo@demo.test").await,
            Method::GET,
            &format!("/api/v1/units/{pacific}"),
            None,
        )
        .await
        .json()["parent_id"]
        .clone();
    let moved = app
        .post(
            &admin,
            &format!("/org/units/{cun}/move"),
            &[("parent_id", &pacific_region.to_string())],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(
        app.api(
            &regional,
            Method::GET,
            &format!("/api/v1/units/{reception}"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(&regional, Method::GET, &format!("/api/v1/units/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let manager = app.token("manager@demo.test").await;
    let still = app
        .api(&manager, Method::GET, "/api/v1/units", None)
        .await
        .json();
    assert!(
        still
            .as_array()
            .expect("array")
            .iter()
            .any(|u| u["id"] == reception),
        "the hotel manager keeps the whole hotel"
    );
    let unit = app
        .api(&manager, Method::GET, &format!("/api/v1/units/{cun}"), None)
        .await
        .json();
    assert_eq!(unit["parent_id"], pacific_region);
    assert_eq!(unit["depth"], 2);
    let team = app
        .api(
            &manager,
            Method::GET,
            &format!("/api/v1/units/{reception}"),
            None,
        )
        .await
        .json();
    assert_eq!(team["depth"], 3);
}

async fn moving_a_unit_into_its_own_subtree_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let region = app.unit_id("SA-CMX").await;
    let inside = app.unit_id("CUN-REC").await.to_string();
    let before = app.get(Some(&admin), "/org").await.body;
    let reply = app
        .post(
            &admin,
            &format!("/org/units/{region}/move"),
            &[("parent_id", &inside)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("no puede moverse dentro de sí misma"),
        "{}",
        reply.body
    );
    let root = app.unit_id("SA").await;
    let reply = app
        .post(
            &admin,
            &format!("/org/units/{root}/move"),
            &[("parent_id", &region.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let second_root = app
        .post(
            &admin,
            "/org/units",
            &[
                ("name", "Otra raíz"),
                ("kind", "company"),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(second_root.status, StatusCode::CONFLICT);
    let duplicate_code = app
        .post(
            &admin,
            "/org/units",
            &[
                ("name", "Copia"),
                ("kind", "team"),
                ("code", "CUN-REC"),
                ("parent_id", &region.to_string()),
            ],
        )
        .await;
    assert_eq!(duplicate_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    let blank = app
        .post(
            &admin,
            "/org/units",
            &[
                ("name", "  "),
                ("kind", "team"),
                ("parent_id", &region.to_string()),
            ],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("obligatorio"));
    assert_eq!(
        app.get(Some(&admin), "/org").await.body,
        before,
        "nothing changed"
    );
}

async fn only_admins_change_the_organisation(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let cun = app.unit_id("CUN").await.to_string();
    for email in ["ceo@demo.test", "manager@demo.test", "employee@demo.test"] {
        let b = app.login(email).await;
        let page = app
            .post(
                &b,
                "/org/units",
                &[("name", "X"), ("kind", "team"), ("parent_id", &cun)],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{email}");
        let token = app.token(email).await;
        let api = app.api(&token, Method::POST, "/api/v1/units", Some(json!({"name": "X", "kind": "team", "parent_id": cun.parse::<i64>().unwrap_or_default()}))).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{email}");
        assert_eq!(
            app.get(Some(&b), "/admin/users").await.status,
            StatusCode::FORBIDDEN
        );
    }
    let units = app
        .store
        .list_units(&cumbre_domain::access::Scope::Tenant(app.tenant))
        .await
        .expect("units");
    assert!(units.iter().all(|u| u.name != "X"));
}

async fn unit_names_are_escaped_everywhere(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let cun = app.unit_id("CUN").await.to_string();
    let evil = "<script>alert('x')</script> & \"Bar\"";
    assert_eq!(
        app.post(
            &admin,
            "/org/units",
            &[("name", evil), ("kind", "team"), ("parent_id", &cun)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    for path in ["/org", &format!("/org/units/{cun}"), "/people/new"] {
        let body = app.get(Some(&admin), path).await.body;
        assert!(!body.contains("<script>alert"), "{path} leaks markup");
        assert!(
            body.contains("&#60;script&#62;alert(&#39;x&#39;)"),
            "{path} shows the name escaped"
        );
    }
}

async fn api_validates_units_and_answers_in_the_callers_language(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("admin@demo.test").await;
    let region = app.unit_id("SA-CMX").await;
    let send = |body: serde_json::Value, lang: &'static str| {
        let req = axum::http::Request::post("/api/v1/units")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("accept-language", lang)
            .body(axum::body::Body::from(body.to_string()))
            .expect("request");
        app.send(req)
    };
    let bad_kind = send(
        json!({"name": "Cozumel Norte", "kind": "hotel", "parent_id": region}),
        "en",
    )
    .await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_kind.json()["error"], "invalid_input");
    assert!(
        bad_kind.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("company, region, location, team, area")
    );
    let es = send(
        json!({"name": "", "kind": "team", "parent_id": region}),
        "es",
    )
    .await;
    assert_eq!(es.json()["message"], "El campo «nombre» es obligatorio");
    let not_json = app.api(&token, Method::POST, "/api/v1/units", None).await;
    assert_eq!(not_json.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_parent = send(
        json!({"name": "Nueva", "kind": "team", "parent_id": 999_999}),
        "en",
    )
    .await;
    assert_eq!(unknown_parent.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = send(
        json!({"name": "Cozumel Norte", "kind": "location", "code": "CZN", "parent_id": region}),
        "en",
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.json()["parent_id"], region);
    assert_eq!(ok.json()["code"], "CZN");
}
