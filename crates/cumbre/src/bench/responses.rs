//! `cumbre bench responses`: durable response submission over HTTP on loopback, two ways
//! in — the JSON API, and the public survey page as a respondent's phone uses it (GET the
//! page, POST the form, follow the redirect to the thank-you page) — against a bare axum
//! handler that does no work (the ceiling), at several levels of concurrency.
//!
//! The servers and the load generator share this process and its cores, so the ratio is
//! the figure to read; absolute rates depend on the machine. The three are measured in
//! turn, round after round, and each figure is the median of its rounds, so a drift in the
//! machine's speed reaches all three alike.

use crate::demo;
use anyhow::Context;
use axum::Json;
use axum::routing::post;
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{Clock, SystemClock};
use cumbre_store::Store;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

type HttpClient =
    Client<hyper_util::client::legacy::connect::HttpConnector, Full<axum::body::Bytes>>;

/// What `cumbre bench responses` runs.
pub struct Options {
    pub clients: Vec<usize>,
    pub seconds: u64,
    pub rounds: usize,
    /// Servers on one database (PostgreSQL), each with its own pool, caches and writer, as
    /// separate processes would have; clients take them in turn.
    pub instances: usize,
}

/// One way in, as the load generator drives it.
enum Way {
    /// A JSON POST answered 201.
    Api {
        urls: Vec<String>,
        token: String,
        body: String,
    },
    /// GET the survey page, POST its form with the page's idempotency key, GET the
    /// thank-you page the 303 names.
    Respondent { bases: Vec<String>, path: String },
}

struct Outcome {
    failed: u64,
    per_second: f64,
    latencies: Vec<Duration>,
}

fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: String,
) -> Option<axum::http::Request<Full<axum::body::Bytes>>> {
    let mut r = axum::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Full::new(axum::body::Bytes::from(body))).ok()
}

/// Sends `req`; the status, a header's value and the body.
async fn send(
    client: &HttpClient,
    req: axum::http::Request<Full<axum::body::Bytes>>,
    header: &str,
) -> Option<(u16, Option<String>, axum::body::Bytes)> {
    let response = client.request(req).await.ok()?;
    let status = response.status().as_u16();
    let value = response
        .headers()
        .get(header)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, value, body))
}

/// The value of the page's hidden `idempotency_key` field.
fn page_key(html: &[u8]) -> Option<String> {
    let html = std::str::from_utf8(html).ok()?;
    let rest = html.split("name=\"idempotency_key\" value=\"").nth(1)?;
    Some(rest.split('"').next()?.to_owned())
}

/// One complete pass of `way` by client `c`; true when every step answered as expected.
async fn once(client: &HttpClient, way: &Way, c: usize, run: &str, n: u64) -> bool {
    match way {
        Way::Api { urls, token, body } => {
            let auth = format!("Bearer {token}");
            let key = format!("bench-{run}-{n}");
            let Some(req) = request(
                "POST",
                &urls[c % urls.len()],
                &[
                    ("content-type", "application/json"),
                    ("authorization", &auth),
                    ("idempotency-key", &key),
                ],
                body.clone(),
            ) else {
                return false;
            };
            matches!(send(client, req, "location").await, Some((201, _, _)))
        }
        Way::Respondent { bases, path } => {
            let base = &bases[c % bases.len()];
            let url = format!("{base}{path}");
            let Some(req) = request("GET", &url, &[("accept-language", "es")], String::new())
            else {
                return false;
            };
            let Some((200, _, page)) = send(client, req, "location").await else {
                return false;
            };
            let Some(key) = page_key(&page) else {
                return false;
            };
            let form = format!(
                "lang=es&idempotency_key={key}&q.csat=5&q.aspects=speed&q.aspects=friendliness&q.comment=Todo+muy+bien%2C+gracias"
            );
            let Some(req) = request(
                "POST",
                &url,
                &[("content-type", "application/x-www-form-urlencoded")],
                form,
            ) else {
                return false;
            };
            let Some((303, Some(thanks), _)) = send(client, req, "location").await else {
                return false;
            };
            let Some(req) = request("GET", &format!("{base}{thanks}"), &[], String::new()) else {
                return false;
            };
            matches!(send(client, req, "location").await, Some((200, _, _)))
        }
    }
}

async fn load(client: &HttpClient, way: Arc<Way>, clients: usize, seconds: u64) -> Outcome {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    // Keys unique across runs: a repeated key would be a replay, not a new response.
    let run = run_id();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, way, ok, failed, counter, run) = (
            client.clone(),
            way.clone(),
            ok.clone(),
            failed.clone(),
            counter.clone(),
            run.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                if once(&client, &way, c, &run, n).await {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap_or_default());
    }
    Outcome {
        failed: failed.load(Ordering::Relaxed),
        per_second: ok.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
        latencies,
    }
}

fn run_id() -> String {
    cumbre_web::platform::auth::secret::random_token()
        .map(|t| t[..12].to_owned())
        .unwrap_or_else(|_| "run".into())
}

async fn spawn(router: axum::Router) -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Ok(addr)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

/// Every round's figures for one way in.
#[derive(Default)]
struct Rounds {
    rates: Vec<f64>,
    latencies: Vec<Duration>,
    failed: u64,
}

impl Rounds {
    fn add(&mut self, o: Outcome) {
        self.rates.push(o.per_second);
        self.latencies.extend(o.latencies);
        self.failed += o.failed;
    }

    fn p50_p99(&mut self) -> (f64, f64) {
        self.latencies.sort();
        (
            quantile(&self.latencies, 0.5),
            quantile(&self.latencies, 0.99),
        )
    }
}

