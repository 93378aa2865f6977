//! The command line. Every command reads `CUMBRE_DATABASE_URL` (and the rest of the
//! configuration); errors end with a one-line reason and a non-zero exit code.

mod accounts;
mod bench;
mod import;
mod invitations;
mod rollups;
mod scheduler;
mod serve;
mod surveys;
mod taxonomy;
mod text;

use crate::config::{Config, Overrides};
use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use cumbre_domain::TenantId;
use cumbre_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "cumbre",
    version,
    about = "Cumbre: run a customer-service culture — listen, recover, improve, lead."
)]
pub struct Cli {
    /// Configuration file (TOML). Default: $CUMBRE_CONFIG, else ./cumbre.toml when present.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Default)]
struct Db {
    /// Database URL: sqlite:PATH?mode=rwc or postgres://USER@HOST/DB.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (migrating the database first).
    Serve {
        #[command(flatten)]
        db: Db,
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Build (first run) or reuse a demo organisation on SQLite and serve it.
    Demo(serve::DemoArgs),
    /// Create organisations (tenants).
    Tenant {
        #[command(subcommand)]
        command: accounts::TenantCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: accounts::UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: accounts::TokenCommand,
    },
    /// Measure the storage operations pages depend on, on a large synthetic organisation.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Export and import survey definitions as JSON.
    Survey {
        #[command(subcommand)]
        command: surveys::SurveyCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// The recovery scheduler: rules over new responses, escalation of overdue cases.
    Scheduler {
        #[command(subcommand)]
        command: scheduler::SchedulerCommand,
    },
    /// E-mail invitations.
    Invitations {
        #[command(subcommand)]
        command: invitations::InvitationsCommand,
    },
    /// The comment analyser: evaluation and training on labelled comments, reading stored
    /// comments again.
    Text {
        #[command(subcommand)]
        command: text::TextCommand,
    },
    /// Recompute the dashboards' roll-ups from the raw responses (after a restore, or to
    /// check them): what is stored is replaced by what the responses add up to.
    RebuildRollups {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Args, Debug, Default)]
struct TenantArg {
    /// Organisation id; needed only when the installation has several.
    #[arg(long, value_name = "ID")]
    tenant: Option<i64>,
}

/// Most characters of one cause in a command-line reason (values echoed from the input
/// are cut).
const MAX_CAUSE: usize = 400;

/// A message on one line. Parsers (TOML, CSV) render their errors over several lines, with
/// a snippet of the input under a gutter (`2 | key = …`, `  ^`): the snippet is dropped,
/// the rest joined. A message that quotes a huge value is cut.
fn one_line(message: &str) -> String {
    let joined = message
        .lines()
        .map(str::trim)
        .filter(|line| {
            let gutter = line
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            !line.is_empty()
                && !gutter.starts_with('|')
                && !line.chars().all(|c| c == '^' || c == ' ')
        })
        .collect::<Vec<_>>()
        .join(" ");
    match joined.char_indices().nth(MAX_CAUSE) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// A reader that stops early (`cumbre text eval … | head`) closes the pipe: the command
/// then stops quietly with the status a shell gives a tool its pipe ended (128 + SIGPIPE),
/// instead of reporting a panic. Every other panic is reported as before.
fn stop_quietly_when_the_pipe_closes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("os error 32") {
            std::process::exit(141);
        }
        report(info)
    }));
}

pub fn main() -> ExitCode {
    stop_quietly_when_the_pipe_closes();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version are not errors.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line: clap's reason, without the usage block.
            let rendered = e.render().to_string();
            let reason = rendered
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("error: {reason} (see --help)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the reason and its causes.
            let chain: Vec<String> = e.chain().map(|c| one_line(&c.to_string())).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn config(cli_file: &Option<PathBuf>, db: &Db, bind: Option<String>) -> anyhow::Result<Config> {
    let overrides = Overrides {
        database_url: db.database_url.clone(),
        bind,
    };
    Config::load(cli_file.as_deref(), &overrides).map_err(|e| anyhow!("configuration: {e}"))
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    if let Some(path) = sqlite_file(&config.database_url)
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                cumbre_store::redact(&config.database_url)
            )
        })?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(store)
}

/// The file behind a `sqlite:` URL, if it names one.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

async fn tenant(store: &Store, arg: &TenantArg) -> anyhow::Result<TenantId> {
    let tenants = store.list_tenants().await?;
    match (arg.tenant, tenants.as_slice()) {
        (Some(id), _) => tenants
            .iter()
            .find(|(t, _)| t.0 == id)
            .map(|(t, _)| *t)
            .ok_or_else(|| anyhow!("no organisation with id {id}")),
        (None, [(only, _)]) => Ok(*only),
        (None, []) => bail!("no organisation yet: create one with `cumbre tenant create NAME`"),
        (None, _) => bail!("several organisations exist: choose one with --tenant ID"),
    }
}

/// A UTF-8 text file (the CSV imports).
fn read_text(file: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    String::from_utf8(bytes).map_err(|_| anyhow!("{} is not UTF-8 text", file.display()))
}

/// Prints every refused line as `FILE:LINE: reason` and returns the one-line summary.
fn refused(
    file: &std::path::Path,
    errors: &[cumbre_domain::org::import::LineError],
) -> anyhow::Error {
    for e in errors {
        eprintln!("{}:{}: {}", file.display(), e.line, e.error);
    }
    anyhow!(
        "{} bad line(s) in {}; nothing was imported",
        errors.len(),
        file.display()
    )
}

/// A store "not found" as the command line says it.
fn not_found(e: cumbre_store::StoreError, what: &str, id: i64) -> anyhow::Error {
    match e {
        cumbre_store::StoreError::NotFound => anyhow!("no {what} with id {id}"),
        cumbre_store::StoreError::Invalid(i) => anyhow!("{i}"),
        other => other.into(),
    }
}

fn progress(len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let now = cumbre_domain::clock::Clock::now(&cumbre_domain::clock::SystemClock);
    let config_file = &cli.config;
    match &cli.command {
        Command::Serve { db, bind } => serve::serve(config_file, db, bind).await,
        Command::Migrate { db } => serve::migrate(config_file, db).await,
        Command::Demo(args) => serve::demo(config_file, args, now).await,
        Command::Tenant { command } => accounts::tenants(config_file, command, now).await,
        Command::User { command } => accounts::users(config_file, command, now).await,
        Command::Token { command } => accounts::tokens(config_file, command, now).await,
        Command::Bench { command } => bench::run(config_file, command).await,
        Command::Survey { command } => surveys::run(config_file, command, now).await,
        Command::Import { command } => import::run(config_file, command, now).await,
        Command::Scheduler { command } => scheduler::run(config_file, command, now).await,
        Command::Invitations { command } => invitations::run(config_file, command, now).await,
        Command::RebuildRollups { db } => rollups::rebuild(config_file, db).await,
        Command::Text { command } => text::run(config_file, command).await,
    }
}
