//! The `cumbre` command line, run as a real process.

use crate::harness::{Backend, fresh_db, postgres_url};
use crate::process::{Server, cumbre, text};

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["demo", "--help"],
        &["tenant", "create", "--help"],
        &["user", "add", "--help"],
        &["token", "create", "--help"],
        &["import", "org", "--help"],
        &["bench", "org", "--help"],
        &["survey", "export", "--help"],
        &["survey", "import", "--help"],
        &["import", "responses", "--help"],
        &["import", "standards", "--help"],
        &["invitations", "bounces", "--help"],
        &["scheduler", "run-once", "--help"],
        &["text", "eval", "--help"],
        &["text", "train", "--help"],
        &["bench", "text", "--help"],
    ] {
        let out = cumbre(args, None);
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out.stdout).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn demo_is_built_once_then_reused() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    let first = cumbre(
        &[
            "demo",
            "--data-dir",
            data,
            "--no-serve",
            "--responses-scale",
            "0.01",
        ],
        None,
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("Built the demo organisation"));
    let generated: usize = text(&first.stdout)
        .split("Generated ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the demo reports its history");
    assert!(
        (1_000..3_000).contains(&generated),
        "about 1% of the full history: {generated}"
    );
    let second = cumbre(
        &[
            "demo",
            "--data-dir",
            data,
            "--no-serve",
            "--responses-scale",
            "0.01",
        ],
        None,
    );
    assert!(text(&second.stdout).contains("Reusing the demo database"));
    assert!(dir.path().join("data/cumbre.db").exists());
    assert!(!dir.path().join("data/cumbre.db.incomplete").exists());
}

