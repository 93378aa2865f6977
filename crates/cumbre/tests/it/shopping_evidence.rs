//! Decide: what a shopper's report carries besides the standards — photos of what was seen
//! (bounded, stored with the audit without what the camera wrote beside them) and the
//! answers to the programme's free questions — and who may see them.

use crate::harness::{Backend, both};
use crate::shopping::{fixture, form_items, report};
use axum::http::{Method, StatusCode};
use base64::Engine;
use serde_json::{Value, json};

both!(a_report_carries_photos_without_their_metadata_and_free_answers);

/// A 2×2 PNG whose text chunk says who took it and where.
pub(crate) fn png_with_author() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 2, 2);
    enc.set_color(png::ColorType::Grayscale);
    enc.add_text_chunk("Author".into(), "Auditor 7, Calle Secreta 12".into())
        .expect("text");
    let mut w = enc.write_header().expect("header");
    w.write_image_data(&[0, 255, 255, 0]).expect("pixels");
    drop(w);
    out
}

pub(crate) fn data_url(kind: &str, bytes: &[u8]) -> String {
    format!(
        "data:image/{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

const QUESTIONS: &str = r#"[
    {"key": "tip", "prompt": "¿Qué le recomendaron?", "kind": "text"},
    {"key": "back", "prompt": "¿Volvería?", "kind": "yes_no"},
    {"key": "overall", "prompt": "Impresión general", "kind": "rating"}
]"#;

async fn a_report_carries_photos_without_their_metadata_and_free_answers(backend: Backend) {
    let f = fixture(backend).await;
    let app = &f.app;
    let touchpoints: Vec<i64> = app
        .api(&f.admin, Method::GET, "/api/v1/touchpoints", None)
        .await
        .json()
        .as_array()
        .expect("touchpoints")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    let cun = app.unit_id("CUN").await;
    let questions: Value = serde_json::from_str(QUESTIONS).expect("questions");
    let body = |questions: Value| {
        json!({"name": "Con preguntas", "unit_ids": [cun], "touchpoint_ids": touchpoints,
               "auditor_ids": [f.auditors[0].1], "questions": questions})
    };
    // Two questions under one key, or one without a prompt: refused.
    for bad in [
        json!([{"key": "tip", "prompt": "a", "kind": "text"}, {"key": "tip", "prompt": "b", "kind": "rating"}]),
        json!([{"key": "tip", "prompt": " ", "kind": "text"}]),
        json!([{"key": "tip", "prompt": "a", "kind": "essay"}]),
    ] {
        let reply = app
            .api(
                &f.admin,
                Method::POST,
                "/api/v1/programmes",
                Some(body(bad)),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
    }
    let created = app
        .api(
            &f.admin,
            Method::POST,
            "/api/v1/programmes",
            Some(body(questions.clone())),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let programme = created.json()["id"].as_i64().expect("id");
    let made = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/programmes/{programme}/assignments"),
            Some(json!({"day": "2026-11-10"})),
        )
        .await;
    assert_eq!(made.json()["made"], json!(1), "{}", made.body);
    let (token, _) = &f.auditors[0];
    let assignment = app
        .api(token, Method::GET, "/api/v1/assignments", None)
        .await
        .json()
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|a| a["programme_id"] == json!(programme))
                .cloned()
        })
        .expect("the visit");
    assert_eq!(assignment["questions"], questions, "pinned into the visit");
    let id = assignment["id"].as_i64().expect("id");
    let detail = app
        .api(
            token,
            Method::GET,
            &format!("/api/v1/assignments/{id}"),
            None,
        )
        .await
        .json();
    let first = form_items(&detail)[0].0.clone();
    let send = |key: &'static str, body: Value| {
        let f = &f;
        let token = token.clone();
        async move { f.submit(&token, key, &body).await }
    };
    let with = |photos: Vec<String>, answers: Value| {
        let mut r = report(id, &detail, &[]);
        r["items"][0]["photos"] = json!(photos);
        r["answers"] = answers;
        r
    };
    let photo = data_url("png", &png_with_author());

    // Not an image, too many, a rating out of range, an unknown question: refused with
    // where, nothing stored.
    for (case, bad, field) in [
        (
            "gif",
            with(vec![data_url("gif", b"GIF89a....")], json!({})),
            first.clone(),
        ),
        (
            "four",
            with(vec![photo.clone(); 4], json!({})),
            first.clone(),
        ),
        (
            "rating",
            with(vec![], json!({"overall": 7})),
            "answers.overall".to_owned(),
        ),
        (
            "unknown",
            with(vec![], json!({"mood": "bien"})),
            "answers.mood".to_owned(),
        ),
    ] {
        let reply = send("bad", bad).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}: {}",
            reply.body
        );
        assert!(
            reply.json()["fields"][&field].is_string(),
            "{case}: {}",
            reply.body
        );
    }
    let mine = app
        .api(token, Method::GET, "/api/v1/audits", None)
        .await
        .json();
    assert_eq!(mine, json!([]), "nothing was stored");

    let good = with(
        vec![photo.clone()],
        json!({"tip": "El tour a los cenotes", "back": true, "overall": 4}),
    );
    let sent = send("with-photo", good).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let audit = sent.json()["id"].as_i64().expect("audit");
    let stored = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/audits/{audit}"),
            None,
        )
        .await
        .json();
    let photos = stored["items"][0]["photos"]
        .as_array()
        .expect("photos")
        .clone();
    assert_eq!(photos.len(), 1, "{stored}");
    assert!(stored["items"][1]["photos"] == json!([]));
    let answers: Vec<(Value, Value)> = stored["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| (q["key"].clone(), q["answer"].clone()))
        .collect();
    assert_eq!(
        answers,
        [
            (json!("tip"), json!("El tour a los cenotes")),
            (json!("back"), json!(true)),
            (json!("overall"), json!(4)),
        ]
    );

    // The photo as stored: the picture, without its author.
    let photo_path = format!("/api/v1/audits/{audit}/photos/{}", photos[0]);
    let image = app.api(&f.admin, Method::GET, &photo_path, None).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers["content-type"], "image/png");
    assert!(image.body.contains("IHDR") && image.body.contains("IDAT"));
    assert!(!image.body.contains("Calle Secreta"), "metadata stripped");
    // The unit sees it once the audit is published, not before; the other shopper never.
    let manager = app.token("manager@demo.test").await;
    let other = &f.auditors[1].0;
    for who in [&manager, other] {
        let reply = app.api(who, Method::GET, &photo_path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let missing = app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/audits/{audit}/photos/999999"),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Returned, corrected without photos: the photo stays; the form says so.
    let returned = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/audits/{audit}/review"),
            Some(json!({"decision": "return", "note": "Falta la hora exacta"})),
        )
        .await;
    assert_eq!(returned.status, StatusCode::NO_CONTENT, "{}", returned.body);
    let browser = app.login("auditor@demo.test").await;
    let form = app.get(Some(&browser), &format!("/assignments/{id}")).await;
    assert!(
        form.body
            .contains("Se conserva 1 foto del informe devuelto"),
        "{}",
        form.body
    );
    assert!(form.body.contains("¿Qué le recomendaron?"));
    let again = send(
        "corrected",
        with(
            vec![],
            json!({"tip": "El tour a los cenotes", "back": false}),
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    let published = app
        .api(
            &f.admin,
            Method::POST,
            &format!("/api/v1/audits/{audit}/review"),
            Some(json!({"decision": "publish"})),
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::NO_CONTENT,
        "{}",
        published.body
    );
    let now_public = app.api(&f.admin, Method::GET, &photo_path, None).await;
    assert_eq!(
        now_public.status,
        StatusCode::OK,
        "kept through the correction"
    );

    // The audit's page shows the photo and the answers in words.
    let page = app
        .get(
            Some(&app.login("admin@demo.test").await),
            &format!("/audits/{audit}"),
        )
        .await;
    assert!(
        page.body
            .contains(&format!("src=\"/audits/{audit}/photos/{}\"", photos[0])),
        "{}",
        page.body
    );
    let section = page
        .body
        .split("id=\"audit-questions\"")
        .nth(1)
        .expect("the answers");
    assert!(section.contains("El tour a los cenotes"));
    assert!(section.contains("<dd>No</dd>"), "{section}");
    assert!(section.contains("Sin respuesta"), "the rating was left out");
    let picture = app
        .get(
            Some(&app.login("manager@demo.test").await),
            &format!("/audits/{audit}/photos/{}", photos[0]),
        )
        .await;
    assert_eq!(
        picture.status,
        StatusCode::OK,
        "the unit reads it published"
    );
}
