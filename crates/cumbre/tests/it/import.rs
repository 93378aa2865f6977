//! The organisation CSV through the upload page: all lines or none, every bad line reported.

use crate::harness::{Backend, TestApp, both};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

both!(
    upload_page_dry_run_reports_every_bad_line_and_writes_nothing,
    upload_page_imports_and_updates_by_key
);

pub const HEADER: &str =
    "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n";

async fn upload(
    app: &TestApp,
    browser: &crate::harness::Browser,
    csv: &str,
    dry_run: bool,
) -> crate::harness::Reply {
    let boundary = "cumbreboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
        browser.csrf
    );
    if dry_run {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"org.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ));
    let req = Request::post("/admin/import")
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