async fn cli_story(backend: Backend) {
    let db = fresh_db(backend).await;
    let url = db.url.as_str();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("org.csv");
    let file_arg = file.to_str().expect("utf-8");

    // No organisation yet: a clear one-line reason.
    std::fs::write(&file, "record,key,name,parent,kind,department,job_title,email,hire_date,manager\nunit,HQ,Casa Matriz,,company,,,,,\n").expect("write");
    let out = cumbre(&["import", "org", file_arg], Some(url));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cumbre tenant create"),
        "{}",
        text(&out.stderr)
    );

    let out = cumbre(&["tenant", "create", "Clínica Los Álamos"], Some(url));
    assert!(out.status.success(), "{}", text(&out.stderr));

    std::fs::write(
        &file,
        "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n\
         unit,HQ,Casa Matriz,,company,,,,,\n\
         unit,NORTE,Sede Norte,HQ,location,,,,,\n\
         person,P1,Dra. Sofía Herrera,NORTE,,Consulta,Directora médica,sofia@alamos.example,2015-02-01,\n\
         person,P2,Iván Gómez,NORTE,,Recepción,Recepcionista,not-an-email,2021-13-01,P1\n",
    )
    .expect("write");
    let out = cumbre(&["import", "org", file_arg], Some(url));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{file_arg}:5:")),
        "line numbers: {err}"
    );
    assert!(err.contains("not-an-email"), "{err}");
    assert_eq!(
        err.lines()
            .last()
            .map(|l| l.starts_with("error: 1 bad line")),
        Some(true),
        "{err}"
    );

    std::fs::write(
        &file,
        text(&std::fs::read(&file).expect("read"))
            .replace("not-an-email,2021-13-01", "ivan@alamos.example,2021-12-01"),
    )
    .expect("write");
    let out = cumbre(&["import", "org", file_arg, "--dry-run"], Some(url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 units, 2 people; nothing was written"));
    let out = cumbre(&["import", "org", file_arg], Some(url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("units 2 created"),
        "{}",
        text(&out.stdout)
    );

    let out = cumbre(
        &[
            "user",
            "add",
            "--email",
            "jefa@alamos.example",
            "--role",
            "manager",
            "--unit",
            "NORTE",
            "--password",
            "alamos-norte-1",
        ],
        Some(url),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cumbre(
        &[
            "user",
            "add",
            "--email",
            "x@alamos.example",
            "--role",
            "boss",
            "--password",
            "alamos-norte-1",
        ],
        Some(url),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("'boss' is not one of"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "one line: {}",
        text(&out.stderr)
    );

    let out = cumbre(
        &["token", "create", "--email", "jefa@alamos.example"],
        Some(url),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    assert!(token.starts_with("cumbre_"));
    let out = cumbre(
        &["token", "create", "--email", "nadie@alamos.example"],
        Some(url),
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no user with e-mail"));

    // The printed token works against the server, within the manager's scope.
    let store = cumbre_store::Store::connect(url).await.expect("connect");
    let state = cumbre_web::AppState::new(
        store,
        std::sync::Arc::new(cumbre_domain::clock::SystemClock),
        Default::default(),
    );
    let app = cumbre_web::router(state);
    use tower::ServiceExt;
    let req = axum::http::Request::get("/api/v1/units")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .expect("req");
    let resp = app.oneshot(req).await.expect("response");
    assert_eq!(resp.status(), 200);
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    let units: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let names: Vec<&str> = units
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert_eq!(names, ["Sede Norte"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_story_on_sqlite() {
    cli_story(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_story_on_postgres() {
    if postgres_url().is_some() {
        cli_story(Backend::Postgres).await
    }
}

#[test]
fn bench_runs_on_a_small_organisation() {
    let out = cumbre(
        &[
            "bench",
            "org",
            "--regions",
            "2",
            "--locations",
            "2",
            "--teams",
            "2",
            "--people",
            "3",
            "--runs",
            "3",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("15 units, 24 people"), "{report}");
    assert!(
        report.contains("| list a region's subtree, regional manager (7) |"),
        "{report}"
    );
}

#[test]
fn bad_arguments_fail_with_one_line() {
    for args in [
        &["serve", "--no-such-flag"][..],
        &["user", "add", "--email", "a@b.example"],
        &["frobnicate"],
    ] {
        let out = cumbre(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_builds_into_the_configured_database() {
    let db = fresh_db(if postgres_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    })
    .await;
    for expected in [
        "Built the demo organisation",
        "Reusing the organisation already in",
    ] {
        let out = cumbre(
            &["demo", "--no-serve", "--responses-scale", "0.002"],
            Some(&db.url),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(expected),
            "{}",
            text(&out.stdout)
        );
    }
    let store = cumbre_store::Store::connect(&db.url)
        .await
        .expect("connect");
    assert_eq!(
        store.list_tenants().await.expect("tenants").len(),
        1,
        "built once"
    );
    // The roll-ups the demo kept while loading equal those rebuilt from its responses.
    let tenant = store.list_tenants().await.expect("tenants")[0].0;
    let kept = store.rollup_rows(tenant).await.expect("rows");
    let out = cumbre(&["rebuild-rollups"], Some(&db.url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("responses rolled up") && said.contains("rebuilt in"),
        "{said}"
    );
    assert!(!kept.is_empty());
    assert_eq!(store.rollup_rows(tenant).await.expect("rows"), kept);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_dashboard_times_the_pages_against_a_raw_group_by() {
    let csv = tempfile::NamedTempFile::new().expect("temp file");
    let path = csv.path().display().to_string();
    // On SQLite (a temporary file) and, when there is one, on an empty PostgreSQL database.
    let pg = match postgres_url() {
        Some(_) => Some(fresh_db(Backend::Postgres).await),
        None => None,
    };
    // And on a SQLite file named by URL, whose size the report gives.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("named.db");
    let named = format!("sqlite:{}?mode=rwc", file.display());
    let mut urls = vec![None, Some(named.as_str())];
    if let Some(db) = &pg {
        urls.push(Some(db.url.as_str()));
    }
    for url in urls {
        let mut args = vec![
            "bench",
            "dashboard",
            "--responses",
            "3000",
            "--units",
            "20",
            "--touchpoints",
            "3",
            "--runs",
            "2",
            "--export-csv",
            &path,
        ];
        if let Some(url) = url {
            args.extend(["--database-url", url]);
        }
        let out = cumbre(&args, None);
        assert!(out.status.success(), "{url:?}: {}", text(&out.stderr));
        let report = text(&out.stdout);
        for row in [
            "| executive overview, default",
            "| unit page (one hotel)",
            "| answers holding a word no comment holds",
            "| last 90 days |",
            "roll-up rows: ",
        ] {
            assert!(report.contains(row), "{row}: {report}");
        }
        if url == Some(named.as_str()) {
            let size = std::fs::metadata(&file).expect("the named file").len() as f64 / 1e6;
            let shown = format!("database on disk: {size:.0} MB");
            assert!(size >= 0.5 && report.contains(&shown), "{shown}: {report}");
        }
    }
    let rows = std::fs::read_to_string(csv.path()).expect("export");
    assert_eq!(
        rows.lines().count(),
        3001,
        "a header and one line per response"
    );
}

#[test]
fn bench_responses_compares_durable_submission_with_a_bare_handler() {
    let out = cumbre(
        &["bench", "responses", "--clients", "2", "--seconds", "1"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let row = report
        .lines()
        .find(|l| l.starts_with("| 2 |"))
        .expect("a row for 2 clients");
    assert!(row.ends_with("| 0 |"), "no failed submission: {row}");
    let stored: usize = report
        .split("responses stored: ")
        .nth(1)
        .and_then(|s| s.trim().parse().ok())
        .expect("a count");
    assert!(stored > 0);
}

#[test]
fn bad_database_url_fails_with_one_line() {
    let out = cumbre(
        &[
            "migrate",
            "--database-url",
            "mysql://root:secret@localhost/x",
        ],
        None,
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains("secret"),
        "passwords never reach the terminal: {err}"
    );
}

/// A write the server acknowledged is in the database even if the process dies right after.
#[test]
fn acknowledged_writes_survive_a_crash() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8");
    assert!(
        cumbre(
            &[
                "demo",
                "--data-dir",
                data,
                "--no-serve",
                "--responses-scale",
                "0"
            ],
            None
        )
        .status
        .success()
    );
    let url = format!("sqlite:{data}/cumbre.db?mode=rwc");
    let token = text(
        &cumbre(
            &["token", "create", "--email", "admin@demo.test"],
            Some(&url),
        )
        .stdout,
    )
    .trim()
    .to_owned();

    let mut server = Server::serve(&url, &[]);
    let parent = {
        let units = server.get("/api/v1/units", &token).json();
        units
            .as_array()
            .expect("array")
            .iter()
            .find(|u| u["code"] == "CUN")
            .expect("Cancún")["id"]
            .clone()
    };
    for i in 0..20 {
        let body =
            format!("{{\"name\":\"Equipo durable {i}\",\"kind\":\"team\",\"parent_id\":{parent}}}");
        let reply = server.api("POST", "/api/v1/units", &token, &body);
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    server.kill();

    let count = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let store = cumbre_store::Store::connect(&url)
                .await
                .expect("reopen after crash");
            let units = store
                .list_units(&cumbre_domain::access::Scope::Tenant(
                    cumbre_domain::TenantId(1),
                ))
                .await
                .expect("units");
            units
                .iter()
                .filter(|u| u.name.starts_with("Equipo durable"))
                .count()
        })
    })
    .join()
    .expect("thread");
    assert_eq!(count, 20, "every acknowledged unit is there");
}

#[test]
fn surveys_and_responses_move_in_and_out_through_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8");
    assert!(
        cumbre(
            &[
                "demo",
                "--data-dir",
                data,
                "--no-serve",
                "--responses-scale",
                "0"
            ],
            None
        )
        .status
        .success()
    );
    let url = format!("sqlite:{data}/cumbre.db?mode=rwc");
    let run = |args: &[&str]| cumbre(args, Some(&url));

    // Export, edit, import as a new version.
    let out = run(&["survey", "export", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut def: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON definition");
    def["title"]["en"] = serde_json::json!("How was your holiday?");
    let file = dir.path().join("def.json");
    std::fs::write(&file, def.to_string()).expect("write");
    let out = run(&[
        "survey",
        "import",
        file.to_str().expect("path"),
        "--survey",
        "1",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "saved survey 1 as version 2");
    let out = run(&[
        "survey",
        "import",
        file.to_str().expect("path"),
        "--name",
        "Copia",
        "--unit",
        "CUN",
    ]);
    assert!(
        text(&out.stdout).starts_with("created draft survey"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&file, r#"{"title":{"es":"x","en":"y"},"questions":[{"key":"A B","type":"nps","prompt":{"es":"a"}}]}"#).expect("write");
    let out = run(&[
        "survey",
        "import",
        file.to_str().expect("path"),
        "--survey",
        "1",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("questions[0].key") && err.contains("questions[0].prompt"),
        "{err}"
    );
    assert!(
        run(&["survey", "export", "999"])
            .stderr
            .starts_with(b"error: no survey with id 999")
    );

    // Historical responses: every bad line reported, then all in, then a re-import adds nothing.
    let csv = dir.path().join("responses.csv");
    let header = "unit,touchpoint,submitted_at,language,employee,external_id,nps,best,purpose\n";
    std::fs::write(&csv, format!("{header}CUN,Después de la estancia,2025-07-14T18:20:00Z,es,E0005,crm-1,9,La alberca,family\nNOPE,7,2025-07-14,es,,crm-2,9,,\nCUN,After the stay,2025-07-15,en,,crm-3,11,,\n")).expect("write");
    let out = run(&[
        "import",
        "responses",
        csv.to_str().expect("path"),
        "--survey",
        "1",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(":3:") && err.contains(":4:") && err.contains("2 bad line(s)"),
        "{err}"
    );
    std::fs::write(&csv, format!("{header}CUN,Después de la estancia,2025-07-14T18:20:00Z,es,E0005,crm-1,9,La alberca,family\nCUN,After the stay,2025-07-15,en,,crm-3,10,,\n")).expect("write");
    let out = run(&[
        "import",
        "responses",
        csv.to_str().expect("path"),
        "--survey",
        "1",
        "--dry-run",
    ]);
    assert!(
        text(&out.stdout).contains("2 lines for survey 1; nothing was written"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[
        "import",
        "responses",
        csv.to_str().expect("path"),
        "--survey",
        "1",
    ]);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("imported {}: 2 new, 0 already imported", csv.display())
    );
    let out = run(&[
        "import",
        "responses",
        csv.to_str().expect("path"),
        "--survey",
        "1",
    ]);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("imported {}: 0 new, 2 already imported", csv.display())
    );
    assert!(
        !run(&["import", "responses", csv.to_str().expect("path")])
            .status
            .success(),
        "responses need --survey"
    );

    // External reviews go to the tenant's review store, also without duplicates.
    let reviews = dir.path().join("reviews.csv");
    std::fs::write(&reviews, "source,external_id,unit,touchpoint,submitted_at,language,rating,text\nTripAdvisor,tr-1,CUN,7,2025-08-02,en,4,\"Great pool, slow check-in\"\ngoogle,g-1,PDC,7,2025-08-03,es,2,Ruido toda la noche\n").expect("write");
    let out = run(&["import", "responses", reviews.to_str().expect("path")]);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("imported {}: 2 new, 0 already imported", reviews.display()),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["import", "responses", reviews.to_str().expect("path")]);
    assert!(text(&out.stdout).contains("0 new, 2 already imported"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounce_reports_from_a_mailbox_mark_invitations_all_or_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8").to_owned();
    let built = cumbre(
        &[
            "demo",
            "--data-dir",
            &data,
            "--no-serve",
            "--responses-scale",
            "0",
        ],
        None,
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let url = format!("sqlite:{data}/cumbre.db?mode=rwc");

    // One invitation, sent; its bounce comes back without the original headers.
    let store = cumbre_store::Store::connect(&url).await.expect("store");
    let tenant = store.list_tenants().await.expect("tenants")[0].0;
    let scope = cumbre_domain::access::Scope::Tenant(tenant);
    let survey = store
        .list_surveys(&scope)
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains("NPS"))
        .expect("survey");
    let unit = store
        .list_units(&scope)
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.code.as_deref() == Some("CUN"))
        .expect("hotel");
    let touchpoint = store.list_touchpoints(tenant).await.expect("touchpoints")[0].id;
    let now = cumbre_domain::clock::Clock::now(&cumbre_domain::clock::SystemClock);
    let recipient = cumbre_domain::listen::invitations::Recipient {
        line: 2,
        name: "Ana".into(),
        email: cumbre_domain::org::Email::parse("ana@huesped.example").expect("email"),
        language: cumbre_domain::Lang::Es,
        unit_id: unit.id.0,
        touchpoint_id: touchpoint,
        visit_date: None,
    };
    store
        .create_invitations(
            &scope,
            survey.id,
            None,
            &[recipient],
            &["t0k3n".repeat(8)],
            "test",
            now,
        )
        .await
        .expect("queued");
    let due = store.claim_due_invitations(now, 10).await.expect("claimed");
    store
        .invitation_sent(due[0].id, false, now)
        .await
        .expect("sent");
    drop(store);

    let report = dir.path().join("bounce.eml");
    std::fs::write(
        &report,
        "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; ana@huesped.example\nAction: failed\nStatus: 5.1.1\n",
    )
    .expect("write");
    let reply = dir.path().join("reply.eml");
    std::fs::write(&reply, "Subject: Re: encuesta\n\n¡Gracias!\n").expect("write");
    let paths = [
        report.to_str().expect("path"),
        reply.to_str().expect("path"),
    ];

    // A file that is not a report: nothing changes, and the reason is one line per file.
    let out = cumbre(&["invitations", "bounces", paths[0], paths[1]], Some(&url));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("reply.eml: this is not a delivery status report"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");

    let out = cumbre(&["invitations", "bounces", paths[0]], Some(&url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "invitation {} to ana@huesped.example bounced (5.1.1)",
            due[0].id
        )),
        "{said}"
    );
    assert!(said.contains("1 invitation(s) marked bounced"), "{said}");
    let store = cumbre_store::Store::connect(&url).await.expect("store");
    let batches = store
        .invitation_batches(&scope, survey.id)
        .await
        .expect("batches");
    assert_eq!(batches[0].counts.get("bounced"), Some(&1), "{batches:?}");
}

#[test]
fn the_scheduler_runs_one_pass_as_of_any_instant() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("c.db").display());
    let out = cumbre(
        &["scheduler", "run-once", "--now", "2026-12-01T09:00:00Z"],
        Some(&url),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("responses evaluated: 0, cases opened: 0, escalated: 0"),
        "{}",
        text(&out.stdout)
    );
    let bad = cumbre(&["scheduler", "run-once", "--now", "tomorrow"], Some(&url));
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("--now tomorrow: not an RFC 3339 instant"),
        "{err}"
    );
}

/// A configuration file, whatever it holds (any key, any value, any bytes, huge or deep),
/// is either used or refused with a one-line reason; it never crashes the command. The
/// command is the scheduler's single pass, which reads every setting it acts on (mail,
/// public address, webhook networks) and exits.
#[test]
fn any_configuration_file_is_used_or_refused_with_a_reason() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("c.db").display());
    let out = cumbre(&["migrate"], Some(&db));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = dir.path().join("cumbre.toml");
    let keys: Vec<&'static str> = vec![
        "bind",
        "secure_cookies",
        "session_hours",
        "log_format",
        "public_url",
        "smtp_url",
        "mail_from",
        "trusted_proxies",
        "webhook_allow",
        "database_url",
        "requird",
    ];
    let values = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "\\PC{0,40}".prop_map(|s| format!("{s:?}")),
        Just("\"10.0.0.0/33, ::1/129, 999.1.1.1\"".to_owned()),
        Just("\"smtp://user:pw@[::1]:99999\"".to_owned()),
        Just("\"http://\"".to_owned()),
        Just(format!("\"{}\"", "x".repeat(100_000))),
        Just(format!("{}1{}", "[".repeat(200), "]".repeat(200))),
        Just("{ a = { b = { c = 1 } } }".to_owned()),
        Just("1970-01-01T00:00:00Z".to_owned()),
    ];
    let document = prop_oneof![
        proptest::collection::vec((proptest::sample::select(keys), values), 0..6).prop_map(
            |pairs| pairs
                .into_iter()
                .map(|(k, v)| format!("{k} = {v}\n"))
                .collect::<String>()
                .into_bytes()
        ),
        proptest::collection::vec(any::<u8>(), 0..400),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&document, |bytes| {
            std::fs::write(&file, &bytes).expect("write");
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_cumbre"))
                .args(["scheduler", "run-once", "--config"])
                .arg(&file)
                .env("CUMBRE_DATABASE_URL", &db)
                .env_remove("CUMBRE_CONFIG")
                .output()
                .expect("cumbre runs");
            let err = text(&out.stderr);
            let shown: String = err.chars().take(600).collect();
            prop_assert!(!err.contains("panicked"), "{shown}");
            match out.status.code() {
                Some(0) => {}
                Some(1) => {
                    let reason = err.trim().lines().last().unwrap_or_default();
                    prop_assert!(
                        reason.starts_with("error:") && reason.chars().count() < 1_000,
                        "not a short one-line reason: {shown}"
                    );
                }
                other => prop_assert!(false, "exit {other:?}: {shown}"),
            }
            Ok(())
        })
        .expect("every file is used or refused with a reason");
}

#[test]
fn standards_come_in_from_a_file_all_lines_or_none_and_version_what_changed() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8");
    let built = cumbre(
        &[
            "demo",
            "--data-dir",
            data,
            "--no-serve",
            "--responses-scale",
            "0",
        ],
        None,
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let url = format!("sqlite:{data}/cumbre.db?mode=rwc");
    let file = dir.path().join("standards.csv");
    let path = file.to_str().expect("path");
    let import = |body: &str, dry: bool| {
        std::fs::write(&file, body).expect("write");
        let mut args = vec!["import", "standards", path];
        if dry {
            args.push("--dry-run");
        }
        cumbre(&args, Some(&url))
    };
    let header = "key,touchpoint,unit,department,name,kind,limit,time_unit,weight,critical\n";
    let good = "arrival-wait,llegada y CHECK-IN,,Recepción,Registro en 5 minutos,time,5,minutes,3,sí\n\
                cun-flowers,1,CUN,,Flores frescas en la habitación,behaviour,,,1,no\n";

    // Two bad lines among good ones: each reported, nothing written.
    let bad = format!(
        "{header}{good}late-call,no-such-moment,,,Llamada,time,3,rings,1,no\n\
         heavy,1,,,Demasiado peso,behaviour,,,0,no\n"
    );
    let out = import(&bad, false);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{path}:4:")), "{err}");
    assert!(err.contains(&format!("{path}:5:")), "{err}");
    assert!(!err.contains(&format!("{path}:2:")), "{err}");
    assert!(
        err.trim_end()
            .lines()
            .last()
            .expect("reason")
            .contains("2 bad line(s)"),
        "{err}"
    );

    let out = import(&format!("{header}{good}"), true);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 standards; nothing was written"));
    // Had the refused file or the dry run written anything, these would not be new.
    let out = import(&format!("{header}{good}"), false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 new, 0 changed (a new version each), 0 unchanged"),
        "{}",
        text(&out.stdout)
    );
    let out = import(&format!("{header}{good}"), false);
    assert!(
        text(&out.stdout).contains("0 new, 0 changed (a new version each), 2 unchanged"),
        "{}",
        text(&out.stdout)
    );
    let changed = good.replace("time,5,minutes", "time,4,minutes");
    let out = import(&format!("{header}{changed}"), false);
    assert!(
        text(&out.stdout).contains("0 new, 1 changed (a new version each), 1 unchanged"),
        "{}",
        text(&out.stdout)
    );

    // A file that is not one: its header says what it should be.
    let out = import("name,score\nx,1\n", false);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains(":1: "), "{}", text(&out.stderr));
}
