//! People: create, search, edit, deactivate, and the user accounts linked to them.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};

both!(
    admin_adds_a_person_who_is_found_ignoring_accents,
    deactivated_people_leave_the_default_list_but_keep_their_record,
    bad_person_input_is_refused_with_a_reason,
    admin_creates_a_manager_account_that_sees_its_unit,
);

async fn admin_adds_a_person_who_is_found_ignoring_accents(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let unit = app.unit_id("CUN-REC").await.to_string();
    let reply = app
        .post(
            &admin,
            "/people",
            &[
                ("name", "Begoña Núñez Peña"),
                ("employee_number", "E9001"),
                ("email", "Begona.Nunez@SierraAzul.example"),
                ("unit_id", &unit),
                ("department", "Recepción"),
                ("job_title", "Concierge"),
                ("hire_date", "2024-03-15"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let list = app.get(Some(&admin), "/people?q=begona+nunez").await.body;
    assert!(
        list.contains("Begoña Núñez Peña"),
        "accent-free search finds the accented name"
    );
    assert!(list.contains("1 colaboradores"));
    let manager = app.token("manager@demo.test").await;
    let found = app
        .api(&manager, Method::GET, "/api/v1/people?q=begoña", None)
        .await
        .json();
    assert_eq!(found["total"], 1);
    let p = &found["people"][0];
    assert_eq!(p["email"], "begona.nunez@sierraazul.example");
    assert_eq!(p["department"], "Recepción");
    assert_eq!(p["hire_date"], "2024-03-15");
    // Someone in another hotel's scope does not find them.
    let other = app.token("regional@demo.test").await;
    assert_eq!(
        app.api(&other, Method::GET, "/api/v1/people?q=begona", None)
            .await
            .json()["total"],
        1
    );
    let supervisor_outside = app.login("employee@demo.test").await;
    assert!(
        !app.get(Some(&supervisor_outside), "/people?q=begona")
            .await
            .body
            .contains("Begoña")
    );
}

async fn deactivated_people_leave_the_default_list_but_keep_their_record(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let token = app.token("admin@demo.test").await;
    let someone = app
        .api(&token, Method::GET, "/api/v1/people?q=E0005", None)
        .await
        .json()["people"][0]
        .clone();
    let id = someone["id"].as_i64().expect("employee E0005");
    let name = someone["name"].as_str().expect("name").to_owned();
    let reply = app
        .post(&admin, &format!("/people/{id}/active"), &[("active", "0")])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let q = format!("/api/v1/people?q={}", "E0005");
    assert_eq!(
        app.api(&token, Method::GET, &q, None).await.json()["total"],
        0
    );
    assert_eq!(
        app.api(
            &token,
            Method::GET,
            &format!("{q}&include_inactive=true"),
            None
        )
        .await
        .json()["total"],
        1
    );
    let page = app.get(Some(&admin), &format!("/people/{id}")).await;
    assert!(page.body.contains(&name) && page.body.contains("inactivo"));
    assert_eq!(
        app.post(&admin, &format!("/people/{id}/active"), &[("active", "1")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(&token, Method::GET, &q, None).await.json()["total"],
        1
    );
}

async fn bad_person_input_is_refused_with_a_reason(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let unit = app.unit_id("CUN").await.to_string();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("name", ""), ("unit_id", &unit)], "obligatorio"),
        (
            &[("name", "Ana"), ("unit_id", &unit), ("email", "ana@")],
            "no es una dirección de e-mail válida",
        ),
        (
            &[
                ("name", "Ana"),
                ("unit_id", &unit),
                ("hire_date", "2030-01-01"),
            ],
            "está en el futuro",
        ),
        (&[("name", "Ana"), ("unit_id", "999999")], "No existe"),
        (
            &[
                ("name", "Ana"),
                ("unit_id", &unit),
                ("email", "employee@demo.test"),
            ],
            "ya está en uso",
        ),
    ];
    let token = app.token("admin@demo.test").await;
    let before = app
        .api(&token, Method::GET, "/api/v1/people?limit=1", None)
        .await
        .json()["total"]
        .clone();
    for (fields, reason) in cases {
        let reply = app.post(&admin, "/people", fields).await;
        // An e-mail already in use is the one refusal about the state of things.
        let expected = if reason == "ya está en uso" {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(reply.status, expected, "{fields:?}");
        assert!(
            reply.body.contains(reason),
            "{fields:?}: expected «{reason}» in {}",
            reply.body
        );
    }
    assert_eq!(
        app.api(&token, Method::GET, "/api/v1/people?limit=1", None)
            .await
            .json()["total"],
        before
    );
    // A person cannot become their own manager's manager (a reporting cycle).
    let ceo = app
        .api(&token, Method::GET, "/api/v1/people?q=E0001", None)
        .await
        .json()["people"][0]["id"]
        .clone();
    let gm = app
        .api(&token, Method::GET, "/api/v1/people?q=E0003", None)
        .await
        .json()["people"][0]
        .clone();
    let sa = app.unit_id("SA").await.to_string();
    let cycle = app
        .post(
            &admin,
            &format!("/people/{ceo}"),
            &[
                ("name", "Ángel Torres Álvarez"),
                ("unit_id", &sa),
                ("manager_id", &gm["id"].to_string()),
            ],
        )
        .await;
    assert_eq!(
        cycle.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        cycle.body
    );
}

async fn admin_creates_a_manager_account_that_sees_its_unit(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let no_unit = app
        .post(
            &admin,
            "/admin/users",
            &[
                ("email", "gm.tulum@demo.test"),
                ("role", "manager"),
                ("password", "tulum-2026-ok"),
            ],
        )
        .await;
    assert_eq!(no_unit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_unit.body.contains("necesita la unidad"));
    let weak = app
        .post(
            &admin,
            "/admin/users",
            &[
                ("email", "gm.tulum@demo.test"),
                ("role", "manager"),
                ("password", "corta"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let tulum = app.unit_id("TUL").await.to_string();
    let dup = app
        .post(
            &admin,
            "/admin/users",
            &[
                ("email", "MANAGER@demo.test"),
                ("role", "manager"),
                ("password", "tulum-2026-ok"),
                ("scope_unit_id", &tulum),
            ],
        )
        .await;
    assert_eq!(
        dup.status,
        StatusCode::CONFLICT,
        "e-mails are unique whatever their case"
    );
    let ok = app
        .post(
            &admin,
            "/admin/users",
            &[
                ("email", "gm.tulum@demo.test"),
                ("role", "manager"),
                ("password", "tulum-2026-ok"),
                ("scope_unit_id", &tulum),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let b = app.login_with("gm.tulum@demo.test", "tulum-2026-ok").await;
    let org = app.get(Some(&b), "/org").await.body;
    assert!(org.contains("Sierra Azul Tulum") && !org.contains("Sierra Azul Cancún"));

    // An employee account linked by employee number sees exactly that person.
    let unknown = app
        .post(
            &admin,
            "/admin/users",
            &[
                ("email", "e10@demo.test"),
                ("role", "employee"),
                ("password", "empleado-diez"),
                ("person", "E99999"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("E99999"));
    let linked = app
        .post(
            &admin,
            "/admin/users",
            &[
                ("email", "e10@demo.test"),
                ("role", "employee"),
                ("password", "empleado-diez"),
                ("person", "E0010"),
            ],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    assert!(
        app.get(Some(&admin), linked.location())
            .await
            .body
            .contains("value=\"E0010\""),
        "the form shows the link"
    );
    let token = app.token_with("e10@demo.test", "empleado-diez").await;
    let me = app
        .api(&token, Method::GET, "/api/v1/people", None)
        .await
        .json();
    assert_eq!(me["total"], 1);
    assert_eq!(me["people"][0]["employee_number"], "E0010");
}
