//! The scope rule, as a matrix: each role against its own subtree, a sibling, a parent and
//! another tenant, through the JSON API and the HTML pages. Allowed → 200, else 404.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};
use cumbre_domain::access::AdminGrant;
use cumbre_domain::org::{UnitKind, UnitName};
use cumbre_store::org::UnitInput;
use std::collections::BTreeSet;

both!(
    scope_matrix_for_units_api_and_pages,
    manager_lists_only_own_subtree,
    people_follow_the_same_scope
);

/// A second organisation with one unit; returns the organisation and that unit's id.
pub(crate) async fn other_tenant(app: &TestApp) -> (cumbre_domain::TenantId, i64) {
    let now = app.clock_now();
    let tenant = app
        .store
        .create_tenant("Otra Empresa", now)
        .await
        .expect("tenant");
    let input = UnitInput {
        name: UnitName::parse("Otra Casa Matriz").expect("name"),
        kind: UnitKind::Company,
        code: None,
    };
    let unit = app
        .store
        .create_unit(&AdminGrant::operator(tenant), &input, None, "test", now)
        .await
        .expect("unit")
        .0;
    (tenant, unit)
}

impl TestApp {
    pub fn clock_now(&self) -> time::OffsetDateTime {
        use cumbre_domain::clock::Clock;
        self.clock.now()
    }
}

async fn scope_matrix_for_units_api_and_pages(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let (_, other) = other_tenant(&app).await;
    let (company, region, hotel, reception, housekeeping, sibling_hotel) = (
        app.unit_id("SA").await,
        app.unit_id("SA-CMX").await,
        app.unit_id("CUN").await,
        app.unit_id("CUN-REC").await,
        app.unit_id("CUN-AMA").await,
        app.unit_id("PDC").await,
    );
    let other_region_hotel = app.unit_id("PVR").await;
    let targets = [
        ("company", company),
        ("region", region),
        ("hotel", hotel),
        ("reception", reception),
        ("housekeeping", housekeeping),
        ("sibling hotel", sibling_hotel),
        ("other region", other_region_hotel),
        ("other tenant", other),
    ];
    // Expected visible targets for each login.
    let matrix: [(&str, &[&str]); 7] = [
        (
            "admin@demo.test",
            &[
                "company",
                "region",
                "hotel",
                "reception",
                "housekeeping",
                "sibling hotel",
                "other region",
            ],
        ),
        (
            "ceo@demo.test",
            &[
                "company",
                "region",
                "hotel",
                "reception",
                "housekeeping",
                "sibling hotel",
                "other region",
            ],
        ),
        (
            "regional@demo.test",
            &[
                "region",
                "hotel",
                "reception",
                "housekeeping",
                "sibling hotel",
            ],
        ),
        ("manager@demo.test", &["hotel", "reception", "housekeeping"]),
        ("supervisor@demo.test", &["reception"]),
        ("employee@demo.test", &["reception"]),
        ("auditor@demo.test", &[]),
    ];
    let mut failures = Vec::new();
    for (email, visible) in matrix {
        let token = app.token(email).await;
        let browser = app.login(email).await;
        for (label, id) in targets {
            let expected = if visible.contains(&label) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            let api = app
                .api(&token, Method::GET, &format!("/api/v1/units/{id}"), None)
                .await
                .status;
            let page = app
                .get(Some(&browser), &format!("/org/units/{id}"))
                .await
                .status;
            if api != expected || page != expected {
                failures.push(format!(
                    "{email} → {label}: api {api}, page {page}, expected {expected}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "scope violations:\n{}",
        failures.join("\n")
    );
}

async fn manager_lists_only_own_subtree(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("manager@demo.test").await;
    let reply = app.api(&token, Method::GET, "/api/v1/units", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let units = reply.json();
    let units = units.as_array().expect("an array");
    let hotel = app.unit_id("CUN").await;
    let codes: BTreeSet<&str> = units.iter().filter_map(|u| u["code"].as_str()).collect();
    assert!(
        codes.iter().all(|c| *c == "CUN" || c.starts_with("CUN-")),
        "outside the subtree: {codes:?}"
    );
    assert!(codes.contains("CUN") && codes.contains("CUN-REC"));
    let top = units
        .iter()
        .find(|u| u["id"] == hotel)
        .expect("own unit listed");
    assert!(top["name"].is_string() && top.get("parent_id").is_some());
    // Every unit's parent is the hotel or another listed unit: a proper subtree.
    for u in units.iter().filter(|u| u["id"] != hotel) {
        assert!(
            units.iter().any(|p| p["id"] == u["parent_id"]),
            "{u} hangs outside the list"
        );
    }
    // The HTML tree shows the same units and nothing from the sibling hotel.
    let page = app
        .get(Some(&app.login("manager@demo.test").await), "/org")
        .await;
    assert!(page.body.contains("Sierra Azul Cancún"));
    assert!(!page.body.contains("Playa del Carmen"));
}

async fn people_follow_the_same_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let employee = app.token("employee@demo.test").await;
    let mine = app
        .api(&employee, Method::GET, "/api/v1/people", None)
        .await
        .json();
    assert_eq!(mine["total"], 1, "an employee sees only themselves: {mine}");
    let me = &mine["people"][0];
    assert_eq!(me["email"], "employee@demo.test");

    let manager = app.token("manager@demo.test").await;
    let team = app
        .api(&manager, Method::GET, "/api/v1/people?limit=500", None)
        .await
        .json();
    let total = team["total"].as_i64().expect("total");
    assert!(total > 10, "a hotel has a team: {total}");
    assert!(team["people"].as_array().expect("people").iter().all(|p| {
        p["unit_name"]
            .as_str()
            .unwrap_or_default()
            .contains("Cancún")
    }));

    // Someone from the sibling hotel is not found, for the manager and the employee alike.
    let ceo = app.token("ceo@demo.test").await;
    let pdc = app.unit_id("PDC").await;
    let outsider = app
        .api(
            &ceo,
            Method::GET,
            &format!("/api/v1/people?unit_id={pdc}&limit=1"),
            None,
        )
        .await
        .json();
    let outsider_id = outsider["people"][0]["id"]
        .as_i64()
        .expect("someone works in Playa del Carmen");
    for token in [&manager, &employee] {
        let reply = app
            .api(
                token,
                Method::GET,
                &format!("/api/v1/people/{outsider_id}"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let browser = app.login("manager@demo.test").await;
    assert_eq!(
        app.get(Some(&browser), &format!("/people/{outsider_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
