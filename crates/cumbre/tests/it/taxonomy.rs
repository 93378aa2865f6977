//! Improve: an organisation shapes what its comments are read as being about — a theme of
//! its own, terms placed under another theme or under none, a shipped theme switched off —
//! on the administrators' page or with `cumbre text themes`; new comments are read with it
//! at once and stored ones again by the scheduler, which two processes may run at once.

use crate::harness::{Backend, TestApp, both};
use crate::process::{cumbre, text};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use sqlx::Connection;

both!(
    an_organisations_own_themes_read_new_and_stored_comments,
    bad_taxonomy_edits_are_refused_and_change_nothing,
    the_taxonomy_is_edited_from_the_command_line,
);

/// A passive guest's answer with a comment at Cancún, through the API; its id.
async fn answer(app: &TestApp, token: &str, comment: &str) -> i64 {
    let survey = crate::recover::survey(app, "NPS").await;
    let touchpoint = crate::recover::first_touchpoint(app).await;
    let answers = serde_json::json!({"nps": 7, "fix": comment});
    crate::improve::submit(app, token, survey, "CUN", touchpoint, answers, None).await
}

/// The themes a response (one of the newest) was read as being about, with how each reads.
async fn themes_of(app: &TestApp, token: &str, id: i64) -> Vec<(String, String)> {
    let page = app.responses(token, "?limit=100").await;
    let v = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("response {id} among the newest"));
    v["reading"]["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .map(|t| {
            (
                t["theme"].as_str().expect("key").to_owned(),
                t["sentiment"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

fn keys(themes: &[(String, String)]) -> Vec<&str> {
    themes.iter().map(|(k, _)| k.as_str()).collect()
}

async fn taxonomy(app: &TestApp, token: &str) -> Value {
    let r = app
        .api(token, Method::GET, "/api/v1/themes/taxonomy", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("json")
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

async fn an_organisations_own_themes_read_new_and_stored_comments(backend: Backend) {
    let app = TestApp::demo_with_history(backend, 0.02).await;
    let token = app.token("admin@demo.test").await;
    let admin = app.login("admin@demo.test").await;
    let old = answer(
        &app,
        &token,
        "No había aparcamiento libre, aunque la terraza es preciosa.",
    )
    .await;
    let before = themes_of(&app, &token, old).await;
    assert!(keys(&before).contains(&"facilities"), "{before:?}");
    // The administrators' page: a theme of its own, terms placed, noise switched off.
    let page = app.get(Some(&admin), "/admin/themes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ruido") && page.body.contains("Habitación"));
    let posts: [(&str, Vec<(&str, &str)>); 5] = [
        (
            "/admin/themes",
            vec![
                ("key", "parking"),
                ("name_es", "Aparcamiento"),
                ("name_en", "Parking"),
            ],
        ),
        (
            "/admin/terms",
            vec![
                ("language", "es"),
                ("term", "Aparcamiento"),
                ("theme", "parking"),
            ],
        ),
        (
            "/admin/terms",
            vec![
                ("language", "en"),
                ("term", "Car park"),
                ("theme", "parking"),
            ],
        ),
        (
            "/admin/terms",
            vec![
                ("language", "es"),
                ("term", "terraza"),
                ("theme", "food_drink"),
            ],
        ),
        (
            "/admin/themes/noise",
            vec![("name_es", ""), ("name_en", "")],
        ),
    ];
    for (path, fields) in &posts {
        let r = app.post(&admin, path, fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.body);
    }
    // New comments are read with it at once.
    let new = answer(
        &app,
        &token,
        "Imposible encontrar aparcamiento, y en la terraza mucho ruido.",
    )
    .await;
    let now = themes_of(&app, &token, new).await;
    assert!(
        now.contains(&("parking".into(), "negative".into())),
        "{now:?}"
    );
    assert!(keys(&now).contains(&"food_drink"), "{now:?}");
    assert!(
        !keys(&now).contains(&"noise") && !keys(&now).contains(&"facilities"),
        "{now:?}"
    );
    // Stored ones wait for the scheduler, and the page says how far it has come.
    assert_eq!(themes_of(&app, &token, old).await, before);
    let t = taxonomy(&app, &token).await;
    assert!(t["rereading"].is_array(), "{t}");
    let page = app.get(Some(&admin), "/admin/themes").await.body;
    assert!(page.contains("id=\"rereading\""), "{page}");
    // Two schedulers at once (two servers, or a server and the CLI): each comment is read
    // again once.
    let url = app._db.url.clone();
    for _ in 0..20 {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || cumbre(&["scheduler", "run-once"], Some(&url)))
            })
            .collect();
        for run in runs {
            let out = run.join().expect("scheduler thread");
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
        if taxonomy(&app, &token).await["rereading"].is_null() {
            break;
        }
    }
    assert!(taxonomy(&app, &token).await["rereading"].is_null());
    let after = themes_of(&app, &token, old).await;
    assert!(keys(&after).contains(&"parking"), "{after:?}");
    assert!(keys(&after).contains(&"food_drink"), "{after:?}");
    assert!(!keys(&after).contains(&"facilities"), "{after:?}");
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let doubled: Vec<i64> = sqlx::query_scalar(
        "SELECT response_id FROM response_themes GROUP BY response_id, theme HAVING count(*) > 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("query");
    assert!(doubled.is_empty(), "read twice: {doubled:?}");
    // The filters, the pages and the API speak of it by the organisation's names.
    let found = ids(&app.responses(&token, "?theme=parking").await);
    assert!(found.contains(&old) && found.contains(&new), "{found:?}");
    let page = app.get(Some(&admin), &format!("/responses/{old}")).await;
    assert!(page.body.contains("Aparcamiento"), "{}", page.body);
    assert!(!page.body.contains(">parking<"), "{}", page.body);
    let browser = app.get(Some(&admin), "/responses?theme=parking").await;
    assert!(browser.body.contains("value=\"parking\" selected"));
    let dash = app.get(Some(&admin), "/dashboard/themes").await;
    assert!(dash.body.contains("Aparcamiento"), "{}", dash.body);
    let t = taxonomy(&app, &token).await;
    let theme = |key: &str| {
        t["themes"]
            .as_array()
            .expect("themes")
            .iter()
            .find(|x| x["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} in {t}"))
    };
    assert_eq!(theme("parking")["name_es"], "Aparcamiento");
    assert_eq!(theme("parking")["own"], true);
    assert_eq!(
        theme("parking")["terms_es"],
        serde_json::json!(["aparcamiento"])
    );
    assert_eq!(
        theme("parking")["terms_en"],
        serde_json::json!(["car park"])
    );
    assert_eq!(theme("noise")["active"], false);
    assert_eq!(theme("noise")["name_en"], "Noise");
    assert_eq!(t["placed_terms"].as_array().map(Vec::len), Some(3), "{t}");
    // Old comments still name the theme switched off, so it still filters; a rule on it
    // would never fire, so none may be made; one on the new theme may.
    let r = app
        .api(&token, Method::GET, "/api/v1/responses?theme=noise", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let company = app.unit_id("SA").await;
    let rule = |theme: &str| {
        serde_json::json!({
            "name": "Parking",
            "unit_id": company,
            "definition": {
                "conditions": [{"kind": "theme", "theme": theme, "sentiment": "negative"}],
                "open_case": "low"
            }
        })
    };
    let made = app
        .api(&token, Method::POST, "/api/v1/rules", Some(rule("parking")))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let off = app
        .api(&token, Method::POST, "/api/v1/rules", Some(rule("noise")))
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", off.body);
    // Switched on again, with the catalogue's names.
    let r = app
        .post(
            &admin,
            "/admin/themes/noise",
            &[("name_es", ""), ("name_en", ""), ("active", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = answer(&app, &token, "Mucho ruido por la noche.").await;
    assert!(keys(&themes_of(&app, &token, again).await).contains(&"noise"));
    // Every change is in the activity log, named for people.
    let log = app.get(Some(&admin), "/admin/audit").await.body;
    assert!(
        log.contains("Tema añadido") && log.contains("Término colocado"),
        "{log}"
    );
}

async fn bad_taxonomy_edits_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("admin@demo.test").await;
    let admin = app.login("admin@demo.test").await;
    let start = taxonomy(&app, &token).await;
    // (path, form, what the refusal names)
    type Refused<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let bad: [Refused; 8] = [
        (
            "/admin/themes",
            vec![("key", "Parking!"), ("name_es", "A"), ("name_en", "B")],
            "clave",
        ),
        (
            "/admin/themes",
            vec![("key", "room"), ("name_es", "A"), ("name_en", "B")],
            "room",
        ),
        (
            "/admin/themes",
            vec![("key", "spa"), ("name_es", "Spa"), ("name_en", "")],
            "nombre en inglés",
        ),
        (
            "/admin/themes/no_such_theme",
            vec![("name_es", "A"), ("name_en", "B"), ("active", "1")],
            "no_such_theme",
        ),
        (
            "/admin/terms",
            vec![
                ("language", "es"),
                ("term", "uno dos tres cuatro cinco seis"),
                ("theme", "room"),
            ],
            "término",
        ),
        (
            "/admin/terms",
            vec![
                ("language", "es"),
                ("term", "spa"),
                ("theme", "no_such_theme"),
            ],
            "no_such_theme",
        ),
        (
            "/admin/terms",
            vec![("language", "fr"), ("term", "spa"), ("theme", "room")],
            "idioma",
        ),
        (
            "/admin/terms",
            vec![("language", "es"), ("term", "!!!"), ("theme", "room")],
            "término",
        ),
    ];
    for (path, fields, says) in &bad {
        let r = app.post(&admin, path, fields).await;
        assert!(
            r.status.is_client_error(),
            "{path} {fields:?}: {}",
            r.status
        );
        assert!(
            r.body.contains(says),
            "{path} {fields:?}: {says} in {}",
            r.body
        );
    }
    assert_eq!(taxonomy(&app, &token).await, start);
    // Filters name a theme the organisation has.
    for query in ["?theme=no_such_theme", "?theme=Room"] {
        let r = app
            .api(
                &token,
                Method::GET,
                &format!("/api/v1/responses{query}"),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.body
        );
        let r = app
            .api(&token, Method::GET, &format!("/api/v1/themes{query}"), None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.body
        );
    }
    // Only administrators edit it; managers read it.
    let manager = app.login("manager@demo.test").await;
    let r = app
        .post(
            &manager,
            "/admin/themes",
            &[("key", "spa"), ("name_es", "Spa"), ("name_en", "Spa")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let manager_token = app.token("manager@demo.test").await;
    assert_eq!(taxonomy(&app, &manager_token).await, start);
}

async fn the_taxonomy_is_edited_from_the_command_line(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let url = app._db.url.clone();
    let token = app.token("admin@demo.test").await;
    let run = |args: &[&str]| {
        let mut all = vec!["text", "themes"];
        all.extend_from_slice(args);
        cumbre(&all, Some(&url))
    };
    for args in [
        &["add", "spa", "--es", "Spa y bienestar", "--en", "Spa"][..],
        &["term", "en", "Hot tub", "--theme", "spa"],
        &["term", "es", "jacuzzi", "--theme", "spa"],
        &["term", "en", "location", "--none"],
        &["set", "booking", "--disable"],
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
    let listed = text(&run(&["list"]).stdout);
    for shown in [
        "spa",
        "Spa y bienestar",
        "«hot tub» → spa",
        "«location» → (no theme)",
    ] {
        assert!(listed.contains(shown), "{shown} in {listed}");
    }
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("booking") && l.contains("off")),
        "{listed}"
    );
    let read = answer(
        &app,
        &token,
        "The hot tub was cold. The location is handy though.",
    )
    .await;
    let themes = themes_of(&app, &token, read).await;
    assert!(keys(&themes).contains(&"spa"), "{themes:?}");
    assert!(!keys(&themes).contains(&"location"), "{themes:?}");
    // A bad edit: a non-zero exit with one line that says why, and nothing changed.
    let before = taxonomy(&app, &token).await;
    for args in [
        &["add", "room", "--es", "A", "--en", "B"][..],
        &["term", "fr", "spa", "--theme", "spa"],
        &["term", "es", "sauna", "--theme", "no_such_theme"],
        &["set", "no_such_theme", "--disable"],
        &["term", "es", "sauna", "--remove"],
    ] {
        let out = run(args);
        assert!(!out.status.success(), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    assert_eq!(taxonomy(&app, &token).await, before);
    let out = run(&["term", "en", "location", "--remove"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let read = answer(&app, &token, "Great location.").await;
    assert!(keys(&themes_of(&app, &token, read).await).contains(&"location"));
}
