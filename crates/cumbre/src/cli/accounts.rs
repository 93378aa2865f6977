//! `cumbre tenant`, `cumbre user` and `cumbre token`: organisations, the accounts that
//! sign in to them, and API tokens.

use super::{Db, TenantArg, config, open, tenant};
use anyhow::{anyhow, bail};
use clap::Subcommand;
use cumbre_domain::access::{AdminGrant, NewPassword, Role};
use cumbre_domain::org::Email;
use cumbre_store::access::NewUser;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum TenantCommand {
    /// Create an organisation; prints its id.
    Create {
        #[command(flatten)]
        db: Db,
        /// The organisation's name.
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
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
pub enum TokenCommand {
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

pub async fn tenants(
    config_file: &Option<PathBuf>,
    command: &TenantCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let TenantCommand::Create { db, name } = command;
    let config = config(config_file, db, None)?;
    let store = open(&config).await?;
    let name = cumbre_domain::input::required_text(name, cumbre_domain::Field::Name, 120)?;
    let id = store.create_tenant(&name, now).await?;
    println!("{id}");
    Ok(())
}

pub async fn users(
    config_file: &Option<PathBuf>,
    command: &UserCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let UserCommand::Add {
        db,
        tenant: t,
        email,
        role,
        password,
        unit,
    } = command;
    let config = config(config_file, db, None)?;
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
        cumbre_web::platform::auth::password::hash_blocking(password.expose())
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

pub async fn tokens(
    config_file: &Option<PathBuf>,
    command: &TokenCommand,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let TokenCommand::Create { db, email, name } = command;
    let config = config(config_file, db, None)?;
    let email = Email::parse(email)?;
    let name = cumbre_domain::input::required_text(name, cumbre_domain::Field::TokenName, 80)?;
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
    let token = cumbre_web::platform::auth::secret::new_api_token()?;
    let prefix: String = token.chars().take(14).collect();
    store
        .create_api_token(
            &user,
            &name,
            &cumbre_web::platform::auth::secret::token_hash(&token),
            &prefix,
            now,
        )
        .await?;
    println!("{token}");
    Ok(())
}
