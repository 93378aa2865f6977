//! Decide: the service vision, value proposition and values, published in versions; each
//! person who serves acknowledges the current one; leaders see who has not, by unit.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

both!(the_vision_is_published_in_versions_and_dropped_values_are_retired);
both!(people_acknowledge_the_current_version_and_leaders_see_who_has_not);
both!(the_vision_page_publishes_from_its_form_and_shows_every_version);

/// The demo's current version as a body to publish again (only the content).
fn definition_of(current: &Value) -> Value {
    current["definition"].clone()
}

async fn the_vision_is_published_in_versions_and_dropped_values_are_retired(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let manager = app.token("manager@demo.test").await;
    let vision = app
        .api(&admin, Method::GET, "/api/v1/vision", None)
        .await
        .json();
    let current = vision["current"].clone();
    let version = current["version"]
        .as_i64()
        .expect("the demo published a vision");
    assert_eq!(
        vision["history"].as_array().map(Vec::len),
        Some(version as usize),
        "every version stays readable"
    );

    // The same content publishes nothing.
    let same = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/vision",
            Some(definition_of(&current)),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(
        (same.json()["saved"].clone(), same.json()["version"].clone()),
        (json!("unchanged"), json!(version))
    );

    // Drop the first value, reword the second, add one: a new version.
    let mut next = definition_of(&current);
    let values = next["values"].as_array_mut().expect("values");
    let dropped = values.remove(0)["key"].as_str().expect("key").to_owned();
    let kept = values[0]["key"].as_str().expect("key").to_owned();
    values[0]["name"] = json!({"es": "Nuevo nombre", "en": "New name"});
    values.push(
        json!({"key": "  Alegria  ", "name": {"es": "Alegría", "en": "Joy"},
                       "meaning": {"es": "Disfrutar el trabajo", "en": "Enjoy the work"}}),
    );
    let published = app
        .api(&admin, Method::POST, "/api/v1/vision", Some(next.clone()))
        .await;
    // An upper-case key is refused, not silently changed.
    assert_eq!(
        published.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        published.body
    );
    let last = next["values"].as_array().map_or(0, |v| v.len() - 1);
    next["values"][last]["key"] = json!("alegria");
    let published = app
        .api(&admin, Method::POST, "/api/v1/vision", Some(next.clone()))
        .await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    assert_eq!(published.json()["version"], json!(version + 1));

    let values = app
        .api(&manager, Method::GET, "/api/v1/values", None)
        .await
        .json();
    let list = values.as_array().expect("values");
    let keys: Vec<(&str, bool)> = list
        .iter()
        .map(|v| (v["key"].as_str().expect("key"), v["retired"] == json!(true)))
        .collect();
    assert_eq!(keys.last(), Some(&(dropped.as_str(), true)), "{keys:?}");
    assert_eq!(keys[0], (kept.as_str(), false), "in the order listed");
    assert!(keys.contains(&("alegria", false)), "{keys:?}");
    let renamed = list.iter().find(|v| v["key"] == json!(kept)).expect("kept");
    assert_eq!(renamed["name"]["en"], "New name");
    let id_before = renamed["id"].clone();

    // What is refused changes nothing: a missing translation, too many values, a manager.
    let mut untranslated = next.clone();
    untranslated["vision"] = json!({"es": "Solo en español"});
    let reply = app
        .api(&admin, Method::POST, "/api/v1/vision", Some(untranslated))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("en"), "{}", reply.body);
    let mut crowded = next.clone();
    crowded["values"] = Value::Array(
        (0..13)
            .map(|i| json!({"key": format!("v{i}"), "name": {"es": "x", "en": "x"}, "meaning": {"es": "x", "en": "x"}}))
            .collect(),
    );
    let reply = app
        .api(&admin, Method::POST, "/api/v1/vision", Some(crowded))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = app
        .api(&manager, Method::POST, "/api/v1/vision", Some(next))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let after = app
        .api(&admin, Method::GET, "/api/v1/vision", None)
        .await
        .json();
    assert_eq!(after["current"]["version"], json!(version + 1));
    assert_eq!(
        after["history"][0]["version"],
        json!(version + 1),
        "newest first"
    );
    assert_eq!(
        after["history"][1]["definition"]["values"][0]["key"],
        json!(dropped),
        "the earlier version still says what it said"
    );
    // A value keeps its id when its words change: what points at it keeps pointing.
    let values = app
        .api(&admin, Method::GET, "/api/v1/values", None)
        .await
        .json();
    let again = values
        .as_array()
        .and_then(|l| l.iter().find(|v| v["key"] == json!(kept)))
        .expect("kept");
    assert_eq!(again["id"], id_before);
}

