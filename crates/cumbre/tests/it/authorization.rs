//! The authorization matrix: every route of the web crate (pages and API), read from its
//! source, against every role, with the expected answer in one table (`MATRIX`). A route
//! added without an entry, or an entry left for a removed route, fails the test.
//!
//! What the table says per route: whether it is public, and which roles may use it. The
//! test then asks it as nobody (a page sends the browser to sign in, the API answers 401),
//! as every demo role, and — for routes that name a unit, person or survey — about one of
//! another tenant (404 for everyone). Allowed means the request got past authorization:
//! any answer but 401, 403 or 404; refused means 403 or 404. Mutations are sent with an
//! empty body, so an allowed one stops at validation and changes nothing (access is
//! checked before the body is read).

use crate::harness::{Backend, Browser, TestApp, both};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::collections::BTreeSet;

both!(every_route_answers_each_role_as_the_table_says);

/// (method, path as in the router, what each role gets, the request's body).
///
/// The answer per role is five letters for the admin, the executive, the manager (of the
/// Cancún hotel), the employee (its reception) and the auditor: `y` allowed, `e` allowed
/// and shown nothing of the tenant (200, and no record in the JSON or hotel on the page:
/// `shows_nothing`), `n` refused (403 or 404). `public` routes need
/// no sign-in. About objects elsewhere (see `elsewhere`): another tenant's are refused to
/// all; the administrator and the executive get what they get at home; the manager is
/// refused a sibling hotel's, and above the hotel may only read surveys and rules (those
/// set above apply to it). The body (placeholders filled from the fixtures) is what a valid request
/// sends, so a refusal is the access check's, never the validation's; a query string is
/// appended to a GET.
const MATRIX: &[(&str, &str, &str, &str)] = &[
    // Public survey pages, sign-in, health, assets.
    ("GET", "/api/v1/openapi.json", "public", ""),
    ("GET", "/s/{token}", "public", ""),
    ("POST", "/s/{token}", "public", ""),
    ("GET", "/s/{token}/kiosk", "public", ""),
    ("POST", "/s/{token}/kiosk", "public", ""),
    ("GET", "/s/{token}/thanks", "public", ""),
    ("GET", "/u/{token}", "public", ""),
    ("POST", "/u/{token}", "public", ""),
    ("GET", "/p/{token}", "public", ""),
    ("POST", "/p/{token}", "public", ""),
    ("GET", "/login", "public", ""),
    ("POST", "/login", "public", ""),
    ("GET", "/healthz", "public", ""),
    ("GET", "/readyz", "public", ""),
    ("GET", "/static/app.css", "public", ""),
    ("GET", "/static/app.js", "public", ""),
    ("GET", "/static/survey.js", "public", ""),
    ("GET", "/static/kiosk.js", "public", ""),
    ("GET", "/static/builder.js", "public", ""),
    ("GET", "/static/audit.js", "public", ""),
    // Every signed-in user: their home, profile and tokens.
    ("GET", "/", "yyyyy", ""),
    ("POST", "/logout", "yyyyy", ""),
    ("GET", "/profile", "yyyyy", ""),
    ("POST", "/profile/language", "yyyyy", "locale=es"),
    ("POST", "/profile/password", "yyyyy", ""),
    ("GET", "/tokens", "yyyyy", ""),
    ("POST", "/tokens", "yyyyy", ""),
    ("POST", "/tokens/{id}/revoke", "yyyyy", ""),
    // A person's own dashboard: those without a person have none.
    ("GET", "/dashboard/me", "nyyyn", ""),
    ("GET", "/api/v1/me", "yyyyy", ""),
    // The organisation: everyone reads their part, administrators change it.
    ("GET", "/org", "yyyye", ""),
    (
        "POST",
        "/org/units",
        "ynnnn",
        "name=Nuevo+equipo&kind=team&parent_id={unit}",
    ),
    ("GET", "/org/units/{id}", "yyyyn", ""),
    ("POST", "/org/units/{id}", "ynnnn", "{unit_form}"),
    (
        "POST",
        "/org/units/{id}/move",
        "ynnnn",
        "parent_id={unit_parent}",
    ),
    ("GET", "/people", "yyyye", ""),
    (
        "POST",
        "/people",
        "ynnnn",
        "name=Nueva+Persona&unit_id={unit}",
    ),
    ("GET", "/people/new", "ynnnn", ""),
    ("GET", "/people/{id}", "yyyyn", ""),
    ("POST", "/people/{id}", "ynnnn", "{person_form}"),
    ("POST", "/people/{id}/active", "ynnnn", "active=1"),
    ("GET", "/api/v1/units", "yyyye", ""),
    (
        "POST",
        "/api/v1/units",
        "ynnnn",
        r#"{"name":"Nuevo equipo","kind":"team","parent_id":{unit}}"#,
    ),
    ("GET", "/api/v1/units/{id}", "yyyyn", ""),
    ("GET", "/api/v1/people", "yyyye", ""),
    (
        "POST",
        "/api/v1/people",
        "ynnnn",
        r#"{"name":"Nueva Persona","unit_id":{unit}}"#,
    ),
    ("GET", "/api/v1/people/{id}", "yyyyn", ""),
    // Administration.
    ("GET", "/admin", "ynnnn", ""),
    ("GET", "/admin/users", "ynnnn", ""),
    ("POST", "/admin/users", "ynnnn", ""),
    ("GET", "/admin/users/{id}", "ynnnn", ""),
    ("POST", "/admin/users/{id}", "ynnnn", "{user_form}"),
    ("GET", "/admin/import", "ynnnn", ""),
    ("POST", "/admin/import", "ynnnn", "multipart"),
    ("POST", "/admin/import/responses", "ynnnn", "multipart"),
    ("GET", "/admin/audit", "ynnnn", ""),
    ("GET", "/admin/recovery", "ynnnn", ""),
    ("POST", "/admin/recovery/clock", "ynnnn", ""),
    ("POST", "/admin/recovery/currency", "ynnnn", "currency=MXN"),
    ("POST", "/admin/recovery/sla", "ynnnn", ""),
    ("POST", "/admin/recovery/limit", "ynnnn", ""),
    ("POST", "/admin/recovery/causes", "ynnnn", ""),
    ("POST", "/admin/recovery/min-sample", "ynnnn", ""),
    ("POST", "/admin/recovery/winback", "ynnnn", ""),
    ("GET", "/admin/themes", "ynnnn", ""),
    ("POST", "/admin/themes", "ynnnn", ""),
    ("POST", "/admin/themes/{key}", "ynnnn", ""),
    ("POST", "/admin/terms", "ynnnn", ""),
    ("GET", "/admin/notifications", "ynnnn", ""),
    ("POST", "/admin/notifications/{id}/retry", "ynnnn", ""),
    ("GET", "/api/v1/notifications", "ynnnn", ""),
    ("POST", "/api/v1/notifications/{id}/retry", "ynnnn", ""),
    (
        "PUT",
        "/api/v1/settings/min-sample",
        "ynnnn",
        r#"{"min_sample":5}"#,
    ),
    ("PUT", "/api/v1/settings/winback", "ynnnn", ""),
    ("POST", "/api/v1/invitations/bounces", "ynnnn", ""),
    // Listen. Touchpoints are the tenant's journey: everyone reads them.
    ("GET", "/touchpoints", "yyyyy", ""),
    ("POST", "/touchpoints", "ynnnn", "name_es=Spa&name_en=Spa"),
    ("GET", "/api/v1/touchpoints", "yyyyy", ""),
    ("GET", "/surveys", "yyyee", ""),
    (
        "POST",
        "/surveys",
        "yyynn",
        "name=Nueva&owner_unit_id={unit}&template=post-stay-nps",
    ),
    ("GET", "/surveys/{id}", "yyynn", ""),
    ("POST", "/surveys/{id}/status", "yyynn", "status=published"),
    (
        "POST",
        "/surveys/{id}/definition",
        "yyynn",
        "definition={definition_form}",
    ),
    ("GET", "/surveys/{id}/edit", "yyynn", ""),
    (
        "POST",
        "/surveys/{id}/check",
        "yyynn",
        "definition={definition_form}",
    ),
    (
        "POST",
        "/surveys/{id}/preview",
        "yyynn",
        "definition={definition_form}",
    ),
    ("POST", "/surveys/{id}/invitations", "yyynn", "multipart"),
    ("GET", "/surveys/{id}/invitations/{batch}", "yyynn", ""),
    (
        "POST",
        "/surveys/{id}/links",
        "yyynn",
        "unit_id={unit}&touchpoint_id={touchpoint}",
    ),
    ("GET", "/surveys/{id}/links/{link}/qr.svg", "yyynn", ""),
    ("GET", "/surveys/{id}/links/{link}/qr.png", "yyynn", ""),
    ("GET", "/surveys/{id}/links/{link}/card", "yyynn", ""),
    ("GET", "/responses", "yyyye", ""),
    ("GET", "/responses.csv", "yyyye", ""),
    ("GET", "/responses/{id}", "yyynn", ""),
    ("GET", "/api/v1/surveys", "yyyee", ""),
    (
        "POST",
        "/api/v1/surveys",
        "yyynn",
        r#"{"name":"Nueva","owner_unit_id":{unit},"template":"post-stay-nps"}"#,
    ),
    ("GET", "/api/v1/surveys/{id}", "yyynn", ""),
    (
        "PUT",
        "/api/v1/surveys/{id}/definition",
        "yyynn",
        "{definition}",
    ),
    (
        "POST",
        "/api/v1/surveys/{id}/status",
        "yyynn",
        r#"{"status":"published"}"#,
    ),
    ("GET", "/api/v1/surveys/{id}/links", "yyynn", ""),
    (
        "POST",
        "/api/v1/surveys/{id}/links",
        "yyynn",
        r#"{"unit_id":{unit},"touchpoint_id":{touchpoint}}"#,
    ),
    (
        "POST",
        "/api/v1/surveys/{id}/responses",
        "yyynn",
        r#"{"unit_id":{unit},"touchpoint_id":{touchpoint},"answers":{"nps":8}}"#,
    ),
    ("GET", "/api/v1/responses", "yyyye", ""),
    // Recover.
    ("GET", "/cases", "yyyye", ""),
    ("GET", "/cases/{id}", "yyynn", ""),
    ("POST", "/cases/{id}/status", "yyynn", "status=contacted"),
    (
        "POST",
        "/cases/{id}/notes",
        "yyynn",
        "text=Llamamos+al+hu%C3%A9sped",
    ),
    (
        "POST",
        "/cases/{id}/promises",
        "yyynn",
        "text=Llamar&due=2026-11-27T10:00",
    ),
    ("POST", "/cases/{id}/promises/{promise}/kept", "yyynn", ""),
    (
        "POST",
        "/cases/{id}/approvals/{approval}",
        "ynynn",
        "decision=approve",
    ),
    ("POST", "/cases/{id}/winback", "yyynn", ""),
    ("POST", "/cases/{id}/owner", "yyynn", "owner_id={owner}"),
    ("GET", "/promises", "yyyye", ""),
    ("GET", "/inbox", "yyyyy", ""),
    ("GET", "/recovery", "yyyye", ""),
    ("GET", "/rules", "yyyee", ""),
    (
        "POST",
        "/rules",
        "ynynn",
        "name=Detractores&unit_id={unit}&score_type=nps&at_most=3&priority=high",
    ),
    ("GET", "/rules/{id}", "yyynn", ""),
    (
        "POST",
        "/rules/{id}",
        "ynynn",
        "name=Detractores&unit_id={unit}&score_type=nps&at_most=3&priority=high",
    ),
    ("POST", "/rules/{id}/active", "ynynn", "active=1"),
    ("GET", "/lessons", "yyyye", ""),
    // The service vision: everyone reads it (the auditor checks the company against it),
    // those who serve acknowledge it, leaders see who has not, administrators publish.
    ("GET", "/vision", "yyyyy", ""),
    ("POST", "/vision", "ynnnn", ""),
    ("POST", "/vision/read", "yyyyn", ""),
    ("GET", "/api/v1/vision", "yyyyy", ""),
    ("POST", "/api/v1/vision", "ynnnn", ""),
    ("POST", "/api/v1/vision/read", "yyyyn", ""),
    ("GET", "/api/v1/vision/readers", "yyynn", ""),
    ("GET", "/api/v1/values", "yyyyy", ""),
    ("GET", "/api/v1/standards", "yyyyn", ""),
    ("GET", "/standards/{key}", "yyyyn", ""),
    ("POST", "/standards", "ynnnn", ""),
    ("POST", "/admin/import/standards", "ynnnn", "multipart"),
    ("GET", "/api/v1/standards/evidence", "yyynn", "unit={unit}"),
    // Mystery shopping: administrators plan, administrators and executives review, an
    // auditor sees only their own work, the units read their published audits and their
    // manager disputes (a covert programme's plan is not the units' to see).
    ("GET", "/audits", "yyyyy", ""),
    ("GET", "/audits/{id}", "yyyyy", ""),
    ("GET", "/audits/{id}/photos/{photo}", "yyyyy", ""),
    ("POST", "/audits/{id}/review", "yynnn", ""),
    ("POST", "/audits/{id}/disputes", "nnynn", ""),
    ("POST", "/disputes/{id}", "yynnn", ""),
    ("GET", "/assignments/{id}", "yynny", ""),
    ("POST", "/assignments/{id}", "nnnny", ""),
    ("GET", "/api/v1/programmes", "yynnn", ""),
    ("POST", "/api/v1/programmes", "ynnnn", ""),
    ("POST", "/api/v1/programmes/{id}/assignments", "ynnnn", ""),
    ("GET", "/api/v1/assignments", "yynny", ""),
    ("GET", "/api/v1/assignments/{id}", "yynny", ""),
    ("POST", "/api/v1/assignments/{id}", "ynnnn", ""),
    ("POST", "/api/v1/assignments/{id}/calibration", "ynnnn", ""),
    ("GET", "/api/v1/audits", "yyyyy", ""),
    ("POST", "/api/v1/audits", "nnnny", ""),
    ("GET", "/api/v1/audits/{id}", "yyyyy", ""),
    ("GET", "/api/v1/audits/{id}/photos/{photo}", "yyyyy", ""),
    ("POST", "/api/v1/audits/{id}/review", "yynnn", ""),
    ("POST", "/api/v1/audits/{id}/disputes", "nnynn", ""),
    ("POST", "/api/v1/disputes/{id}", "yynnn", ""),
    ("GET", "/api/v1/auditors", "yynnn", ""),
    (
        "POST",
        "/api/v1/standards",
        "ynnnn",
        r#"{"key":"saludo","touchpoint_id":{touchpoint},"name":"Saluda por su nombre"}"#,
    ),
    ("GET", "/api/v1/rules", "yyyee", ""),
    (
        "POST",
        "/api/v1/rules",
        "ynynn",
        r#"{"name":"Detractores","unit_id":{unit},"definition":{"conditions":[{"kind":"score","type":"nps","at_most":3}],"open_case":"high"}}"#,
    ),
    (
        "PUT",
        "/api/v1/rules/{id}",
        "ynynn",
        r#"{"name":"Detractores","unit_id":{unit},"definition":{"conditions":[{"kind":"score","type":"nps","at_most":3}],"open_case":"high"}}"#,
    ),
    ("GET", "/api/v1/cases", "yyyye", ""),
    (
        "POST",
        "/api/v1/cases",
        "yyynn",
        r#"{"unit_id":{unit},"title":"Ruido en la habitación"}"#,
    ),
    ("GET", "/api/v1/cases/{id}", "yyynn", ""),
    (
        "POST",
        "/api/v1/cases/{id}/status",
        "yyynn",
        r#"{"status":"contacted"}"#,
    ),
    (
        "POST",
        "/api/v1/cases/{id}/notes",
        "yyynn",
        r#"{"text":"Llamamos al huésped"}"#,
    ),
    (
        "POST",
        "/api/v1/cases/{id}/owner",
        "yyynn",
        r#"{"owner_id":{owner}}"#,
    ),
    (
        "POST",
        "/api/v1/cases/{id}/promises",
        "yyynn",
        r#"{"text":"Llamar","due_at":"2026-11-27T10:00:00Z"}"#,
    ),
    ("GET", "/api/v1/promises", "yyyye", ""),
    ("POST", "/api/v1/promises/{id}/kept", "yyynn", ""),
    (
        "POST",
        "/api/v1/approvals/{id}",
        "ynynn",
        r#"{"decision":"approve"}"#,
    ),
    ("POST", "/api/v1/cases/{id}/winback", "yyynn", ""),
    ("GET", "/api/v1/recovery", "yyyye", ""),
    ("GET", "/api/v1/lessons", "yyyye", ""),
    // Improve.
    ("GET", "/overview", "yyynn", ""),
    ("GET", "/overview.csv", "yyynn", ""),
    ("GET", "/dashboard/units/{id}", "yyynn", ""),
    (
        "POST",
        "/dashboard/units/{id}/targets",
        "yyynn",
        "metric=nps&target=50",
    ),
    ("GET", "/dashboard/touchpoints/{id}", "yyynn", ""),
    ("GET", "/dashboard/people/{id}", "yyyyn", ""),
    ("GET", "/dashboard/themes", "yyynn", ""),
    ("GET", "/api/v1/themes", "yyynn", ""),
    ("GET", "/api/v1/themes/emerging", "yyynn", ""),
    ("GET", "/api/v1/themes/taxonomy", "yyynn", ""),
    (
        "POST",
        "/api/v1/pulses",
        "ynnnn",
        r#"{"name":"Pulso","template":"monthly","audience_unit_id":{unit}}"#,
    ),
    ("GET", "/api/v1/pulses", "yyynn", ""),
    (
        "POST",
        "/api/v1/pulses/{id}",
        "ynnnn",
        r#"{"name":"Pulso"}"#,
    ),
    ("GET", "/api/v1/pulse/results", "yyynn", "?pulse=1"),
    ("GET", "/pulses", "yyynn", ""),
    (
        "POST",
        "/pulses",
        "ynnnn",
        "name=Pulso&template=monthly&mode=anonymous&audience_unit_id={unit}",
    ),
    ("GET", "/pulses/{id}", "yyynn", ""),
    ("GET", "/pulses/{id}/results.csv", "yyynn", ""),
    (
        "POST",
        "/pulses/thresholds",
        "ynnnn",
        "min_group=5&min_comments=10",
    ),
    ("GET", "/api/v1/settings/anonymity", "yyynn", ""),
    (
        "PUT",
        "/api/v1/settings/anonymity",
        "ynnnn",
        r#"{"min_group":5,"min_comments":10}"#,
    ),
    ("GET", "/api/v1/metrics", "yyyye", ""),
    ("GET", "/api/v1/metrics/breakdown", "yyynn", "?by=channel"),
    ("GET", "/api/v1/metrics/response-rate", "yyynn", ""),
    // Last: it erases the response the rows above name.
    ("DELETE", "/api/v1/responses/{id}", "ynnnn", ""),
];

