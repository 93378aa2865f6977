//! `cumbre survey`: survey definitions exported and imported as JSON.

use super::{Db, TenantArg, config, not_found, open, tenant};
use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use cumbre_domain::access::Scope;
use cumbre_domain::listen::SurveyDefinition;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum SurveyCommand {
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

pub async fn run(
    config_file: &Option<PathBuf>,
    command: &SurveyCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Export { db, tenant: t, id } => {
            let config = config(config_file, db, None)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let survey = store
                .get_survey(&Scope::Tenant(tenant), *id)
                .await
                .map_err(|e| not_found(e, "survey", *id))?;
            println!("{}", serde_json::to_string_pretty(&survey.definition)?);
            Ok(())
        }
        SurveyCommand::Import {
            db,
            tenant: t,
            file,
            survey,
            name,
            unit,
        } => {
            let config = config(config_file, db, None)?;
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
    }
}
