//! `cumbre invitations`: bounce reports returned to the invitations' sender.

use super::{Db, TenantArg, config, open, read_text, tenant};
use anyhow::{Context, bail};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum InvitationsCommand {
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

pub async fn run(
    config_file: &Option<PathBuf>,
    command: &InvitationsCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    match command {
        InvitationsCommand::Bounces {
            db,
            tenant: t,
            files,
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
            let config = config(config_file, db, None)?;
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
    }
}
