//! The command line. Every command reads `CUMBRE_DATABASE_URL` (and the rest of the
//! configuration); errors end with a one-line reason and a non-zero exit code.

use crate::config::{Config, Overrides};
use crate::demo::{self, DEMO_PASSWORD};
use crate::server;
use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use cumbre_domain::access::Scope;
use cumbre_domain::access::{AdminGrant, NewPassword, Role};
use cumbre_domain::listen::SurveyDefinition;
use cumbre_domain::listen::import::{FileKind, file_kind, plan as response_plan};
use cumbre_domain::org::Email;
use cumbre_domain::org::import::plan;
use cumbre_domain::{Lang, TenantId};
use cumbre_store::Store;
use cumbre_store::access::NewUser;
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
    Demo {
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
    },
    /// Create organisations (tenants).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Measure the storage operations pages depend on, on a large synthetic organisation.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Export and import survey definitions as JSON.
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The recovery scheduler: rules over new responses, escalation of overdue cases.
    Scheduler {
        #[command(subcommand)]
        command: SchedulerCommand,
    },
    /// E-mail invitations.
    Invitations {
        #[command(subcommand)]
        command: InvitationsCommand,
    },
    /// Recompute the dashboards' roll-ups from the raw responses (after a restore, or to
    /// check them): what is stored is replaced by what the responses add up to.
    RebuildRollups {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand, Debug)]
