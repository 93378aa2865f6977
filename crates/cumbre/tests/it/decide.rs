//! Decide: standards of the moments of truth, saved under their key, versioned when they
//! change, and read where they apply.

use crate::harness::{Backend, TestApp, both};
use crate::import::upload_to;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

both!(a_standard_keeps_every_version_it_had);
both!(administrators_keep_standards_on_their_pages_and_by_file);

async fn a_standard_keeps_every_version_it_had(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let manager = app.token("manager@demo.test").await;
    let auditor = app.token("auditor@demo.test").await;
    let touchpoints = app
        .api(&admin, Method::GET, "/api/v1/touchpoints", None)
        .await
        .json();
    let checkin = touchpoints[0]["id"].as_i64().expect("a touchpoint");
    let (cun, pdc) = (app.unit_id("CUN").await, app.unit_id("PDC").await);
    let save = |token: String, body: Value| {
        let app = &app;
        async move {
            app.api(&token, Method::POST, "/api/v1/standards", Some(body))
                .await
        }
    };
    let wait = |limit: Value| {
        json!({"key": "arrival-wait", "touchpoint_id": checkin, "name": "Registro en 5 minutos",
               "kind": "time", "limit": limit, "time_unit": "minutes", "weight": 3, "critical": true})
    };

    let first = save(admin.clone(), wait(json!(5))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["saved"], "created");
    let again = save(admin.clone(), wait(json!("5"))).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the same content saves nothing"
    );
    assert_eq!(
        (
            again.json()["saved"].clone(),
            again.json()["version"].clone()
        ),
        (json!("unchanged"), json!(1))
    );
    let changed = save(admin.clone(), wait(json!(4))).await;
    assert_eq!(changed.status, StatusCode::CREATED, "{}", changed.body);
    assert_eq!(
        (
            changed.json()["saved"].clone(),
            changed.json()["version"].clone()
        ),
        (json!("new_version"), json!(2))
    );
    let towels = save(
        admin.clone(),
        json!({"key": "cun-flowers", "touchpoint_id": checkin, "unit_id": cun,
               "name": "Flores frescas en la habitación", "weight": 1}),
    )
    .await;
    assert_eq!(towels.status, StatusCode::CREATED, "{}", towels.body);

    // The history stays readable: both versions, the current one last.
    let all = app
        .api(&admin, Method::GET, "/api/v1/standards", None)
        .await
        .json();
    let keys: Vec<&str> = all
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["key"].as_str().expect("key"))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "by key");
    let by_key = |k: &str| {
        all.as_array()
            .expect("list")
            .iter()
            .find(|s| s["key"] == k)
            .unwrap_or_else(|| panic!("{k} in {all}"))
            .clone()
    };
    let s = &by_key("arrival-wait");
    assert_eq!(s["version"], 2);
    assert_eq!(
        s["definition"]["check"],
        json!({"kind": "time_limit", "max": 4, "unit": "minutes"})
    );
    assert_eq!(s["definition"]["critical"], true);
    let versions = s["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["definition"]["check"]["max"], 5);
    assert_eq!(versions[1]["version"], 2);
    assert!(
        versions[0]["created_by"]
            .as_str()
            .expect("by")
            .contains("admin@demo.test")
    );
    assert_eq!(
        by_key("cun-flowers")["definition"]["check"],
        json!({"kind": "behaviour"})
    );

    // The journey shows each moment's standards in words; auditors see it without them.
    let journey = app
        .get(Some(&app.login("manager@demo.test").await), "/touchpoints")
        .await
        .body;
    for shown in [
        "Registro en 5 minutos</a> · En 4 minutos como máximo · 3 puntos · <strong>Crítico",
        "Flores frescas en la habitación</a> · Conducta observable · 1 punto · Sierra Azul Cancún",
        "versión 2",
    ] {
        assert!(journey.contains(shown), "{shown}: {journey}");
    }
    assert!(!journey.contains("time_limit") && !journey.contains("\"weight\""));
    let audited = app
        .get(Some(&app.login("auditor@demo.test").await), "/touchpoints")
        .await
        .body;
    assert!(!audited.contains("Registro en 5 minutos"), "{audited}");

    // Where they apply: the hotel's own and the company's, never another hotel's.
    let at = |token: String, unit: i64| {
        let app = &app;
        async move {
            let reply = app
                .api(
                    &token,
                    Method::GET,
                    &format!("/api/v1/standards?unit={unit}"),
                    None,
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply
                .json()
                .as_array()
                .expect("list")
                .iter()
                .map(|s| s["key"].as_str().expect("key").to_owned())
                .collect::<Vec<_>>()
        }
    };
    // The demo's own standards apply too: company-wide ones everywhere, Cancún's towels
    // only there.
    let at_pdc = at(admin.clone(), pdc).await;
    assert!(
        at_pdc.contains(&"arrival-wait".to_owned()) && at_pdc.contains(&"checkin-wait".to_owned())
    );
    assert!(!at_pdc.iter().any(|k| k.starts_with("cun-")), "{at_pdc:?}");
    let at_cun = at(manager.clone(), cun).await;
    for k in ["arrival-wait", "cun-flowers", "cun-towels", "checkin-wait"] {
        assert!(at_cun.contains(&k.to_owned()), "{k}: {at_cun:?}");
    }
    let elsewhere = app
        .api(
            &manager,
            Method::GET,
            &format!("/api/v1/standards?unit={pdc}"),
            None,
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "a hotel outside the manager's scope"
    );

    // Only administrators save; auditors do not read the company's list.
    let refused = save(manager.clone(), wait(json!(3))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let list = app
        .api(&auditor, Method::GET, "/api/v1/standards", None)
        .await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);

    // Bad input: a clear reason, and nothing changes.
    for (body, says) in [
        (
            json!({"key": "arrival-wait", "touchpoint_id": checkin, "name": "x", "weight": 0}),
            "1–100",
        ),
        (
            json!({"key": "Check In", "touchpoint_id": checkin, "name": "x"}),
            "check in",
        ),
        (
            json!({"key": "ok", "touchpoint_id": 999999, "name": "x"}),
            "999999",
        ),
        (
            json!({"key": "ok", "touchpoint_id": checkin, "name": "x", "kind": "time", "limit": 5, "time_unit": "hours"}),
            "seconds, minutes, rings",
        ),
    ] {
        let reply = save(admin.clone(), body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(
            reply.body.to_lowercase().contains(says),
            "{says}: {}",
            reply.body
        );
    }
    let after = app
        .api(&admin, Method::GET, "/api/v1/standards", None)
        .await
        .json();
    assert_eq!(after, all, "refused saves change nothing");
}

/// The standard at `key`, as the API reads it.
async fn standard(app: &TestApp, token: &str, key: &str) -> Option<Value> {
    app.api(token, Method::GET, "/api/v1/standards", None)
        .await
        .json()
        .as_array()
        .and_then(|l| l.iter().find(|s| s["key"] == json!(key)).cloned())
}

async fn administrators_keep_standards_on_their_pages_and_by_file(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("admin@demo.test").await;
    let admin = app.login("admin@demo.test").await;
    let touchpoint = app
        .api(&token, Method::GET, "/api/v1/touchpoints", None)
        .await
        .json()[0]["id"]
        .as_i64()
        .expect("a touchpoint");
    let journey = app.get(Some(&admin), "/touchpoints").await;
    assert!(
        journey.body.contains("id=\"new-standard\""),
        "the form to add one"
    );
    let tp = touchpoint.to_string();
    let rings = |weight: &'static str, limit: &'static str| {
        vec![
            ("key", "reservation-rings"),
            ("touchpoint_id", tp.as_str()),
            ("name", "Contesta antes del tercer timbre"),
            ("kind", "time"),
            ("limit", limit),
            ("time_unit", "rings"),
            ("weight", weight),
        ]
    };
    let created = app.post(&admin, "/standards", &rings("2", "3")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(
        created.headers[axum::http::header::LOCATION],
        "/standards/reservation-rings?ok=created"
    );
    let page = app
        .get(Some(&admin), "/standards/reservation-rings?ok=created")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "En 3 timbres como máximo",
        "2 puntos",
        "versión 1",
        "id=\"edit\"",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    // A change is the next version; the same content again writes nothing.
    let changed = app.post(&admin, "/standards", &rings("4", "3")).await;
    assert!(
        changed.headers[axum::http::header::LOCATION]
            .to_str()
            .is_ok_and(|l| l.ends_with("ok=saved")),
        "{:?}",
        changed.headers
    );
    let same = app.post(&admin, "/standards", &rings("4", "3")).await;
    assert!(
        same.headers[axum::http::header::LOCATION]
            .to_str()
            .is_ok_and(|l| l.ends_with("ok=unchanged"))
    );
    let saved = standard(&app, &token, "reservation-rings")
        .await
        .expect("saved");
    assert_eq!(saved["version"], json!(2));
    assert_eq!(saved["definition"]["weight"], json!(4));
    let page = app.get(Some(&admin), "/standards/reservation-rings").await;
    let history = page.body.split("id=\"history\"").nth(1).expect("history");
    assert!(
        history.contains("4 puntos") && history.contains("2 puntos"),
        "{history}"
    );
    // Bad input: the reason, and nothing changes.
    for (field, bad) in [("limit", "tres"), ("weight", "0"), ("key", "Phone Rings")] {
        let mut form = rings("4", "3");
        form.retain(|(k, _)| *k != field);
        form.push((field, bad));
        let reply = app.post(&admin, "/standards", &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.body
        );
    }
    assert_eq!(
        standard(&app, &token, "reservation-rings")
            .await
            .expect("kept")["version"],
        json!(2)
    );
    assert!(standard(&app, &token, "phone rings").await.is_none());

    // A manager reads it without the form and cannot save; an auditor does not read it.
    let manager = app.login("manager@demo.test").await;
    let page = app
        .get(Some(&manager), "/standards/reservation-rings")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"edit\""));
    assert!(
        !app.get(Some(&manager), "/touchpoints")
            .await
            .body
            .contains("new-standard")
    );
    let refused = app.post(&manager, "/standards", &rings("9", "3")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let auditor = app.login("auditor@demo.test").await;
    assert_eq!(
        app.get(Some(&auditor), "/standards/reservation-rings")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&admin), "/standards/no-such-key").await.status,
        StatusCode::NOT_FOUND
    );

    // The same file `cumbre import standards` reads, through the import page: a dry run
    // writes nothing; a bad line refuses the whole file; then one new, one changed, one
    // unchanged.
    let header = "key,touchpoint,unit,department,name,kind,limit,time_unit,weight,critical\n";
    let file = format!(
        "{header}reservation-rings,Llamada de reservación,,,Contesta antes del tercer timbre,time,3,rings,4,no\n\
         towels,Habitación,,,Toallas dobladas a la llegada,behaviour,,,1,no\n\
         checkin-explain,Llegada y check-in,,Recepción,Explica horarios y servicios del hotel,behaviour,,,2,no\n"
    );
    let dry = upload_to(&app, &admin, "/admin/import/standards", &file, true, None).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(
        dry.body.contains("id=\"standards-checked\""),
        "{}",
        dry.body
    );
    assert!(dry.body.contains("3 estándares"));
    assert!(
        standard(&app, &token, "towels").await.is_none(),
        "a dry run"
    );
    let bad = format!("{file}broken,No existe,,,Algo,behaviour,,,1,no\n");
    let refused = upload_to(&app, &admin, "/admin/import/standards", &bad, false, None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("No existe"), "{}", refused.body);
    assert!(
        standard(&app, &token, "towels").await.is_none(),
        "all or none"
    );
    let applied = upload_to(&app, &admin, "/admin/import/standards", &file, false, None).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let summary = applied
        .body
        .split("id=\"standards-applied\"")
        .nth(1)
        .expect("the summary");
    assert!(
        summary.contains("nuevos: 1") && summary.contains("versión nueva cada uno): 1"),
        "{summary}"
    );
    assert!(summary.contains("sin cambios: 1"), "{summary}");
    assert!(standard(&app, &token, "towels").await.is_some());
    let manager = app.login("manager@demo.test").await;
    let upload = upload_to(
        &app,
        &manager,
        "/admin/import/standards",
        &file,
        false,
        None,
    )
    .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
}
