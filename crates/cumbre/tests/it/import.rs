//! The organisation CSV through the upload page: all lines or none, every bad line reported.

use crate::harness::{Backend, TestApp, both};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

both!(
    upload_page_dry_run_reports_every_bad_line_and_writes_nothing,
    upload_page_imports_and_updates_by_key,
    upload_page_imports_responses_and_reviews_once,
);

pub const HEADER: &str =
    "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n";

async fn upload(
    app: &TestApp,
    browser: &crate::harness::Browser,
    csv: &str,
    dry_run: bool,
) -> crate::harness::Reply {
    upload_to(app, browser, "/admin/import", csv, dry_run, None).await
}

pub(crate) async fn upload_to(
    app: &TestApp,
    browser: &crate::harness::Browser,
    path: &str,
    csv: &str,
    dry_run: bool,
    survey: Option<i64>,
) -> crate::harness::Reply {
    let boundary = "cumbreboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
        browser.csrf
    );
    if let Some(id) = survey {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"survey\"\r\n\r\n{id}\r\n"
        ));
    }
    if dry_run {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"org.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ));
    let req = Request::post(path)
        .header(header::COOKIE, &browser.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

async fn upload_page_dry_run_reports_every_bad_line_and_writes_nothing(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let token = app.token("admin@demo.test").await;
    let people_before = app
        .api(&token, Method::GET, "/api/v1/people?limit=1", None)
        .await
        .json()["total"]
        .clone();
    let csv = format!(
        "{HEADER}unit,COZ2,Sierra Azul Cozumel Sur,SA-CMX,location,,,,,\n\
         unit,BAD,,SA-CMX,location,,,,,\n\
         person,E9100,Luis Pérez,COZ2,,Recepción,Recepcionista,luis@x,2020-01-01,\n\
         person,E9101,Mary Smith,NOWHERE,,,,,,\n\
         person,E9102,Ana Ruiz,COZ2,,,,,,E9999\n"
    );
    for dry_run in [true, false] {
        let reply = upload(&app, &admin, &csv, dry_run).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        for (line, reason) in [
            (3, "obligatorio"),
            (4, "e-mail"),
            (5, "NOWHERE"),
            (6, "E9999"),
        ] {
            assert!(
                reply.body.contains(&format!("<td>{line}</td>")),
                "line {line} reported"
            );
            assert!(reply.body.contains(reason), "reason {reason}");
        }
        assert!(reply.body.contains("4 líneas con errores"));
    }
    assert_eq!(
        app.api(&token, Method::GET, "/api/v1/people?limit=1", None)
            .await
            .json()["total"],
        people_before
    );
    let units = app
        .api(&token, Method::GET, "/api/v1/units", None)
        .await
        .body;
    assert!(!units.contains("COZ2"), "nothing was imported");

    let good = format!("{HEADER}unit,COZ2,Sierra Azul Cozumel Sur,SA-CMX,location,,,,,\n");
    let checked = upload(&app, &admin, &good, true).await;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(checked.body.contains("import-checked"));
    assert!(
        !app.api(&token, Method::GET, "/api/v1/units", None)
            .await
            .body
            .contains("COZ2"),
        "a dry run writes nothing"
    );
    // Not for non-admins.
    let manager = app.login("manager@demo.test").await;
    assert_eq!(
        upload(&app, &manager, &good, false).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn upload_page_imports_and_updates_by_key(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let csv = format!(
        "{HEADER}person,E9200,Carla Méndez,COZ2-REC,,Recepción,Recepcionista,carla@sierraazul.example,2025-05-01,E9201\n\
         unit,COZ2,Sierra Azul Cozumel Sur,SA-CMX,location,,,,,\n\
         unit,COZ2-REC,Recepción · Cozumel Sur,COZ2,team,,,,,\n\
         person,E9201,Tom Baker,COZ2,,,Gerente general,,2019-01-10,E0002\n"
    );
    let reply = upload(&app, &admin, &csv, false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains("2 unidades creadas") && reply.body.contains("2 colaboradores creados"),
        "{}",
        reply.body
    );
    let token = app.token("admin@demo.test").await;
    let carla = app
        .api(&token, Method::GET, "/api/v1/people?q=carla", None)
        .await
        .json()["people"][0]
        .clone();
    assert_eq!(carla["manager_name"], "Tom Baker");
    assert_eq!(carla["unit_name"], "Recepción · Cozumel Sur");

    // The same keys again update in place; the hotel moves under another region.
    let again = format!(
        "{HEADER}unit,COZ2,Sierra Azul Cozumel Sur II,SA,location,,,,,\nperson,E9200,Carla Méndez Ruiz,COZ2-REC,,,,carla@sierraazul.example,,\n"
    );
    let reply = upload(&app, &admin, &again, false).await;
    assert!(
        reply.body.contains("1 unidades actualizadas")
            && reply.body.contains("1 colaboradores actualizados"),
        "{}",
        reply.body
    );
    let carla = app
        .api(&token, Method::GET, "/api/v1/people?q=carla", None)
        .await
        .json();
    assert_eq!(carla["total"], 1);
    assert_eq!(carla["people"][0]["name"], "Carla Méndez Ruiz");
    assert!(
        carla["people"][0]["manager_name"].is_null(),
        "an empty manager column clears it"
    );
    let coz = app.unit_id("COZ2").await;
    let unit = app
        .api(&token, Method::GET, &format!("/api/v1/units/{coz}"), None)
        .await
        .json();
    assert_eq!(unit["name"], "Sierra Azul Cozumel Sur II");
    assert_eq!(unit["parent_id"], app.unit_id("SA").await);
    // Its team moved with it: the old region's manager no longer sees it.
    let regional = app.token("regional@demo.test").await;
    let team = app.unit_id("COZ2-REC").await;
    assert_eq!(
        app.api(
            &regional,
            Method::GET,
            &format!("/api/v1/units/{team}"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn upload_page_imports_responses_and_reviews_once(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let survey = app
        .store
        .list_surveys(&cumbre_domain::access::Scope::Tenant(app.tenant))
        .await
        .expect("surveys")[0]
        .id;
    let csv = "unit,touchpoint,submitted_at,language,employee,external_id,nps,best,purpose\n\
               CUN,Después de la estancia,2025-07-14T18:20:00Z,es,E0005,crm-1,9,La alberca,family\n\
               PDC,After the stay,2025-07-15,en,,crm-2,4,,business\n";
    let bad = upload_to(
        &app,
        &admin,
        "/admin/import/responses",
        &csv.replace(",4,", ",44,"),
        false,
        Some(survey),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("<td>3</td>") && bad.body.contains("fuera de 0–10"));
    let checked = upload_to(
        &app,
        &admin,
        "/admin/import/responses",
        csv,
        true,
        Some(survey),
    )
    .await;
    assert!(
        checked.body.contains("responses-checked") && checked.body.contains("2 líneas"),
        "{}",
        checked.body
    );
    let token = app.token("admin@demo.test").await;
    async fn count(app: &TestApp, token: String) -> Option<usize> {
        app.api(&token, Method::GET, "/api/v1/responses?limit=100", None)
            .await
            .json()["items"]
            .as_array()
            .map(Vec::len)
    }
    assert_eq!(
        count(&app, token.clone()).await,
        Some(0),
        "a dry run writes nothing"
    );
    let applied = upload_to(
        &app,
        &admin,
        "/admin/import/responses",
        csv,
        false,
        Some(survey),
    )
    .await;
    assert!(
        applied.body.contains("2 nuevas") && applied.body.contains("0 ya estaban"),
        "{}",
        applied.body
    );
    let again = upload_to(
        &app,
        &admin,
        "/admin/import/responses",
        csv,
        false,
        Some(survey),
    )
    .await;
    assert!(again.body.contains("0 nuevas") && again.body.contains("2 ya estaban"));
    let reviews = "source,external_id,unit,touchpoint,submitted_at,language,rating,text\ngoogle,g-1,CUN,7,2025-08-03,es,2,Ruido toda la noche\n";
    let r = upload_to(
        &app,
        &admin,
        "/admin/import/responses",
        reviews,
        false,
        None,
    )
    .await;
    assert!(r.body.contains("1 nuevas"), "{}", r.body);
    assert_eq!(count(&app, token.clone()).await, Some(3));
    let stored = app
        .api(&token, Method::GET, "/api/v1/responses?q=ruido", None)
        .await
        .json();
    assert_eq!(stored["items"][0]["source"], "review:google");
    assert_eq!(stored["items"][0]["answers"]["rating"], 2);
    let manager = app.login("manager@demo.test").await;
    assert_eq!(
        upload_to(
            &app,
            &manager,
            "/admin/import/responses",
            csv,
            false,
            Some(survey)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
