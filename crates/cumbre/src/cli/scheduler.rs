//! `cumbre scheduler`: one pass of the scheduler, as of now or another instant.

use super::{Db, config, open};
use anyhow::anyhow;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum SchedulerCommand {
    /// Run one pass (the server runs one every few seconds) and print what it did.
    RunOnce {
        #[command(flatten)]
        db: Db,
        /// Act as of this instant (RFC 3339), e.g. to see what escalates tomorrow.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
}

pub async fn run(
    config_file: &Option<PathBuf>,
    command: &SchedulerCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    match command {
        SchedulerCommand::RunOnce { db, now: at } => {
            let at = match at {
                None => now,
                Some(raw) => cumbre_domain::calendar::parse_instant(raw, cumbre_domain::Field::Day)
                    .map_err(|_| anyhow!("--now {raw}: not an RFC 3339 instant in 1970–2199"))?,
            };
            let config = config(config_file, db, None)?;
            let store = open(&config).await?;
            let pass = crate::scheduler::run_once(&store, at).await?;
            let mailer = match &config.smtp_url {
                Some(url) => Some(cumbre_web::platform::mail::Mailer::new(
                    url,
                    &config.mail_from,
                )?),
                None => None,
            };
            let base = config.public_url.clone().unwrap_or_default();
            let delivery =
                cumbre_web::recover::notify::Delivery::new(mailer, &base, config.webhook_allow()?)?;
            let delivered = crate::scheduler::deliver(
                &store,
                &delivery,
                &cumbre_domain::clock::ManualClock::new(at),
            )
            .await?;
            println!(
                "responses evaluated: {}, cases opened: {}, escalated: {}, promises broken: {}, notifications queued: {}, delivered: {delivered}, comments read again: {}, pulse cycles opened: {}",
                pass.responses,
                pass.cases_opened,
                pass.escalated.len(),
                pass.promises_broken,
                pass.notifications,
                pass.comments_reread,
                pass.pulses_opened
            );
            for (case, level) in &pass.escalated {
                println!("case {case} escalated to level {level}");
            }
            Ok(())
        }
    }
}
