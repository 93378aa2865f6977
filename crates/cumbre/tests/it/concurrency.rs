//! Several processes on one database: the command line writing while a server runs.

use crate::process::{Server, cumbre, text};

const PASSWORD: &str = "cumbre-demo";

/// What `token create` printed: the token, on its own line.
pub(crate) fn create_token(url: &str, email: &str) -> String {
    let out = cumbre(&["token", "create", "--email", email], Some(url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// A fresh demo serves; the command line writes to its file while it runs (as an
/// administrator does); every write the command reports done is seen by the server at
/// once and is still there after the server stops and starts again.
#[test]
fn command_line_writes_reach_a_running_demo_server_at_once() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8");
    let url = format!("sqlite:{data}/cumbre.db?mode=rwc");
    let mut server = Server::demo(data);
    // Sessions are the server's own writes, interleaved with the command line's.
    for email in ["admin@demo.test", "manager@demo.test", "ceo@demo.test"] {
        server.sign_in(email, PASSWORD);
    }

    let mut tokens = Vec::new();
    for round in 0..50 {
        let token = create_token(&url, "admin@demo.test");
        let reply = server.get("/api/v1/units", &token);
        assert_eq!(reply.status, 200, "round {round}: {}", reply.body);
        tokens.push(token);
    }

    for round in 0..5 {
        let email = format!("nueva{round}@demo.test");
        // The password comes from the environment, as the README shows.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cumbre"))
            .args(["user", "add", "--email", &email, "--role", "executive"])
            .env("CUMBRE_DATABASE_URL", &url)
            .env("CUMBRE_USER_PASSWORD", "una-clave-larga-2026")
            .env_remove("CUMBRE_CONFIG")
            .output()
            .expect("cumbre runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        server.sign_in(&email, "una-clave-larga-2026");
    }

    let csv = dir.path().join("org.csv");
    for round in 0..5 {
        std::fs::write(
            &csv,
            format!(
                "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n\
                 unit,BESIDE{round},Equipo junto {round},CUN,team,,,,,\n"
            ),
        )
        .expect("csv");
        let out = cumbre(&["import", "org", csv.to_str().expect("utf-8")], Some(&url));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let units = server.get("/api/v1/units", &tokens[0]).json();
        let name = format!("Equipo junto {round}");
        assert!(
            units
                .as_array()
                .expect("units")
                .iter()
                .any(|u| u["name"] == name.as_str()),
            "round {round}: the imported unit is listed"
        );
    }

    // Nothing the command line reported is lost by the server's later writes.
    server.sign_in("regional@demo.test", PASSWORD);
    server.kill();
    let server = Server::serve(&url, &[]);
    for (i, token) in tokens.iter().enumerate() {
        let reply = server.get("/api/v1/units", token);
        assert_eq!(reply.status, 200, "token {i} after a restart");
    }
    server.sign_in("nueva4@demo.test", "una-clave-larga-2026");
}

crate::harness::both!(acknowledged_responses_survive_a_kill_under_load,);

/// A database with the demo organisation (no history) and an administrator's token.
pub(crate) fn demo_database(url: &str) -> String {
    let out = cumbre(&["demo", "--no-serve", "--responses-scale", "0"], Some(url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    create_token(url, "admin@demo.test")
}

/// The NPS survey's id, a hotel's and a touchpoint's, read through the API.
pub(crate) fn submission_target(server: &Server, token: &str) -> (i64, i64, i64) {
    let find = |path: &str, field: &str, part: &str| -> i64 {
        let list = server.get(path, token).json();
        list.as_array()
            .expect("list")
            .iter()
            .find(|x| x[field].as_str().unwrap_or_default().contains(part))
            .and_then(|x| x["id"].as_i64())
            .unwrap_or_else(|| panic!("{path}: no {part}"))
    };
    let survey = find("/api/v1/surveys", "name", "NPS");
    let unit = find("/api/v1/units", "code", "CUN");
    let touchpoints = server.get("/api/v1/touchpoints", token).json();
    let touchpoint = touchpoints[0]["id"].as_i64().expect("touchpoint");
    (survey, unit, touchpoint)
}

/// Submits through the API from `clients` threads until `stop`; returns every
/// acknowledged (key, id).
pub(crate) fn submit_until(
    addr: &str,
    token: &str,
    target: (i64, i64, i64),
    clients: usize,
    prefix: &str,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<std::thread::JoinHandle<Vec<(String, i64)>>> {
    use std::sync::atomic::Ordering;
    let (survey, unit, touchpoint) = target;
    (0..clients)
        .map(|c| {
            let (addr, token, stop) = (addr.to_owned(), token.to_owned(), stop.clone());
            let prefix = prefix.to_owned();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let path = format!("/api/v1/surveys/{survey}/responses");
                let auth = format!("Bearer {token}");
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("{prefix}-{c}-{i}");
                    let body = format!(
                        "{{\"unit_id\":{unit},\"touchpoint_id\":{touchpoint},\"answers\":{{\"nps\":{},\"fix\":\"{key}\"}}}}",
                        // Detractors: the survey asks them what to fix, where the key goes.
                        i % 7
                    );
                    let Some(reply) = crate::process::try_http(
                        &addr,
                        "POST",
                        &path,
                        &[
                            ("Authorization", &auth),
                            ("Content-Type", "application/json"),
                            ("Idempotency-Key", &key),
                        ],
                        &body,
                    ) else {
                        // The server is gone: nothing more is acknowledged.
                        break;
                    };
                    match reply.status {
                        201 => acked.push((key, reply.json()["id"].as_i64().expect("id"))),
                        // The connection was cut as the server died.
                        0 => break,
                        other => panic!("a submission failed ({other}): {}", reply.body),
                    }
                }
                acked
            })
        })
        .collect()
}

/// Every (key, id) acknowledged is stored exactly once: replaying its key finds the same
/// response, and the search for the run's answers lists each key once.
pub(crate) fn assert_each_stored_once(
    server: &Server,
    token: &str,
    target: (i64, i64, i64),
    prefix: &str,
    acked: &[(String, i64)],
) -> usize {
    let mut found: std::collections::HashMap<String, Vec<i64>> = Default::default();
    let mut cursor = String::new();
    loop {
        let page = server
            .get(
                &format!("/api/v1/responses?q={prefix}&limit=1000&cursor={cursor}"),
                token,
            )
            .json();
        for item in page["items"].as_array().expect("items") {
            let fix = item["answers"]["fix"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            found
                .entry(fix)
                .or_default()
                .push(item["id"].as_i64().expect("id"));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut lost = Vec::new();
    for (key, id) in acked {
        match found.get(key).map(Vec::as_slice) {
            Some([one]) => assert_eq!(one, id, "{key} keeps its id"),
            Some(many) if many.len() > 1 => panic!("{key} stored {} times", many.len()),
            _ => lost.push(key.clone()),
        }
    }
    assert!(
        lost.is_empty(),
        "{} acknowledged responses lost: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    for ids in found.values() {
        assert_eq!(ids.len(), 1, "no answer is stored twice");
    }
    // A replayed key answers with the stored response.
    if let Some((key, id)) = acked.last() {
        let (survey, unit, touchpoint) = target;
        let reply = server.request(
            "POST",
            &format!("/api/v1/surveys/{survey}/responses"),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/json"),
                ("Idempotency-Key", key),
            ],
            &format!(
                "{{\"unit_id\":{unit},\"touchpoint_id\":{touchpoint},\"answers\":{{\"nps\":3}}}}"
            ),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["id"].as_i64(), Some(*id));
    }
    found.len()
}

/// The real submission API under concurrent clients, the server killed with SIGKILL
/// mid-load, restarted: every response it acknowledged is there, exactly once. One round
/// here; `scripts/crash-test.sh N` runs N (`CUMBRE_CRASH_ROUNDS`) and prints each.
async fn acknowledged_responses_survive_a_kill_under_load(backend: crate::harness::Backend) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let rounds: usize = std::env::var("CUMBRE_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let db = crate::harness::fresh_db(backend).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let token = demo_database(&url);
        let mut server = Server::serve(&url, &[]);
        let target = submission_target(&server, &token);
        for round in 0..rounds {
            let prefix = format!("crash{round}x");
            let stop = std::sync::Arc::new(AtomicBool::new(false));
            let clients = submit_until(&server.addr, &token, target, 16, &prefix, &stop);
            // Kill at a different point of the load each round.
            std::thread::sleep(std::time::Duration::from_millis(1200 + 97 * round as u64 % 700));
            server.kill();
            stop.store(true, Ordering::Relaxed);
            let acked: Vec<(String, i64)> = clients
                .into_iter()
                .flat_map(|c| c.join().expect("client"))
                .collect();
            server = Server::serve(&url, &[]);
            let stored = assert_each_stored_once(&server, &token, target, &prefix, &acked);
            eprintln!(
                "{backend:?} round {}: acknowledged {}, found {}, lost 0 (stored {stored}, of which answered but not acknowledged {})",
                round + 1,
                acked.len(),
                acked.len(),
                stored - acked.len()
            );
            assert!(acked.len() > 50, "the load was real: {} acknowledged", acked.len());
        }
    })
    .await
    .expect("run");
}

/// A page's CSRF token (its hidden `csrf` field), read as a signed-in browser.
/// Uploads `csv` through `server`'s survey page as its administrator does.
fn upload_invitations(server: &Server, survey: i64, csv: &str) {
    let cookie = server.sign_in("admin@demo.test", PASSWORD);
    let survey_path = format!("/surveys/{survey}");
    let csrf = page_csrf(server, &survey_path, &cookie);
    let boundary = "cumbreboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"i.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let uploaded = server.request(
        "POST",
        &format!("{survey_path}/invitations"),
        &[
            ("Cookie", &cookie),
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            ),
        ],
        &body,
    );
    assert!(
        uploaded.status == 303 || uploaded.status == 200,
        "{} {}",
        uploaded.status,
        uploaded.body
    );
}

fn page_csrf(server: &Server, path: &str, cookie: &str) -> String {
    let page = server.request("GET", path, &[("Cookie", cookie)], "");
    crate::harness::hidden_csrf(&page.body).expect("the page carries its CSRF token")
}

/// Two servers on one PostgreSQL (the way a company scales out): submissions through both,
/// invitations, rules, escalations and notifications. Every e-mail and webhook goes out
/// once, every response counts once in the roll-ups (the same after a rebuild), and no
/// request fails (no deadlock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgresql_do_everything_once() {
    use std::sync::atomic::{AtomicBool, Ordering};
    if crate::harness::postgres_url().is_none() {
        return;
    }
    let db = crate::harness::fresh_db(crate::harness::Backend::Postgres).await;
    let sink = crate::smtp::SmtpSink::start().await;
    let (hook, calls) = crate::recover::receiver(204).await;
    let (url, smtp) = (db.url.clone(), sink.url());
    let summary = tokio::task::spawn_blocking(move || {
        let token = demo_database(&url);
        let env = [
            ("CUMBRE_SMTP_URL", smtp.as_str()),
            ("CUMBRE_WEBHOOK_ALLOW", "127.0.0.1"),
            ("CUMBRE_PUBLIC_URL", "https://encuestas.sierraazul.example"),
        ];
        let (a, b) = (Server::serve(&url, &env), Server::serve(&url, &env));
        let target = submission_target(&a, &token);
        // A rule with a webhook, written through one server.
        let rule = a.api(
            "POST",
            "/api/v1/rules",
            &token,
            &format!(
                "{{\"name\":\"Tickets\",\"unit_id\":{},\"definition\":{{\"conditions\":[{{\"kind\":\"score\",\"type\":\"nps\",\"at_most\":1}}],\"webhook\":\"{hook}\",\"notify\":[\"calidad@sierraazul.example\"]}}}}",
                target.1
            ),
        );
        assert_eq!(rule.status, 201, "{}", rule.body);
        // Invitations uploaded through the other.
        let mut csv = String::from("name,email,language,unit,touchpoint,visit_date\n");
        for i in 0..20 {
            csv.push_str(&format!("Huésped {i},huesped{i}@example.com,es,CUN,{},\n", target.2));
        }
        upload_invitations(&b, target.0, &csv);
        // Submissions through both at once.
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let mut clients = submit_until(&a.addr, &token, target, 4, "twoa", &stop);
        clients.extend(submit_until(&b.addr, &token, target, 4, "twob", &stop));
        std::thread::sleep(std::time::Duration::from_millis(1500));
        stop.store(true, Ordering::Relaxed);
        let acked: Vec<(String, i64)> = clients
            .into_iter()
            .flat_map(|c| c.join().expect("client"))
            .collect();
        // Escalations: both servers' schedulers, and two passes from the command line at
        // once as of a day later.
        let later = "2099-01-01T12:00:00Z";
        let passes: Vec<_> = (0..2)
            .map(|_| {
                let (url, smtp) = (url.clone(), smtp.clone());
                std::thread::spawn(move || {
                    std::process::Command::new(env!("CARGO_BIN_EXE_cumbre"))
                        .args(["scheduler", "run-once", "--now", later])
                        .env("CUMBRE_DATABASE_URL", &url)
                        .env("CUMBRE_SMTP_URL", &smtp)
                        .env("CUMBRE_WEBHOOK_ALLOW", "127.0.0.1")
                        .env("RUST_LOG", "warn")
                        .env_remove("CUMBRE_CONFIG")
                        .output()
                        .expect("cumbre runs")
                })
            })
            .collect();
        for p in passes {
            let out = p.join().expect("pass");
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
        // Wait until both servers drained the outboxes.
        let mut quiet = 0;
        let mut last = serde_json::Value::Null;
        for _ in 0..120 {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let queued = a.get("/api/v1/notifications?status=queued&limit=1000", &token).json();
            let sending = a.get("/api/v1/notifications?status=sending&limit=1000", &token).json();
            let busy = queued["items"].as_array().is_some_and(|i| !i.is_empty())
                || sending["items"].as_array().is_some_and(|i| !i.is_empty());
            quiet = if busy { 0 } else { quiet + 1 };
            last = queued;
            if quiet >= 6 {
                break;
            }
        }
        assert!(quiet >= 6, "the outboxes drained: {last}");
        let before = a.get("/api/v1/metrics?metric=nps&from=2020-01-01&to=2030-12-31", &token).json();
        (acked, before, token)
    })
    .await
    .expect("run");
    let (acked, before, token) = summary;
    assert!(acked.len() > 50, "{} acknowledged", acked.len());

    // Each webhook call once, for each webhook notification sent.
    let calls = calls.lock().expect("calls").clone();
    let mut ids: Vec<&str> = calls.iter().map(|c| c.headers[0].1.as_str()).collect();
    ids.sort_unstable();
    let distinct = {
        let mut d = ids.clone();
        d.dedup();
        d.len()
    };
    assert_eq!(distinct, ids.len(), "no webhook call went twice");
    // Counted in the database: the outbox listing shows the latest thousand only.
    let store = cumbre_store::Store::connect(&db.url).await.expect("store");
    let counts = store
        .notification_counts(cumbre_domain::TenantId(1))
        .await
        .expect("counts");
    store.close().await;
    let count = |channel: &str| {
        counts
            .iter()
            .filter(|(c, s, _)| c == channel && s == "sent")
            .map(|(_, _, n)| *n as usize)
            .sum::<usize>()
    };
    let webhooks_sent = count("webhook");
    assert!(webhooks_sent > 0, "the rule fired");
    assert_eq!(calls.len(), webhooks_sent);
    // Each e-mail once: one invitation per guest, one message per e-mail notification.
    let mails = sink.mails();
    for i in 0..20 {
        let to = format!("huesped{i}@example.com");
        let n = mails.iter().filter(|m| m.to.contains(&to)).count();
        assert_eq!(n, 1, "{to} got {n} invitations");
    }
    let email_notifications = count("email");
    let guests = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.starts_with("huesped")))
        .count();
    assert_eq!(
        mails.len() - guests,
        email_notifications,
        "every notification e-mail once"
    );
    // Roll-ups: every response counted once, the same after a rebuild.
    let total = before["items"][0]["n"].as_i64().expect("n");
    assert_eq!(total as usize, acked.len(), "{before}");
    let store = cumbre_store::Store::connect(&db.url).await.expect("store");
    let tenant = cumbre_domain::TenantId(1);
    let kept = store.rollup_rows(tenant).await.expect("rows");
    let out = cumbre(&["rebuild-rollups"], Some(&db.url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        store.rollup_rows(tenant).await.expect("rows"),
        kept,
        "roll-ups and running totals kept by two servers at once equal a rebuild"
    );
    store.close().await;
    let server = Server::serve(&db.url, &[]);
    let after = server
        .get(
            "/api/v1/metrics?metric=nps&from=2020-01-01&to=2030-12-31",
            &token,
        )
        .json();
    assert_eq!(after["items"][0]["n"], before["items"][0]["n"], "{after}");
}

/// Two servers on one database. Server A has just accepted submissions with a token and
/// through a survey's shared link (and keeps what it read); server B revokes the token,
/// then closes the survey. A refuses the very next submission each time, API and form,
/// although nothing told it: submissions start from what a server keeps, and their write
/// checks in its own transaction that nothing changed.
async fn a_change_made_on_another_server_stops_the_next_submission(
    backend: crate::harness::Backend,
) {
    let db = crate::harness::fresh_db(backend).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let admin = demo_database(&url);
        let (a, b) = (Server::serve(&url, &[]), Server::serve(&url, &[]));
        let target = submission_target(&a, &admin);
        let submit = |token: &str, key: &str| {
            a.api(
                "POST",
                &format!("/api/v1/surveys/{}/responses", target.0),
                token,
                &format!(
                    "{{\"unit_id\":{},\"touchpoint_id\":{},\"answers\":{{\"nps\":9,\"fix\":\"{key}\"}}}}",
                    target.1, target.2
                ),
            )
        };
        let manager = create_token(&url, "manager@demo.test");
        for i in 0..20 {
            assert_eq!(submit(&manager, &format!("warm-{i}")).status, 201);
            assert_eq!(submit(&admin, &format!("warm-admin-{i}")).status, 201);
        }

        // A respondent answers on A through a shared link (A keeps the link).
        let link = a.api(
            "POST",
            &format!("/api/v1/surveys/{}/links", target.0),
            &admin,
            &format!(
                "{{\"unit_id\":{},\"touchpoint_id\":{}}}",
                target.1, target.2
            ),
        );
        assert_eq!(link.status, 201, "{}", link.body);
        let page = link.json()["path"].as_str().expect("path").to_owned();
        let answer = |n: usize| {
            let form = a.request("GET", &page, &[], "");
            assert_eq!(form.status, 200, "{}", form.body);
            let key = form
                .body
                .split("name=\"idempotency_key\" value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("the page's key")
                .to_owned();
            a.request(
                "POST",
                &page,
                &[("Content-Type", "application/x-www-form-urlencoded")],
                &format!("lang=es&idempotency_key={key}-{n}&q.nps=10"),
            )
        };
        for n in 0..5 {
            assert_eq!(answer(n).status, 303);
        }
        let kiosk = |key: &str| {
            a.request(
                "POST",
                &format!("{page}/kiosk"),
                &[("Content-Type", "application/json")],
                &format!("{{\"key\":\"{key}\",\"answers\":{{\"nps\":9}}}}"),
            )
        };
        assert_eq!(kiosk("tablet-1").status, 201);

        // B revokes the manager's token (the owner signs in there).
        let cookie = b.sign_in("manager@demo.test", PASSWORD);
        let list = b.request("GET", "/tokens", &[("Cookie", &cookie)], "");
        let id = list
            .body
            .split("/tokens/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .expect("a revoke form")
            .to_owned();
        let csrf = page_csrf(&b, "/tokens", &cookie);
        let revoked = b.request(
            "POST",
            &format!("/tokens/{id}/revoke"),
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!("csrf={csrf}"),
        );
        assert_eq!(revoked.status, 303, "{}", revoked.body);
        let refused = submit(&manager, "after-revoke");
        assert_eq!(refused.status, 401, "{}", refused.body);

        // B closes the survey; A's next live submission is refused with the reason.
        let closed = b.api(
            "POST",
            &format!("/api/v1/surveys/{}/status", target.0),
            &admin,
            "{\"status\":\"closed\"}",
        );
        assert_eq!(closed.status, 200, "{}", closed.body);
        let refused = submit(&admin, "after-close");
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(refused.json()["error"], "conflict", "{}", refused.body);
        assert!(
            refused.body.contains("no está recibiendo respuestas"),
            "{}",
            refused.body
        );
        let form = a.request(
            "POST",
            &page,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "lang=es&idempotency_key=after-close&q.nps=10",
        );
        assert_eq!(form.status, 410, "{}", form.body);
        assert_eq!(kiosk("tablet-2").status, 410);
        // Nothing of the refused ones was stored.
        let stored = a.get("/api/v1/responses?q=after&limit=100", &admin).json();
        assert_eq!(stored["items"].as_array().map(Vec::len), Some(0), "{stored}");
    })
    .await
    .expect("test thread");
}

crate::harness::both!(a_change_made_on_another_server_stops_the_next_submission,);

/// A server with mail but no `public_url` says at start that invitations wait, and sends
/// none (their links would point at whatever address it listens on); started again with
/// `public_url`, it sends each one once, with links on that address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_wait_for_a_public_address_then_go_out_once() {
    let db = crate::harness::fresh_db(crate::harness::Backend::Sqlite).await;
    let sink = crate::smtp::SmtpSink::start().await;
    let (url, smtp) = (db.url.clone(), sink.url());
    let server_env = |public: Option<&'static str>| {
        let mut env = vec![("CUMBRE_SMTP_URL".to_owned(), smtp.clone())];
        if let Some(p) = public {
            env.push(("CUMBRE_PUBLIC_URL".to_owned(), p.to_owned()));
        }
        env
    };
    let (first, second) = (
        server_env(None),
        server_env(Some("https://encuestas.sierraazul.example")),
    );
    let waited = tokio::task::spawn_blocking(move || {
        let token = demo_database(&url);
        let env: Vec<(&str, &str)> = first.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let server = Server::serve(&url, &env);
        assert!(
            server.startup.iter().any(|l| l.contains("invitations wait in the queue")),
            "the log says why: {:?}",
            server.startup
        );
        let (survey, _, touchpoint) = submission_target(&server, &token);
        let csv = format!(
            "name,email,language,unit,touchpoint,visit_date\nAna,ana@example.com,es,CUN,{touchpoint},\nBeto,beto@example.com,en,CUN,{touchpoint},\n"
        );
        upload_invitations(&server, survey, &csv);
        // Longer than the job's pass would take if it ran.
        std::thread::sleep(std::time::Duration::from_secs(4));
        drop(server);
        (url, second)
    })
    .await
    .expect("test thread");
    assert!(
        sink.mails().is_empty(),
        "nothing goes out without a public address"
    );

    let (url, second) = waited;
    let arrived = sink.mails.clone();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = second
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let server = Server::serve(&url, &env);
        assert!(
            !server
                .startup
                .iter()
                .any(|l| l.contains("invitations wait")),
            "{:?}",
            server.startup
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while arrived.lock().expect("mails").len() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        // A little longer: a repeat would show now.
        std::thread::sleep(std::time::Duration::from_secs(2));
        drop(server);
    })
    .await
    .expect("test thread");
    let mails = sink.mails();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["ana@example.com", "beto@example.com"], "each once");
    for mail in &mails {
        assert!(
            mail.text()
                .contains("https://encuestas.sierraazul.example/s/"),
            "{}",
            mail.text()
        );
    }
}

