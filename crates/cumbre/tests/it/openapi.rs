//! The OpenAPI document against the API it describes: every answer any test gets from
//! `/api/v1` is checked against it (`check_answer`, called by the harness for each
//! request), and schemathesis, an independent fuzzer, runs every one of its checks
//! against a served demo on both databases.

use crate::harness::{Backend, TestApp};
use crate::process::{Server, cumbre, text};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// The document as the server serves it.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(cumbre_web::platform::openapi::document()).expect("the document is JSON")
});

/// Compiled response schemas, by their pointer in the document.
static VALIDATORS: LazyLock<Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>> =
    LazyLock::new(Default::default);

/// The documented path template (`/api/v1/cases/{id}`) that `path` is an instance of.
fn template_of(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').collect();
    DOCUMENT["paths"]
        .as_object()?
        .keys()
        .find(|t| {
            let tp: Vec<&str> = t.split('/').collect();
            tp.len() == parts.len()
                && tp
                    .iter()
                    .zip(&parts)
                    .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}')))
        })
        .cloned()
}

/// `~` and `/` escaped for a JSON pointer.
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// Panics unless the answer to `method path` is one the document describes: a documented
/// status, and a JSON body that matches its schema. Paths outside `/api/v1` (and the
/// document itself) are not its business.
pub fn check_answer(
    method: &Method,
    path: &str,
    status: StatusCode,
    content_type: &str,
    body: &str,
) {
    if !path.starts_with("/api/v1/") || path.starts_with("/api/v1/openapi.json") {
        return;
    }
    let Some(template) = template_of(path) else {
        // An unknown path: the router's 404, outside any operation.
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{method} {path}: not in the document"
        );
        return;
    };
    let verb = method.as_str().to_ascii_lowercase();
    let operation = &DOCUMENT["paths"][&template][&verb];
    if operation.is_null() {
        assert_eq!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {template} is not documented, yet answered {status}"
        );
        return;
    }
    let code = status.as_u16().to_string();
    let response = &operation["responses"][&code];
    assert!(
        !response.is_null(),
        "{method} {template} answered {status}, which the document does not list: {body}"
    );
    let Some(content) = response["content"].as_object() else {
        assert!(
            body.is_empty(),
            "{method} {template} {status} is documented without a body, yet has one: {body}"
        );
        return;
    };
    // One of the documented types (a photo is a JPEG or a PNG).
    let media = content
        .keys()
        .find(|m| content_type.starts_with(m.as_str()))
        .unwrap_or_else(|| {
            panic!(
                "{method} {template} {status}: content type {content_type}, documented {:?}",
                content.keys().collect::<Vec<_>>()
            )
        });
    if media != "application/json" {
        return;
    }
    let pointer = format!(
        "#/paths/{}/{verb}/responses/{code}/content/{}/schema",
        escape(&template),
        escape(media)
    );
    let validator = {
        let mut cache = VALIDATORS.lock().expect("cache");
        cache
            .entry(pointer.clone())
            .or_insert_with(|| {
                // The whole document is the root, so that `#/components/...` resolves.
                let mut root = DOCUMENT.clone();
                root["$ref"] = Value::String(pointer.clone());
                std::sync::Arc::new(
                    jsonschema::draft202012::options()
                        .should_validate_formats(true)
                        .build(&root)
                        .unwrap_or_else(|e| panic!("{pointer} does not compile: {e}")),
                )
            })
            .clone()
    };
    let value: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{method} {template} {status}: not JSON ({e}): {body}"));
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match the document: {errors:?}\n{}",
        body.chars().take(2000).collect::<String>()
    );
}

