//! `cumbre serve`, `cumbre migrate` and `cumbre demo`: the server, its database, and the
//! demo organisation it can serve.

use super::{Db, config, open, progress};
use crate::config::Config;
use crate::demo::{self, DEMO_PASSWORD};
use crate::server;
use anyhow::{Context, bail};
use clap::Args;
use cumbre_domain::Lang;
use cumbre_domain::access::Role;
use cumbre_store::Store;
use std::path::PathBuf;

/// Build (first run) or reuse a demo organisation on SQLite and serve it.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Build the demo in this database instead (also read from CUMBRE_DATABASE_URL);
    /// ignored when --data-dir is given.
    #[command(flatten)]
    db: Db,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// Where the demo's SQLite database lives (DIR/cumbre.db); default `data`.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Seed of the generated organisation.
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    seed: u64,
    /// Build the database and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// How much response history to generate: 1 ≈ 160,000 responses over 18 months, 0 none.
    #[arg(long, default_value_t = 1.0, value_name = "SCALE")]
    responses_scale: f64,
}

pub async fn serve(
    config_file: &Option<PathBuf>,
    db: &Db,
    bind: &Option<String>,
) -> anyhow::Result<()> {
    let config = config(config_file, db, bind.clone())?;
    server::init_logging(&config.log_format);
    let store = open(&config).await?;
    let listener = server::bind(&config.bind).await?;
    server::serve(store, &config, listener).await
}

pub async fn migrate(config_file: &Option<PathBuf>, db: &Db) -> anyhow::Result<()> {
    let config = config(config_file, db, None)?;
    open(&config).await?;
    println!("database is up to date");
    Ok(())
}

pub async fn demo(
    config_file: &Option<PathBuf>,
    args: &DemoArgs,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let DemoArgs {
        db,
        bind,
        data_dir,
        seed,
        no_serve,
        responses_scale,
    } = args;
    if !(0.0..=10.0).contains(responses_scale) {
        bail!("--responses-scale must be between 0 and 10");
    }
    let explicit_url = db
        .database_url
        .clone()
        .or_else(|| std::env::var("CUMBRE_DATABASE_URL").ok())
        .filter(|u| !u.trim().is_empty());
    let mut config = config(config_file, &Db::default(), bind.clone())?;
    server::init_logging(&config.log_format);
    let org = cumbre_domain::demo::organisation(*seed);
    match (explicit_url, data_dir) {
        (Some(url), None) => {
            config.database_url = url;
            let store = open(&config).await?;
            if store.list_tenants().await?.is_empty() {
                // One transaction per step: a failed build leaves at most an
                // empty organisation, which the next start reports.
                build_demo(&store, &org, *seed, now, *responses_scale).await?;
                println!(
                    "Built the demo organisation {} in {}",
                    org.company_name,
                    cumbre_store::redact(&config.database_url)
                );
            } else {
                println!(
                    "Reusing the organisation already in {}",
                    cumbre_store::redact(&config.database_url)
                );
            }
            store.close().await;
        }
        (_, dir) => {
            let data_dir = dir.clone().unwrap_or_else(|| PathBuf::from("data"));
            config.database_url =
                build_demo_file(&config, &data_dir, &org, *seed, now, *responses_scale).await?;
        }
    }
    let store = open(&config).await?;
    if *no_serve {
        return Ok(());
    }
    let listener = server::bind(&config.bind).await?;
    let addr = listener.local_addr()?;
    // The demo's links and QR codes point at where it serves, unless configured.
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    println!("\nCumbre demo: http://{addr}/\nSign in with password `{DEMO_PASSWORD}` as:");
    for login in &org.logins {
        let role = Role::parse(login.role)
            .map(|r| r.label(Lang::En))
            .unwrap_or(login.role);
        println!("  {:<24} {role}", login.email);
    }
    let leaders = org.leader_logins();
    if let Some(first) = leaders.first() {
        println!(
            "  and the {} regional directors and general managers, e.g. {}",
            leaders.len(),
            first.email
        );
    }
    if let Some(path) = demo::sample_link(&store).await? {
        println!("\nA customer survey (Sierra Azul Cancún, after the stay): http://{addr}{path}");
    }
    println!();
    server::serve(store, &config, listener).await
}

/// The demo organisation and its response history, with progress bars.
async fn build_demo(
    store: &Store,
    org: &cumbre_domain::demo::DemoOrg,
    seed: u64,
    now: time::OffsetDateTime,
    scale: f64,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bar = progress(
        org.units.len() + org.people.len(),
        "building the demo organisation",
    );
    let responses = progress(
        demo::expected_responses(scale),
        "generating response history",
    );
    responses.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    demo::build_with(
        store,
        seed,
        now,
        scale,
        |n| bar.set_position(n as u64),
        |n| {
            if n > 0 && responses.is_hidden() {
                bar.finish_and_clear();
                responses.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            responses.set_position(n as u64);
        },
    )
    .await?;
    bar.finish_and_clear();
    let written = responses.position();
    responses.finish_and_clear();
    if written > 0 {
        println!(
            "Generated {written} responses over 18 months in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Builds the demo SQLite file in `data_dir` unless it exists; returns its URL.
async fn build_demo_file(
    config: &Config,
    data_dir: &std::path::Path,
    org: &cumbre_domain::demo::DemoOrg,
    seed: u64,
    now: time::OffsetDateTime,
    scale: f64,
) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let file = data_dir.join("cumbre.db");
    let url = format!("sqlite:{}?mode=rwc", file.display());
    // The marker exists from before the build until it is complete, so an interrupted
    // build is never reused. The database is built where it is served: SQLite finds a
    // database's shared WAL index by the file's inode, so a file renamed while any
    // connection of this process had it open would be served through the old name's
    // index while other processes used the new one's, and their commits would be lost.
    let marker = data_dir.join("cumbre.db.incomplete");
    if file.exists() && !marker.exists() {
        println!("Reusing the demo database {}", file.display());
        return Ok(url);
    }
    for stale in ["", "-wal", "-shm"] {
        let path = format!("{}{stale}", file.display());
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove the unfinished {path}"));
            }
            _ => {}
        }
    }
    std::fs::write(&marker, b"the demo database is being built\n")
        .with_context(|| format!("cannot write {}", marker.display()))?;
    let store = open(&Config {
        database_url: url.clone(),
        ..config.clone()
    })
    .await?;
    build_demo(&store, org, seed, now, scale).await?;
    store.checkpoint().await?;
    store.close().await;
    std::fs::remove_file(&marker).with_context(|| format!("cannot remove {}", marker.display()))?;
    println!(
        "Built the demo organisation {} in {}",
        org.company_name,
        file.display()
    );
    Ok(url)
}
