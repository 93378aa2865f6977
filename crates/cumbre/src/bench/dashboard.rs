//! `cumbre bench dashboard`: generates a tenant of `units` hotels in 10 regions, 20
//! touchpoints and `responses` answers over three years, builds its roll-ups, then times the
//! executive overview and a unit page (server-side, from `Server-Timing`, and over HTTP on
//! loopback) and the same figures computed by a plain `GROUP BY` over the raw responses.
//! `--export-csv` writes the rows for the DuckDB comparison (`scripts/bench-dashboard.sh`).

use anyhow::{Context, bail};
use cumbre_domain::access::{AdminGrant, Role, Scope};
use cumbre_domain::clock::{Clock, SystemClock, to_millis};
use cumbre_domain::improve::period::{day_key, local_day};
use cumbre_domain::listen::{Answer, Answers, SurveyDefinition, SurveyStatus, TouchpointInput};
use cumbre_domain::org::Email;
use cumbre_domain::org::import::{HEADER, plan};
use cumbre_store::Store;
use cumbre_store::access::NewUser;
use cumbre_store::listen::imports::BulkResponse;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Options {
    pub responses: usize,
    pub units: usize,
    pub touchpoints: usize,
    pub years: i64,
    pub runs: usize,
    pub export_csv: Option<PathBuf>,
    /// The SQLite file (for its size on disk); `None` on PostgreSQL.
    pub sqlite_file: Option<PathBuf>,
    /// Leave out the raw GROUP BY baseline.
    pub skip_raw: bool,
}

const REGIONS: usize = 10;
const PASSWORD: &str = "bench-password";
const ZONE: &str = "America/Mexico_City";

/// The share of answers with a comment, and the word planted in 1 in 100,000 comments.
const WITH_COMMENT: f64 = 0.4;
const RARE: &str = "cucaracha";

/// A guest's comment: two of a hotel's usual remarks, in the answer's language.
fn comment(rng: &mut fastrand::Rng, spanish: bool) -> String {
    const ES: [&str; 16] = [
        "la habitación estaba muy limpia",
        "el personal fue muy amable",
        "el check-in fue lento",
        "la piscina estaba fría",
        "el desayuno muy bueno",
        "el wifi muy lento en la habitación",
        "volveremos sin duda",
        "el aire acondicionado no funcionaba",
        "excelente ubicación cerca de la playa",
        "todo muy bien, gracias",
        "la comida del restaurante llegó fría",
        "mucho ruido de la calle por la noche",
        "nos cobraron de más en la factura",
        "las toallas estaban sucias",
        "la cama era muy cómoda",
        "muy buena relación calidad precio",
    ];
    const EN: [&str; 8] = [
        "great pool and very friendly staff",
        "the room was very noisy at night",
        "breakfast could be better",
        "the bed was very comfortable",
        "long wait at the front desk",
        "check-out was quick and easy",
        "the shower had no hot water",
        "amazing view from the balcony",
    ];
    let pick = |rng: &mut fastrand::Rng| {
        if spanish {
            ES[rng.usize(0..ES.len())]
        } else {
            EN[rng.usize(0..EN.len())]
        }
    };
    let mut text = format!("{}; {}", pick(rng), pick(rng));
    if rng.u32(0..100_000) == 0 {
        text.push_str(if spanish {
            "; había una cucaracha en el baño"
        } else {
            "; there was a cucaracha in the bathroom"
        });
    }
    text
}

type HttpClient =
    Client<hyper_util::client::legacy::connect::HttpConnector, Full<axum::body::Bytes>>;