/// Runs the comparison on `store` (migrated and empty; `url` is its address, for further
/// instances) and prints a Markdown table.
pub async fn run(store: &Store, url: &str, opts: &Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.instances == 1 || store.backend() == cumbre_store::Backend::Postgres,
        "--instances above 1 needs PostgreSQL: a SQLite file is served by one server"
    );
    let now = SystemClock.now();
    let (tenant, _) = demo::build(store, demo::DEFAULT_SEED, now, |_| {}).await?;
    let scope = Scope::Tenant(tenant);
    let survey = store
        .list_surveys(&scope)
        .await?
        .into_iter()
        .find(|s| s.name.contains("CSAT"))
        .context("demo CSAT survey")?;
    let unit = store
        .list_units(&scope)
        .await?
        .into_iter()
        .find(|u| u.code.as_deref() == Some("CUN"))
        .context("demo hotel")?;
    let touchpoint = store
        .list_touchpoints(tenant)
        .await?
        .get(1)
        .context("demo touchpoint")?
        .id;
    let admin = store
        .user_by_email(&cumbre_domain::org::Email::parse("admin@demo.test")?)
        .await?;
    let token = cumbre_web::platform::auth::secret::new_api_token()?;
    store
        .create_api_token(
            &admin,
            "bench",
            &cumbre_web::platform::auth::secret::token_hash(&token),
            "bench",
            now,
        )
        .await?;
    let link = cumbre_web::platform::auth::secret::random_token()?;
    store
        .create_link(
            &scope,
            &cumbre_store::listen::LinkInput {
                survey_id: survey.id,
                touchpoint_id: touchpoint,
                unit_id: unit.id,
                person_id: None,
                label: "bench".into(),
            },
            &link,
            "bench",
            now,
        )
        .await?;

    let config = crate::config::Config::default();
    let mut bases = Vec::new();
    for i in 0..opts.instances.max(1) {
        let instance = if i == 0 {
            store.clone()
        } else {
            Store::connect(url).await?
        };
        // The bench's clients all come from one address: the submission budgets that
        // stop a script from one phone would stop the bench.
        let state = crate::server::app_state_with_limits(
            instance,
            &config,
            cumbre_web::platform::auth::limits::Limits::Unlimited,
        )?;
        bases.push(format!(
            "http://{}",
            spawn(cumbre_web::router(state)).await?
        ));
    }
    let bare = axum::Router::new().route(
        "/bare",
        post(|Json(_): Json<serde_json::Value>| async {
            (
                axum::http::StatusCode::CREATED,
                Json(serde_json::json!({ "id": 1 })),
            )
        }),
    );
    let bare_base = format!("http://{}", spawn(bare).await?);

    let body = serde_json::json!({
        "answers": { "csat": 5, "aspects": ["speed", "friendliness"], "comment": "Todo muy bien, gracias" },
        "unit_id": unit.id, "touchpoint_id": touchpoint, "language": "es"
    })
    .to_string();
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    let api = Arc::new(Way::Api {
        urls: bases
            .iter()
            .map(|b| format!("{b}/api/v1/surveys/{}/responses", survey.id))
            .collect(),
        token: token.clone(),
        body: body.clone(),
    });
    let ceiling = Arc::new(Way::Api {
        urls: vec![format!("{bare_base}/bare")],
        token,
        body,
    });
    let respondent = Arc::new(Way::Respondent {
        bases: bases.clone(),
        path: format!("/s/{link}"),
    });

    println!(
        "backend: {:?}; instances: {}; {} rounds of {} s per figure, medians; durable = committed before the answer\n",
        store.backend(),
        bases.len(),
        opts.rounds,
        opts.seconds
    );
    println!(
        "| clients | bare handler (req/s) | API, durable (responses/s) | API / bare | API p50 | API p99 | respondent (surveys/s) | respondent p50 | respondent p99 | errors |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for &c in &opts.clients {
        let (mut b, mut a, mut r) = (Rounds::default(), Rounds::default(), Rounds::default());
        let mut ratios = Vec::new();
        for _ in 0..opts.rounds.max(1) {
            b.add(load(&client, ceiling.clone(), c, opts.seconds).await);
            a.add(load(&client, api.clone(), c, opts.seconds).await);
            r.add(load(&client, respondent.clone(), c, opts.seconds).await);
            let (bare, real) = (b.rates[b.rates.len() - 1], a.rates[a.rates.len() - 1]);
            ratios.push(100.0 * real / bare.max(1.0));
        }
        let ((ap50, ap99), (rp50, rp99)) = (a.p50_p99(), r.p50_p99());
        println!(
            "| {c} | {:.0} | {:.0} | {:.0} % | {ap50:.2} ms | {ap99:.2} ms | {:.0} | {rp50:.2} ms | {rp99:.2} ms | {} |",
            median(b.rates.clone()),
            median(a.rates.clone()),
            median(ratios),
            median(r.rates.clone()),
            b.failed + a.failed + r.failed
        );
    }
    let total = real_count(store, tenant).await?;
    anyhow::ensure!(total > 0, "no response was stored");
    println!("\nresponses stored: {total}");
    Ok(())
}

async fn real_count(store: &Store, tenant: cumbre_domain::TenantId) -> anyhow::Result<i64> {
    let mut n = 0;
    let mut filter = cumbre_store::listen::ResponseFilter {
        limit: 1000,
        ..Default::default()
    };
    loop {
        let page = store
            .list_responses(&Scope::Tenant(tenant), &filter)
            .await?;
        n += page.items.len() as i64;
        match page.next_cursor {
            Some(c) => filter.cursor = Some(c),
            None => return Ok(n),
        }
    }
}
