//! Improve: roll-ups kept with every write equal a rebuild from the raw responses, and the
//! metrics API reads a subtree's figures by local period, within scope.

use crate::harness::{Backend, Browser, TestApp, both};
use axum::http::{Method, StatusCode};
use cumbre_domain::Lang;
use cumbre_domain::access::{AdminGrant, Scope};
use serde_json::{Value, json};

both!(
    rollups_kept_on_every_write_equal_a_rebuild,
    answers_for_past_days_and_today_at_once_keep_every_range_exact,
    metrics_read_a_subtree_by_local_day_within_scope,
    the_overview_maps_a_subtree_drills_down_and_stays_in_scope,
    touchpoint_and_employee_pages_read_their_slice_within_scope,
    any_range_adds_up_to_its_days_and_splits_by_channel_and_language,
    a_managers_panorama_shows_their_own_hotel_and_where_it_stands,
    a_chain_of_hundreds_of_hotels_ranks_every_one_of_them,
);

/// The overview ranks every hotel of a large chain for its movers (PostgreSQL reads the
/// hotels' totals from ranges of days by index, probing the hotels without a row there):
/// the hotels that moved most, one listed first and two added last, are the ones it
/// shows, each on the right side.
async fn a_chain_of_hundreds_of_hotels_ranks_every_one_of_them(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    set_min_sample(&app, "1").await;
    let units = app
        .store
        .list_units(&Scope::Tenant(app.tenant))
        .await
        .expect("units");
    let region = units
        .iter()
        .find(|u| u.code.as_deref() == Some("CUN"))
        .and_then(|u| u.parent_id)
        .expect("Cancún's region");
    for i in 0..240 {
        let reply = app
            .api(
                &admin,
                Method::POST,
                "/api/v1/units",
                Some(json!({"name": format!("Hotel Nuevo {i}"), "kind": "location", "code": format!("HN{i}"), "parent_id": region.0})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let nps = survey(&app, "NPS").await;
    let tp = touchpoints(&app).await[0];
    let (now, before) = ("2026-11-20T18:00:00Z", "2026-10-20T18:00:00Z");
    for (unit, was, is) in [
        ("PDC", 0, 10),
        ("HN0", 10, 0),
        ("HN239", 0, 10),
        ("HN238", 1, 10),
    ] {
        submit(
            &app,
            &admin,
            nps,
            unit,
            tp,
            json!({"nps": was}),
            Some(before),
        )
        .await;
        submit(&app, &admin, nps, unit, tp, json!({"nps": is}), Some(now)).await;
    }
    let ceo = app.login("ceo@demo.test").await;
    let page = app
        .get(Some(&ceo), "/overview?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (up, down) = (
        section(&page.body, "movers-up"),
        section(&page.body, "movers-down"),
    );
    let pdc = units
        .iter()
        .find(|u| u.code.as_deref() == Some("PDC"))
        .expect("Playa del Carmen");
    for name in [pdc.name.as_str(), "Hotel Nuevo 239", "Hotel Nuevo 238"] {
        assert!(up.contains(name), "{name} moved up: {up}");
    }
    assert!(
        down.contains("Hotel Nuevo 0<") || down.contains("Hotel Nuevo 0 "),
        "{down}"
    );
    assert!(!up.contains("Hotel Nuevo 0<") && !down.contains("Hotel Nuevo 239"));
}

/// A hotel's guests answer for the hotel, not for its teams: its manager's Panorama shows
/// the hotel's own moments of truth as a row (the teams without answers are listed, not
/// drawn as empty rows), the movers are its moments of truth, the hotel page ranks it
/// among all the region's hotels without naming them, a CSAT answer shows its score in
/// the response list, and the employee's page shows what guests wrote naming them.
async fn a_managers_panorama_shows_their_own_hotel_and_where_it_stands(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    set_min_sample(&app, "3").await;
    let nps = survey(&app, "NPS").await;
    let tps = touchpoints(&app).await;
    let now = "2026-11-20T18:00:00Z";
    let before = "2026-10-20T18:00:00Z";
    let mut answers = vec![];
    for n in [10, 10, 9, 3] {
        answers.push(("CUN", tps[0], n, now));
    }
    for n in [2, 3, 9] {
        answers.push(("CUN", tps[1], n, now));
    }
    for n in [0, 1, 10] {
        answers.push(("CUN", tps[0], n, before));
    }
    for n in [10, 10, 9] {
        answers.push(("CUN", tps[1], n, before));
    }
    for (unit, scores) in [
        ("PDC", [10, 10, 10]),
        ("TUL", [0, 0, 0]),
        ("CZM", [10, 0, 7]),
        ("IMU", [9, 9, 7]),
    ] {
        for n in scores {
            answers.push((unit, tps[0], n, now));
        }
    }
    for (unit, tp, n, at) in answers {
        submit(&app, &admin, nps, unit, tp, json!({"nps": n}), Some(at)).await;
    }
    let range = "from=2026-11-01&to=2026-11-25";
    let manager = app.login("manager@demo.test").await;
    let map = app
        .get(Some(&manager), &format!("/overview?{range}"))
        .await
        .body;
    let table = map
        .split("id=\"map\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the map")
        .to_owned();
    assert!(
        table.contains(
            "Sierra Azul Cancún</a> <small class=\"muted\">(respuestas de la propia unidad)"
        ),
        "the hotel itself is a row: {table}"
    );
    assert_eq!(table.matches("<th scope=\"row\">").count(), 1, "{table}");
    assert!(
        table.contains("n = 7"),
        "seven answers this period: {table}"
    );
    let quiet = map
        .split("id=\"quiet-units\"")
        .nth(1)
        .and_then(|q| q.split("</p>").next())
        .expect("the teams without answers are listed");
    assert!(quiet.contains("Recepción · Cancún"), "{quiet}");
    let tp_names: Vec<String> = app
        .store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints")
        .iter()
        .map(|t| t.name.get(cumbre_domain::Lang::Es).to_owned())
        .collect();
    let section = |id: &str| section(&map, id);
    assert!(
        section("movers-up").contains(&tp_names[0]),
        "{}",
        section("movers-up")
    );
    assert!(
        section("movers-down").contains(&tp_names[1]),
        "{}",
        section("movers-down")
    );

    // Where the hotel stands among the region's five, with no other hotel named.
    let cun = app.unit_id("CUN").await;
    let unit_page = app
        .get(Some(&manager), &format!("/dashboard/units/{cun}?{range}"))
        .await
        .body;
    let standing = unit_page
        .split("id=\"standing\">")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .expect("the standing");
    assert!(
        standing.starts_with("Puesto 3 de 5 unidades comparables"),
        "{standing}"
    );
    for other in ["Playa del Carmen", "Tulum", "Cozumel", "Isla Mujeres"] {
        assert!(
            !unit_page.contains(other),
            "{other} is not named to Cancún's manager"
        );
    }
    let ceo = app.login("ceo@demo.test").await;
    let csv = app
        .get(
            Some(&ceo),
            &format!("/dashboard/units/{cun}?{range}&format=csv"),
        )
        .await
        .body;
    assert!(csv.contains("standing,rank,3,5"), "{csv}");

    // A CSAT answer shows its score in the list.
    let csat = survey(&app, "CSAT").await;
    let key = app
        .store
        .get_survey(&Scope::Tenant(app.tenant), csat)
        .await
        .expect("survey")
        .definition
        .questions
        .iter()
        .find(|q| q.kind == cumbre_domain::listen::QuestionKind::Csat)
        .expect("a CSAT question")
        .key
        .clone();
    submit(
        &app,
        &admin,
        csat,
        "CUN",
        tps[2],
        json!({ key: 4 }),
        Some(now),
    )
    .await;
    let list = app.get(Some(&manager), "/responses").await.body;
    assert!(
        list.contains("CSAT</span> <span class=\"score csat-4\">4/5</span>"),
        "{list}"
    );

    // The employee reads what guests wrote naming them.
    let me = app
        .store
        .user_by_email(&cumbre_domain::org::Email::parse("employee@demo.test").expect("email"))
        .await
        .expect("the employee")
        .person_id
        .expect("a person");
    let reply = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/surveys/{nps}/responses"),
            Some(
                json!({"answers": {"nps": 10, "best": "Nos recibió con una sonrisa"},
                "unit_id": cun, "touchpoint_id": tps[0], "employee_id": me.0}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let employee = app.login("employee@demo.test").await;
    let mine = app
        .get(Some(&employee), &format!("/dashboard/people/{}", me.0))
        .await
        .body;
    let said = mine
        .split("id=\"said-of-me\"")
        .nth(1)
        .expect("what guests said of them");
    assert!(said.contains("Nos recibió con una sonrisa"), "{said}");
}

/// Sets the tenant's minimum sample through the administrator's recovery settings page.
async fn set_min_sample(app: &TestApp, n: &str) {
    let admin_page = app.login("admin@demo.test").await;
    let saved = app
        .post(
            &admin_page,
            "/admin/recovery/min-sample",
            &[("min_sample", n)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

/// The HTML of the `<section id="{id}">` of a page (empty when there is none).
fn section(page: &str, id: &str) -> String {
    page.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_default()
        .to_owned()
}

async fn survey(app: &TestApp, part: &str) -> i64 {
    app.store
        .list_surveys(&Scope::Tenant(app.tenant))
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains(part))
        .expect("survey")
        .id
}

async fn touchpoints(app: &TestApp) -> Vec<i64> {
    app.store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints")
        .iter()
        .map(|t| t.id)
        .collect()
}

/// Submits through the API (and so the response writer); `at` makes it historical.
pub(crate) async fn submit(
    app: &TestApp,
    token: &str,
    survey: i64,
    unit: &str,
    touchpoint: i64,
    answers: Value,
    at: Option<&str>,
) -> i64 {
    let mut body = json!({"answers": answers, "unit_id": app.unit_id(unit).await, "touchpoint_id": touchpoint});
    if let Some(at) = at {
        body["submitted_at"] = json!(at);
    }
    let reply = app
        .api(
            token,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/responses"),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()["id"].as_i64().expect("id")
}

async fn rollups_kept_on_every_write_equal_a_rebuild(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let (nps, csat, ces) = (
        survey(&app, "NPS").await,
        survey(&app, "CSAT").await,
        survey(&app, "CES").await,
    );
    let tps = touchpoints(&app).await;
    // Live answers and historical ones, across units, touchpoints and a local midnight.
    let mut ids = Vec::new();
    for (i, unit) in ["CUN-REC", "CUN", "PDC", "SA", "CUN-REC", "PDC"]
        .into_iter()
        .enumerate()
    {
        let at = [
            "2026-11-20T04:30:00Z",
            "2026-11-20T05:30:00Z",
            "2026-10-31T12:00:00Z",
        ];
        ids.push(
            submit(
                &app,
                &admin,
                nps,
                unit,
                tps[i % 3],
                json!({"nps": (i * 2) as i64 % 11}),
                at.get(i).copied(),
            )
            .await,
        );
        ids.push(
            submit(
                &app,
                &admin,
                csat,
                unit,
                tps[(i + 1) % 3],
                json!({"csat": (i as i64 % 5) + 1}),
                None,
            )
            .await,
        );
        ids.push(
            submit(
                &app,
                &admin,
                ces,
                unit,
                tps[2],
                json!({"ces": (i as i64 % 7) + 1}),
                None,
            )
            .await,
        );
    }
    // Imports through the upload page (as the command line's): NPS and CSAT history.
    let browser = app.login("admin@demo.test").await;
    let mut nps_csv = String::from(
        "unit,touchpoint,submitted_at,language,employee,external_id,nps,best,purpose\n",
    );
    for i in 0..40 {
        let at = time::macros::datetime!(2025-06-01 12:00 UTC) + time::Duration::days(i * 9);
        let at = at
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formats");
        nps_csv.push_str(&format!(
            "CUN,{},{at},es,,hist-{i},{},,\n",
            tps[i as usize % 4],
            i % 11
        ));
    }
    let imported = crate::import::upload_to(
        &app,
        &browser,
        "/admin/import/responses",
        &nps_csv,
        false,
        Some(nps),
    )
    .await;
    assert!(imported.body.contains("40 nuevas"), "{}", imported.body);
    let csat_keys: Vec<String> = app
        .store
        .get_survey(&Scope::Tenant(app.tenant), csat)
        .await
        .expect("survey")
        .definition
        .questions
        .iter()
        .map(|q| q.key.clone())
        .collect();
    let mut csat_csv = format!(
        "unit,touchpoint,submitted_at,language,employee,external_id,{}\n",
        csat_keys.join(",")
    );
    for i in 0..10 {
        let answers: Vec<String> = csat_keys
            .iter()
            .map(|k| {
                if k == "csat" {
                    (i % 5 + 1).to_string()
                } else {
                    String::new()
                }
            })
            .collect();
        csat_csv.push_str(&format!(
            "PDC,{},2025-09-{:02},en,,csat-{i},{}\n",
            tps[0],
            i + 1,
            answers.join(",")
        ));
    }
    let imported = crate::import::upload_to(
        &app,
        &browser,
        "/admin/import/responses",
        &csat_csv,
        false,
        Some(csat),
    )
    .await;
    assert!(imported.body.contains("10 nuevas"), "{}", imported.body);
    let grant = AdminGrant::operator(app.tenant);
    // Deletions through the API (administrators only), and a unit moved to another region.
    let manager = app.token("manager@demo.test").await;
    let refused = app
        .api(
            &manager,
            Method::DELETE,
            &format!("/api/v1/responses/{}", ids[0]),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for id in [ids[0], ids[4]] {
        let deleted = app
            .api(
                &admin,
                Method::DELETE,
                &format!("/api/v1/responses/{id}"),
                None,
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    }
    let again = app
        .api(
            &admin,
            Method::DELETE,
            &format!("/api/v1/responses/{}", ids[0]),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let units = app
        .store
        .list_units(&Scope::Tenant(app.tenant))
        .await
        .expect("units");
    let pdc = units
        .iter()
        .find(|u| u.code.as_deref() == Some("PDC"))
        .expect("PDC");
    let other_region = units
        .iter()
        .find(|u| u.depth == 1 && Some(u.id) != pdc.parent_id)
        .expect("another region");
    app.store
        .move_unit(
            &grant,
            pdc.id,
            other_region.id,
            "test",
            time::macros::datetime!(2026-11-25 10:00 UTC),
        )
        .await
        .expect("moved");
    // Answers after the move count under the new region (the writer re-reads where units sit).
    submit(&app, &admin, nps, "PDC", tps[0], json!({"nps": 10}), None).await;

    let kept = app.store.rollup_rows(app.tenant).await.expect("rows");
    assert!(kept.len() > 100, "{} rows", kept.len());
    let counted = app
        .store
        .rebuild_rollups(app.tenant)
        .await
        .expect("rebuild");
    assert_eq!(counted, 18 - 2 + 40 + 10 + 1);
    let rebuilt = app.store.rollup_rows(app.tenant).await.expect("rows");
    let diff: Vec<_> = kept
        .iter()
        .zip(&rebuilt)
        .filter(|(a, b)| a != b)
        .take(3)
        .collect();
    assert_eq!(
        kept.len(),
        rebuilt.len(),
        "same rows; first differences: {diff:?}"
    );
    assert!(diff.is_empty(), "{diff:?}");

    // The top unit's figures count every NPS answer once (one of the two deleted was NPS),
    // and the new region now holds Playa del Carmen's.
    let year = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/metrics?metric=nps&from=2025-01-01&to=2026-11-25",
            None,
        )
        .await;
    assert_eq!(year.status, StatusCode::OK, "{}", year.body);
    assert_eq!(year.json()["items"][0]["n"], 6 - 1 + 40 + 1);
    // The imported CSAT answers count on the dashboards too.
    let csat_year = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/metrics?metric=csat&from=2025-01-01&to=2026-11-25",
            None,
        )
        .await
        .json();
    assert_eq!(csat_year["items"][0]["n"], 6 - 1 + 10, "{csat_year}");
    let region = app
        .api(
            &admin,
            Method::GET,
            &format!(
                "/api/v1/metrics?metric=nps&unit={}&from=2025-01-01&to=2026-11-25",
                other_region.id.0
            ),
            None,
        )
        .await
        .json();
    assert!(
        region["items"][0]["n"].as_i64().expect("n") >= 3,
        "{region}"
    );
}

async fn metrics_read_a_subtree_by_local_day_within_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let nps = survey(&app, "NPS").await;
    let tp = touchpoints(&app).await[0];
    // Cancún is UTC−5: 04:30 UTC on the 20th is 23:30 on the 19th.
    for (score, unit, at) in [
        (10, "CUN-REC", "2026-11-20T04:30:00Z"),
        (9, "CUN", "2026-11-20T05:30:00Z"),
        (3, "CUN", "2026-11-20T18:00:00Z"),
        (10, "PDC", "2026-11-20T18:00:00Z"),
    ] {
        submit(&app, &admin, nps, unit, tp, json!({"nps": score}), Some(at)).await;
    }
    let cun = app.unit_id("CUN").await;
    let series = |token: String, query: String| {
        let app = &app;
        async move {
            app.api(
                &token,
                Method::GET,
                &format!("/api/v1/metrics?{query}"),
                None,
            )
            .await
        }
    };
    let days = series(
        admin.clone(),
        format!("metric=nps&unit={cun}&from=2026-11-19&to=2026-11-21&interval=day"),
    )
    .await;
    assert_eq!(days.status, StatusCode::OK, "{}", days.body);
    let items = days.json()["items"].as_array().expect("items").clone();
    let by_day: Vec<(String, i64)> = items
        .iter()
        .map(|i| {
            (
                i["period_start"].as_str().expect("day").to_owned(),
                i["n"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        by_day,
        [
            ("2026-11-19".to_owned(), 1),
            ("2026-11-20".to_owned(), 2),
            ("2026-11-21".to_owned(), 0)
        ],
        "the 23:30 answer is the 19th's; the reception team rolls up into the hotel"
    );
    assert_eq!(items[0]["value"], 100.0);
    assert_eq!(items[1]["value"], 0.0, "one promoter, one detractor");
    assert_eq!(items[1]["sufficient"], false, "2 answers are not a fact");
    assert!(items[2]["value"].is_null());
    // The whole range, one item: 3 answers, NPS 33.3 with its trinomial interval.
    let whole = series(
        admin.clone(),
        format!("metric=nps&unit={cun}&from=2026-11-01&to=2026-11-30"),
    )
    .await
    .json();
    let item = &whole["items"][0];
    assert_eq!(item["n"], 3);
    let value = item["value"].as_f64().expect("value");
    assert!((value - 100.0 / 3.0).abs() < 1e-9, "{value}");
    assert!(
        item["ci_low"].as_f64().expect("low") < value
            && item["ci_high"].as_f64().expect("high") <= 100.0
    );
    // The company sees all four; a week series starts on Monday.
    let weeks = series(
        admin.clone(),
        "metric=nps&from=2026-11-18&to=2026-11-24&interval=week".into(),
    )
    .await
    .json();
    assert_eq!(weeks["items"][0]["period_start"], "2026-11-16");
    assert_eq!(weeks["items"][0]["n"], 4);

    // Scope: the Cancún manager reads Cancún, not Playa del Carmen; their default is Cancún.
    let manager = app.token("manager@demo.test").await;
    let pdc = app.unit_id("PDC").await;
    let sibling = series(
        manager.clone(),
        format!("unit={pdc}&from=2026-11-01&to=2026-11-30"),
    )
    .await;
    assert_eq!(sibling.status, StatusCode::NOT_FOUND);
    let own = series(manager, "from=2026-11-01&to=2026-11-30".into())
        .await
        .json();
    assert_eq!(own["items"][0]["n"], 3);

    // The minimum sample is the tenant's: at 2, two answers are a fact.
    let manager_token = app.token("manager@demo.test").await;
    let not_theirs = app
        .api(
            &manager_token,
            Method::PUT,
            "/api/v1/settings/min-sample",
            Some(json!({"min_sample": 2})),
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    let zero = app
        .api(
            &admin,
            Method::PUT,
            "/api/v1/settings/min-sample",
            Some(json!({"min_sample": 0})),
        )
        .await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    let two = app
        .api(
            &admin,
            Method::PUT,
            "/api/v1/settings/min-sample",
            Some(json!({"min_sample": 2})),
        )
        .await;
    assert_eq!(two.status, StatusCode::NO_CONTENT, "{}", two.body);
    let again = series(
        admin.clone(),
        format!("metric=nps&unit={cun}&from=2026-11-19&to=2026-11-21&interval=day"),
    )
    .await
    .json();
    assert_eq!(
        (
            again["min_sample"].clone(),
            again["items"][1]["sufficient"].clone()
        ),
        (json!(2), json!(true))
    );

    // Bad requests say why and change nothing.
    for query in [
        "metric=happiness",
        "interval=year",
        "from=2026-11-30&to=2026-11-01",
        "from=30/11/2026",
        "unit=abc",
    ] {
        let bad = series(admin.clone(), query.into()).await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            bad.body
        );
        assert!(
            bad.json()["message"].is_string() || bad.json()["error"].is_string(),
            "{}",
            bad.body
        );
    }
}

async fn the_overview_maps_a_subtree_drills_down_and_stays_in_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin_token = app.token("admin@demo.test").await;
    let nps = survey(&app, "NPS").await;
    let tp = touchpoints(&app).await[0];
    for (score, unit) in [
        (10, "CUN-REC"),
        (9, "CUN"),
        (3, "CUN"),
        (10, "PDC"),
        (0, "PDC"),
    ] {
        submit(
            &app,
            &admin_token,
            nps,
            unit,
            tp,
            json!({"nps": score}),
            Some("2026-11-20T18:00:00Z"),
        )
        .await;
    }
    let range = "from=2026-11-01&to=2026-11-25";
    let ceo = app.login("ceo@demo.test").await;
    let top = app.get(Some(&ceo), &format!("/overview?{range}")).await;
    assert_eq!(top.status, StatusCode::OK, "{}", top.body);
    assert!(
        top.body.contains("id=\"map\"") && top.body.contains("Caribe Mexicano"),
        "regions are the rows"
    );
    assert!(
        top.body.contains("n = 5"),
        "the company counts all five answers"
    );
    assert!(
        top.body.contains("class=\"cell thin"),
        "five answers are shown as insufficient"
    );
    // Drill: the region's rows are its hotels.
    let region = app.unit_id("SA-CMX").await;
    let down = app
        .get(Some(&ceo), &format!("/overview?unit={region}&{range}"))
        .await;
    assert!(
        down.body.contains("Sierra Azul Cancún")
            && down.body.contains("Sierra Azul Playa del Carmen"),
        "{}",
        down.body
    );
    let csv = app
        .get(Some(&ceo), &format!("/overview.csv?unit={region}&{range}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    // A byte-order mark first, so Excel reads the accents; a name that says what it holds;
    // changes as signed numbers, not the page's arrows.
    let body = csv
        .body
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("a UTF-8 byte-order mark: {:?}", &csv.body[..20]));
    assert_eq!(
        csv.headers[axum::http::header::CONTENT_DISPOSITION],
        "attachment; filename=\"overview-nps-caribe-mexicano-2026-11-01-2026-11-25.csv\""
    );
    assert!(!body.contains('▲') && !body.contains('▼'), "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert!(
        lines[0].starts_with("table,unit_id,unit,touchpoint_id"),
        "{}",
        lines[0]
    );
    for table in ["trend", "response_rate"] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{table},"))),
            "the CSV holds the {table} too"
        );
    }
    let cancun_total = lines
        .iter()
        .find(|l| l.contains("Sierra Azul Cancún") && l.contains(",all,"))
        .expect("Cancún's total");
    assert!(
        cancun_total.contains(",3,"),
        "three answers in Cancún: {cancun_total}"
    );

    // The Cancún manager starts at Cancún and cannot open Playa del Carmen.
    let manager = app.login("manager@demo.test").await;
    let own = app.get(Some(&manager), &format!("/overview?{range}")).await;
    assert!(
        own.body.contains("Panorama · Sierra Azul Cancún"),
        "{}",
        own.body
    );
    let pdc = app.unit_id("PDC").await;
    for path in [
        format!("/overview?unit={pdc}"),
        format!("/overview.csv?unit={pdc}"),
        format!("/dashboard/units/{pdc}"),
    ] {
        assert_eq!(
            app.get(Some(&manager), &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let employee = app.login("employee@demo.test").await;
    assert_eq!(
        app.get(Some(&employee), "/overview").await.status,
        StatusCode::NOT_FOUND
    );

    // Targets: set on the unit page, inherited below, refused out of range or out of reach.
    let cun = app.unit_id("CUN").await;
    let page = app
        .get(Some(&manager), &format!("/dashboard/units/{cun}?{range}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"unit-kpis\""), "{}", page.body);
    let set = app
        .post(
            &manager,
            &format!("/dashboard/units/{cun}/targets"),
            &[("metric", "nps"), ("target", "50")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let bad = app
        .post(
            &manager,
            &format!("/dashboard/units/{cun}/targets"),
            &[("metric", "nps"), ("target", "150")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let elsewhere = app
        .post(
            &manager,
            &format!("/dashboard/units/{pdc}/targets"),
            &[("metric", "nps"), ("target", "10")],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let as_employee = app
        .post(
            &employee,
            &format!("/dashboard/units/{cun}/targets"),
            &[("metric", "nps"), ("target", "10")],
        )
        .await;
    assert_eq!(as_employee.status, StatusCode::FORBIDDEN);
    let targets = app.store.metric_targets(app.tenant).await.expect("targets");
    assert_eq!(
        targets.get(&(
            cumbre_domain::UnitId(cun),
            cumbre_domain::improve::Metric::Nps
        )),
        Some(&50.0)
    );
    let team = app.unit_id("CUN-REC").await;
    let below = app
        .get(Some(&manager), &format!("/dashboard/units/{team}?{range}"))
        .await;
    assert!(
        below.body.contains("meta 50 (heredada)"),
        "the team inherits Cancún's target"
    );
}

async fn touchpoint_and_employee_pages_read_their_slice_within_scope(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let nps = survey(&app, "NPS").await;
    let tps = touchpoints(&app).await;
    let employee_person = app
        .store
        .user_by_email(&cumbre_domain::org::Email::parse("employee@demo.test").expect("email"))
        .await
        .expect("user")
        .person_id
        .expect("a person");
    // Two answers name the receptionist; one at another touchpoint names nobody.
    for (score, tp, who) in [
        (10, tps[0], Some(employee_person.0)),
        (4, tps[0], Some(employee_person.0)),
        (9, tps[1], None),
    ] {
        let mut body = json!({"answers": {"nps": score}, "unit_id": app.unit_id("CUN-REC").await, "touchpoint_id": tp,
            "submitted_at": "2026-11-20T18:00:00Z"});
        if let Some(p) = who {
            body["employee_id"] = json!(p);
        }
        let reply = app
            .api(
                &admin,
                Method::POST,
                &format!("/api/v1/surveys/{nps}/responses"),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let range = "from=2026-11-01&to=2026-11-25";
    let cun = app.unit_id("CUN").await;
    let manager = app.login("manager@demo.test").await;
    let page = app
        .get(
            Some(&manager),
            &format!("/dashboard/touchpoints/{}?unit={cun}&{range}", tps[0]),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("n = 2") && page.body.contains("id=\"touchpoint-units\""),
        "{}",
        page.body
    );
    let csv = app
        .get(
            Some(&manager),
            &format!(
                "/dashboard/touchpoints/{}?unit={cun}&{range}&format=csv",
                tps[0]
            ),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("\u{feff}table,label,value,n,ci_low,ci_high,sufficient,target"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .lines()
            .any(|l| l.starts_with("total,Sierra Azul Cancún,") && l.contains(",2,")),
        "{}",
        csv.body
    );
    let pdc = app.unit_id("PDC").await;
    let elsewhere = app
        .get(
            Some(&manager),
            &format!("/dashboard/touchpoints/{}?unit={pdc}", tps[0]),
        )
        .await;
    let pdc_csv = app
        .get(
            Some(&manager),
            &format!("/dashboard/touchpoints/{}?unit={pdc}&format=csv", tps[0]),
        )
        .await;
    assert_eq!(
        pdc_csv.status,
        StatusCode::NOT_FOUND,
        "no CSV out of scope either"
    );
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(Some(&manager), "/dashboard/touchpoints/999999")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The employee reads their own results (two answers: NPS 0), and nobody else's.
    let employee = app.login("employee@demo.test").await;
    let me = app.get(Some(&employee), "/dashboard/me").await;
    assert_eq!(me.status, StatusCode::SEE_OTHER);
    let own = app
        .get(Some(&employee), &format!("{}?{range}", me.location()))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert!(
        own.body.contains("id=\"person-kpis\"") && own.body.contains("n = 2"),
        "{}",
        own.body
    );
    let colleague = app
        .store
        .user_by_email(&cumbre_domain::org::Email::parse("supervisor@demo.test").expect("email"))
        .await
        .expect("user")
        .person_id
        .expect("a person");
    assert_eq!(
        app.get(
            Some(&employee),
            &format!("/dashboard/people/{}", colleague.0)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Their manager reads it too.
    let theirs = app
        .get(
            Some(&manager),
            &format!("/dashboard/people/{}?{range}", employee_person.0),
        )
        .await;
    assert!(theirs.body.contains("n = 2"), "{}", theirs.body);
    let csv = app
        .get(
            Some(&manager),
            &format!("/dashboard/people/{}?{range}&format=csv", employee_person.0),
        )
        .await;
    assert!(
        csv.body
            .lines()
            .any(|l| l.starts_with("metrics,NPS,") && l.contains(",2,")),
        "{}",
        csv.body
    );
    let unit_csv = app
        .get(
            Some(&manager),
            &format!("/dashboard/units/{cun}?{range}&format=csv"),
        )
        .await;
    assert!(
        unit_csv.body.lines().any(|l| l.starts_with("touchpoints,")),
        "{}",
        unit_csv.body
    );
}

/// Reads `GET /api/v1/metrics?{query}` as JSON, asserting it answered.
async fn metrics(app: &TestApp, token: &str, path: &str) -> Value {
    let reply = app.api(token, Method::GET, path, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply.json()
}

fn sum_of(items: &Value, field: &str) -> i64 {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i[field].as_i64().expect("a count"))
        .sum()
}

async fn any_range_adds_up_to_its_days_and_splits_by_channel_and_language(backend: Backend) {
    let app = TestApp::demo_with_history(backend, 0.02).await;
    let ceo = app.token("ceo@demo.test").await;
    // Ranges read from month, ten-day and day roll-ups must equal the sum of their days.
    for (from, to) in [
        ("2026-08-31", "2026-11-24"),
        ("2026-02-19", "2026-03-12"),
        ("2025-12-05", "2026-01-25"),
        ("2026-10-11", "2026-10-20"),
    ] {
        for metric in ["nps", "csat", "ces"] {
            let whole = metrics(
                &app,
                &ceo,
                &format!("/api/v1/metrics?metric={metric}&from={from}&to={to}"),
            )
            .await;
            let days = metrics(
                &app,
                &ceo,
                &format!("/api/v1/metrics?metric={metric}&from={from}&to={to}&interval=day"),
            )
            .await;
            let n = whole["items"][0]["n"].as_i64().expect("n");
            assert!(n > 0, "{metric} {from}..{to} has answers");
            assert_eq!(n, sum_of(&days["items"], "n"), "{metric} {from}..{to}");
            assert_eq!(
                whole["items"][0]["responses"].as_i64(),
                Some(sum_of(&days["items"], "responses")),
                "{from}..{to}"
            );
        }
    }

    // By channel and by language: whole months, adding up to the total of those months.
    let total = metrics(&app, &ceo, "/api/v1/metrics?from=2026-09-01&to=2026-10-31").await;
    let responses = total["items"][0]["responses"].as_i64().expect("responses");
    for by in ["channel", "language"] {
        let split = metrics(
            &app,
            &ceo,
            &format!("/api/v1/metrics/breakdown?by={by}&from=2026-09-12&to=2026-10-03"),
        )
        .await;
        assert_eq!(
            (split["from"].as_str(), split["to"].as_str()),
            (Some("2026-09-01"), Some("2026-10-31")),
            "the months the range touches, said so"
        );
        assert_eq!(sum_of(&split["items"], "responses"), responses, "{by}");
    }
    let languages = metrics(
        &app,
        &ceo,
        "/api/v1/metrics/breakdown?by=language&from=2026-09-01&to=2026-10-31",
    )
    .await;
    let keys: Vec<&str> = languages["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert!(keys.contains(&"es") && keys.contains(&"en"), "{keys:?}");

    // A manager's split is their hotel's; a sibling hotel is out of reach; bad input says why.
    let manager = app.token("manager@demo.test").await;
    let own_total = metrics(
        &app,
        &manager,
        "/api/v1/metrics?from=2026-09-01&to=2026-10-31",
    )
    .await;
    let own_split = metrics(
        &app,
        &manager,
        "/api/v1/metrics/breakdown?by=channel&from=2026-09-01&to=2026-10-31",
    )
    .await;
    let own = own_total["items"][0]["responses"].as_i64().expect("n");
    assert!(own > 0 && own < responses);
    assert_eq!(sum_of(&own_split["items"], "responses"), own);
    let pdc = app.unit_id("PDC").await;
    for (path, status) in [
        (
            format!("/api/v1/metrics/breakdown?by=channel&unit={pdc}"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/metrics/breakdown?by=weather".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/metrics/breakdown".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let reply = app.api(&manager, Method::GET, &path, None).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
    }

    // The pages: the hotel's split by channel and language, and in its CSV.
    let browser = app.login("manager@demo.test").await;
    let cun = app.unit_id("CUN").await;
    let page = app
        .get(
            Some(&browser),
            &format!("/dashboard/units/{cun}?from=2026-09-01&to=2026-10-31"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"by-channel\"") && page.body.contains("Español"),
        "{}",
        page.body
    );
    let csv = app
        .get(
            Some(&browser),
            &format!("/dashboard/units/{cun}?from=2026-09-01&to=2026-10-31&format=csv"),
        )
        .await;
    assert!(
        csv.body.lines().any(|l| l.starts_with("languages,Español")),
        "{}",
        csv.body
    );
    // The survey filter: the CES survey alone holds no NPS answer, the NPS survey all of
    // them; the map, its CSV and the pages keep the choice.
    let (nps_survey, ces_survey) = (survey(&app, "NPS").await, survey(&app, "CES").await);
    let top_n = |body: &str| -> i64 {
        let line = body
            .lines()
            .find(|l| l.starts_with("map,"))
            .expect("the top unit's line");
        line.split(',')
            .nth(10)
            .expect("n")
            .parse()
            .expect("a count")
    };
    let range = "metric=nps&from=2026-09-01&to=2026-10-31";
    let all = app
        .get(Some(&browser), &format!("/overview.csv?{range}"))
        .await;
    let only_nps = app
        .get(
            Some(&browser),
            &format!("/overview.csv?{range}&survey={nps_survey}"),
        )
        .await;
    let only_ces = app
        .get(
            Some(&browser),
            &format!("/overview.csv?{range}&survey={ces_survey}"),
        )
        .await;
    assert!(top_n(&all.body) > 0);
    assert_eq!(top_n(&only_nps.body), top_n(&all.body));
    assert_eq!(top_n(&only_ces.body), 0, "{}", only_ces.body);
    let filtered = app
        .get(
            Some(&browser),
            &format!("/overview?{range}&survey={nps_survey}"),
        )
        .await;
    assert!(
        filtered
            .body
            .contains(&format!("<option value=\"{nps_survey}\" selected>"))
            && filtered
                .body
                .contains(&format!("to=2026-10-31&#38;survey={nps_survey}\"")),
        "the choice is kept in the drill-down links: {}",
        filtered.body
    );

    let overview = app
        .get(Some(&browser), "/overview?from=2026-09-01&to=2026-10-31")
        .await;
    assert!(
        overview.body.contains("id=\"recovery-glance\"")
            && overview.body.contains("id=\"listening\""),
        "{}",
        overview.body
    );
}

/// NPS × 100 and its sample over the raw responses `/responses.csv?{query}` lists, of one
/// touchpoint (by either of its names) or all: the reference the roll-ups' figures are held to.
async fn raw_nps(
    app: &TestApp,
    session: &Browser,
    query: &str,
    touchpoint: Option<&[String; 2]>,
) -> (f64, i64) {
    let export = app
        .get(Some(session), &format!("/responses.csv?{query}"))
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let mut reader = csv::ReaderBuilder::new()
        .from_reader(export.body.trim_start_matches('\u{feff}').as_bytes());
    let head = reader.headers().expect("header").clone();
    let at = |name: &str| head.iter().position(|h| h == name).expect(name);
    let (tp_at, nps_at) = (at("touchpoint"), at("nps"));
    let (mut n, mut net) = (0i64, 0i64);
    for record in reader.records() {
        let record = record.expect("a line");
        if touchpoint.is_some_and(|names| !names.iter().any(|t| record[tp_at] == *t)) {
            continue;
        }
        let Ok(score) = record[nps_at].parse::<i64>() else {
            continue;
        };
        n += 1;
        net += match score {
            9.. => 1,
            0..=6 => -1,
            _ => 0,
        };
    }
    (net as f64 * 100.0 / n.max(1) as f64, n)
}

/// Running totals (any range in two rows per cell) move with every answer, also when
/// answers for days long past and for today arrive at once from many connections: kept
/// totals equal a rebuild's, and over a rolling range the overview's map cell, its total
/// and its change against the previous period (all read from running totals) are what
/// the raw responses of those days add up to.
async fn answers_for_past_days_and_today_at_once_keep_every_range_exact(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let nps = survey(&app, "NPS").await;
    let tp = touchpoints(&app).await[0];
    let writers = (0..4).map(|w| {
        let (app, admin) = (&app, &admin);
        async move {
            for i in 0..12 {
                // Writer w answers for 2025's days in its own order, and for today.
                let day = 1 + (i * 7 + w * 3) % 28;
                let month = 1 + (i + w) % 6;
                let at = format!("2025-{month:02}-{day:02}T15:00:00Z");
                let unit = ["CUN", "PDC", "CUN-REC"][(i + w) % 3];
                let score = (i * 3 + w) % 11;
                submit(app, admin, nps, unit, tp, json!({"nps": score}), Some(&at)).await;
                if i % 3 == 0 {
                    submit(app, admin, nps, unit, tp, json!({"nps": 10 - score}), None).await;
                }
            }
        }
    });
    futures_util::future::join_all(writers).await;
    // Answers on the ranges' first and last days and just outside them.
    for (i, day) in ["01-02", "01-03", "03-04", "03-05", "05-04", "05-05"]
        .iter()
        .enumerate()
    {
        let at = format!("2025-{day}T15:00:00Z");
        let score = [10, 2, 0, 9, 10, 3][i];
        submit(
            &app,
            &admin,
            nps,
            "CUN",
            tp,
            json!({"nps": score}),
            Some(&at),
        )
        .await;
    }
    // Take some out again: a deletion may leave a day without answers.
    let listed = metrics(
        &app,
        &admin,
        "/api/v1/responses?limit=5&from=2025-01-01&to=2025-07-01",
    )
    .await;
    for item in listed["items"].as_array().expect("items") {
        let id = item["id"].as_i64().expect("id");
        let reply = app
            .api(
                &admin,
                Method::DELETE,
                &format!("/api/v1/responses/{id}"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    }
    let kept = app.store.rollup_rows(app.tenant).await.expect("rows");
    assert!(kept.iter().any(|(k, _)| k.starts_with("running")));
    app.store
        .rebuild_rollups(app.tenant)
        .await
        .expect("rebuild");
    assert_eq!(
        app.store.rollup_rows(app.tenant).await.expect("rows"),
        kept,
        "maintained running totals equal rebuilt ones"
    );
    // A rolling range of 61 days and the 61 before it.
    let (from, to, prev_from, prev_to) = ("2025-03-05", "2025-05-04", "2025-01-03", "2025-03-04");
    let value = |v: &Value| v["items"][0]["value"].as_f64();
    let now = metrics(
        &app,
        &admin,
        &format!("/api/v1/metrics?metric=nps&from={from}&to={to}"),
    )
    .await;
    let before = metrics(
        &app,
        &admin,
        &format!("/api/v1/metrics?metric=nps&from={prev_from}&to={prev_to}"),
    )
    .await;
    let manager = app.login("ceo@demo.test").await;
    let csv = app
        .get(
            Some(&manager),
            &format!("/overview.csv?metric=nps&from={from}&to={to}"),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let company = csv
        .body
        .lines()
        .nth(1)
        .expect("the company's line")
        .split(',')
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let change: f64 = company[16].parse().expect("a change");
    let expected = value(&now).expect("now") - value(&before).expect("before");
    assert!(
        (change - expected).abs() < 0.01,
        "change {change} against {expected} ({now} / {before})"
    );
    // The same days of the raw responses (local days of Cancún, UTC−5 all year).
    let days = |a: &str, b: &str| {
        let next = jiff::civil::Date::strptime("%Y-%m-%d", b)
            .expect("a date")
            .tomorrow()
            .expect("a day");
        format!("from={a}T00:00:00-05:00&to={next}T00:00:00-05:00")
    };
    let (raw_now, n_now) = raw_nps(&app, &manager, &days(from, to), None).await;
    let (raw_before, _) = raw_nps(&app, &manager, &days(prev_from, prev_to), None).await;
    assert!(n_now > 0);
    let total: f64 = company[9].parse().expect("the total");
    assert!(
        (total - raw_now).abs() < 0.01,
        "total {total} against raw {raw_now}"
    );
    assert_eq!(company[10], n_now.to_string(), "the total's sample");
    assert!(
        (change - (raw_now - raw_before)).abs() < 0.01,
        "change {change} against raw {raw_now} − {raw_before}"
    );
    // A map cell: the touchpoint answered for, in the row of the unit holding Cancún.
    let listed = app
        .store
        .list_touchpoints(app.tenant)
        .await
        .expect("touchpoints");
    let name = &listed
        .iter()
        .find(|t| t.id == tp)
        .expect("the touchpoint")
        .name;
    let names = [name.get(Lang::Es).to_owned(), name.get(Lang::En).to_owned()];
    let units = app
        .store
        .list_units(&Scope::Tenant(app.tenant))
        .await
        .expect("units");
    let cancun = units
        .iter()
        .find(|u| u.code.as_deref() == Some("CUN"))
        .expect("Cancún");
    let chain: Vec<String> = cancun.path.ids().iter().map(|u| u.0.to_string()).collect();
    let cell = csv::ReaderBuilder::new()
        .from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("a line"))
        .find(|l| &l[0] == "map" && l[3] == tp.to_string() && chain.iter().any(|u| *u == l[1]))
        .unwrap_or_else(|| panic!("the cell of touchpoint {tp} above Cancún in {}", csv.body));
    let unit: i64 = cell[1].parse().expect("the row's unit");
    let (raw_cell, n_cell) = raw_nps(
        &app,
        &manager,
        &format!("unit={unit}&{}", days(from, to)),
        Some(&names),
    )
    .await;
    assert_eq!(cell[10], n_cell.to_string(), "the cell's sample: {cell:?}");
    if n_cell > 0 {
        let value: f64 = cell[9].parse().expect("the cell's value");
        assert!(
            (value - raw_cell).abs() < 0.01,
            "cell {value} against raw {raw_cell}"
        );
    }
}