/// Every (method, path) the web crate routes: each `.route("path", …)` call in its source
/// and the method routers named in it (`get(…)`, `post(…)`, …), and each operation of the
/// API's document (the API router is built from the same list).
fn routes_in_source() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cumbre-web/src");
    let mut files = vec![root];
    let mut found = BTreeSet::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("source folder") {
                files.push(entry.expect("entry").path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source file");
        for call in text.split(".route(").skip(1) {
            let call = call.trim_start();
            let Some(rest) = call.strip_prefix('"') else {
                continue;
            };
            let Some((route, args)) = rest.split_once('"') else {
                continue;
            };
            // The call's arguments, to its closing parenthesis.
            let mut depth = 1;
            let end = args
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(args.len(), |(i, _)| i);
            let args = &args[..end];
            for method in ["get", "post", "put", "patch", "delete"] {
                let named = args.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0
                        || !args[..i]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if named {
                    found.insert((method.to_uppercase(), route.to_owned()));
                }
            }
        }
    }
    // The API's operations are registered with the document they are served from.
    let doc: serde_json::Value =
        serde_json::from_str(cumbre_web::platform::openapi::document()).expect("document");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for verb in item.as_object().expect("operations").keys() {
            found.insert((verb.to_uppercase(), path.clone()));
        }
    }
    found
}

