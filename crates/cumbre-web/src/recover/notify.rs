//! Delivers the notification outbox: e-mails to colleagues over SMTP and webhook calls over
//! HTTP(S) (see `webhooks`: signed, public addresses only, no redirects). A webhook
//! receives the JSON the rule produced; its `webhook-id` (`msg_<notification id>`) lets
//! a receiver drop a repeat; 2xx is delivered, other 4xx refusals are final, anything
//! else is retried later.

use crate::platform::mail::Mailer;
use crate::platform::networks::Networks;
use crate::recover::webhooks;
use cumbre_domain::clock::Clock;
use cumbre_store::Store;
use cumbre_store::recover::Notification;

/// What delivering needs: the mailer (none without SMTP: e-mails wait), an HTTP client and
/// the address of the web pages, for links to cases.
#[derive(Clone)]
pub struct Delivery {
    pub mailer: Option<Mailer>,
    pub base: String,
    /// Internal addresses webhooks may call anyway (configuration `webhook_allow`).
    pub webhook_allow: Networks,
}

impl Delivery {
    pub fn new(
        mailer: Option<Mailer>,
        base: &str,
        webhook_allow: Networks,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            mailer,
            base: base.trim_end_matches('/').to_owned(),
            webhook_allow,
        })
    }
}

/// The e-mail text: to a customer, what was written to them (nothing of the staff
/// application); to a colleague, a link to the case and, for rule alerts, the answers
/// that tripped it.
fn email_text(n: &Notification, base: &str) -> String {
    let body = serde_json::from_str::<serde_json::Value>(&n.body).unwrap_or_default();
    if body["to_guest"] == true {
        return body["text"].as_str().unwrap_or_default().to_owned();
    }
    let mut text = String::new();
    if let Some(case) = n.case_id {
        text.push_str(&format!("{base}/cases/{case}\n\n"));
    }
    if let Ok(body) = serde_json::from_str::<serde_json::Value>(&n.body)
        && let Some(answers) = body
            .pointer("/response/answers")
            .and_then(|a| a.as_object())
    {
        for (key, value) in answers {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            text.push_str(&format!("{key}: {value}\n"));
        }
    }
    text
}

/// Sends everything due now; returns how many went out.
pub async fn deliver_due(
    store: &Store,
    delivery: &Delivery,
    clock: &dyn Clock,
) -> anyhow::Result<usize> {
    let channels: &[&str] = if delivery.mailer.is_some() {
        &["email", "webhook"]
    } else {
        &["webhook"]
    };
    let mut sent = 0;
    loop {
        let due = store.claim_notifications(channels, clock.now(), 50).await?;
        if due.is_empty() {
            return Ok(sent);
        }
        for n in &due {
            let outcome = match (n.channel.as_str(), &delivery.mailer) {
                ("email", Some(mailer)) => mailer
                    .send_text(&n.target, &n.subject, email_text(n, &delivery.base))
                    .await
                    .map_err(|e| (e.permanent, e.message)),
                _ => webhooks::call(
                    &n.target,
                    &format!("msg_{}", n.id),
                    &n.body,
                    n.secret.as_deref(),
                    &delivery.webhook_allow,
                    clock.now().unix_timestamp(),
                )
                .await
                .map_err(|f| (f.permanent, f.message)),
            };
            match outcome {
                Ok(()) => {
                    store.notification_sent(n.id, clock.now()).await?;
                    sent += 1;
                }
                Err((permanent, message)) => {
                    tracing::warn!(notification = n.id, channel = %n.channel, permanent, error = %message, "notification not delivered");
                    store
                        .notification_failed(n.id, &message, permanent, clock.now())
                        .await?;
                }
            }
        }
    }
}
