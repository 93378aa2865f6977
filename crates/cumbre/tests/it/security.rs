//! What an attacker would try first: leaving the site through the sign-in redirect,
//! formulas in exported spreadsheets, and tokens that outlive a changed password.

use crate::harness::{Backend, PASSWORD, TestApp, both, cookie_pair};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

both!(
    sign_in_never_redirects_off_the_site,
    exported_cells_never_run_as_formulas,
    a_new_password_revokes_the_accounts_api_tokens,
);

async fn sign_in_never_redirects_off_the_site(backend: Backend) {
    let app = TestApp::demo(backend).await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/a\0b",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let page = app.get(None, "/login").await;
        let login_cookie = cookie_pair(&page, "cumbre_login_csrf").expect("csrf cookie");
        let csrf = login_cookie.split_once('=').map(|(_, v)| v).unwrap_or("");
        let body = serde_urlencoded::to_string([
            ("csrf", csrf),
            ("email", "admin@demo.test"),
            ("password", PASSWORD),
            ("next", next),
        ])
        .expect("encodes");
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &login_cookie)
            .body(Body::from(body))
            .expect("request");
        let reply = app.send(req).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(reply.location(), "/", "{next:?} stays on the site");
    }
}

async fn exported_cells_never_run_as_formulas(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let parent = app.unit_id("CUN").await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"Ver\")";
    let created = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/units",
            Some(json!({"name": evil, "kind": "team", "parent_id": parent})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let unit = created.json()["id"].as_i64().expect("id");
    let survey = app
        .store
        .list_surveys(&cumbre_domain::access::Scope::Tenant(app.tenant))
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains("NPS"))
        .expect("NPS survey")
        .id;
    let touchpoint = app.store.list_touchpoints(app.tenant).await.expect("tps")[0].id;
    let answered = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/responses"),
            Some(json!({"unit_id": unit, "touchpoint_id": touchpoint,
                "answers": {"nps": 3, "fix": "+cmd|' /C calc'!A0"}})),
        )
        .await;
    assert_eq!(answered.status, StatusCode::CREATED, "{}", answered.body);
    let browser = app.login("admin@demo.test").await;
    for path in [
        "/responses.csv".to_owned(),
        format!("/overview.csv?unit={parent}"),
        format!("/dashboard/units/{unit}?format=csv"),
    ] {
        let csv = app.get(Some(&browser), &path).await;
        assert_eq!(csv.status, StatusCode::OK, "{path}");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.body.as_bytes());
        for record in reader.records() {
            let record = record.expect("csv");
            for cell in record.iter() {
                let runs = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!runs, "{path}: a cell a spreadsheet would run: {cell}");
            }
        }
    }
    let export = app.get(Some(&browser), "/responses.csv").await;
    assert!(
        export.body.contains("'=HYPERLINK"),
        "the name is kept, as text"
    );
}

async fn a_new_password_revokes_the_accounts_api_tokens(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("manager@demo.test").await;
    assert_eq!(
        app.api(&token, Method::GET, "/api/v1/units", None)
            .await
            .status,
        StatusCode::OK
    );
    let browser = app.login("manager@demo.test").await;
    let changed = app
        .post(
            &browser,
            "/profile/password",
            &[
                ("current", PASSWORD),
                ("new", "una-clave-nueva-2026"),
                ("confirm", "una-clave-nueva-2026"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let refused = app.api(&token, Method::GET, "/api/v1/units", None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}