async fn people_acknowledge_the_current_version_and_leaders_see_who_has_not(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let manager = app.token("manager@demo.test").await;
    let employee_token = app.token("employee@demo.test").await;
    let auditor = app.token("auditor@demo.test").await;
    let version = app
        .api(&employee_token, Method::GET, "/api/v1/vision", None)
        .await
        .json()["current"]["version"]
        .as_i64()
        .expect("published");

    // The manager sees the employee among those who have not read it, in their unit; no
    // unit outside the manager's hotel appears.
    let readers = app
        .api(&manager, Method::GET, "/api/v1/vision/readers", None)
        .await;
    assert_eq!(readers.status, StatusCode::OK, "{}", readers.body);
    let readers = readers.json();
    let unread_emails = |r: &Value| -> Vec<String> {
        r["units"]
            .as_array()
            .expect("units")
            .iter()
            .flat_map(|u| u["unread"].as_array().cloned().unwrap_or_default())
            .map(|p| p["email"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(
        unread_emails(&readers).contains(&"employee@demo.test".to_owned()),
        "{readers}"
    );
    // The manager's own units (their hotel's subtree), as the organisation API scopes them.
    let units = app
        .api(&manager, Method::GET, "/api/v1/units", None)
        .await
        .json();
    let in_cancun: Vec<i64> = units
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert!(in_cancun.contains(&app.unit_id("CUN").await));
    assert!(!in_cancun.contains(&app.unit_id("PDC").await));
    for u in readers["units"].as_array().expect("units") {
        let id = u["unit_id"]
            .as_i64()
            .expect("a manager sees only placed accounts");
        assert!(in_cancun.contains(&id), "unit {u} is outside the hotel");
    }
    let total_before = readers["read"].as_i64().expect("read");

    // The employee reads it from the home page's button.
    let browser = app.login("employee@demo.test").await;
    let home = app.get(Some(&browser), "/").await;
    assert!(home.body.contains("id=\"home-read-form\""), "{}", home.body);
    let reply = app
        .post(
            &browser,
            "/vision/read",
            &[("version", &version.to_string()), ("back", "/")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/?ok=read");
    let home = app.get(Some(&browser), "/?ok=read").await;
    assert!(!home.body.contains("id=\"home-read-form\""));
    assert!(home.body.contains("La leyó el"), "{}", home.body);
    // Reading twice keeps the first time.
    let first = app
        .api(&employee_token, Method::GET, "/api/v1/vision", None)
        .await
        .json()["read_at"]
        .clone();
    assert!(first.is_string(), "{first}");
    let again = app
        .api(
            &employee_token,
            Method::POST,
            "/api/v1/vision/read",
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.body);
    let read_at = app
        .api(&employee_token, Method::GET, "/api/v1/vision", None)
        .await
        .json()["read_at"]
        .clone();
    assert_eq!(read_at, first);
    let readers = app
        .api(&manager, Method::GET, "/api/v1/vision/readers", None)
        .await
        .json();
    assert_eq!(readers["read"].as_i64(), Some(total_before + 1));
    assert!(!unread_emails(&readers).contains(&"employee@demo.test".to_owned()));

    // A new version asks again; the old one can no longer be acknowledged.
    let mut next = app
        .api(&admin, Method::GET, "/api/v1/vision", None)
        .await
        .json()["current"]["definition"]
        .clone();
    next["proposition"]["en"] = json!("Rest, by name, on time.");
    let published = app
        .api(&admin, Method::POST, "/api/v1/vision", Some(next))
        .await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    let stale = app
        .api(
            &employee_token,
            Method::POST,
            "/api/v1/vision/read",
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let unknown = app
        .api(
            &employee_token,
            Method::POST,
            "/api/v1/vision/read",
            Some(json!({"version": version + 5})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let vision = app
        .api(&employee_token, Method::GET, "/api/v1/vision", None)
        .await
        .json();
    assert_eq!(vision["read_at"], Value::Null, "the new version is unread");
    let readers = app
        .api(&manager, Method::GET, "/api/v1/vision/readers", None)
        .await
        .json();
    assert_eq!(readers["version"], json!(version + 1));
    assert_eq!(readers["read"], json!(0), "nobody has read it yet");

    // The auditor reads the vision but has nothing to acknowledge and sees no readers.
    let reply = app.api(&auditor, Method::GET, "/api/v1/vision", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    for (path, body) in [
        ("/api/v1/vision/read", Some(json!({"version": version + 1}))),
        ("/api/v1/vision/readers", None),
    ] {
        let method = if body.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        let reply = app.api(&auditor, method, path, body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    let reply = app
        .api(&employee_token, Method::GET, "/api/v1/vision/readers", None)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

async fn the_vision_page_publishes_from_its_form_and_shows_every_version(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let page = app.get(Some(&admin), "/vision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"vision-form\""));
    assert!(
        page.body.contains("Dueños del problema"),
        "Spanish for the admin"
    );
    let version = app
        .api(
            &app.token("admin@demo.test").await,
            Method::GET,
            "/api/v1/vision",
            None,
        )
        .await
        .json()["current"]["version"]
        .as_i64()
        .expect("published");

    // Two values typed in; the blank rows are ignored; a new value's key comes from its name.
    let fields = [
        ("vision_es", "Que cada huésped vuelva."),
        ("vision_en", "Every guest comes back."),
        ("proposition_es", "Servicio personal."),
        ("proposition_en", "Personal service."),
        ("value_key", "calidez"),
        ("value_name_es", "Calidez"),
        ("value_name_en", "Warmth"),
        ("value_meaning_es", "Saludar por su nombre."),
        ("value_meaning_en", "Greet by name."),
        ("value_key", ""),
        ("value_name_es", ""),
        ("value_name_en", ""),
        ("value_meaning_es", ""),
        ("value_meaning_en", ""),
        ("value_key", ""),
        ("value_name_es", "Escucha activa"),
        ("value_name_en", "Active listening"),
        ("value_meaning_es", "Preguntar y tomar nota."),
        ("value_meaning_en", "Ask and take notes."),
    ];
    let reply = app.post(&admin, "/vision", &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/vision?ok=published");
    let again = app.post(&admin, "/vision", &fields).await;
    assert_eq!(again.location(), "/vision?ok=unchanged");

    let page = app.get(Some(&admin), "/vision?ok=published").await;
    assert!(page.body.contains("Nueva versión publicada"), "the notice");
    assert!(page.body.contains("Escucha activa"));
    assert!(
        page.body.contains(&format!("/vision?version={version}")),
        "history links"
    );
    // An earlier version is shown as such, with what it said.
    let earlier = app
        .get(Some(&admin), &format!("/vision?version={version}"))
        .await;
    assert!(
        earlier.body.contains("versión anterior"),
        "{}",
        earlier.body
    );
    assert!(earlier.body.contains("Dueños del problema"));
    let values = app
        .api(
            &app.token("admin@demo.test").await,
            Method::GET,
            "/api/v1/values",
            None,
        )
        .await
        .json();
    assert!(
        values
            .as_array()
            .expect("values")
            .iter()
            .any(|v| v["key"] == json!("active-listening") && v["retired"] == json!(false)),
        "{values}"
    );

    // A form missing a translation is refused with the reason, and nothing is published.
    let reply = app
        .post(
            &admin,
            "/vision",
            &[
                ("vision_es", "Solo español"),
                ("proposition_es", "x"),
                ("proposition_en", "x"),
                ("value_name_es", "A"),
                ("value_name_en", "A"),
                ("value_meaning_es", "a"),
                ("value_meaning_en", "a"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("visión de servicio"), "{}", reply.body);
    assert!(app.get(Some(&admin), "/vision?version=99").await.status == StatusCode::NOT_FOUND);

    // Leaders see the readers; an employee sees the text and the button, not the form.
    let ceo = app.login("ceo@demo.test").await;
    let page = app.get(Some(&ceo), "/vision").await;
    assert!(page.body.contains("id=\"readers\""));
    assert!(!page.body.contains("id=\"vision-form\""));
    let employee = app.login("employee@demo.test").await;
    let page = app.get(Some(&employee), "/vision").await;
    assert!(page.body.contains("id=\"read-form\""));
    assert!(!page.body.contains("id=\"readers\""));
    assert!(!page.body.contains("id=\"vision-form\""));
}
