//! The survey builder's server side: checking and previewing unsaved definitions, within
//! the designer's scope.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode, header};
use serde_json::json;

both!(the_builder_checks_and_previews_unsaved_definitions_within_scope);

async fn the_builder_checks_and_previews_unsaved_definitions_within_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("manager@demo.test").await;
    let cun = app.unit_id("CUN").await;
    let created = app
        .api(
            &token,
            Method::POST,
            "/api/v1/surveys",
            Some(json!({"name": "Spa", "owner_unit_id": cun, "template": "touchpoint-csat"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");
    let manager = app.login("manager@demo.test").await;

    let page = app
        .get(Some(&manager), &format!("/surveys/{id}/edit"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="builder""#));
    assert!(
        page.body.contains("name=\"definition\"")
            && (page.body.contains("&#34;csat&#34;") || page.body.contains("&quot;csat&quot;")),
        "without JavaScript the page is a JSON editor of the current definition"
    );

    // A definition missing a translation: each problem with its path, in the designer's
    // language.
    let mut def = json!({
        "title": {"es": "Spa", "en": "Spa"},
        "questions": [
            {"key": "coffee", "type": "single_choice", "required": true,
             "prompt": {"es": "¿Probó el café?"},
             "options": [{"value": "yes", "label": {"es": "Sí", "en": "Yes"}}]}
        ]
    });
    let check = app
        .post(
            &manager,
            &format!("/surveys/{id}/check"),
            &[("definition", &def.to_string())],
        )
        .await;
    assert_eq!(check.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = check.json()["errors"].clone();
    assert_eq!(errors[0]["path"], "questions[0].prompt");
    assert!(
        errors[0]["message"]
            .as_str()
            .expect("message")
            .contains("«en»"),
        "{errors}"
    );
    def["questions"][0]["prompt"]["en"] = json!("Did you try the coffee?");
    let check = app
        .post(
            &manager,
            &format!("/surveys/{id}/check"),
            &[("definition", &def.to_string())],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert_eq!(check.json()["errors"], json!([]));

    // The preview is the respondent's page for the unsaved definition, framable only here.
    let preview = app
        .post(
            &manager,
            &format!("/surveys/{id}/preview"),
            &[("definition", &def.to_string()), ("lang", "en")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Did you try the coffee?"));
    assert!(preview.body.contains("data-key=\"coffee\""));
    assert!(
        preview.body.contains("class=\"send\" disabled"),
        "nothing can be sent from a preview"
    );
    let csp = preview.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    // Checking and previewing changed nothing.
    let stored = app
        .api(&token, Method::GET, &format!("/api/v1/surveys/{id}"), None)
        .await
        .json();
    assert_eq!(stored["definition"]["questions"][0]["key"], "csat");

    // Without the form's token nothing is checked.
    let forged = app
        .post_raw(
            Some(&manager),
            &format!("/surveys/{id}/check"),
            &[("definition", &def.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Saving from the builder comes back to it.
    let saved = app
        .post(
            &manager,
            &format!("/surveys/{id}/definition"),
            &[("definition", &def.to_string()), ("back", "edit")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        saved.headers[header::LOCATION],
        format!("/surveys/{id}/edit?ok=saved").as_str()
    );

    // Below the hotel, a team supervisor sees the hotel's survey but cannot design it; an
    // employee does not see it at all.
    let supervisor = app.login("supervisor@demo.test").await;
    assert_eq!(
        app.get(Some(&supervisor), &format!("/surveys/{id}/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let employee = app.login("employee@demo.test").await;
    assert_eq!(
        app.post(
            &employee,
            &format!("/surveys/{id}/check"),
            &[("definition", &def.to_string())]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Nor does a manager design the company's surveys, which apply to the hotel.
    let company = app
        .api(&token, Method::GET, "/api/v1/surveys", None)
        .await
        .json()
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["editable"] == false)
        .expect("a company survey")["id"]
        .clone();
    assert_eq!(
        app.get(Some(&manager), &format!("/surveys/{company}/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &manager,
            &format!("/surveys/{company}/preview"),
            &[("definition", &def.to_string()), ("lang", "es")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
