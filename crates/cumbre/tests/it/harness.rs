//! The test application: a fresh database per test (a temporary SQLite file, or a new
//! PostgreSQL database), the demo organisation loaded into it, and helpers that drive the
//! real router in-process, cookies and CSRF tokens included.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use cumbre::demo;
use cumbre_domain::TenantId;
use cumbre_domain::clock::ManualClock;
use cumbre_store::Store;
use cumbre_web::{AppState, WebConfig, router};
use http_body_util::BodyExt;
use std::sync::Arc;
use time::macros::datetime;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for an `async fn(Backend)`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::harness::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if crate::harness::postgres_url().is_some() {
                    super::$name(crate::harness::Backend::Postgres).await
                }
            }
        }
    )*};
}
pub(crate) use both;

/// The PostgreSQL server for tests (`CUMBRE_TEST_PG_URL`, e.g. from
/// `scripts/start-postgres.sh`). Without it PostgreSQL variants are skipped, unless
/// `CUMBRE_TEST_REQUIRE_PG=1` (as in CI), where a missing server fails the test.
pub fn postgres_url() -> Option<String> {
    match std::env::var("CUMBRE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CUMBRE_TEST_REQUIRE_PG").is_err(),
                "CUMBRE_TEST_REQUIRE_PG is set but CUMBRE_TEST_PG_URL is not"
            );
            eprintln!("skipping the PostgreSQL variant: CUMBRE_TEST_PG_URL is not set");
            None
        }
    }
}

pub const PASSWORD: &str = demo::DEMO_PASSWORD;
/// The address the test installation's survey links and QR codes use.
pub const PUBLIC_URL: &str = "https://encuestas.sierraazul.example";

pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

fn random_suffix() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("OS randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new, empty database of `backend`.
pub async fn fresh_db(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite:{}?mode=rwc", dir.path().join("cumbre.db").display());
            TestDb {
                url,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            let admin = postgres_url().expect("PostgreSQL URL");
            let name = format!("cumbre_test_{}", random_suffix());
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b)
                .expect("URL has a database");
            TestDb {
                url: format!("{base}/{name}"),
                _dir: None,
            }
        }
    }
}

pub struct TestApp {
    pub store: Store,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub tenant: TenantId,
    /// Keeps the temporary database alive as long as the app.
    pub _db: TestDb,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestApp {
    /// The demo organisation on a fresh database.
    pub async fn demo(backend: Backend) -> TestApp {
        Self::demo_with_history(backend, 0.0).await
    }

    /// The demo organisation with `scale` × its 18-month response history.
    pub async fn demo_with_history(backend: Backend, scale: f64) -> TestApp {
        Self::demo_tuned(backend, scale, |store| store).await
    }

    /// The demo organisation on a store `tune` adjusted (`Store::with_text_limits`).
    pub async fn demo_tuned(
        backend: Backend,
        scale: f64,
        tune: impl FnOnce(Store) -> Store,
    ) -> TestApp {
        let db = fresh_db(backend).await;
        let store = tune(Store::connect(&db.url).await.expect("connect"));
        store.migrate().await.expect("migrate");
        let now = datetime!(2026-11-25 10:00 UTC);
        let (tenant, _) = demo::build_with(&store, demo::DEFAULT_SEED, now, scale, |_| {}, |_| {})
            .await
            .expect("demo builds");
        let clock = Arc::new(ManualClock::new(now));
        let config = WebConfig {
            public_url: Some(PUBLIC_URL.into()),
            ..WebConfig::default()
        };
        let state = AppState::new(store.clone(), clock.clone(), config);
        TestApp {
            router: router(state),
            store,
            clock,
            tenant,
            _db: db,
        }
    }

    /// Sends `req` through the router; an answer under `/api/v1` must match the OpenAPI
    /// document (see `openapi::check_answer`), and a page must be well formed (see
    /// `markup::check_page`).
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let (method, path) = (req.method().clone(), req.uri().to_string());
        let response = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        crate::openapi::check_answer(&method, &path, status, content_type, &body);
        if content_type.starts_with("text/html") {
            crate::markup::check_page(&path, &body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, browser: Option<&Browser>, path: &str) -> Reply {
        let mut req = Request::get(path);
        if let Some(b) = browser {
            req = req.header(header::COOKIE, &b.cookie);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// Posts a form as `browser`, adding its CSRF token.
    pub async fn post(&self, browser: &Browser, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &browser.csrf)];
        all.extend_from_slice(fields);
        self.post_raw(Some(browser), path, &all).await
    }

    pub async fn post_raw(
        &self,
        browser: Option<&Browser>,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let body = serde_urlencoded::to_string(fields).expect("form encodes");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(b) = browser {
            req = req.header(header::COOKIE, &b.cookie);
        }
        self.send(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// Signs in through the real sign-in form; returns the reply to the form post.
    pub async fn try_login(&self, email: &str, password: &str) -> Reply {
        self.try_login_from(None, email, password).await
    }

    /// [`TestApp::try_login`] from the client address `from` (as a served connection has).
    pub async fn try_login_from(&self, from: Option<&str>, email: &str, password: &str) -> Reply {
        let page = self.get(None, "/login").await;
        let login_cookie =
            cookie_pair(&page, "cumbre_login_csrf").expect("sign-in page sets its CSRF cookie");
        let csrf = login_cookie
            .split_once('=')
            .map(|(_, v)| v.to_owned())
            .unwrap_or_default();
        let body = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .expect("encodes");
        let mut req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, login_cookie)
            .body(Body::from(body))
            .expect("request");
        if let Some(ip) = from {
            let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        self.send(req).await
    }

    pub async fn login(&self, email: &str) -> Browser {
        self.login_with(email, PASSWORD).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> Browser {
        let reply = self.try_login(email, password).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed: {}",
            reply.body
        );
        let cookie = cookie_pair(&reply, "cumbre_session").expect("session cookie");
        let mut browser = Browser {
            cookie,
            csrf: String::new(),
        };
        let profile = self.get(Some(&browser), "/profile").await;
        browser.csrf = hidden_csrf(&profile.body).expect("pages carry the CSRF token");
        browser
    }

    /// An API token for `email`, created through the token page.
    pub async fn token(&self, email: &str) -> String {
        self.token_with(email, PASSWORD).await
    }

    pub async fn token_with(&self, email: &str, password: &str) -> String {
        let b = self.login_with(email, password).await;
        let reply = self.post(&b, "/tokens", &[("name", "tests")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let start = reply
            .body
            .find("<code id=\"fresh-token\">")
            .expect("the new token is shown")
            + "<code id=\"fresh-token\">".len();
        reply.body[start..]
            .split('<')
            .next()
            .expect("token text")
            .to_owned()
    }

    pub async fn api(
        &self,
        token: &str,
        method: Method,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match json {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).expect("request")).await
    }

    /// The id of the unit with this code.
    pub async fn unit_id(&self, code: &str) -> i64 {
        let units = self
            .store
            .list_units(&cumbre_domain::access::Scope::Tenant(self.tenant))
            .await
            .expect("units");
        units
            .iter()
            .find(|u| u.code.as_deref() == Some(code))
            .unwrap_or_else(|| panic!("no unit {code}"))
            .id
            .0
    }
}

/// `name=value` of a cookie the reply sets.
pub fn cookie_pair(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub fn hidden_csrf(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[start..].split('"').next()?.to_owned())
}

/// Webhook delivery for tests: receivers listen on loopback, which production refuses.
pub fn loopback_allowed() -> cumbre_web::platform::networks::Networks {
    cumbre_web::platform::networks::Networks::parse("127.0.0.1").expect("networks")
}