/// The demo's sign-ins, by the letter `Who::Roles` uses.
const LOGINS: [(char, &str); 5] = [
    ('A', "admin@demo.test"),
    ('X', "ceo@demo.test"),
    ('M', "manager@demo.test"),
    ('E', "employee@demo.test"),
    ('U', "auditor@demo.test"),
];

/// Where an object sits, from the manager's point of view (the manager leads the Cancún
/// hotel): in that subtree, in a sibling hotel, above it, or in another tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Place {
    Own,
    Sibling,
    Parent,
    OtherTenant,
}

/// The kind of object a route's `{id}` names, read off its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Unit,
    Person,
    Survey,
    Case,
    Rule,
    Response,
    Touchpoint,
    User,
    Notification,
    Promise,
    Approval,
    Token,
    Programme,
    Assignment,
    Audit,
    Dispute,
    Pulse,
}

fn kind_of(path: &str) -> Option<Kind> {
    let p = path.trim_start_matches("/api/v1");
    let kind = if p.starts_with("/org/units/")
        || p.starts_with("/units/")
        || p.starts_with("/dashboard/units/")
    {
        Kind::Unit
    } else if p.starts_with("/people/") || p.starts_with("/dashboard/people/") {
        Kind::Person
    } else if p.starts_with("/surveys/") {
        Kind::Survey
    } else if p.starts_with("/cases/") {
        Kind::Case
    } else if p.starts_with("/rules/") {
        Kind::Rule
    } else if p.starts_with("/responses/") {
        Kind::Response
    } else if p.starts_with("/dashboard/touchpoints/") {
        Kind::Touchpoint
    } else if p.starts_with("/admin/users/") {
        Kind::User
    } else if p.starts_with("/admin/notifications/") || p.starts_with("/notifications/") {
        Kind::Notification
    } else if p.starts_with("/promises/") {
        Kind::Promise
    } else if p.starts_with("/approvals/") {
        Kind::Approval
    } else if p.starts_with("/tokens/") {
        Kind::Token
    } else if p.starts_with("/programmes/") {
        Kind::Programme
    } else if p.starts_with("/assignments/") {
        Kind::Assignment
    } else if p.starts_with("/audits/") {
        Kind::Audit
    } else if p.starts_with("/disputes/") {
        Kind::Dispute
    } else if p.starts_with("/pulses/") {
        Kind::Pulse
    } else {
        return None;
    };
    path.contains("{id}").then_some(kind)
}

