//! Several processes on one database: the command line writing while a server runs.

use crate::process::{Server, cumbre, text};

const PASSWORD: &str = "cumbre-demo";

/// What `token create` printed: the token, on its own line.
fn create_token(url: &str, email: &str) -> String {
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
                    if reply.status == 201 {
                        let id = reply.json()["id"].as_i64().expect("id");
                        acked.push((key, id));
                    } else if reply.status == 0 {
                        break;
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
