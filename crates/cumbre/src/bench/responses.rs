//! `cumbre bench responses`: durable response submission over HTTP on loopback, against a
//! bare axum handler that does no work (the ceiling), at several levels of concurrency.
//! Both servers and the load generator share this process and its cores, so the ratio is
//! the figure to read; absolute rates depend on the machine.

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

struct Target {
    url: String,
    token: String,
    body: String,
}

struct Outcome {
    failed: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(client: &HttpClient, target: Arc<Target>, clients: usize, seconds: u64) -> Outcome {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    // Keys unique across runs: a repeated key would be a replay, not a new response.
    let run = fastrand_run_id();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, target, ok, failed, counter) = (
            client.clone(),
            target.clone(),
            ok.clone(),
            failed.clone(),
            counter.clone(),
        );
        let run = run.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let key = counter.fetch_add(1, Ordering::Relaxed);
                let request = axum::http::Request::post(&target.url)
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {}", target.token))
                    .header("idempotency-key", format!("bench-{run}-{key}"))
                    .body(Full::new(axum::body::Bytes::from(target.body.clone())));
                let Ok(request) = request else { break };
                let sent = Instant::now();
                match client.request(request).await {
                    Ok(response) => {
                        let status = response.status();
                        let _ = response.into_body().collect().await;
                        if status == axum::http::StatusCode::CREATED {
                            ok.fetch_add(1, Ordering::Relaxed);
                        } else {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let ok = ok.load(Ordering::Relaxed);
    Outcome {
        failed: failed.load(Ordering::Relaxed),
        per_second: ok as f64 / elapsed,
        p50: pick(0.5),
        p99: pick(0.99),
    }
}

fn fastrand_run_id() -> String {
    cumbre_web::auth::secret::random_token()
        .map(|t| t[..12].to_owned())
        .unwrap_or_else(|_| "run".into())
}

async fn spawn(router: axum::Router) -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(addr)
}

/// Runs the comparison on `store` (migrated and empty) and prints a Markdown table.
pub async fn run(store: &Store, clients: &[usize], seconds: u64) -> anyhow::Result<()> {
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
    let token = cumbre_web::auth::secret::new_api_token()?;
    store
        .create_api_token(
            &admin,
            "bench",
            &cumbre_web::auth::secret::token_hash(&token),
            "bench",
            now,
        )
        .await?;

    let config = crate::config::Config::default();
    let app = cumbre_web::router(crate::server::app_state(store.clone(), &config)?);
    let cumbre_addr = spawn(app).await?;
    let bare = axum::Router::new().route(
        "/bare",
        post(|Json(_): Json<serde_json::Value>| async {
            (
                axum::http::StatusCode::CREATED,
                Json(serde_json::json!({ "id": 1 })),
            )
        }),
    );
    let bare_addr = spawn(bare).await?;

    let body = serde_json::json!({
        "answers": { "csat": 5, "aspects": ["speed", "friendliness"], "comment": "Todo muy bien, gracias" },
        "unit_id": unit.id, "touchpoint_id": touchpoint, "language": "es"
    })
    .to_string();
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    let cumbre = Arc::new(Target {
        url: format!(
            "http://{cumbre_addr}/api/v1/surveys/{}/responses",
            survey.id
        ),
        token: token.clone(),
        body: body.clone(),
    });
    let ceiling = Arc::new(Target {
        url: format!("http://{bare_addr}/bare"),
        token,
        body,
    });

    println!(
        "backend: {:?}; {seconds} s per run; durable = committed before the 201\n",
        store.backend()
    );
    println!(
        "| clients | bare handler (req/s) | Cumbre, durable (responses/s) | ratio | Cumbre p50 | Cumbre p99 | errors |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for &c in clients {
        let bare = load(&client, ceiling.clone(), c, seconds).await;
        let real = load(&client, cumbre.clone(), c, seconds).await;
        println!(
            "| {c} | {:.0} | {:.0} | {:.0} % | {:.2} ms | {:.2} ms | {} |",
            bare.per_second,
            real.per_second,
            100.0 * real.per_second / bare.per_second.max(1.0),
            real.p50.as_secs_f64() * 1000.0,
            real.p99.as_secs_f64() * 1000.0,
            real.failed + bare.failed
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
