//! `cumbre text`: the comment analyser — `eval` reads labelled comments and says how well
//! the analyser labels them, per language; `train` writes a model; `reanalyse` reads every
//! stored comment again after the analyser changed.

use super::{Db, TenantArg, config, open, progress, read_text, tenant};
use anyhow::{Context, bail};
use clap::Subcommand;
use cumbre_text::{Label, Language, eval};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum TextCommand {
    /// Label every comment of a CSV (`text,label[,language]`; labels positive, neutral,
    /// negative) and print accuracy, macro-F1 and the confusion matrix per language
    /// (the file's language column, else the detected language).
    Eval {
        /// The labelled comments.
        file: PathBuf,
        /// A model `cumbre text train` wrote (default: the shipped one).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["rules", "tenant"])]
        model: Option<PathBuf>,
        /// The rules alone, without a model.
        #[arg(long, conflicts_with = "tenant")]
        rules: bool,
        /// This organisation's own model (`train --tenant`), from the database.
        #[arg(long, value_name = "ID")]
        tenant: Option<i64>,
        #[command(flatten)]
        db: Db,
    },
    /// Whether an organisation reads its comments with a model of its own, and since
    /// when; `--forget` goes back to the shipped model.
    Model {
        #[command(flatten)]
        db: Db,
        #[arg(long, value_name = "ID")]
        tenant: Option<i64>,
        #[arg(long)]
        forget: bool,
    },
    /// Read every stored comment again with this version's analyser (after an upgrade):
    /// sentiment, themes and the employees named. A server may keep running meanwhile.
    Reanalyse {
        #[command(flatten)]
        db: Db,
        /// Only this organisation's comments (default: every organisation's).
        #[arg(long, value_name = "ID")]
        tenant: Option<i64>,
    },
    /// The organisation's theme taxonomy: list, add themes, rename or switch them off,
    /// place terms.
    Themes {
        #[command(subcommand)]
        command: super::taxonomy::ThemesCommand,
    },
    /// Train the model on labelled comments (CSV as for `eval`; several files may be
    /// given) and write its weights to a file, or make it an organisation's own model:
    /// its new comments are read with it at once (`reanalyse` for the stored ones).
    Train {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the weights.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "tenant",
            conflicts_with = "tenant"
        )]
        out: Option<PathBuf>,
        /// The organisation whose own model it becomes (in the database).
        #[arg(long, value_name = "ID")]
        tenant: Option<i64>,
        #[command(flatten)]
        db: Db,
        /// Passes over the data.
        #[arg(long, default_value_t = 12)]
        epochs: usize,
    },
}

fn load_model(path: &std::path::Path) -> anyhow::Result<cumbre_text::model::Model> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    cumbre_text::model::Model::from_bytes(&bytes).map_err(|e| match e {
        cumbre_text::model::Unreadable::Outdated => anyhow::anyhow!(
            "{} was trained by an earlier version of cumbre text train: train it again",
            path.display()
        ),
        cumbre_text::model::Unreadable::NotAModel => {
            anyhow::anyhow!("{} is not a model cumbre text train wrote", path.display())
        }
    })
}

/// When a model was trained, as a person reads it (UTC: the command line has no tenant
/// zone to hand).
fn when(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Most rows of one evaluation file.
const MAX_ROWS: usize = 1_000_000;

/// (text, label, language given) of every row; refuses the file at its first bad row.
fn labelled(file: &std::path::Path) -> anyhow::Result<Vec<(String, Label, Option<Language>)>> {
    labelled_text(&file.display().to_string(), &read_text(file)?)
}

/// As [`labelled`], for a CSV text called `name` in messages.
fn labelled_text(name: &str, text: &str) -> anyhow::Result<Vec<(String, Label, Option<Language>)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: not CSV", name))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (Some(t), Some(l)) = (at("text"), at("label")) else {
        bail!("{}: the header must be text,label[,language]", name);
    };
    let lang = at("language");
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{}:{line}: not CSV", name))?;
        if rows.len() >= MAX_ROWS {
            bail!("{}: more than {MAX_ROWS} rows", name);
        }
        let raw = record.get(l).unwrap_or_default();
        let label = Label::parse(raw).with_context(|| {
            format!(
                "{}:{line}: label '{}' is not positive, neutral or negative",
                name,
                raw.chars().take(40).collect::<String>()
            )
        })?;
        let language = match lang.and_then(|c| record.get(c)).map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(Language::parse(code).with_context(|| {
                format!(
                    "{}:{line}: language '{}' is not es, en or other",
                    name,
                    code.chars().take(40).collect::<String>()
                )
            })?),
        };
        rows.push((
            record.get(t).unwrap_or_default().to_owned(),
            label,
            language,
        ));
    }
    if rows.is_empty() {
        bail!("{}: no rows", name);
    }
    Ok(rows)
}