fn org_csv(units: usize) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    out.push_str("unit,HQ,Cadena,,company,,,,,\n");
    for r in 0..REGIONS {
        out.push_str(&format!("unit,R{r},Región {r},HQ,region,,,,,\n"));
    }
    for l in 0..units {
        out.push_str(&format!(
            "unit,L{l},Hotel {l},R{},location,,,,,\n",
            l % REGIONS
        ));
    }
    out
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = samples.len().max(1);
    (ms(samples[n / 2]), ms(samples[(n * 95 / 100).min(n - 1)]))
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub async fn run(store: &Store, o: Options) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let tenant = store.create_tenant("Cadena de referencia", now).await?;
    let grant = AdminGrant::operator(tenant);
    let scope = Scope::Tenant(tenant);
    store
        .set_tenant_clock(&grant, ZONE, None, "bench", now)
        .await?;
    let zone = jiff::tz::TimeZone::get(ZONE)?;

    let checked = plan(
        &org_csv(o.units),
        &store.existing_org(tenant).await?,
        now.date(),
    )
    .map_err(|e| anyhow::anyhow!("bench org: {e:?}"))?;
    store
        .apply_import(&grant, &checked, "bench", now, |_| {})
        .await?;
    let units = store.list_units(&scope).await?;
    let root = units.first().context("a top unit")?.clone();
    let hotels: Vec<_> = units.iter().filter(|u| u.depth == 2).cloned().collect();
    let mut touchpoints = Vec::new();
    for i in 0..o.touchpoints {
        let input = TouchpointInput::parse(
            &format!("Momento {i}"),
            &format!("Moment {i}"),
            "",
            "",
            i as i64 + 1,
        )?;
        touchpoints.push(
            store
                .create_touchpoint(&grant, &input, &[], "bench", now)
                .await?,
        );
    }
    // The CSAT question asks about a standard, as a company that links its surveys to its
    // standards would: every answer then counts on the unit page's standards table.
    let standard = cumbre_store::decide::NewStandard {
        key: "service".into(),
        touchpoint_id: touchpoints[0],
        unit_id: None,
        department_id: None,
        definition: cumbre_domain::decide::standard::StandardDefinition::parse(
            "Atiende con cortesía",
            "behaviour",
            "",
            "",
            "1",
            false,
        )?,
    };
    store.save_standard(&grant, &standard, "bench", now).await?;
    let def = SurveyDefinition::from_json(
        &serde_json::json!({
            "title": {"es": "Encuesta", "en": "Survey"},
            "questions": [
                {"key": "nps", "type": "nps", "required": true, "prompt": {"es": "¿Nos recomendaría?", "en": "Would you recommend us?"}},
                {"key": "csat", "type": "csat", "standard": "service", "prompt": {"es": "¿Satisfecho?", "en": "Satisfied?"}},
                {"key": "comment", "type": "long_text", "prompt": {"es": "¿Algo más?", "en": "Anything else?"}}
            ]
        })
        .to_string(),
    )
    .map_err(|e| anyhow::anyhow!("bench survey: {e:?}"))?;
    let survey = store
        .create_survey(&scope, root.id, "Referencia", &def, "bench", now)
        .await?;
    store
        .set_survey_status(&scope, survey, SurveyStatus::Published, "bench", now)
        .await?;
    let version = store.get_survey(&scope, survey).await?.version_id;
    let hash = tokio::task::spawn_blocking(|| {
        cumbre_web::platform::auth::password::hash_blocking(PASSWORD)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let email = "ceo@bench.example";
    store
        .create_user(
            &grant,
            &NewUser {
                email: Email::parse(email)?,
                role: Role::Executive,
                person: None,
                scope_unit: None,
                password_hash: hash,
            },
            "bench",
            now,
        )
        .await?;

    // The history: each hotel with its own level, a slow drift, uniform over the years.
    let mut rng = fastrand::Rng::with_seed(42);
    let span_ms = o.years * 365 * 24 * 3_600_000;
    let start_ms = to_millis(now) - span_ms;
    let quality: Vec<f64> = hotels.iter().map(|_| rng.f64()).collect();
    let mut csv = match &o.export_csv {
        Some(path) => {
            let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
            writeln!(w, "region_id,touchpoint_id,day,nps,csat")?;
            Some(w)
        }
        None => None,
    };
    let started = Instant::now();
    let mut written = 0;
    while written < o.responses {
        let batch = (o.responses - written).min(20_000);
        let mut rows = Vec::with_capacity(batch);
        for _ in 0..batch {
            let h = rng.usize(0..hotels.len());
            let at_ms = start_ms + rng.i64(0..span_ms);
            let drift = (at_ms - start_ms) as f64 / span_ms as f64 * 0.2 - 0.1;
            let good = (quality[h] * 0.6 + 0.3 + drift).clamp(0.05, 0.95);
            let nps = if rng.f64() < good {
                rng.i64(9..=10)
            } else if rng.f64() < 0.5 {
                rng.i64(7..=8)
            } else {
                rng.i64(0..=6)
            };
            let csat = if rng.f64() < good {
                rng.i64(4..=5)
            } else {
                rng.i64(1..=3)
            };
            let tp = touchpoints[rng.usize(0..touchpoints.len())];
            let spanish = rng.f64() < 0.8;
            let mut answers = vec![
                ("nps".to_owned(), Answer::Score(nps)),
                ("csat".to_owned(), Answer::Score(csat)),
            ];
            if rng.f64() < WITH_COMMENT {
                answers.push((
                    "comment".to_owned(),
                    Answer::Text(comment(&mut rng, spanish)),
                ));
            }
            let at = cumbre_domain::clock::from_millis(at_ms);
            if let Some(w) = csv.as_mut() {
                let region = hotels[h].parent_id.map_or(0, |p| p.0);
                writeln!(
                    w,
                    "{region},{tp},{},{nps},{csat}",
                    day_key(local_day(&zone, at))
                )?;
            }
            rows.push(BulkResponse {
                survey_id: survey,
                version_id: version,
                unit_id: hotels[h].id.0,
                touchpoint_id: tp,
                person_id: None,
                source: if rng.bool() { "link" } else { "kiosk" },
                language: if spanish {
                    cumbre_domain::Lang::Es
                } else {
                    cumbre_domain::Lang::En
                },
                answers: Answers(answers.into_iter().collect()),
                nps: Some(nps),
                submitted_at: at,
            });
        }
        store
            .load_history_without_rollups(&grant, &rows, now)
            .await?;
        written += batch;
        if written % 1_000_000 < 20_000 {
            eprintln!(
                "{written} responses written ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(mut w) = csv {
        w.flush()?;
    }
    let load = started.elapsed();
    let started = Instant::now();
    let counted = store.rebuild_rollups(tenant).await?;
    let rebuild = started.elapsed();
    anyhow::ensure!(
        counted as usize == o.responses,
        "rolled up {counted} of {}",
        o.responses
    );
    store.refresh_statistics().await?;

    // Over HTTP, signed in as the executive.
    let config = crate::config::Config::default();
    let app = cumbre_web::router(crate::server::app_state(store.clone(), &config)?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let cookie = login(&client, addr, email).await?;
    let today = local_day(&zone, now);
    let ago = |days: i64| {
        today
            .checked_sub(jiff::Span::new().days(days))
            .unwrap_or(today)
    };
    let hotel = &hotels[hotels.len() / 2];
    let region = hotel.parent_id.map_or(0, |p| p.0);
    let (d90, d365, all) = (ago(89), ago(364), ago(o.years * 365 - 1));
    let pages = [
        (
            "executive overview, default: last 3 full months",
            "/overview".to_owned(),
        ),
        ("executive overview, last 12 full months", {
            let (f, t) = cumbre_web::improve::filters::last_full_months(today, 12);
            format!("/overview?from={f}&to={t}")
        }),
        (
            "executive overview, last 90 days to today",
            format!("/overview?from={d90}&to={today}"),
        ),
        (
            "executive overview, last 365 days to today",
            format!("/overview?from={d365}&to={today}"),
        ),
        (
            "executive overview, all 3 years to today",
            format!("/overview?from={all}&to={today}"),
        ),
        (
            "region drill-down (100 hotels), default",
            format!("/overview?unit={region}"),
        ),
        (
            "unit page (one hotel), default",
            format!("/dashboard/units/{}", hotel.id.0),
        ),
        (
            "unit page (one hotel), last 90 days to today",
            format!("/dashboard/units/{}?from={d90}&to={today}", hotel.id.0),
        ),
        (
            "answers holding a word 1 in 100,000 comments hold",
            format!("/responses?q={RARE}"),
        ),
        (
            "answers holding a word no comment holds",
            "/responses?q=tiburon".to_owned(),
        ),
        (
            "answers holding a word 1 in 100,000 comments hold, one hotel",
            format!("/responses?q={RARE}&unit={}", hotel.id.0),
        ),
        (
            "answers holding two words (about 1 in 160 comments)",
            "/responses?q=piscina+ruido".to_owned(),
        ),
        (
            "answers holding a common word (about 1 in 5 comments)",
            "/responses?q=lento".to_owned(),
        ),
        (
            "answers holding a word half the comments hold",
            "/responses?q=muy".to_owned(),
        ),
    ];
    println!(
        "\nbackend: {:?}; {} responses, {} hotels in {REGIONS} regions, {} touchpoints, {} years; {} runs each\n",
        store.backend(),
        o.responses,
        o.units,
        o.touchpoints,
        o.years,
        o.runs
    );
    println!("| page | server p50 | server p95 | HTTP p50 | HTTP p95 |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, path) in &pages {
        let mut server = Vec::new();
        let mut total = Vec::new();
        for _ in 0..o.runs {
            let (s, t) = get(&client, addr, path, &cookie).await?;
            server.extend(s);
            total.push(t);
        }
        // Pages without a `Server-Timing` header (the response list) show HTTP only.
        let (s50, s95) = match server.len() {
            0 => ("—".to_owned(), "—".to_owned()),
            _ => {
                let (a, b) = stats(server);
                (format!("{a:.1} ms"), format!("{b:.1} ms"))
            }
        };
        let (t50, t95) = stats(total);
        println!("| {name} | {s50} | {s95} | {t50:.1} ms | {t95:.1} ms |");
    }

    // The map alone (the top unit and its regions × touchpoints) from the roll-ups: the
    // aggregation the raw GROUP BY below and DuckDB compute.
    let mut shown: Vec<&cumbre_store::org::Unit> = vec![&root];
    shown.extend(units.iter().filter(|u| u.parent_id == Some(root.id)));
    let (m3_from, m3_to) = cumbre_web::improve::filters::last_full_months(today, 3);
    println!("\n| the overview's map from the roll-ups (store call, no page) | p50 | p95 |");
    println!("| --- | --- | --- |");
    for (name, from) in [
        ("last 3 full months", m3_from),
        ("last 90 days to today", d90),
        ("all 3 years to today", all),
    ] {
        let to = if from == m3_from { m3_to } else { today };
        let mut samples = Vec::new();
        for _ in 0..o.runs {
            let t = Instant::now();
            let cells = store
                .metric_cells(&scope, &shown, from, to, cumbre_store::improve::Cells::ALL)
                .await?;
            anyhow::ensure!(!cells.is_empty(), "the map is empty");
            samples.push(t.elapsed());
        }
        let (p50, p95) = stats(samples);
        println!("| {name} | {p50:.2} ms | {p95:.2} ms |");
    }

    // The same map (regions × touchpoints) by a plain GROUP BY over the raw responses.
    println!("\n| the overview's map without roll-ups: GROUP BY over raw responses | p50 | p95 |");
    println!("| --- | --- | --- |");
    let baselines = if o.skip_raw {
        Vec::new()
    } else {
        vec![("last 90 days", 90), ("all 3 years", o.years * 365)]
    };
    for (name, days) in baselines {
        let from = to_millis(now) - days * 24 * 3_600_000;
        let mut samples = Vec::new();
        for _ in 0..o.runs.clamp(1, 5) {
            let t = Instant::now();
            let cells = store
                .raw_region_map(tenant, root.id, from, to_millis(now))
                .await?;
            anyhow::ensure!(!cells.is_empty(), "the raw query found nothing");
            samples.push(t.elapsed());
        }
        let (p50, p95) = stats(samples);
        println!("| {name} | {p50:.0} ms | {p95:.0} ms |");
    }

    let size_mb = match &o.sqlite_file {
        Some(file) => {
            store.checkpoint().await?;
            std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
        }
        None => store.database_size().await? as f64 / 1e6,
    };
    println!(
        "\nloading the responses: {:.0} s; rebuilding the roll-ups: {:.0} s; database on disk: {size_mb:.0} MB; roll-up rows: {}; peak RSS of this process (server, generator and client): {:.0} MB",
        load.as_secs_f64(),
        rebuild.as_secs_f64(),
        store.rollup_row_count(tenant).await?,
        peak_rss_mb()
    );
    Ok(())
}

async fn login(
    client: &HttpClient,
    addr: std::net::SocketAddr,
    email: &str,
) -> anyhow::Result<String> {
    let page = client
        .request(axum::http::Request::get(format!("http://{addr}/login")).body(Full::default())?)
        .await?;
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cumbre_login_csrf="))
        .and_then(|v| v.split(';').next())
        .context("sign-in CSRF cookie")?
        .to_owned();
    let csrf = csrf_cookie
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();
    let body = serde_urlencoded::to_string([
        ("csrf", csrf.as_str()),
        ("email", email),
        ("password", PASSWORD),
        ("next", "/"),
    ])?;
    let reply = client
        .request(
            axum::http::Request::post(format!("http://{addr}/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", csrf_cookie)
                .body(Full::new(body.into()))?,
        )
        .await?;
    reply
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cumbre_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .context("sign-in failed")
}

/// (server-side time, total time) of one page.
async fn get(
    client: &HttpClient,
    addr: std::net::SocketAddr,
    path: &str,
    cookie: &str,
) -> anyhow::Result<(Option<Duration>, Duration)> {
    let started = Instant::now();
    let reply = client
        .request(
            axum::http::Request::get(format!("http://{addr}{path}"))
                .header("cookie", cookie)
                .body(Full::default())?,
        )
        .await?;
    let status = reply.status();
    let server = reply
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("app;dur="))
        .and_then(|v| v.parse::<f64>().ok());
    let body = reply.into_body().collect().await?.to_bytes();
    let total = started.elapsed();
    if status != axum::http::StatusCode::OK {
        bail!("{path}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok((server.map(|ms| Duration::from_secs_f64(ms / 1000.0)), total))
}
