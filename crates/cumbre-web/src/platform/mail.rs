//! Sending e-mail over SMTP (lettre), and the invitation job that uses it.

use crate::platform::i18n::Tr;
use cumbre_domain::clock::Clock;
use cumbre_store::Store;
use cumbre_store::listen::invitations::Outgoing;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// An SMTP connection pool and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why a message was not accepted; `permanent` means retrying is pointless (5xx).
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Mailer {
    /// `smtp://host:port` (STARTTLS with `?tls=required`), `smtps://host:465`, with
    /// `user:password@` when the server needs it.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("sender address {from}: {e}"))?;
        Ok(Self { transport, from })
    }

    /// Sends one invitation; `invitation` goes in a header, so a later bounce report (which
    /// returns the original headers) names the invitation it is about.
    pub async fn send(
        &self,
        invitation: i64,
        to_name: &str,
        to_email: &str,
        subject: &str,
        body: String,
        unsubscribe: &str,
    ) -> Result<(), SendError> {
        let to: Mailbox = format!("{} <{to_email}>", to_name.replace(['<', '>', '"'], ""))
            .parse()
            .or_else(|_| to_email.parse())
            .map_err(|e| refused(format!("recipient: {e}")))?;
        let headers = self
            .headers(to, subject)
            .header(ListUnsubscribe(format!("<{unsubscribe}>")))
            .header(InvitationRef(invitation.to_string()));
        self.deliver(headers, body).await
    }

    /// Sends a plain-text message to a colleague (case notifications).
    pub async fn send_text(&self, to: &str, subject: &str, body: String) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(|e| refused(format!("recipient: {e}")))?;
        self.deliver(self.headers(to, subject), body).await
    }

    fn headers(&self, to: Mailbox, subject: &str) -> lettre::message::MessageBuilder {
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
    }

    /// Adds the plain-text body and hands the message to the SMTP server.
    async fn deliver(
        &self,
        headers: lettre::message::MessageBuilder,
        body: String,
    ) -> Result<(), SendError> {
        // Quoted-printable keeps the links readable in the raw message and to filters.
        let part = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::QuotedPrintable)
            .body(body);
        let message = headers
            .singlepart(part)
            .map_err(|e| refused(format!("message: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            })
    }
}

/// A message we could not even build: sending it again will not help.
fn refused(message: String) -> SendError {
    SendError {
        permanent: true,
        message,
    }
}

/// `List-Unsubscribe`, so mail clients offer a one-click way out.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `X-Cumbre-Invitation`: see [`cumbre_domain::listen::bounces`].
#[derive(Clone)]
struct InvitationRef(String);

impl lettre::message::header::Header for InvitationRef {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str(
            cumbre_domain::listen::bounces::INVITATION_HEADER,
        )
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

fn compose(o: &Outgoing, base: &str) -> (String, String, String) {
    let tr = Tr::new(o.language);
    let title = o.survey_title.get(o.language);
    let subject = if o.reminder {
        tr.f("mail.reminder_subject", title)
    } else {
        title.to_owned()
    };
    let link = format!("{base}/s/{}", o.token);
    let unsubscribe = format!("{base}/u/{}", o.token);
    let greeting = if o.name.is_empty() {
        tr.t("mail.hello").to_owned()
    } else {
        tr.f("mail.hello_name", &o.name)
    };
    let again = if o.reminder {
        format!("{}\n\n", tr.t("mail.reminder_line"))
    } else {
        String::new()
    };
    let body = format!(
        "{greeting}\n\n{again}{}\n\n{link}\n\n{}\n\n--\n{}\n{unsubscribe}\n",
        tr.f("mail.intro", &o.unit_name),
        tr.t("mail.short"),
        tr.t("mail.unsubscribe"),
    );
    (subject, body, unsubscribe)
}

/// Sends everything due now; returns how many messages the SMTP server accepted.
pub async fn send_due(
    store: &Store,
    mailer: &Mailer,
    clock: &dyn Clock,
    base: &str,
) -> anyhow::Result<usize> {
    let mut sent = send_due_pulses(store, mailer, clock, base).await?;
    loop {
        let due = store.claim_due_invitations(clock.now(), 50).await?;
        if due.is_empty() {
            return Ok(sent);
        }
        for o in &due {
            let (subject, body, unsubscribe) = compose(o, base);
            match mailer
                .send(o.id, &o.name, &o.email, &subject, body, &unsubscribe)
                .await
            {
                Ok(()) => {
                    store.invitation_sent(o.id, o.reminder, clock.now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(invitation = o.id, permanent = e.permanent, error = %e.message, "invitation not sent");
                    if !o.reminder {
                        store
                            .invitation_failed(o.id, &e.message, e.permanent, clock.now())
                            .await?;
                    }
                }
            }
        }
    }
}

/// Sends the pulse invitations due now (employees: no unsubscribe, the link is their
/// invitation to answer this cycle).
async fn send_due_pulses(
    store: &Store,
    mailer: &Mailer,
    clock: &dyn Clock,
    base: &str,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    loop {
        let due = store.claim_due_pulse_mails(clock.now(), 50).await?;
        if due.is_empty() {
            return Ok(sent);
        }
        for m in &due {
            let tr = Tr::new(m.language);
            let zone = store.tenant_clock(m.tenant).await?;
            let body = format!(
                "{}\n\n{}\n\n{base}/p/{}\n\n{}\n",
                tr.f("mail.hello_name", &m.name),
                tr.f("mail.pulse_intro", &m.pulse_name),
                m.token,
                tr.f("pulse.closes", zone.local(m.closes_at)),
            );
            match mailer.send_text(&m.email, &m.pulse_name, body).await {
                Ok(()) => {
                    store.pulse_mail_sent(m.id, clock.now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(pulse_invitation = m.id, permanent = e.permanent, error = %e.message, "pulse invitation not sent");
                    store
                        .pulse_mail_failed(m.id, &e.message, e.permanent, clock.now())
                        .await?;
                }
            }
        }
    }
}

/// The background job: every few seconds, send what is due. Its state lives in the
/// database, so a restart resumes where it stopped.
pub fn spawn_invitation_job(
    store: Store,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    base: String,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = send_due(&store, &mailer, clock.as_ref(), &base).await {
                tracing::error!(error = ?e, "invitation job");
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    })
}
