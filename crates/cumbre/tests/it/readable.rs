//! Every value a person reads is formatted for people: statuses and actions from the
//! catalogue, money with the tenant's currency and separators, times in the tenant's zone
//! with the zone named, counts with their plural, comments only where guests wrote.

use crate::harness::{Backend, TestApp, both};
use crate::recover::{answer, case_of};
use axum::http::{Method, StatusCode};
use cumbre::scheduler::run_once;
use serde_json::json;

both!(values_people_read_are_formatted_for_them);

async fn values_people_read_are_formatted_for_them(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin_token = app.token("admin@demo.test").await;
    let admin = app.login("admin@demo.test").await;

    // Settings an administrator changes, then reads in the activity log.
    let cun = app.unit_id("CUN").await.to_string();
    for (path, fields) in [
        ("/admin/recovery/currency", vec![("currency", "mxn")]),
        (
            "/admin/recovery/limit",
            vec![
                ("unit_id", cun.as_str()),
                ("role", "manager"),
                ("amount", "1500"),
            ],
        ),
        (
            "/admin/recovery/sla",
            vec![
                ("priority", "urgent"),
                ("first_contact_hours", "2"),
                ("resolve_hours", "24"),
            ],
        ),
    ] {
        let reply = app.post(&admin, path, &fields).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            reply.body
        );
    }
    let bad = app
        .post(&admin, "/admin/recovery/currency", &[("currency", "pesos")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let reply = app
        .api(&admin_token, Method::POST, "/api/v1/rules", Some(json!({
            "name": "Quejas de ruido", "unit_id": app.unit_id("SA").await,
            "definition": {"conditions": [{"kind": "keywords", "words": ["ruido"]}], "notify": ["calidad@sierraazul.example"]}})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let audit = app.get(Some(&admin), "/admin/audit").await.body;
    for raw in [
        "Some(",
        "None",
        "rule.create",
        "sla.set",
        "authority.set",
        "\"conditions\"",
        "150000",
        "(user ",
        ">demo<",
    ] {
        assert!(
            !audit.contains(raw),
            "the activity log shows {raw}: {audit}"
        );
    }
    for readable in [
        "1,500.00 MXN",
        "Sierra Azul Cancún · Gerente",
        "Regla de alerta creada",
        "1 condición · 1 destinatario",
        "primer contacto en 2.0 h · resolución en 24.0 h",
        " EST",
        "<td>admin@demo.test</td>",
        "Datos de demostración",
    ] {
        assert!(audit.contains(readable), "{readable}: {audit}");
    }

    // A case's history in Spanish, its money in the tenant's currency.
    let response = answer(&app, &admin_token, "CUN", 2, false).await;
    run_once(
        &app.store,
        cumbre_domain::clock::Clock::now(app.clock.as_ref()),
    )
    .await
    .expect("pass");
    let id = case_of(&app, &admin_token, response).await["id"]
        .as_i64()
        .expect("id");
    let case = format!("/cases/{id}");
    for fields in [
        vec![("status", "contacted")],
        vec![
            ("status", "resolved"),
            ("action_taken", "Cena de cortesía"),
            ("compensation_type", "Cena"),
            ("compensation", "2550.5"),
        ],
    ] {
        let reply = app.post(&admin, &format!("{case}/status"), &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    let page = app.get(Some(&admin), &case).await.body;
    let history = page.split("id=\"timeline\"").nth(1).expect("history");
    assert!(history.contains("nuevo → contactado"), "{history}");
    assert!(!history.contains("new → contacted"), "{history}");
    assert!(history.contains("Cena 2,550.50 MXN"), "{history}");
    assert!(
        page.contains("Cena · 2,550.50 MXN"),
        "the resolution shows it too"
    );

    // The response list: local time with its zone, the channel by its name.
    let list = app.get(Some(&admin), "/responses").await.body;
    assert!(list.contains(" EST</a>"), "{list}");
    let one = app
        .get(Some(&admin), &format!("/responses/{response}"))
        .await
        .body;
    assert!(one.contains("<dd>API</dd>"), "{one}");

    // A choice is not a comment: only what a guest wrote shows as one.
    let survey = crate::recover::survey(&app, "NPS").await;
    let definition = app
        .store
        .get_survey(&cumbre_domain::access::Scope::Tenant(app.tenant), survey)
        .await
        .expect("survey")
        .definition;
    let choice = definition.questions.iter().find_map(|q| match &q.kind {
        cumbre_domain::listen::QuestionKind::SingleChoice { options } => {
            Some((q.key.clone(), options[0].value.clone()))
        }
        _ => None,
    });
    if let Some((key, value)) = choice {
        let reply = app
            .api(
                &admin_token,
                Method::POST,
                &format!("/api/v1/surveys/{survey}/responses"),
                Some(json!({"answers": {"nps": 9, key: value},
                    "unit_id": app.unit_id("CUN").await,
                    "touchpoint_id": crate::recover::first_touchpoint(&app).await})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let unit = app
            .get(Some(&admin), &format!("/dashboard/units/{cun}"))
            .await
            .body;
        assert!(
            !unit.contains(&format!("<q>{value}</q>")),
            "{value} is not a comment"
        );
    }

    // Counts agree with their number; English reads English.
    let supervisor = app.login("supervisor@demo.test").await;
    let home = app.get(Some(&supervisor), "/").await.body;
    assert!(home.contains("<strong>1</strong> unidad visible"), "{home}");
    let manager = app.login("manager@demo.test").await;
    let set = app
        .post(&manager, "/profile/language", &[("locale", "en")])
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let overview = app.get(Some(&manager), "/overview").await.body;
    assert!(!overview.contains("IC 95"), "{overview}");
}
