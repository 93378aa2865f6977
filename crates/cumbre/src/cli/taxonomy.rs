//! `cumbre text themes`: an organisation's theme taxonomy — the shipped themes and its own,
//! their names, which are still looked for, and the terms it placed. Each change is read
//! by every server at its next write, and the server reads the stored comments again in
//! the background (as the administrators' page does).

use super::{Db, TenantArg, config, open, tenant};
use anyhow::bail;
use clap::Subcommand;
use cumbre_domain::access::AdminGrant;
use cumbre_domain::clock::{Clock, SystemClock};
use cumbre_store::improve::taxonomy::term_language;
use cumbre_text::Language;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ThemesCommand {
    /// Every theme (key, names, whether it is looked for, its terms) and the terms the
    /// organisation placed.
    List {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
    },
    /// Add a theme of the organisation's own (then give it terms with `term`).
    Add {
        /// How filters, rules and the API name it: a-z, 0-9 and _.
        key: String,
        #[arg(long, value_name = "NAME")]
        es: String,
        #[arg(long, value_name = "NAME")]
        en: String,
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
    },
    /// Rename a theme (a shipped one without names: the catalogue's again), or stop or
    /// start looking for it.
    Set {
        key: String,
        #[arg(long, value_name = "NAME", requires = "en")]
        es: Option<String>,
        #[arg(long, value_name = "NAME", requires = "es")]
        en: Option<String>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
    },
    /// Place a term (es or en) under a theme, or under none (`--none`: it names nothing);
    /// `--remove` takes back a term placed before.
    Term {
        language: String,
        term: String,
        #[arg(long, value_name = "KEY", required_unless_present_any = ["none", "remove"], conflicts_with_all = ["none", "remove"])]
        theme: Option<String>,
        #[arg(long, conflicts_with = "remove")]
        none: bool,
        #[arg(long)]
        remove: bool,
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        tenant: TenantArg,
    },
}

pub async fn run(config_file: &Option<PathBuf>, command: &ThemesCommand) -> anyhow::Result<()> {
    let (db, arg) = match command {
        ThemesCommand::List { db, tenant }
        | ThemesCommand::Add { db, tenant, .. }
        | ThemesCommand::Set { db, tenant, .. }
        | ThemesCommand::Term { db, tenant, .. } => (db, tenant),
    };
    let config = config(config_file, db, None)?;
    let store = open(&config).await?;
    let chosen = tenant(&store, arg).await?;
    let grant = AdminGrant::operator(chosen);
    let now = SystemClock.now();
    let again = "a running server reads the stored comments again in the background (or now: `cumbre text reanalyse`)";
    match command {
        ThemesCommand::List { .. } => {
            let t = store.tenant_taxonomy(chosen).await?;
            let read = t.taxonomy();
            println!(
                "{:<20} {:<24} {:<24} {:<8} {:>5} {:>5}",
                "theme", "name (es)", "name (en)", "status", "es", "en"
            );
            for theme in &t.themes {
                let status = match (theme.own, theme.active) {
                    (_, false) => "off",
                    (true, true) => "own",
                    (false, true) => "shipped",
                };
                let shown = |n: &str| {
                    if n.is_empty() {
                        "—".to_owned()
                    } else {
                        n.to_owned()
                    }
                };
                println!(
                    "{:<20} {:<24} {:<24} {:<8} {:>5} {:>5}",
                    theme.key,
                    shown(&theme.name_es),
                    shown(&theme.name_en),
                    status,
                    read.terms_of(&theme.key, Language::Es).len(),
                    read.terms_of(&theme.key, Language::En).len(),
                );
            }
            if !t.terms.is_empty() {
                println!("\nplaced terms:");
                for p in &t.terms {
                    println!(
                        "  {} «{}» → {}",
                        p.language.code(),
                        p.term,
                        p.theme.as_deref().unwrap_or("(no theme)")
                    );
                }
            }
            if let Some(r) = store.rereading(chosen).await? {
                println!("\nreading stored comments again: {} of {}", r.done, r.total);
            }
        }
        ThemesCommand::Add { key, es, en, .. } => {
            store.add_theme(&grant, key, (es, en), "cli", now).await?;
            println!("theme {key} added; give it terms with `cumbre text themes term`");
        }
        ThemesCommand::Set {
            key,
            es,
            en,
            disable,
            enable,
            ..
        } => {
            let t = store.tenant_taxonomy(chosen).await?;
            let Some(theme) = t.theme(key) else {
                bail!("organisation {} has no theme {key}", chosen.0);
            };
            let names = match (es, en) {
                (Some(es), Some(en)) => (es.as_str(), en.as_str()),
                _ => (theme.name_es.as_str(), theme.name_en.as_str()),
            };
            let active = if *disable {
                false
            } else {
                *enable || theme.active
            };
            store
                .update_theme(&grant, key, names, active, "cli", now)
                .await?;
            println!("theme {key} saved");
        }
        ThemesCommand::Term {
            language,
            term,
            theme,
            remove,
            ..
        } => {
            let language = term_language(language)?;
            if *remove {
                if !store
                    .unplace_term(&grant, language, term, "cli", now)
                    .await?
                {
                    bail!("«{term}» was not placed by this organisation");
                }
                println!("«{term}» reads as the shipped taxonomy says again; {again}");
            } else {
                let read = store
                    .place_term(&grant, language, term, theme.as_deref(), "cli", now)
                    .await?;
                match theme {
                    Some(key) => println!("«{read}» now names {key}; {again}"),
                    None => println!("«{read}» now names no theme; {again}"),
                }
            }
        }
    }
    Ok(())
}