/// The document is served, public, and names every operation the router has: the
/// router and the document come from one list of handlers, and each operation has a
/// summary, its success answers and the shared error answers.
async fn the_document_is_served_and_describes_every_operation(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let reply = app.get(None, "/api/v1/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc, *DOCUMENT);
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (verb, op) in item.as_object().expect("operations") {
            operations += 1;
            let label = format!("{verb} {path}");
            assert!(op["summary"].is_string(), "{label} has no summary");
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|c| c.starts_with('2')),
                "{label} documents no success"
            );
            for code in ["401", "403", "404", "422", "500"] {
                assert!(responses.contains_key(code), "{label} lacks {code}");
            }
            // Every operation actually exists: an anonymous call is refused for want of a
            // token, not for want of a route.
            let concrete = path.replace("{id}", "1");
            let method = Method::from_bytes(verb.to_ascii_uppercase().as_bytes()).expect("verb");
            let reply = app
                .send(
                    axum::http::Request::builder()
                        .method(method)
                        .uri(&concrete)
                        .body(axum::body::Body::empty())
                        .expect("request"),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{label}: {}",
                reply.body
            );
        }
    }
    assert!(operations >= 42, "only {operations} operations");
    // Error answers have the documented shape, in the caller's language.
    let token = app.token("manager@demo.test").await;
    let refused = app
        .api(
            &token,
            Method::POST,
            "/api/v1/units",
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"], "forbidden");
}

/// A number with a zero fraction is the integer it equals (JSON Schema's reading), and a
/// body that does not fit says so without naming Rust types.
async fn integral_numbers_are_integers_and_type_errors_speak_plainly(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let parent = app.unit_id("CUN").await;
    let made = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/units",
            Some(
                serde_json::json!({"name": "Terraza", "kind": "team", "parent_id": parent as f64}),
            ),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.json()["parent_id"], parent);
    let refused = app
        .api(
            &admin,
            Method::POST,
            "/api/v1/units",
            Some(serde_json::json!({"name": "Terraza 2", "kind": "team", "parent_id": 1.5})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("an integer"), "{message}");
    assert!(!message.contains("i64"), "{message}");
}

crate::harness::both!(
    the_document_is_served_and_describes_every_operation,
    integral_numbers_are_integers_and_type_errors_speak_plainly,
);

/// schemathesis (PyPI) against a served demo, every check on: no 5xx, every answer
/// matches its schema and status, schema-valid input accepted, invalid input refused with
/// a 4xx. `tests/schemathesis.toml` widens only the statuses it must, each with why.
/// Skipped where `st` is missing, unless `CUMBRE_TEST_REQUIRE_SCHEMATHESIS` is set (CI).
async fn schemathesis_finds_no_failure(backend: Backend) {
    if std::process::Command::new("st")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CUMBRE_TEST_REQUIRE_SCHEMATHESIS").is_err(),
            "pip install schemathesis"
        );
        eprintln!("skipping: schemathesis (st) is not installed");
        return;
    }
    let db = crate::harness::fresh_db(backend).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let out = cumbre(
            &["demo", "--no-serve", "--responses-scale", "0.003"],
            Some(&url),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let token = crate::concurrency::create_token(&url, "admin@demo.test");
        let server = Server::serve(&url, &[]);
        let examples = std::env::var("CUMBRE_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "8".into());
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis.toml");
        // A fixed seed, so that a run can be repeated; `random` for a new one each time.
        let seed = std::env::var("CUMBRE_SCHEMATHESIS_SEED").unwrap_or_else(|_| "2026".into());
        let seeded: Vec<String> = if seed == "random" {
            Vec::new()
        } else {
            vec!["--seed".into(), seed]
        };
        // Its cache and reports go to a scratch folder, not the source tree.
        let scratch = tempfile::tempdir().expect("scratch folder");
        let run = std::process::Command::new("st")
            .current_dir(scratch.path())
            .args([
                "--no-color",
                "--config-file",
                config,
                "run",
                &format!("http://{}/api/v1/openapi.json", server.addr),
                "--header",
                &format!("Authorization: Bearer {token}"),
                "--max-examples",
                &examples,
                "--workers",
                "1",
            ])
            .args(&seeded)
            .output()
            .expect("st runs");
        (run.status.success(), text(&run.stdout) + &text(&run.stderr))
    })
    .await
    .map(|(passed, report)| assert!(passed, "schemathesis found failures:\n{report}"))
    .expect("schemathesis ran");
}

crate::harness::both!(schemathesis_finds_no_failure,);