enum SchedulerCommand {
    /// Run one pass (the server runs one every few seconds) and print what it did.
    RunOnce {
        #[command(flatten)]
        db: Db,
        /// Act as of this instant (RFC 3339), e.g. to see what escalates tomorrow.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum InvitationsCommand {
    /// Mark invitations bounced from bounce reports (RFC 3464) returned to the sender's
    /// mailbox, e.g. a maildir's files or a mail server's pipe (`-` reads standard input).
    /// Every file is read first; if one is not a report, nothing changes.
    Bounces {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
        /// Report files (`.eml`), or `-` for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum TenantCommand {
    /// Create an organisation; prints its id.
    Create {
        #[command(flatten)]
        db: Db,
        /// The organisation's name.
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user who can sign in.
    Add {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
        /// Sign-in e-mail.
        #[arg(long)]
        email: String,
        /// admin, executive, manager, employee or auditor.
        #[arg(long)]
        role: String,
        /// Initial password (at least 10 characters).
        #[arg(long, env = "CUMBRE_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// For managers: the code of the unit they lead.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown only this once).
    Create {
        #[command(flatten)]
        db: Db,
        /// The user the token acts as.
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
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

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import units and people from a CSV (see docs/IMPORT.md). All lines or none.
    Org {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
        /// The CSV file.
        file: PathBuf,
        /// Check every line and report problems; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import historical survey responses (with --survey) or external reviews (a file whose
    /// header starts with `source`). All lines or none; a re-import skips what is in.
    Responses {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
        /// The CSV file (see docs/IMPORT.md).
        file: PathBuf,
        /// The survey the responses answered; not needed for reviews.
        #[arg(long, value_name = "ID")]
        survey: Option<i64>,
        /// Check every line and report problems; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
enum SurveyCommand {
    /// Print a survey's current definition as JSON.
    Export {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
        /// The survey id.
        id: i64,
    },
    /// Create a draft survey from a JSON definition, or save a new version of --survey.
    Import {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
        /// The definition file (JSON, see docs/SURVEYS.md).
        file: PathBuf,
        /// Save as the next version of this survey instead of creating one.
        #[arg(long, value_name = "ID")]
        survey: Option<i64>,
        /// Name of the new survey.
        #[arg(long)]
        name: Option<String>,
        /// Code of the unit that owns the new survey (default: the top unit).
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
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

pub fn main() -> ExitCode {
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
    match &cli.command {
        Command::Serve { db, bind } => {
            let config = config(&cli.config, db, bind.clone())?;
            server::init_logging(&config.log_format);
            let store = open(&config).await?;
            let listener = server::bind(&config.bind).await?;
            server::serve(store, &config, listener).await
        }
        Command::Migrate { db } => {
            let config = config(&cli.config, db, None)?;
            open(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Demo {
            db,
            bind,
            data_dir,
            seed,
            no_serve,
            responses_scale,
        } => {
            if !(0.0..=10.0).contains(responses_scale) {
                bail!("--responses-scale must be between 0 and 10");
            }
            let explicit_url = db
                .database_url
                .clone()
                .or_else(|| std::env::var("CUMBRE_DATABASE_URL").ok())
                .filter(|u| !u.trim().is_empty());
            let mut config = config(&cli.config, &Db::default(), bind.clone())?;
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
                        build_demo_file(&config, &data_dir, &org, *seed, now, *responses_scale)
                            .await?;
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
                println!(
                    "\nA customer survey (Sierra Azul Cancún, after the stay): http://{addr}{path}"
                );
            }
            println!();
            server::serve(store, &config, listener).await
        }
        Command::Tenant {
            command: TenantCommand::Create { db, name },
        } => {
            let config = config(&cli.config, db, None)?;
            let store = open(&config).await?;
            let name = cumbre_domain::input::required_text(name, cumbre_domain::Field::Name, 120)?;
            let id = store.create_tenant(&name, now).await?;
            println!("{id}");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    tenant: t,
                    email,
                    role,
                    password,
                    unit,
                },
        } => {
            let config = config(&cli.config, db, None)?;
            let email = Email::parse(email)?;
            let role = Role::parse(role)?;
            let password = NewPassword::parse(password)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let scope_unit = match unit {
                Some(code) => Some(
                    store
                        .list_units(&cumbre_domain::access::Scope::Tenant(tenant))
                        .await?
                        .into_iter()
                        .find(|u| u.code.as_deref() == Some(code.as_str()))
                        .ok_or_else(|| anyhow!("no unit with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let hash = tokio::task::spawn_blocking(move || {
                cumbre_web::auth::password::hash_blocking(password.expose())
            })
            .await?
            .map_err(|e| anyhow!("argon2: {e}"))?;
            let new = NewUser {
                email: email.clone(),
                role,
                person: None,
                scope_unit,
                password_hash: hash,
            };
            let id = store
                .create_user(&AdminGrant::operator(tenant), &new, "cli", now)
                .await?;
            println!("created user {id} {} ({})", email.as_str(), role.code());
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { db, email, name },
        } => {
            let config = config(&cli.config, db, None)?;
            let email = Email::parse(email)?;
            let name =
                cumbre_domain::input::required_text(name, cumbre_domain::Field::TokenName, 80)?;
            let store = open(&config).await?;
            let user = store.user_by_email(&email).await.map_err(|e| match e {
                cumbre_store::StoreError::NotFound => {
                    anyhow!("no user with e-mail {}", email.as_str())
                }
                other => other.into(),
            })?;
            if !user.active {
                bail!("the user {} is deactivated", email.as_str());
            }
            let token = cumbre_web::auth::secret::new_api_token()?;
            let prefix: String = token.chars().take(14).collect();
            store
                .create_api_token(
                    &user,
                    &name,
                    &cumbre_web::auth::secret::token_hash(&token),
                    &prefix,
                    now,
                )
                .await?;
            println!("{token}");
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Org {
                    db,
                    regions,
                    locations,
                    teams,
                    people,
                    runs,
                },
        } => {
            let (store, _dir) = bench_store(&cli.config, db).await?;
            let shape = crate::bench::org::Shape {
                regions: *regions,
                locations_per_region: *locations,
                teams_per_location: *teams,
                people_per_team: *people,
            };
            crate::bench::org::run(&store, shape, (*runs).max(1)).await
        }
        Command::Bench {
            command:
                BenchCommand::Dashboard {
                    db,
                    responses,
                    units,
                    touchpoints,
                    years,
                    runs,
                    export_csv,
                    skip_raw,
                },
        } => {
            let (store, dir) = bench_store(&cli.config, db).await?;
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
        Command::Bench {
            command:
                BenchCommand::Responses {
                    db,
                    clients,
                    seconds,
                    rounds,
                    instances,
                },
        } => {
            let (store, dir) = bench_store(&cli.config, db).await?;
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
        Command::Survey {
            command: SurveyCommand::Export { db, tenant: t, id },
        } => {
            let config = config(&cli.config, db, None)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let survey = store
                .get_survey(&Scope::Tenant(tenant), *id)
                .await
                .map_err(|e| not_found(e, "survey", *id))?;
            println!("{}", serde_json::to_string_pretty(&survey.definition)?);
            Ok(())
        }
        Command::Survey {
            command:
                SurveyCommand::Import {
                    db,
                    tenant: t,
                    file,
                    survey,
                    name,
                    unit,
                },
        } => {
            let config = config(&cli.config, db, None)?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let definition = match SurveyDefinition::from_json(&text) {
                Ok(d) => d,
                Err(errors) => {
                    for e in &errors {
                        eprintln!(
                            "{}: {}: {}",
                            file.display(),
                            if e.path.is_empty() {
                                "(document)"
                            } else {
                                &e.path
                            },
                            e.error
                        );
                    }
                    bail!(
                        "{} problem(s) in {}; nothing was saved",
                        errors.len(),
                        file.display()
                    );
                }
            };
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let scope = Scope::Tenant(tenant);
            match survey {
                Some(id) => {
                    let version = store
                        .save_survey_definition(&scope, *id, &definition, "cli", now)
                        .await
                        .map_err(|e| not_found(e, "survey", *id))?;
                    println!("saved survey {id} as version {version}");
                }
                None => {
                    let name = name
                        .clone()
                        .ok_or_else(|| anyhow!("--name is needed to create a survey"))?;
                    let units = store.list_units(&scope).await?;
                    let owner = match unit {
                        Some(code) => units
                            .iter()
                            .find(|u| u.code.as_deref() == Some(code.as_str()))
                            .ok_or_else(|| anyhow!("no unit with code {code}"))?,
                        None => units
                            .first()
                            .ok_or_else(|| anyhow!("the organisation has no units yet"))?,
                    };
                    let id = store
                        .create_survey(&scope, owner.id, &name, &definition, "cli", now)
                        .await?;
                    println!("created draft survey {id}");
                }
            }
            Ok(())
        }
        Command::RebuildRollups { db } => {
            let config = config(&cli.config, db, None)?;
            let store = open(&config).await?;
            let started = std::time::Instant::now();
            for (tenant, counted) in store.rebuild_all_rollups().await? {
                println!("tenant {}: {counted} responses rolled up", tenant.0);
            }
            println!("rebuilt in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Scheduler {
            command: SchedulerCommand::RunOnce { db, now: at },
        } => {
            let at = match at {
                None => now,
                Some(raw) => cumbre_domain::calendar::parse_instant(raw, cumbre_domain::Field::Day)
                    .map_err(|_| anyhow!("--now {raw}: not an RFC 3339 instant in 1970–2199"))?,
            };
            let config = config(&cli.config, db, None)?;
            let store = open(&config).await?;
            let pass = crate::scheduler::run_once(&store, at).await?;
            let mailer = match &config.smtp_url {
                Some(url) => Some(cumbre_web::mail::Mailer::new(url, &config.mail_from)?),
                None => None,
            };
            let base = config.public_url.clone().unwrap_or_default();
            let delivery =
                cumbre_web::notify::Delivery::new(mailer, &base, config.webhook_allow()?)?;
            let delivered = crate::scheduler::deliver(
                &store,
                &delivery,
                &cumbre_domain::clock::ManualClock::new(at),
            )
            .await?;
            println!(
                "responses evaluated: {}, cases opened: {}, escalated: {}, promises broken: {}, notifications queued: {}, delivered: {delivered}",
                pass.responses,
                pass.cases_opened,
                pass.escalated.len(),
                pass.promises_broken,
                pass.notifications
            );
            for (case, level) in &pass.escalated {
                println!("case {case} escalated to level {level}");
            }
            Ok(())
        }
        Command::Invitations {
            command:
                InvitationsCommand::Bounces {
                    db,
                    tenant: t,
                    files,
                },
        } => {
            let mut reports = Vec::new();
            let mut bad = 0;
            for file in files {
                let text = if file.as_os_str() == "-" {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                        .context("cannot read standard input")?;
                    text
                } else {
                    read_text(file)?
                };
                match cumbre_domain::listen::bounces::read_report(&text) {
                    Ok(report) => reports.push((file, report)),
                    Err(e) => {
                        eprintln!("{}: {e}", file.display());
                        bad += 1;
                    }
                }
            }
            if bad > 0 {
                bail!("{bad} file(s) are not bounce reports; nothing was changed");
            }
            let config = config(&cli.config, db, None)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let mut marked = 0;
            for (file, report) in &reports {
                for b in &report.bounces {
                    match store
                        .invitation_bounced(tenant, report.invitation, b, now)
                        .await?
                    {
                        Some(id) => {
                            marked += 1;
                            println!(
                                "{}: invitation {id} to {} bounced ({})",
                                file.display(),
                                b.recipient,
                                b.status
                            );
                        }
                        None => {
                            println!("{}: no sent invitation to {}", file.display(), b.recipient)
                        }
                    }
                }
            }
            println!("{marked} invitation(s) marked bounced");
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Responses {
                    db,
                    tenant: t,
                    file,
                    survey,
                    dry_run,
                },
        } => {
            let config = config(&cli.config, db, None)?;
            let text = read_text(file)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let grant = AdminGrant::operator(tenant);
            let target = match (file_kind(&text), survey) {
                (Some(FileKind::Reviews), _) => store.review_survey(&grant, now).await?,
                (_, Some(id)) => store
                    .get_survey(&Scope::Tenant(tenant), *id)
                    .await
                    .map_err(|e| not_found(e, "survey", *id))?,
                (_, None) => bail!(
                    "a responses file needs --survey ID (review files start with the column `source`)"
                ),
            };
            let lookups = store.response_lookups(tenant).await?;
            let rows = match response_plan(&text, &target.definition, &lookups, now) {
                Ok((_, rows)) => rows,
                Err(errors) => return Err(refused(file, &errors)),
            };
            if *dry_run {
                println!(
                    "{} is valid: {} lines for survey {}; nothing was written (dry run)",
                    file.display(),
                    rows.len(),
                    target.summary.id
                );
                return Ok(());
            }
            let bar = progress(rows.len(), "importing");
            let result = store
                .import_responses(&grant, &target, &rows, "cli", now, |n| {
                    bar.set_position(n as u64)
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "imported {}: {} new, {} already imported",
                file.display(),
                result.created,
                result.skipped
            );
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Org {
                    db,
                    tenant: t,
                    file,
                    dry_run,
                },
        } => {
            let config = config(&cli.config, db, None)?;
            let text = read_text(file)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let existing = store.existing_org(tenant).await?;
            let checked = match plan(&text, &existing, now.date()) {
                Ok(p) => p,
                Err(errors) => return Err(refused(file, &errors)),
            };
            if *dry_run {
                println!(
                    "{} is valid: {} units, {} people; nothing was written (dry run)",
                    file.display(),
                    checked.units.len(),
                    checked.people.len()
                );
                return Ok(());
            }
            let bar = progress(checked.units.len() + checked.people.len(), "importing");
            let s = store
                .apply_import(&AdminGrant::operator(tenant), &checked, "cli", now, |n| {
                    bar.set_position(n as u64)
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "imported {}: units {} created, {} updated; people {} created, {} updated",
                file.display(),
                s.units_created,
                s.units_updated,
                s.people_created,
                s.people_updated
            );
            Ok(())
        }
    }
}
