//! Improve: every comment is read as it arrives (the form, imports), its reading travels
//! with the response in the API, and the response browser's filters find comments by how
//! they read, what they are about and whom they name.

use crate::harness::{Backend, TestApp, both};
use crate::process::{cumbre, text};
use axum::http::{Method, StatusCode};
use cumbre_domain::access::Scope;
use cumbre_store::org::PeopleFilter;
use serde_json::Value;
use sqlx::Connection;

both!(
    a_comment_is_read_as_it_arrives_and_found_by_its_reading,
    imported_reviews_are_read_like_answers,
    reanalyse_reads_every_stored_comment_again,
    alert_rules_open_cases_from_how_comments_read,
    the_demos_stories_are_found_in_its_comments,
    a_tenant_reads_its_comments_with_a_model_of_its_own,
);

/// A receptionist of the Cancún hotel whose first two names no colleague shares.
async fn receptionist(app: &TestApp) -> (i64, String) {
    let filter = PeopleFilter {
        unit: Some(cumbre_domain::UnitId(app.unit_id("CUN").await)),
        limit: 1000,
        ..Default::default()
    };
    let people = app
        .store
        .list_people(&Scope::Tenant(app.tenant), &filter)
        .await
        .expect("people")
        .people;
    let two = |name: &str| name.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let p = people
        .iter()
        .find(|p| {
            p.name.split(' ').count() >= 2
                && people
                    .iter()
                    .filter(|q| two(&q.name) == two(&p.name))
                    .count()
                    == 1
        })
        .expect("someone with a name of their own");
    (p.id.0, two(&p.name))
}