/// Server A saves a survey's draft just as server B publishes it, and B's publish gets in
/// first (forced: both wait behind a transaction the test holds, B queued first). A's save
/// must then make a new version: the published one never changes in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_saved_as_another_server_publishes_makes_a_new_version() {
    use sqlx::Connection;
    if crate::harness::postgres_url().is_none() {
        return;
    }
    let db = crate::harness::fresh_db(crate::harness::Backend::Postgres).await;
    let url = db.url.clone();
    let (token, survey, a, b) = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let token = demo_database(&url);
            let (a, b) = (Server::serve(&url, &[]), Server::serve(&url, &[]));
            let unit = submission_target(&a, &token).1;
            let created = a.api(
                "POST",
                "/api/v1/surveys",
                &token,
                &format!("{{\"name\":\"Carrera\",\"owner_unit_id\":{unit},\"template\":\"post-stay-nps\"}}"),
            );
            assert_eq!(created.status, 201, "{}", created.body);
            let survey = created.json()["id"].as_i64().expect("id");
            (token, survey, a, b)
        })
        .await
        .expect("setup")
    };
    let definition = {
        let got = a.get(&format!("/api/v1/surveys/{survey}"), &token).json();
        let mut d = got["definition"].clone();
        d["title"]["es"] = serde_json::json!("Título nuevo");
        d.to_string()
    };
    // Every write that can change a survey takes the cache epoch's row first: hold it.
    let mut holder = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let mut watch = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::query("BEGIN")
        .execute(&mut holder)
        .await
        .expect("begin");
    sqlx::query("UPDATE cache_epoch SET n = n WHERE id = 1")
        .execute(&mut holder)
        .await
        .expect("lock");
    let (b_addr, a_addr, t1, t2) = (b.addr.clone(), a.addr.clone(), token.clone(), token.clone());
    let publish = std::thread::spawn(move || {
        crate::process::api_at(
            &b_addr,
            "POST",
            &format!("/api/v1/surveys/{survey}/status"),
            &t1,
            "{\"status\":\"published\"}",
        )
    });
    while lock_waiters(&mut watch).await < 1 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let body = definition.clone();
    let save = std::thread::spawn(move || {
        crate::process::api_at(
            &a_addr,
            "PUT",
            &format!("/api/v1/surveys/{survey}/definition"),
            &t2,
            &body,
        )
    });
    while lock_waiters(&mut watch).await < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sqlx::query("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("release");
    let published = publish.join().expect("publish");
    let saved = save.join().expect("save");
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        saved.json()["version"],
        2,
        "the save after the publish is a new version: {}",
        saved.body
    );
    let now = a.get(&format!("/api/v1/surveys/{survey}"), &token).json();
    assert_eq!(now["status"], "published");
    assert_eq!(now["version"], 2);
    drop((a, b));
}

