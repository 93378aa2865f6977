//! `cumbre bench`: the benchmarks of docs/BENCHMARKS.md, each on an empty database of its
//! own (a temporary SQLite file unless `--database-url` names one).

use super::{Db, config, open, sqlite_file};
use anyhow::{Context, bail};
use clap::Subcommand;
use cumbre_store::Store;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Generate a tenant with millions of responses, then time the executive overview and a
    /// unit page (server-side and over HTTP) against a plain GROUP BY over the raw rows.
    Dashboard {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
        /// Hotels (spread over 10 regions).
        #[arg(long, default_value_t = 1000)]
        units: usize,
        #[arg(long, default_value_t = 20)]
        touchpoints: usize,
        #[arg(long, default_value_t = 3)]
        years: i64,
        /// Requests per page.
        #[arg(long, default_value_t = 50)]
        runs: usize,
        /// Also write the generated rows (region, touchpoint, local day, scores) as CSV, for
        /// the DuckDB comparison.
        #[arg(long, value_name = "FILE")]
        export_csv: Option<PathBuf>,
        /// Leave out the plain GROUP BY baseline (minutes per run at 10 million rows on
        /// SQLite), to re-time the pages alone.
        #[arg(long)]
        skip_raw: bool,
    },
    /// Durable response submission over HTTP on loopback, against a bare handler.
    Responses {
        #[command(flatten)]
        db: Db,
        /// Concurrent clients, one run each.
        #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
        clients: Vec<usize>,
        /// Seconds per run.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
        /// Rounds per figure (bare handler, API and respondent in turn); medians reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Servers sharing the database (PostgreSQL only), each with its own pool,
        /// caches and response writer.
        #[arg(long, default_value_t = 1)]
        instances: usize,
    },
    /// Comments read per second on one core (language, sentiment, themes, mentions),
    /// beside VADER (from PyPI) on the same comments in the same run.
    Text {
        #[arg(long, default_value_t = 200_000)]
        comments: usize,
        /// Rounds per analyser; the best is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// The Python with `vaderSentiment` installed.
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// Build an organisation of regions × locations × teams × people and time reads,
    /// searches, moves and the import. Uses a temporary SQLite file unless --database-url
    /// names an empty database.
    Org {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value_t = 20)]
        regions: usize,
        #[arg(long, default_value_t = 25)]
        locations: usize,
        #[arg(long, default_value_t = 8)]
        teams: usize,
        #[arg(long, default_value_t = 6)]
        people: usize,
        /// Repetitions of each timed read.
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
}

pub async fn run(config_file: &Option<PathBuf>, command: &BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Dashboard {
            db,
            responses,
            units,
            touchpoints,
            years,
            runs,
            export_csv,
            skip_raw,
        } => {
            let (store, dir) = bench_store(config_file, db).await?;
            // The file the bench wrote, for its size: the one named, else the temporary.
            let url = db
                .database_url
                .clone()
                .unwrap_or_else(|| sqlite_bench_url(&dir));
            let sqlite_file = sqlite_file(&url);
            crate::bench::dashboard::run(
                &store,
                crate::bench::dashboard::Options {
                    responses: *responses,
                    units: (*units).max(1),
                    touchpoints: (*touchpoints).max(1),
                    years: (*years).max(1),
                    runs: (*runs).max(1),
                    export_csv: export_csv.clone(),
                    sqlite_file,
                    skip_raw: *skip_raw,
                },
            )
            .await
        }
        BenchCommand::Responses {
            db,
            clients,
            seconds,
            rounds,
            instances,
        } => {
            let (store, dir) = bench_store(config_file, db).await?;
            let url = db
                .database_url
                .clone()
                .unwrap_or_else(|| sqlite_bench_url(&dir));
            let opts = crate::bench::responses::Options {
                clients: clients.clone(),
                seconds: (*seconds).max(1),
                rounds: (*rounds).clamp(1, 100),
                instances: (*instances).clamp(1, 16),
            };
            crate::bench::responses::run(&store, &url, &opts).await
        }
        BenchCommand::Text {
            comments,
            rounds,
            python,
        } => crate::bench::text::run(&crate::bench::text::Options {
            comments: (*comments).clamp(1, 10_000_000),
            rounds: (*rounds).clamp(1, 50),
            python: python.clone(),
        }),
        BenchCommand::Org {
            db,
            regions,
            locations,
            teams,
            people,
            runs,
        } => {
            let (store, _dir) = bench_store(config_file, db).await?;
            let shape = crate::bench::org::Shape {
                regions: *regions,
                locations_per_region: *locations,
                teams_per_location: *teams,
                people_per_team: *people,
            };
            crate::bench::org::run(&store, shape, (*runs).max(1)).await
        }
    }
}

/// The database a bench runs on: `--database-url` if given (it must be empty), else a
/// temporary SQLite file that lives as long as the returned directory.
async fn bench_store(
    cli_file: &Option<PathBuf>,
    db: &Db,
) -> anyhow::Result<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let url = db
        .database_url
        .clone()
        .unwrap_or_else(|| sqlite_bench_url(&dir));
    let config = config(
        cli_file,
        &Db {
            database_url: Some(url),
        },
        None,
    )?;
    let store = open(&config).await?;
    if !store.list_tenants().await?.is_empty() {
        bail!(
            "the bench needs an empty database; {} has data",
            cumbre_store::redact(&config.database_url)
        );
    }
    Ok((store, dir))
}

/// The temporary SQLite database of a bench without `--database-url`.
fn sqlite_bench_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}?mode=rwc", dir.path().join("bench.db").display())
}
