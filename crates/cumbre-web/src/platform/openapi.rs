//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. It is built
//! from the same handlers the router serves (`utoipa_axum::routes!`), so a route cannot be
//! served without being documented, nor documented without being served.

use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, ToSchema};

/// Every error answer of the API: `{error, message, fields?}`, `message` in the caller's
/// language (`Accept-Language`, es/en).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ApiErrorBody {
    /// A stable code for programs.
    pub error: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Per-field reasons (`answers.nps`, `unit_id`, `questions[2].options`…), when the
    /// input had several problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// The codes of [`ApiErrorBody::error`]; the same as `AppError::code`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    Conflict,
    NotFound,
    Gone,
    Unauthorized,
    Forbidden,
    Csrf,
    TooLarge,
    Throttled,
    Internal,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Cumbre API",
        description = "Listen, recover and improve: the JSON API. A token acts with its \
            owner's role and scope, exactly like their browser session; records outside the \
            scope answer 404.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(
        ApiErrorBody,
        ErrorCode,
        cumbre_store::listen::Band,
        crate::recover::api::OutboxStatus
    )),
    security(("token" = []))
)]
pub struct ApiDoc;

/// The bearer token scheme, and the error answers every operation shares.
struct Conventions;

/// The errors any operation may answer, with when.
const ERRORS: &[(&str, &str, bool)] = &[
    (
        "401",
        "No valid API token (missing, unknown, revoked or its account gone).",
        false,
    ),
    ("403", "The token's role may not do this.", false),
    ("404", "No such record in the caller's scope.", false),
    (
        "413",
        "The request body is larger than the server takes.",
        true,
    ),
    (
        "409",
        "Not possible in the record's present state (a case already closed, an e-mail already in use, a survey not taking answers).",
        false,
    ),
    (
        "422",
        "Invalid input, with a message (and per-field reasons).",
        false,
    ),
    (
        "500",
        "An internal error; the cause is in the server log.",
        false,
    ),
];

impl Modify for Conventions {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`cumbre token create --email EMAIL`, or the API tokens page.",
                    ))
                    .build(),
            ),
        );
        for item in api.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                add_errors(op);
            }
        }
    }
}

fn add_errors(op: &mut Operation) {
    let takes_body = op.request_body.is_some();
    for &(status, description, body_only) in ERRORS {
        if body_only && !takes_body {
            continue;
        }
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            Content::new(Some(Ref::from_schema_name("Error"))),
                        )
                        .build(),
                )
            });
    }
}

/// The document, built once.
pub fn document() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        let (_, mut api) = crate::platform::api::documented().split_for_parts();
        // After the merge, not as a modifier of `ApiDoc`: that runs before any path.
        Conventions.modify(&mut api);
        let mut doc = serde_json::to_value(&api).unwrap_or_default();
        texts_refuse_control_characters(&mut doc);
        empty_parameters_are_absent(&mut doc);
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    });
    &DOCUMENT
}

/// Any text the API takes: no control characters (`char::is_control`, which
/// `input::optional_text` refuses).
const NO_CONTROL: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// A text that is required: that, and something besides spaces (it is trimmed).
const NOT_BLANK: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// Adds to every plain string property of the request bodies the rule every text input
/// follows (see [`NO_CONTROL`]), so the document says what the server takes. Schemas that
/// answers also use are left alone: what was stored may hold line breaks.
fn texts_refuse_control_characters(doc: &mut Value) {
    let mut answered = BTreeSet::new();
    let mut taken = BTreeSet::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            for response in op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.values())
            {
                refs_in(doc, &response["content"], &mut answered);
            }
            refs_in(doc, &op["requestBody"]["content"], &mut taken);
        }
    }
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for name in taken.difference(&answered) {
        if let Some(schema) = schemas.get_mut(name) {
            add_text_patterns(schema);
        }
    }
}

/// Query parameters are read as text where an empty value means "not given" (the HTML
/// pages send every field of their forms): an optional parameter with a set of values
/// takes the empty one too.
fn empty_parameters_are_absent(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(parameters) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        for p in parameters {
            let optional = p["in"] == "query" && p["required"] != Value::Bool(true);
            let schema = &mut p["schema"];
            let listed = schema.get("$ref").is_some() || schema.get("enum").is_some();
            if optional && listed {
                let original = schema.take();
                *schema = serde_json::json!({ "anyOf": [original, { "const": "" }] });
            }
        }
    }
}

/// The component schemas `value` refers to, directly or through other components.
fn refs_in(doc: &Value, value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && found.insert(name.to_owned())
            {
                refs_in(doc, &doc["components"]["schemas"][name], found);
            }
            for v in map.values() {
                refs_in(doc, v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(doc, v, found)),
        _ => {}
    }
}

fn add_text_patterns(schema: &mut Value) {
    if let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        parts.iter_mut().for_each(add_text_patterns);
    }
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for property in properties.values_mut() {
        let Some(p) = property.as_object_mut() else {
            continue;
        };
        let is_text = match p.get("type") {
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
            _ => false,
        };
        if !is_text
            || ["format", "enum", "pattern"]
                .iter()
                .any(|k| p.contains_key(*k))
        {
            continue;
        }
        let required = p.get("minLength").and_then(Value::as_u64).unwrap_or(0) > 0;
        let pattern = if required { NOT_BLANK } else { NO_CONTROL };
        p.insert("pattern".into(), Value::String(pattern.to_owned()));
    }
}

/// `GET /api/v1/openapi.json`: public, it describes the API and holds no data.
pub async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        document(),
    )
}
