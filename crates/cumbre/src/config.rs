//! Configuration: defaults < config file (TOML) < environment (`CUMBRE_*`) < command-line flags.
//!
//! | key | env | default |
//! | --- | --- | --- |
//! | `database_url` | `CUMBRE_DATABASE_URL` | `sqlite:data/cumbre.db?mode=rwc` |
//! | `bind` | `CUMBRE_BIND` | `127.0.0.1:8080` |
//! | `secure_cookies` | `CUMBRE_SECURE_COOKIES` | `false` (set `true` behind HTTPS) |
//! | `session_hours` | `CUMBRE_SESSION_HOURS` | `12` |
//! | `log_format` | `CUMBRE_LOG_FORMAT` | `text` (or `json`) |
//! | `public_url` | `CUMBRE_PUBLIC_URL` | none: survey links use the request's host |
//! | `smtp_url` | `CUMBRE_SMTP_URL` | none: invitations wait in the queue |
//! | `mail_from` | `CUMBRE_MAIL_FROM` | `Cumbre <encuestas@localhost>` |
//! | `trusted_proxies` | `CUMBRE_TRUSTED_PROXIES` | none: the connection's peer is the client |
//! | `webhook_allow` | `CUMBRE_WEBHOOK_ALLOW` | none: webhooks call public addresses only |
//!
//! The file is `--config FILE`, else `CUMBRE_CONFIG`, else `cumbre.toml` when present.
//! Log verbosity follows `RUST_LOG` (default `info`).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub secure_cookies: bool,
    pub session_hours: i64,
    pub log_format: String,
    /// The address customers reach (survey links, QR codes); empty → the request's host.
    #[serde(default)]
    pub public_url: Option<String>,
    /// SMTP server for invitations (`smtp://host:587?tls=required`, `smtps://user:pw@host`);
    /// none: invitations wait in the queue.
    #[serde(default)]
    pub smtp_url: Option<String>,
    /// The sender of invitations.
    pub mail_from: String,
    /// Reverse proxies (addresses, CIDR ranges, comma-separated) whose
    /// `X-Forwarded-For` names the client for rate limits.
    #[serde(default)]
    pub trusted_proxies: String,
    /// Internal addresses or ranges (comma-separated) that webhooks may call; by default
    /// loopback, private and link-local targets are refused.
    #[serde(default)]
    pub webhook_allow: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite:data/cumbre.db?mode=rwc".into(),
            bind: "127.0.0.1:8080".into(),
            secure_cookies: false,
            session_hours: 12,
            log_format: "text".into(),
            public_url: None,
            smtp_url: None,
            mail_from: "Cumbre <encuestas@localhost>".into(),
            trusted_proxies: String::new(),
            webhook_allow: String::new(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &cumbre_store::redact(&self.database_url))
            .field("bind", &self.bind)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_hours", &self.session_hours)
            .field("log_format", &self.log_format)
            .field("public_url", &self.public_url)
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(cumbre_store::redact),
            )
            .field("mail_from", &self.mail_from)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("webhook_allow", &self.webhook_allow)
            .finish()
    }
}

/// Flags given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
}

impl Config {
    /// The internal networks webhooks may call.
    pub fn webhook_allow(&self) -> anyhow::Result<cumbre_web::platform::networks::Networks> {
        cumbre_web::platform::networks::Networks::parse(&self.webhook_allow)
            .map_err(|e| anyhow::anyhow!("configuration webhook_allow: {e}"))
    }

    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let env_file = std::env::var("CUMBRE_CONFIG").ok();
        match file.map(Path::to_path_buf).or(env_file.map(Into::into)) {
            Some(path) => {
                if !path.exists() {
                    return Err(Box::new(figment::Error::from(format!(
                        "config file {} does not exist",
                        path.display()
                    ))));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("cumbre.toml")),
        }
        figment
            .merge(Env::prefixed("CUMBRE_").ignore(&["config"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type.
    fn layers_apply_in_order_and_secrets_do_not_print() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "bind = \"0.0.0.0:9000\"\nsession_hours = 4\ndatabase_url = \"postgres://u:pw@h/db\"")?;
            jail.set_env("CUMBRE_SESSION_HOURS", "6");
            let overrides = Overrides {
                bind: Some("127.0.0.1:1".into()),
                ..Default::default()
            };
            let c = Config::load(Some(Path::new("c.toml")), &overrides).expect("loads");
            assert_eq!(c.bind, "127.0.0.1:1");
            assert_eq!(c.session_hours, 6);
            assert!(!c.secure_cookies);
            assert!(!format!("{c:?}").contains("pw"));
            Ok(())
        });
    }
}