/// A route that uses a survey for the caller's own unit (not one that changes it).
fn uses_survey(path: &str) -> bool {
    (path.starts_with("/api/v1/surveys/{id}/") || path.starts_with("/surveys/{id}/"))
        && ["/links", "/responses", "/invitations"]
            .iter()
            .any(|end| path.ends_with(end))
}

/// Objects to name in paths: by kind and place, plus the ids a path's second parameter
/// needs (a survey's link, a case's promise).
#[derive(Default)]
struct Fixtures {
    ids: std::collections::HashMap<(Kind, Place), i64>,
    links: std::collections::HashMap<Place, i64>,
    promise: i64,
    batch: i64,
    approval: i64,
    /// The case the approval waits on.
    approval_case: i64,
    /// A photo of the fixture's audit.
    photo: i64,
}

impl Fixtures {
    fn path(&self, path: &str, place: Place) -> Option<String> {
        // A case's promise and approval, a survey's batch: kept at home only.
        // A standard's key: every tenant may have one of that name, so it is asked at home.
        let second = ["{promise}", "{approval}", "{batch}", "{key}", "{photo}"];
        if place != Place::Own && second.iter().any(|p| path.contains(p)) {
            return None;
        }
        let mut out = path.replace("{token}", "no-such-token");
        if path.contains("{approval}") {
            out = out.replace("{id}", &self.approval_case.to_string());
        }
        if let Some(kind) = kind_of(path) {
            out = out.replace("{id}", &self.ids.get(&(kind, place))?.to_string());
        }
        if let Some(link) = self.links.get(&place) {
            out = out.replace("{link}", &link.to_string());
        }
        out = out
            .replace("{promise}", &self.promise.to_string())
            .replace("{batch}", &self.batch.to_string())
            .replace("{approval}", &self.approval.to_string())
            .replace("{key}", "checkin-wait")
            .replace("{photo}", &self.photo.to_string());
        // Any other parameter: a number that names nothing.
        let mut filled = String::new();
        let mut rest = out.as_str();
        while let Some(start) = rest.find('{') {
            filled.push_str(&rest[..start]);
            filled.push_str("999999");
            rest = rest[start..].split_once('}').map_or("", |(_, r)| r);
        }
        filled.push_str(rest);
        Some(filled)
    }
}

/// Sends one request as `caller` (nobody when `None`) with `body` (see `MATRIX`);
/// the status.
async fn ask(
    app: &TestApp,
    method: &str,
    path: &str,
    body: &str,
    caller: Option<&(Browser, String)>,
) -> crate::harness::Reply {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let (path, body) = match body.strip_prefix('?') {
        Some(query) => (format!("{path}?{query}"), ""),
        None => (path.to_owned(), body),
    };
    let mut req = Request::builder().method(method.clone()).uri(&path);
    let body = if path.starts_with("/api/") {
        if let Some((_, token)) = caller {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if method == Method::GET {
            Body::empty()
        } else {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(if body.is_empty() {
                "{}".to_owned()
            } else {
                body.to_owned()
            })
        }
    } else {
        if let Some((browser, _)) = caller {
            req = req.header(header::COOKIE, &browser.cookie);
        }
        let csrf = caller.map(|(b, _)| b.csrf.clone()).unwrap_or_default();
        if method == Method::GET {
            Body::empty()
        } else if body == "multipart" {
            // Uploads: the CSRF token is the first part, then an empty file.
            let boundary = "cumbre-matrix";
            req = req.header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            );
            Body::from(format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n\r\n--{boundary}--\r\n"
            ))
        } else {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let sep = if body.is_empty() { "" } else { "&" };
            Body::from(format!("csrf={csrf}{sep}{body}"))
        }
    };
    app.send(req.body(body).expect("request")).await
}

