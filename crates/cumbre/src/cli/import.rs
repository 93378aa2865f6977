//! `cumbre import`: the organisation, response history and standards from CSV files, all
//! lines or none, every bad line reported.

use super::{Db, TenantArg, config, not_found, open, progress, read_text, refused, tenant};
use anyhow::bail;
use clap::Subcommand;
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::listen::import::{FileKind, file_kind, plan as response_plan};
use cumbre_domain::org::import::plan;
use cumbre_store::decide::{NewStandard, Saved};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
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
    /// Import the standards of the moments of truth from a CSV (see docs/IMPORT.md). All
    /// lines or none; a standard whose line changed gets a new version, an unchanged one
    /// stays as it is.
    Standards {
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
}

pub async fn run(
    config_file: &Option<PathBuf>,
    command: &ImportCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    match command {
        ImportCommand::Standards {
            db,
            tenant: t,
            file,
            dry_run,
        } => {
            let config = config(config_file, db, None)?;
            let text = read_text(file)?;
            let store = open(&config).await?;
            let tenant = tenant(&store, t).await?;
            let lookups = store.standard_lookups(tenant).await?;
            let planned = match cumbre_domain::decide::import::plan(&text, &lookups) {
                Ok(p) => p,
                Err(errors) => return Err(refused(file, &errors)),
            };
            if *dry_run {
                println!(
                    "{} is valid: {} standards; nothing was written (dry run)",
                    file.display(),
                    planned.len()
                );
                return Ok(());
            }
            let inputs: Vec<NewStandard> = planned.into_iter().map(NewStandard::from).collect();
            let saved = store
                .save_standards(&AdminGrant::operator(tenant), &inputs, "cli", now)
                .await?;
            let count = |what: Saved| saved.iter().filter(|(_, _, s)| *s == what).count();
            println!(
                "imported {}: {} new, {} changed (a new version each), {} unchanged",
                file.display(),
                count(Saved::Created),
                count(Saved::NewVersion),
                count(Saved::Unchanged)
            );
            Ok(())
        }
        ImportCommand::Responses {
            db,
            tenant: t,
            file,
            survey,
            dry_run,
        } => {
            let config = config(config_file, db, None)?;
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
        ImportCommand::Org {
            db,
            tenant: t,
            file,
            dry_run,
        } => {
            let config = config(config_file, db, None)?;
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
