//! Notes and messages written on a case, and e-mails to the customer sent from it.

use super::{Actor, invalid};
use crate::recover::cases::append_event;
use crate::recover::evaluate::queue_notification;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::{Field, InvalidInput, Lang};
use serde_json::json;
use time::OffsetDateTime;

/// What an entry written on a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// For the team only.
    Note,
    /// A message exchanged with the customer elsewhere (phone, in person…), recorded.
    Message,
    /// An e-mail to the customer, sent from here.
    Email,
}

impl NoteKind {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim() {
            "" | "note" => Ok(NoteKind::Note),
            "message" => Ok(NoteKind::Message),
            "email" => Ok(NoteKind::Email),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Record,
                value: other.chars().take(40).collect(),
                allowed: "note, message, email",
            }),
        }
    }
}

impl Store {
    /// A note for the team, a message exchanged with the customer (`channel`: phone, in
    /// person…), or an e-mail to the customer: sent to the address they agreed to be
    /// written to (through the outbox, so it survives a restart) and recorded.
    pub async fn add_case_note(
        &self,
        actor: &Actor,
        id: i64,
        kind: NoteKind,
        channel: &str,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let core = self.core(&actor.scope, id).await?;
        let text = cumbre_domain::input::required_text(text, Field::Description, 4000)?;
        let mut channel = cumbre_domain::input::optional_text(channel, Field::Name, 40)?;
        let guest = match kind {
            NoteKind::Email => {
                let row = sqlx::query(
                    "SELECT c.customer_email, c.language, u.name FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.id = $1",
                )
                .bind(id)
                .fetch_one(self.pool())
                .await?;
                let email: String = col(&row, "customer_email")?;
                let email = cumbre_domain::org::Email::parse(&email)
                    .map_err(|_| invalid(InvalidInput::NoGuestEmail))?;
                channel = Some("e-mail".into());
                let lang = Lang::from_code(&col::<String>(&row, "language")?).unwrap_or_default();
                let unit: String = col(&row, "name")?;
                Some((email, lang, unit))
            }
            _ => None,
        };
        let mut w = self.begin_quiet_write().await?;
        let mut detail = json!({"text": text, "channel": channel});
        if let Some((email, lang, unit)) = &guest {
            detail["sent_to"] = json!(email.as_str());
            let subject = match lang {
                Lang::Es => format!("Sobre su visita a {unit}"),
                Lang::En => format!("About your visit to {unit}"),
            };
            queue_notification(
                &mut w.tx,
                core.tenant,
                Some(id),
                "email",
                email.as_str(),
                &subject,
                &json!({"to_guest": true, "text": text}).to_string(),
                now,
            )
            .await?;
        }
        append_event(
            &mut w.tx,
            core.tenant,
            id,
            Some(actor.user),
            if kind == NoteKind::Note {
                "note"
            } else {
                "message"
            },
            &detail,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}