/// Whether an answer shows nothing of the tenant: a JSON answer holds no record (nothing
/// with an id, no count above zero), a page names none of the tenant's hotels (`names`).
fn shows_nothing(path: &str, body: &str, names: &[String]) -> bool {
    fn holds_records(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Array(items) => items.iter().any(holds_records),
            serde_json::Value::Object(map) => map.iter().any(|(k, v)| {
                let counted = ["n", "responses", "cases", "total", "delivered", "answered"];
                (matches!(k.as_str(), "id" | "case_id" | "unit_id") && !v.is_null())
                    || (counted.contains(&k.as_str()) && v.as_i64().is_some_and(|n| n > 0))
                    || holds_records(v)
            }),
            _ => false,
        }
    }
    if path.starts_with("/api/") {
        return serde_json::from_str(body).is_ok_and(|v| !holds_records(&v));
    }
    !names.iter().any(|n| body.contains(n.as_str()))
}

/// POSTs `json` as `token`; the new object's id (`id`, or `link.id`).
async fn create(app: &TestApp, token: &str, path: &str, json: serde_json::Value) -> i64 {
    let reply = app.api(token, Method::POST, path, Some(json)).await;
    assert!(
        reply.status.is_success(),
        "{path}: {} {}",
        reply.status,
        reply.body
    );
    let v = reply.json();
    v["id"]
        .as_i64()
        .or_else(|| v["link"]["id"].as_i64())
        .unwrap_or_else(|| panic!("{path}: no id in {v}"))
}

/// A survey owned by `unit`, published, with a link at `unit`; returns (survey, link).
async fn survey_at(app: &TestApp, token: &str, unit: i64, touchpoint: i64) -> (i64, i64) {
    let survey = create(
        app,
        token,
        "/api/v1/surveys",
        serde_json::json!({"name": format!("Encuesta {unit}"), "owner_unit_id": unit, "template": "post-stay-nps"}),
    )
    .await;
    let published = app
        .api(
            token,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/status"),
            Some(serde_json::json!({"status": "published"})),
        )
        .await;
    assert!(published.status.is_success(), "{}", published.body);
    let link = create(
        app,
        token,
        &format!("/api/v1/surveys/{survey}/links"),
        serde_json::json!({"unit_id": unit, "touchpoint_id": touchpoint}),
    )
    .await;
    (survey, link)
}