fn texts(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["answers"][field].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_comment_is_read_as_it_arrives_and_found_by_its_reading(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let cancun = app.link_path("NPS", "Cancún").await;
    let (person, name) = receptionist(&app).await;
    let complaint = "La habitación muy bonita, pero esperamos más de una hora para el check-in y nadie nos explicó por qué.";
    let praise = format!("¡Todo perfecto! {name} nos ayudó con todo, súper amable.");
    for (key, nps, field, text) in [
        ("a", "4", "q.fix", complaint),
        ("b", "10", "q.best", praise.as_str()),
    ] {
        let reply = app
            .public_post(
                &cancun,
                &[("idempotency_key", key), ("q.nps", nps), (field, text)],
            )
            .await;
        assert!(reply.status.is_redirection() || reply.status.is_success());
    }
    let all = app.responses(&admin, "").await;
    let by_text = |t: &str| -> Value {
        all["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["answers"]["fix"] == t || r["answers"]["best"] == t)
            .cloned()
            .expect("stored")
    };
    // The complaint: not praise, about the room (praised) and check-in (faulted), with
    // the words that decided it.
    let read = &by_text(complaint)["reading"];
    assert_eq!(read["language"], "es", "{read}");
    assert_ne!(read["sentiment"], "positive", "{read}");
    let complaint_reads = format!("?sentiment={}", read["sentiment"].as_str().expect("code"));
    let theme = |name: &str| {
        read["themes"]
            .as_array()
            .expect("themes")
            .iter()
            .find(|t| t["theme"] == name)
            .map(|t| t["sentiment"].clone())
    };
    assert_eq!(theme("checkin_checkout"), Some("negative".into()), "{read}");
    assert_eq!(theme("room"), Some("positive".into()), "{read}");
    let cues = read["cues"].as_array().expect("cues");
    assert!(
        cues.iter().any(|c| c["term"] == "bonita"
            && c["rules"]
                .as_array()
                .is_some_and(|r| r.contains(&"before_contrast".into()))),
        "the praise before 'pero' counts for less: {read}"
    );
    // The praise names the receptionist, and credits them.
    let read = &by_text(&praise)["reading"];
    assert_eq!(read["sentiment"], "positive", "{read}");
    assert_eq!(read["mentions"][0]["employee_id"], person, "{read}");
    assert_eq!(read["mentions"][0]["sentiment"], "positive", "{read}");
    // The response page explains the reading in the reader's language: no code shows.
    let browser = app.login("admin@demo.test").await;
    let id = by_text(complaint)["id"].as_i64().expect("id");
    let page = app
        .get(Some(&browser), &format!("/responses/{id}"))
        .await
        .body;
    for shown in [
        "Lo que dice el comentario",
        "Check-in y check-out",
        "Habitación",
        "«mas de una hora»",
        "antes de «pero»: pesa menos",
        "/responses?theme=checkin_checkout&#38;sentiment=negative",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    for code in ["checkin_checkout<", "before_contrast", ">negative<"] {
        assert!(!page.contains(code), "{code} in {page}");
    }
    let id = by_text(&praise)["id"].as_i64().expect("id");
    let page = app
        .get(Some(&browser), &format!("/responses/{id}"))
        .await
        .body;
    assert!(
        page.contains(&format!("/dashboard/people/{person}")) && page.contains("Positivo"),
        "{page}"
    );
    // The response browser filters the same way and says how each comment reads.
    let list = app
        .get(
            Some(&browser),
            "/responses?theme=checkin_checkout&sentiment=negative",
        )
        .await
        .body;
    assert!(
        list.contains("La habitación muy bonita") && !list.contains("¡Todo perfecto!"),
        "{list}"
    );
    assert!(
        list.contains("<option value=\"checkin_checkout\" selected>Check-in y check-out</option>"),
        "{list}"
    );
    // A response without comments has no reading: a chosen option is not a comment.
    let reply = app
        .public_post(
            &cancun,
            &[
                ("idempotency_key", "c"),
                ("q.nps", "8"),
                ("q.purpose", "family"),
            ],
        )
        .await;
    assert!(reply.status.is_redirection() || reply.status.is_success());
    let silent = app.responses(&admin, "?limit=1").await;
    assert!(silent["items"][0]["reading"].is_null(), "{silent}");

    // The filters: by how the comment reads, by how it speaks of a theme, by whom it names.
    let find = |query: &'static str| {
        let (app, admin) = (&app, &admin);
        async move { app.responses(admin, query).await }
    };
    assert_eq!(
        texts(&app.responses(&admin, &complaint_reads).await, "fix"),
        [complaint]
    );
    assert_eq!(
        texts(
            &find("?theme=checkin_checkout&sentiment=negative").await,
            "fix"
        ),
        [complaint]
    );
    assert_eq!(
        texts(&find("?theme=room&sentiment=positive").await, "fix"),
        [complaint],
        "a mixed comment praises the room"
    );
    assert!(
        texts(
            &find("?theme=checkin_checkout&sentiment=positive").await,
            "fix"
        )
        .is_empty()
    );
    assert_eq!(
        texts(&find("?sentiment=positive").await, "best"),
        [praise.as_str()]
    );
    let named = app.responses(&admin, &format!("?employee={person}")).await;
    assert_eq!(texts(&named, "best"), [praise.as_str()]);
    // Bad filters are refused with the reason, in the reader's language.
    for (query, en) in [
        ("?theme=parking_lots", "parking_lots"),
        ("?sentiment=happy", "happy"),
        ("?employee=abc", "abc"),
    ] {
        let reply = app
            .api(
                &admin,
                Method::GET,
                &format!("/api/v1/responses{query}"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(reply.body.contains(en), "{query}: {}", reply.body);
    }
}

async fn imported_reviews_are_read_like_answers(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let reviews = "source,external_id,unit,touchpoint,submitted_at,language,rating,text\n\
                   google,g-1,CUN,7,2025-08-03,es,2,Mucho ruido toda la noche y las paredes dejan pasar todo\n\
                   google,g-2,CUN,7,2025-08-04,en,5,Spotless room and the breakfast was amazing!\n";
    let r = crate::import::upload_to(
        &app,
        &admin,
        "/admin/import/responses",
        reviews,
        false,
        None,
    )
    .await;
    assert!(r.body.contains("2 nuevas"), "{}", r.body);
    let token = app.token("admin@demo.test").await;
    let noisy = app
        .responses(&token, "?theme=noise&sentiment=negative")
        .await;
    assert_eq!(texts(&noisy, "text").len(), 1, "{noisy}");
    assert_eq!(noisy["items"][0]["source"], "review:google");
    let glowing = app.responses(&token, "?sentiment=positive").await;
    assert_eq!(
        glowing["items"][0]["reading"]["language"], "en",
        "{glowing}"
    );
    assert_eq!(
        texts(&glowing, "text"),
        ["Spotless room and the breakfast was amazing!"]
    );
}

/// The readings of the newest responses, as the API gives them.
async fn readings(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.responses(token, query).await["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["reading"].clone())
        .collect()
}

async fn reanalyse_reads_every_stored_comment_again(backend: Backend) {
    let app = TestApp::demo_with_history(backend, 0.02).await;
    let admin = app.token("admin@demo.test").await;
    let before = readings(&app, &admin, "?limit=300").await;
    let checkin = readings(&app, &admin, "?theme=checkin_checkout&limit=1000").await;
    assert!(
        before.iter().filter(|r| !r.is_null()).count() > 30 && !checkin.is_empty(),
        "the demo's comments were read as they were written"
    );
    // As if an older analyser had left them unread.
    let mut conn = sqlx::AnyConnection::connect(&app._db.url)
        .await
        .expect("connect");
    for sql in [
        "UPDATE responses SET sentiment = NULL, reading = NULL",
        "DELETE FROM response_themes",
        "DELETE FROM response_mentions",
    ] {
        sqlx::query(sql).execute(&mut conn).await.expect("wipe");
    }
    assert!(
        readings(&app, &admin, "?theme=checkin_checkout")
            .await
            .is_empty()
    );
    let out = cumbre(&["text", "reanalyse"], Some(&app._db.url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let comments: i64 = sqlx::query_scalar(
        "SELECT CAST(count(*) AS BIGINT) FROM responses WHERE search_text <> ''",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert!(
        text(&out.stdout).contains(&format!("read {comments} comments again")),
        "{}",
        text(&out.stdout)
    );
    let after = readings(&app, &admin, "?limit=300").await;
    for (i, (a, b)) in after.iter().zip(&before).enumerate() {
        assert_eq!(a, b, "response {i} of the newest");
    }
    assert_eq!(after.len(), before.len());
    assert_eq!(
        readings(&app, &admin, "?theme=checkin_checkout&limit=1000").await,
        checkin
    );
    let wrong = cumbre(
        &["text", "reanalyse", "--tenant", "999"],
        Some(&app._db.url),
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("no organisation with id 999"),
        "{}",
        text(&wrong.stderr)
    );
}

/// A passive guest's answer with a comment, through the API; its id.
async fn passive_with(app: &TestApp, token: &str, comment: &str) -> i64 {
    let survey = crate::recover::survey(app, "NPS").await;
    let touchpoint = crate::recover::first_touchpoint(app).await;
    let answers = serde_json::json!({"nps": 8, "fix": comment});
    crate::improve::submit(app, token, survey, "CUN", touchpoint, answers, None).await
}

async fn alert_rules_open_cases_from_how_comments_read(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let company = app.unit_id("SA").await;
    let rule = |theme: &str| {
        serde_json::json!({
            "name": "Check-in",
            "unit_id": company,
            "definition": {
                "conditions": [{"kind": "theme", "theme": theme, "sentiment": "negative"}],
                "open_case": "high"
            }
        })
    };
    // An unknown theme is refused where it is written.
    let bad = app
        .api(&admin, Method::POST, "/api/v1/rules", Some(rule("parking")))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["fields"]["conditions[0].theme"].is_string(),
        "{}",
        bad.body
    );
    let made = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/rules",
            Some(rule("checkin_checkout")),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    // A manager writes the other kind on the rules page: any comment that reads negative.
    let manager = app.login("manager@demo.test").await;
    let cun = app.unit_id("CUN").await.to_string();
    let created = app
        .post(
            &manager,
            "/rules",
            &[
                ("name", "Comentarios negativos"),
                ("unit_id", &cun),
                ("sentiment", "negative"),
                ("theme", "cleanliness"),
                ("priority", "normal"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = app.get(Some(&manager), "/rules").await.body;
    assert!(
        page.contains("comentario sobre Limpieza (negativo)"),
        "{page}"
    );

    let checkin = passive_with(
        &app,
        &admin,
        "Esperamos más de una hora para el check-in y nadie nos explicó por qué.",
    )
    .await;
    let dirty = passive_with(
        &app,
        &admin,
        "El baño estaba sucio y las toallas olían a humedad.",
    )
    .await;
    let happy = passive_with(
        &app,
        &admin,
        "El check-in fue rapidísimo y el cuarto impecable.",
    )
    .await;
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    cumbre::scheduler::run_once(&app.store, now)
        .await
        .expect("pass");
    let cases = app
        .api(&admin, Method::GET, "/api/v1/cases?limit=100", None)
        .await
        .json();
    let opened_for = |id: i64| {
        cases["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|c| c["response_id"] == id)
            .map(|c| c["priority"].clone())
    };
    assert_eq!(opened_for(checkin), Some("high".into()), "{cases}");
    assert_eq!(opened_for(dirty), Some("normal".into()), "{cases}");
    assert_eq!(opened_for(happy), None, "{cases}");
}

/// The demo plants two stories in its comments: Playa del Carmen's check-in waits got worse
/// in its last two months, and a few receptionists are praised by name again and again.
async fn the_demos_stories_are_found_in_its_comments(backend: Backend) {
    let app = TestApp::demo_with_history(backend, 1.0).await;
    let admin = app.token("admin@demo.test").await;
    let reply = app
        .api(&admin, Method::GET, "/api/v1/themes/emerging", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let emerging = reply.json();
    let problems = emerging["problems"].as_array().expect("problems");
    let pdc = app.unit_id("PDC").await;
    let checkin = problems
        .iter()
        .find(|p| {
            p["unit_id"] == pdc && (p["theme"] == "checkin_checkout" || p["theme"] == "waiting")
        })
        .unwrap_or_else(|| panic!("Playa del Carmen's check-in: {emerging}"));
    assert!(
        checkin["recent_share"].as_f64() > checkin["baseline_share"].as_f64(),
        "{checkin}"
    );
    let examples = checkin["examples"].as_array().expect("examples");
    assert!(!examples.is_empty(), "{checkin}");
    // No other hotel's problem is invented: the steady ones stay quiet.
    assert!(
        problems
            .iter()
            .all(|p| p["unit_id"].is_null() || p["unit_id"] == pdc),
        "only the worsening hotel: {emerging}"
    );
    // The themes at that hotel, as the API and the page give them.
    let themes = app
        .api(
            &admin,
            Method::GET,
            &format!("/api/v1/themes?unit={pdc}"),
            None,
        )
        .await
        .json();
    assert!(
        themes["themes"].as_array().is_some_and(|t| t
            .iter()
            .any(|t| t["theme"] == "checkin_checkout" && t["negative"].as_i64() > Some(0))),
        "{themes}"
    );
    let browser = app.login("admin@demo.test").await;
    let page = app
        .get(Some(&browser), &format!("/dashboard/themes?unit={pdc}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "Problemas emergentes",
        "Check-in y check-out",
        "proporción negativa por semana",
    ] {
        assert!(page.body.contains(shown), "{shown} in {}", page.body);
    }
    // Company-wide, the themes by unit: one row per region, PDC's region among the worst
    // for check-in.
    let company = app.get(Some(&browser), "/dashboard/themes").await.body;
    assert!(
        company.contains("Temas por unidad") && company.contains("id=\"theme-matrix\""),
        "{company}"
    );
    // The praised receptionists appear with their praise.
    let praised: Vec<Value> = app
        .responses(&admin, "?sentiment=positive&limit=1000")
        .await["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|r| {
            r["reading"]["mentions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|m| m["sentiment"] == "positive" && m["employee_id"].is_i64())
        .collect();
    assert!(praised.len() >= 5, "{praised:?}");
    let someone = praised[0]["employee_id"].as_i64().expect("id");
    let theirs = app
        .responses(&admin, &format!("?employee={someone}&sentiment=positive"))
        .await;
    assert!(!theirs["items"].as_array().expect("items").is_empty());
    let page = app
        .get(Some(&browser), &format!("/dashboard/people/{someone}"))
        .await
        .body;
    assert!(
        page.contains("Mencionado en comentarios") && page.contains("Elogiado en"),
        "{page}"
    );
    assert!(!page.contains("Elogiado en 0 comentarios"), "{page}");
    // An employee reads no dashboard of themes.
    let employee = app.login("employee@demo.test").await;
    assert_eq!(
        app.get(Some(&employee), "/dashboard/themes").await.status,
        StatusCode::NOT_FOUND
    );
}

/// An organisation teaches the analyser its own words: `cumbre text train --tenant` makes
/// a model from the shipped comments and its labelled ones; its new comments are read with
/// it at once (a running server's writer included), `reanalyse` reads the stored ones, and
/// `--forget` goes back to the shipped model.
async fn a_tenant_reads_its_comments_with_a_model_of_its_own(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let url = app._db.url.clone();
    // "Zorblat" is this chain's word for a broken minibar: no lexicon knows it.
    let comment = "El zorblat otra vez.";
    let before = passive_with(&app, &admin, comment).await;
    let sentiment_of = |id: i64| {
        let (app, admin) = (&app, &admin);
        async move {
            app.responses(admin, "?limit=20").await["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|r| r["id"] == id)
                .map(|r| r["reading"]["sentiment"].clone())
                .expect("listed")
        }
    };
    assert_ne!(sentiment_of(before).await, "negative");
    let dir = tempfile::tempdir().expect("dir");
    let labelled = dir.path().join("own.csv");
    let mut csv = String::from("text,label\n");
    for i in 0..40 {
        csv.push_str(&format!("\"Zorblat en la habitación {i}\",negative\n"));
        csv.push_str(&format!("\"Otra vez el zorblat, cuarto {i}\",negative\n"));
    }
    std::fs::write(&labelled, csv).expect("write");
    let path = labelled.display().to_string();
    let out = cumbre(&["text", "train", &path, "--tenant", "1"], Some(&url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("organisation 1's own model"),
        "{}",
        text(&out.stdout)
    );
    let out = cumbre(&["text", "model", "--tenant", "1"], Some(&url));
    assert!(
        text(&out.stdout).contains("its own model, trained on 80 comments"),
        "{}",
        text(&out.stdout)
    );
    // New comments are read with it at once; stored ones once read again.
    let after = passive_with(&app, &admin, comment).await;
    assert_eq!(sentiment_of(after).await, "negative");
    assert_ne!(sentiment_of(before).await, "negative");
    let out = cumbre(&["text", "reanalyse"], Some(&url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sentiment_of(before).await, "negative");
    // Its evaluation reads with it; an organisation without one is told so.
    let out = cumbre(&["text", "eval", &path, "--tenant", "1"], Some(&url));
    assert!(
        text(&out.stdout).contains("accuracy 1.000"),
        "{}",
        text(&out.stdout)
    );
    let out = cumbre(&["text", "train", &path], Some(&url));
    assert!(!out.status.success(), "no destination");
    // An upgrade whose features differ cannot read the weights an earlier version trained:
    // the organisation is told to train again, and the shipped model reads meanwhile.
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    // base64 of an earlier version's header, "CUMBRE01", and four bytes of weights.
    sqlx::query("UPDATE text_models SET weights = 'Q1VNQlJFMDEAAAAA' WHERE tenant_id = 1")
        .execute(&mut conn)
        .await
        .expect("an earlier version's weights");
    let out = cumbre(&["text", "model", "--tenant", "1"], Some(&url));
    assert!(
        text(&out.stdout).contains("by an earlier version")
            && text(&out.stdout).contains("trained on 80 comments at 20"),
        "{}",
        text(&out.stdout)
    );
    let out = cumbre(&["text", "eval", &path, "--tenant", "1"], Some(&url));
    assert!(
        !out.status.success() && text(&out.stderr).contains("train it again"),
        "{}",
        text(&out.stderr)
    );
    let out = cumbre(&["text", "reanalyse"], Some(&url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_ne!(
        sentiment_of(before).await,
        "negative",
        "the shipped model read it"
    );
    let out = cumbre(&["text", "model", "--tenant", "1", "--forget"], Some(&url));
    assert!(
        text(&out.stdout).contains("back to the shipped model"),
        "{}",
        text(&out.stdout)
    );
    let out = cumbre(&["text", "eval", &path, "--tenant", "1"], Some(&url));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("has no model of its own"),
        "{}",
        text(&out.stderr)
    );
    let third = passive_with(&app, &admin, comment).await;
    assert_ne!(sentiment_of(third).await, "negative");
}