/// Sessions of this database waiting for a lock.
async fn lock_waiters(conn: &mut sqlx::AnyConnection) -> i64 {
    let row = sqlx::query(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM pg_stat_activity \
         WHERE wait_event_type = 'Lock' AND datname = current_database()",
    )
    .fetch_one(conn)
    .await
    .expect("activity");
    sqlx::Row::get::<i64, _>(&row, "n")
}

crate::harness::both!(the_scheduler_runs_while_the_command_line_rereads_comments,);

/// A scheduler pass (a server's, or `cumbre scheduler run-once`) while the command line
/// reads every comment again: each month's pass makes that month's mystery-shopper
/// visits, reading what was made before it writes, while the other process writes batch
/// after batch. Both finish. On SQLite such a transaction used to fail at once with
/// "database is locked" when the other process had written between its read and its write.
async fn the_scheduler_runs_while_the_command_line_rereads_comments(
    backend: crate::harness::Backend,
) {
    let app = crate::harness::TestApp::demo_with_history(backend, 0.02).await;
    let url = app._db.url.clone();
    for month in 1..=4 {
        let now = format!("2027-{month:02}-15T12:00:00Z");
        let reread = {
            let url = url.clone();
            std::thread::spawn(move || cumbre(&["text", "reanalyse"], Some(&url)))
        };
        let pass = cumbre(&["scheduler", "run-once", "--now", &now], Some(&url));
        assert!(pass.status.success(), "{now}: {}", text(&pass.stderr));
        let reread = reread.join().expect("reanalyse thread");
        assert!(reread.status.success(), "{now}: {}", text(&reread.stderr));
    }
}