/// One of each kind at `unit` (a case, a rule, a response), through the API as `token`.
async fn objects_at(
    app: &TestApp,
    token: &str,
    fixtures: &mut Fixtures,
    place: Place,
    unit: i64,
    touchpoint: i64,
) {
    let (survey, link) = survey_at(app, token, unit, touchpoint).await;
    fixtures.links.insert(place, link);
    fixtures.ids.insert((Kind::Unit, place), unit);
    fixtures.ids.insert((Kind::Survey, place), survey);
    let case = create(
        app,
        token,
        "/api/v1/cases",
        serde_json::json!({"unit_id": unit, "title": "Aire acondicionado ruidoso"}),
    )
    .await;
    fixtures.ids.insert((Kind::Case, place), case);
    let rule = create(
        app,
        token,
        "/api/v1/rules",
        serde_json::json!({"name": "Detractores", "unit_id": unit,
            "definition": {"conditions": [{"kind": "score", "type": "nps", "at_most": 3}], "open_case": "high"}}),
    )
    .await;
    fixtures.ids.insert((Kind::Rule, place), rule);
    let reply = app
        .api(
            token,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/responses"),
            Some(serde_json::json!({"unit_id": unit, "touchpoint_id": touchpoint, "answers": {"nps": 9}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    fixtures.ids.insert(
        (Kind::Response, place),
        reply.json()["id"].as_i64().expect("id"),
    );
    let people = app
        .api(
            token,
            Method::GET,
            &format!("/api/v1/people?unit_id={unit}&limit=500"),
            None,
        )
        .await
        .json();
    if let Some(p) = people["people"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["unit_id"].as_i64() == Some(unit)))
    {
        fixtures
            .ids
            .insert((Kind::Person, place), p["id"].as_i64().expect("id"));
    }
}

/// A programme visiting `unit` with the demo auditor, its assignment, the auditor's
/// published audit failing one item, and the unit manager's dispute of it.
async fn shopping_at(app: &TestApp, admin: &str, fx: &mut Fixtures, unit: i64) {
    let auditor = app.token("auditor@demo.test").await;
    let auditor_id = app
        .api(&auditor, Method::GET, "/api/v1/me", None)
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let touchpoints: Vec<i64> = app
        .api(admin, Method::GET, "/api/v1/touchpoints", None)
        .await
        .json()
        .as_array()
        .expect("touchpoints")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    let programme = create(
        app,
        admin,
        "/api/v1/programmes",
        serde_json::json!({"name": "Visita", "unit_ids": [unit], "touchpoint_ids": touchpoints,
                           "auditor_ids": [auditor_id]}),
    )
    .await;
    fx.ids.insert((Kind::Programme, Place::Own), programme);
    let made = app
        .api(
            admin,
            Method::POST,
            &format!("/api/v1/programmes/{programme}/assignments"),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(made.json()["made"], 1, "{}", made.body);
    let assignment = app
        .api(&auditor, Method::GET, "/api/v1/assignments", None)
        .await
        .json()[0]["id"]
        .as_i64()
        .expect("assignment");
    fx.ids.insert((Kind::Assignment, Place::Own), assignment);
    let form = app
        .api(
            &auditor,
            Method::GET,
            &format!("/api/v1/assignments/{assignment}"),
            None,
        )
        .await
        .json();
    let items: Vec<serde_json::Value> = form["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().cloned().unwrap_or_default())
        .enumerate()
        .map(|(i, item)| {
            let timed = item["standard"]["check"]["kind"] == "time_limit";
            let photo = crate::shopping_evidence::data_url(
                "png",
                &crate::shopping_evidence::png_with_author(),
            );
            match (i, timed) {
                (0, false) => serde_json::json!({"key": item["key"], "outcome": "fail",
                                                 "note": "No", "photos": [photo]}),
                (0, true) => serde_json::json!({"key": item["key"], "measured": 999,
                                                "note": "Lento", "photos": [photo]}),
                (_, true) => serde_json::json!({"key": item["key"], "measured": 1}),
                _ => serde_json::json!({"key": item["key"], "outcome": "pass"}),
            }
        })
        .collect();
    let audit = create(
        app,
        &auditor,
        "/api/v1/audits",
        serde_json::json!({"assignment_id": assignment, "visited_at": "2026-11-20T12:00:00Z",
                           "items": items}),
    )
    .await;
    fx.ids.insert((Kind::Audit, Place::Own), audit);
    fx.photo = app
        .api(admin, Method::GET, &format!("/api/v1/audits/{audit}"), None)
        .await
        .json()["items"][0]["photos"][0]
        .as_i64()
        .expect("the photo");
    let published = app
        .api(
            admin,
            Method::POST,
            &format!("/api/v1/audits/{audit}/review"),
            Some(serde_json::json!({"decision": "publish"})),
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::NO_CONTENT,
        "{}",
        published.body
    );
    let manager = app.token("manager@demo.test").await;
    let disputed = app
        .api(
            &manager,
            Method::POST,
            &format!("/api/v1/audits/{audit}/disputes"),
            Some(serde_json::json!({"items": [{"key": items[0]["key"], "reason": "Sí se hizo"}]})),
        )
        .await;
    assert_eq!(disputed.status, StatusCode::CREATED, "{}", disputed.body);
    fx.ids.insert(
        (Kind::Dispute, Place::Own),
        disputed.json()["ids"][0].as_i64().expect("dispute"),
    );
}

async fn every_route_answers_each_role_as_the_table_says(backend: Backend) {
    // 1. The table names exactly the routes the source has.
    let source = routes_in_source();
    let table: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(table.len(), MATRIX.len(), "a route is listed twice");
    let missing: Vec<_> = source.difference(&table).collect();
    let stale: Vec<_> = table.difference(&source).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without an entry in MATRIX: {missing:?}; entries for no route: {stale:?}"
    );

    // 2. Objects in the manager's hotel, a sibling hotel, above it and in another tenant.
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let touchpoint = app
        .api(&admin, Method::GET, "/api/v1/touchpoints", None)
        .await
        .json()[0]["id"]
        .as_i64()
        .expect("touchpoint");
    let mut fx = Fixtures::default();
    let (own, sibling, parent) = (
        app.unit_id("CUN-REC").await,
        app.unit_id("PDC").await,
        app.unit_id("SA-CMX").await,
    );
    objects_at(&app, &admin, &mut fx, Place::Own, own, touchpoint).await;
    // What an `e` page must not name: the tenant's hotels.
    let hotels: Vec<String> = app
        .store
        .list_units(&cumbre_domain::access::Scope::Tenant(app.tenant))
        .await
        .expect("units")
        .into_iter()
        .filter(|u| u.kind == cumbre_domain::org::UnitKind::Location)
        .map(|u| u.name)
        .collect();
    assert!(!hotels.is_empty());
    objects_at(&app, &admin, &mut fx, Place::Sibling, sibling, touchpoint).await;
    objects_at(&app, &admin, &mut fx, Place::Parent, parent, touchpoint).await;
    // The employee's own person, so "their own" is what the matrix asks about.
    let employee = app.token("employee@demo.test").await;
    let me = app
        .api(&employee, Method::GET, "/api/v1/me", None)
        .await
        .json();
    fx.ids.insert(
        (Kind::Person, Place::Own),
        me["person_id"].as_i64().expect("person"),
    );
    fx.ids.insert((Kind::Touchpoint, Place::Own), touchpoint);
    let grant = cumbre_domain::access::AdminGrant::operator(app.tenant);
    let users = app.store.list_users(&grant).await.expect("users");
    let find = |email: &str| {
        users
            .iter()
            .find(|u| u.email.as_str() == email)
            .unwrap_or_else(|| panic!("{email}"))
            .clone()
    };
    let manager = find("manager@demo.test").id.0;
    // Cases elsewhere are handed to the chief executive, who answers for every unit:
    // handed to the Cancún manager, a case above the hotel would move into it.
    let ceo = find("ceo@demo.test").id.0;
    // The account the user rows change: the supervisor, whose form keeps it as it is.
    let supervisor = find("supervisor@demo.test");
    fx.ids.insert((Kind::User, Place::Own), supervisor.id.0);
    // Its person as the form names people: by employee number.
    let person_number = match supervisor.person_id {
        Some(p) => app
            .api(
                &admin,
                Method::GET,
                &format!("/api/v1/people/{}", p.0),
                None,
            )
            .await
            .json()["employee_number"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        None => String::new(),
    };
    let user_form = serde_urlencoded::to_string([
        ("role", supervisor.role.code().to_owned()),
        ("person", person_number),
        (
            "scope_unit_id",
            supervisor
                .scope_unit_id
                .map_or(String::new(), |u| u.0.to_string()),
        ),
        ("active", "1".to_owned()),
    ])
    .expect("form");
    // An invitation batch of the survey, uploaded as the page does.
    let survey = fx.ids[&(Kind::Survey, Place::Own)];
    let admin_browser = app.login("admin@demo.test").await;
    let csv = format!(
        "name,email,language,unit,touchpoint,visit_date\nAna,ana@example.com,es,CUN-REC,{touchpoint},\n"
    );
    let upload = crate::invitations::upload(&app, &admin_browser, survey, &csv, "").await;
    assert!(
        upload.status.is_redirection(),
        "{} {}",
        upload.status,
        upload.body
    );
    fx.batch = app
        .store
        .invitation_batches(&cumbre_domain::access::Scope::Tenant(app.tenant), survey)
        .await
        .expect("batches")[0]
        .id;
    // A notification: a rule that writes to the quality team, and a detractor.
    create(
        &app,
        &admin,
        "/api/v1/rules",
        serde_json::json!({"name": "Aviso", "unit_id": own, "definition": {
            "conditions": [{"kind": "score", "type": "nps", "at_most": 2}],
            "open_case": "high", "notify": ["calidad@sierraazul.example"]}}),
    )
    .await;
    let detractor = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/surveys/{survey}/responses"),
            Some(serde_json::json!({"unit_id": own, "touchpoint_id": touchpoint, "answers": {"nps": 1}})),
        )
        .await;
    assert_eq!(detractor.status, StatusCode::CREATED, "{}", detractor.body);
    app.store
        .evaluate_pending(app.clock_now())
        .await
        .expect("rules run");
    let notifications = app
        .store
        .list_notifications(app.tenant, None, 10)
        .await
        .expect("notifications");
    fx.ids.insert(
        (Kind::Notification, Place::Own),
        notifications.first().expect("a notification").id,
    );
    // Tokens are each caller's own (a spare one per caller, below).
    fx.ids.insert((Kind::Token, Place::Own), 0);
    // An approval: the supervisor resolves a case with more compensation than a manager
    // may give (50.00), so the one above, the hotel manager, must approve.
    app.store
        .set_authority_limit(
            &grant,
            None,
            Some(cumbre_domain::access::Role::Manager),
            5_000,
            "test",
            app.clock_now(),
        )
        .await
        .expect("limit");
    let waiting = create(
        &app,
        &admin,
        "/api/v1/cases",
        serde_json::json!({"unit_id": own, "title": "Aire acondicionado"}),
    )
    .await;
    let contacted = app
        .api(
            &admin,
            Method::POST,
            &format!("/api/v1/cases/{waiting}/status"),
            Some(serde_json::json!({"status": "contacted"})),
        )
        .await;
    assert!(contacted.status.is_success(), "{}", contacted.body);
    let supervisor_token = app.token("supervisor@demo.test").await;
    let asked = app
        .api(
            &supervisor_token,
            Method::POST,
            &format!("/api/v1/cases/{waiting}/status"),
            Some(serde_json::json!({"status": "resolved", "resolution": {
                "action_taken": "Cambio de habitación", "compensation_type": "noche gratis",
                "compensation_cents": 12_000, "lessons": "Revisar el aire"}})),
        )
        .await;
    assert_eq!(
        asked.json()["outcome"],
        "approval_requested",
        "{}",
        asked.body
    );
    fx.approval = asked.json()["approval_id"].as_i64().expect("approval");
    fx.approval_case = waiting;
    fx.ids.insert((Kind::Approval, Place::Own), fx.approval);
    let case = fx.ids[&(Kind::Case, Place::Own)];
    fx.promise = create(
        &app,
        &admin,
        &format!("/api/v1/cases/{case}/promises"),
        serde_json::json!({"text": "Llamar", "due_at": "2026-11-28T10:00:00Z"}),
    )
    .await;
    fx.ids.insert((Kind::Promise, Place::Own), fx.promise);
    shopping_at(&app, &admin, &mut fx, own).await;
    let pulse = create(
        &app,
        &admin,
        "/api/v1/pulses",
        serde_json::json!({"name": "Pulso", "template": "monthly", "audience_unit_id": own}),
    )
    .await;
    fx.ids.insert((Kind::Pulse, Place::Own), pulse);
    let definition = app
        .api(
            &admin,
            Method::GET,
            &format!("/api/v1/surveys/{survey}"),
            None,
        )
        .await
        .json()["definition"]
        .to_string();
    let values = [
        ("{touchpoint}", touchpoint.to_string()),
        ("{owner}", manager.to_string()),
        (
            "{definition_form}",
            serde_urlencoded::to_string([("d", &definition)]).expect("form")[2..].to_owned(),
        ),
        ("{definition}", definition.clone()),
        ("{user_form}", user_form),
    ];

    // Another tenant with its own administrator and objects.
    let now = app.clock_now();
    let (other, top) = crate::scope::other_tenant(&app).await;
    let other_grant = cumbre_domain::access::AdminGrant::operator(other);
    let hash = cumbre_web::platform::auth::password::hash_blocking(crate::harness::PASSWORD)
        .expect("hash");
    app.store
        .create_user(
            &other_grant,
            &cumbre_store::access::NewUser {
                email: cumbre_domain::org::Email::parse("admin@otra.example").expect("email"),
                role: cumbre_domain::access::Role::Admin,
                person: None,
                scope_unit: None,
                password_hash: hash,
            },
            "test",
            now,
        )
        .await
        .expect("user");
    let other_admin = app.token("admin@otra.example").await;
    let person = create(
        &app,
        &other_admin,
        "/api/v1/people",
        serde_json::json!({"name": "Otra Persona", "unit_id": top}),
    )
    .await;
    fx.ids.insert((Kind::Unit, Place::OtherTenant), top);
    fx.ids.insert((Kind::Person, Place::OtherTenant), person);
    let other_survey = create(
        &app,
        &other_admin,
        "/api/v1/surveys",
        serde_json::json!({"name": "Otra", "owner_unit_id": top, "template": "post-stay-nps"}),
    )
    .await;
    fx.ids
        .insert((Kind::Survey, Place::OtherTenant), other_survey);
    let other_case = create(
        &app,
        &other_admin,
        "/api/v1/cases",
        serde_json::json!({"unit_id": top, "title": "Otro caso"}),
    )
    .await;
    fx.ids.insert((Kind::Case, Place::OtherTenant), other_case);
    let other_rule = create(
        &app,
        &other_admin,
        "/api/v1/rules",
        serde_json::json!({"name": "Otra", "unit_id": top,
            "definition": {"conditions": [{"kind": "score", "type": "nps", "at_most": 3}], "open_case": "high"}}),
    )
    .await;
    fx.ids.insert((Kind::Rule, Place::OtherTenant), other_rule);
    let other_users = app.store.list_users(&other_grant).await.expect("users");
    fx.ids
        .insert((Kind::User, Place::OtherTenant), other_users[0].id.0);
    // Each place's unit and person as their edit forms would send them back unchanged.
    let mut forms: std::collections::HashMap<Place, Vec<(&str, String)>> = Default::default();
    for place in [
        Place::Own,
        Place::Sibling,
        Place::Parent,
        Place::OtherTenant,
    ] {
        let reader = if place == Place::OtherTenant {
            &other_admin
        } else {
            &admin
        };
        let unit = fx.ids[&(Kind::Unit, place)];
        let u = app
            .api(reader, Method::GET, &format!("/api/v1/units/{unit}"), None)
            .await
            .json();
        let owner = if place == Place::Own { manager } else { ceo };
        let mut list = vec![
            ("{owner}", owner.to_string()),
            ("{unit}", unit.to_string()),
            (
                "{touchpoint}",
                fx.ids
                    .get(&(Kind::Touchpoint, place))
                    .or(fx.ids.get(&(Kind::Touchpoint, Place::Own)))
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ),
            (
                "{unit_parent}",
                u["parent_id"].as_i64().unwrap_or(unit).to_string(),
            ),
            (
                "{unit_form}",
                serde_urlencoded::to_string([
                    ("name", u["name"].as_str().unwrap_or_default()),
                    ("kind", u["kind"].as_str().unwrap_or_default()),
                    ("code", u["code"].as_str().unwrap_or_default()),
                ])
                .expect("form"),
            ),
        ];
        if let Some(person) = fx.ids.get(&(Kind::Person, place)) {
            let p = app
                .api(
                    reader,
                    Method::GET,
                    &format!("/api/v1/people/{person}"),
                    None,
                )
                .await
                .json();
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            list.push((
                "{person_form}",
                serde_urlencoded::to_string([
                    ("name", text("name")),
                    ("employee_number", text("employee_number")),
                    ("email", text("email")),
                    ("unit_id", p["unit_id"].to_string()),
                    ("job_title", text("job_title")),
                    ("hire_date", text("hire_date")),
                    (
                        "manager_id",
                        p["manager_id"]
                            .as_i64()
                            .map_or(String::new(), |m| m.to_string()),
                    ),
                    ("department", text("department")),
                ])
                .expect("form"),
            ));
        }
        forms.insert(place, list);
    }
    // A body names the object it is sent about (its unit, its own fields), so no row moves
    // or rewrites an object another row asks about.
    let body_of = |raw: &str, place: Place| {
        let mut out = raw.to_owned();
        for (k, v) in forms[&place].iter().chain(&forms[&Place::Own]) {
            out = out.replace(k, v);
        }
        for (k, v) in &values {
            out = out.replace(k, v);
        }
        out
    };

    // 3. Ask every route as nobody and as each role, about each place.
    let mut callers = Vec::new();
    for (letter, email) in LOGINS {
        let browser = app.login(email).await;
        let token = app.token(email).await;
        callers.push((letter, email, (browser, token)));
    }
    let refused = |s: StatusCode| {
        matches!(
            s,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        )
    };
    let mut failures = Vec::new();
    let mut unchecked = BTreeSet::new();
    for &(method, path, expect, raw_body) in MATRIX {
        let api = path.starts_with("/api/");
        let body = body_of(raw_body, Place::Own);
        let Some(url) = fx.path(path, Place::Own) else {
            unchecked.insert(format!("{method} {path}"));
            continue;
        };
        let anonymous = ask(&app, method, &url, &body, None).await.status;
        if expect == "public" {
            // Not behind a sign-in (a form may still want its CSRF cookie: 403).
            if anonymous == StatusCode::UNAUTHORIZED || anonymous == StatusCode::SEE_OTHER {
                failures.push(format!(
                    "{method} {path}: public, but nobody got {anonymous}"
                ));
            }
            continue;
        }
        // A page sends the browser to sign in (a form post without a session is refused
        // as a foreign form first); the API answers 401.
        let sent_away = if api {
            anonymous == StatusCode::UNAUTHORIZED
        } else {
            anonymous == StatusCode::SEE_OTHER || anonymous == StatusCode::FORBIDDEN
        };
        if !sent_away {
            failures.push(format!("{method} {path}: nobody got {anonymous}"));
        }
        let kind = kind_of(path);
        for (i, (letter, email, caller)) in callers.iter().enumerate() {
            let want = expect.as_bytes()[i];
            // Signing out ends the session the other rows are asked with: a fresh one.
            let fresh;
            let caller = if path == "/logout" {
                fresh = (app.login(email).await, caller.1.clone());
                &fresh
            } else {
                caller
            };
            // A token is revoked by its owner: each caller revokes a spare one of theirs.
            let url = if kind == Some(Kind::Token) {
                let user = app
                    .store
                    .user_by_email(&cumbre_domain::org::Email::parse(email).expect("email"))
                    .await
                    .expect("user");
                let spare = app
                    .store
                    .create_api_token(&user, "spare", &format!("spare-{email}"), "spare", now)
                    .await
                    .expect("token");
                path.replace("{id}", &spare.to_string())
            } else {
                url.clone()
            };
            let reply = ask(&app, method, &url, &body, Some(caller)).await;
            let got = reply.status;
            let ok = match want {
                b'y' => !refused(got),
                b'e' => got == StatusCode::OK && shows_nothing(&url, &reply.body, &hotels),
                _ => matches!(got, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {letter}: got {got}, expected {}",
                    want as char
                ));
            }
            // About objects elsewhere: another tenant's are no one's business here; the
            // manager reaches neither a sibling hotel's nor, for what is kept per unit,
            // what sits above the hotel (surveys and rules set above apply to it: seen).
            let Some(kind) = kind else { continue };
            for place in [Place::Sibling, Place::Parent, Place::OtherTenant] {
                let Some(elsewhere) = fx.path(path, place) else {
                    continue;
                };
                let leads_all = *letter == 'A' || *letter == 'X';
                // A survey or rule set above the hotel applies to it: the manager reads
                // it (not its design, nor links at units above), and uses a survey
                // for the hotel's own guests (links, invitations, responses).
                let reads_above = method == "GET"
                    && matches!(kind, Kind::Survey | Kind::Rule)
                    && !path.ends_with("/edit")
                    && !path.contains("{link}");
                let uses_above = method == "POST" && uses_survey(path);
                let expected_refused = match place {
                    Place::OtherTenant => true,
                    _ if want != b'y' => true,
                    _ if leads_all => false,
                    Place::Parent if *letter == 'M' && (reads_above || uses_above) => false,
                    _ => true,
                };
                let for_unit = if uses_above && place == Place::Parent {
                    Place::Own
                } else {
                    place
                };
                let got = ask(
                    &app,
                    method,
                    &elsewhere,
                    &body_of(raw_body, for_unit),
                    Some(caller),
                )
                .await
                .status;
                if expected_refused != refused(got) {
                    failures.push(format!(
                        "{method} {path} as {letter} about {place:?}: got {got}, expected {}",
                        if expected_refused {
                            "refused"
                        } else {
                            "allowed"
                        }
                    ));
                }
            }
        }
    }
    // A page names a promise or an approval under its case: under another case it is
    // not found (it was acted on whatever case the address named).
    let (admin_caller, sibling_case) = (&callers[0].2, fx.ids[&(Kind::Case, Place::Sibling)]);
    for path in [
        format!("/cases/{sibling_case}/promises/{}/kept", fx.promise),
        format!("/cases/{sibling_case}/approvals/{}", fx.approval),
    ] {
        let got = ask(&app, "POST", &path, "decision=approve", Some(admin_caller))
            .await
            .status;
        if got != StatusCode::NOT_FOUND {
            failures.push(format!(
                "POST {path} (another case's): got {got}, expected 404"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        unchecked.is_empty(),
        "rows with no object to ask about: {unchecked:?}"
    );
}
