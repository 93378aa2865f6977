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