/// How many times an organisation's own labelled comment counts beside a shipped one.
const TENANT_WEIGHT: usize = 3;

/// The organisation named (or the only one).
async fn tenant_of(
    store: &cumbre_store::Store,
    id: Option<i64>,
) -> anyhow::Result<cumbre_domain::TenantId> {
    tenant(store, &TenantArg { tenant: id }).await
}

/// Responses read again in one transaction: short enough that a server's writes wait
/// little, long enough that a million comments take a few minutes.
const REANALYSE_BATCH: i64 = 500;

async fn reanalyse(
    config_file: &Option<PathBuf>,
    db: &Db,
    only: Option<i64>,
) -> anyhow::Result<()> {
    let config = config(config_file, db, None)?;
    let store = open(&config).await?;
    let chosen = match only {
        Some(id) => Some(tenant_of(&store, Some(id)).await?),
        None => None,
    };
    let total = store.count_comments(chosen).await?;
    let bar = progress(total as usize, "reading comments");
    let started = std::time::Instant::now();
    let (mut after, mut read) = (0, 0u64);
    loop {
        let pass = store
            .reanalyse_comments(chosen, after, REANALYSE_BATCH)
            .await?;
        let Some(last) = pass.last else { break };
        after = last;
        read += pass.read;
        bar.inc(pass.read);
    }
    bar.finish_and_clear();
    println!(
        "read {read} comments again in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn run(config_file: &Option<PathBuf>, command: &TextCommand) -> anyhow::Result<()> {
    match command {
        TextCommand::Reanalyse { db, tenant } => reanalyse(config_file, db, *tenant).await,
        TextCommand::Themes { command } => super::taxonomy::run(config_file, command).await,
        TextCommand::Model { db, tenant, forget } => {
            let config = config(config_file, db, None)?;
            let store = open(&config).await?;
            let chosen = tenant_of(&store, *tenant).await?;
            if *forget {
                let had = store.forget_text_model(chosen).await?;
                println!(
                    "{}",
                    if had {
                        "organisation {}: back to the shipped model; a running server reads the stored comments again with it (or now: `cumbre text reanalyse`)"
                    } else {
                        "organisation {}: already reads with the shipped model"
                    }
                    .replace("{}", &chosen.0.to_string())
                );
                return Ok(());
            }
            match store.text_model(chosen).await? {
                Some((_, info)) if info.outdated => println!(
                    "organisation {}: its own model, trained on {} comments at {} by an earlier version, which this one cannot read: the shipped model reads its comments until `cumbre text train --tenant {}` trains it again",
                    chosen.0,
                    info.comments,
                    when(info.trained_at),
                    chosen.0
                ),
                Some((_, info)) => println!(
                    "organisation {}: its own model, trained on {} comments at {}",
                    chosen.0,
                    info.comments,
                    when(info.trained_at)
                ),
                None => println!("organisation {}: the shipped model", chosen.0),
            }
            Ok(())
        }
        TextCommand::Train {
            files,
            out,
            epochs,
            tenant,
            db,
        } => {
            let mut examples = Vec::new();
            // An organisation's own model learns from the shipped comments and, weighed
            // more, from its own: its words are added to what the shipped model knows.
            let own_weight = if tenant.is_some() {
                for (name, text) in cumbre_text::TRAINING_SETS {
                    for (text, label, given) in labelled_text(name, text)? {
                        examples.push(cumbre_text::model::example(&text, label, given));
                    }
                }
                TENANT_WEIGHT
            } else {
                1
            };
            let mut own = 0;
            for file in files {
                for (text, label, given) in labelled(file)? {
                    own += 1;
                    for _ in 0..own_weight {
                        examples.push(cumbre_text::model::example(&text, label, given));
                    }
                }
            }
            let model = cumbre_text::model::train(&examples, (*epochs).clamp(1, 200));
            let bytes = model.to_bytes();
            let written = match (out, tenant) {
                (Some(out), _) => {
                    std::fs::write(out, &bytes)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                    out.display().to_string()
                }
                (None, Some(id)) => {
                    let config = config(config_file, db, None)?;
                    let store = open(&config).await?;
                    let chosen = tenant_of(&store, Some(*id)).await?;
                    let now = cumbre_domain::clock::Clock::now(&cumbre_domain::clock::SystemClock);
                    store.save_text_model(chosen, &bytes, own, now).await?;
                    format!("organisation {}'s own model", chosen.0)
                }
                (None, None) => bail!("say where the weights go: --out FILE or --tenant ID"),
            };
            println!(
                "trained on {} comments ({} Spanish, {} English); wrote {} ({} KB)",
                examples.len(),
                examples
                    .iter()
                    .filter(|e| e.language != Language::En)
                    .count(),
                examples
                    .iter()
                    .filter(|e| e.language == Language::En)
                    .count(),
                written,
                bytes.len() / 1024
            );
            Ok(())
        }
        TextCommand::Eval {
            file,
            model,
            rules,
            tenant,
            db,
        } => {
            let rows = labelled(file)?;
            let loaded = match (model, tenant) {
                (Some(path), _) => Some(load_model(path)?),
                (None, Some(id)) => {
                    let config = config(config_file, db, None)?;
                    let store = open(&config).await?;
                    let chosen = tenant_of(&store, Some(*id)).await?;
                    match store.text_model(chosen).await? {
                        Some((Some(m), _)) => Some(m),
                        Some((None, _)) => bail!(
                            "organisation {}'s own model was trained by an earlier version: train it again (`cumbre text train --tenant {}`)",
                            chosen.0,
                            chosen.0
                        ),
                        None => bail!("organisation {} has no model of its own", chosen.0),
                    }
                }
                (None, None) => None,
            };
            let chosen = if *rules {
                None
            } else {
                loaded.as_ref().or(cumbre_text::shipped())
            };
            let results = rows.iter().map(|(text, truth, given)| {
                let reader = cumbre_text::Reader {
                    model: chosen,
                    taxonomy: cumbre_text::themes::Taxonomy::shipped(),
                };
                let a = reader.read(text, &cumbre_text::mentions::Staff::default());
                (
                    given.unwrap_or(a.language).code().to_owned(),
                    *truth,
                    a.label,
                )
            });
            for (language, c) in eval::by_language(results) {
                println!("== {language}: {} comments", c.total());
                println!("accuracy {:.3}", c.accuracy());
                println!(
                    "macro-F1 {:.3} (positive {:.3}, neutral {:.3}, negative {:.3})",
                    c.macro_f1(),
                    c.f1(Label::Positive),
                    c.f1(Label::Neutral),
                    c.f1(Label::Negative)
                );
                println!(
                    "{:>10} {:>9} {:>9} {:>9}",
                    "true \\ got", "positive", "neutral", "negative"
                );
                for truth in Label::ALL {
                    let row = c.counts[truth.index()];
                    println!(
                        "{:>10} {:>9} {:>9} {:>9}",
                        truth.code(),
                        row[0],
                        row[1],
                        row[2]
                    );
                }
            }
            Ok(())
        }
    }
}
