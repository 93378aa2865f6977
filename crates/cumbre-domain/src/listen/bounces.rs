//! Bounce reports: the delivery status notifications (RFC 3464) a mail server sends back when
//! a message it had accepted cannot be delivered. A server that refuses a message outright
//! is handled while sending; these come later, to the sender's mailbox.

use crate::InvalidInput;

/// The header each invitation carries, so a bounce names the invitation it is about. Mail
/// servers return the original headers with the report.
pub const INVITATION_HEADER: &str = "X-Cumbre-Invitation";

/// One recipient the report says cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// Lower-case address from `Final-Recipient`.
    pub recipient: String,
    /// Enhanced status code, e.g. `5.1.1`.
    pub status: String,
    /// The remote server's words, when given.
    pub diagnostic: String,
}

/// What a report says: the failed recipients (delays and successes are not bounces) and the
/// invitation it refers to, if the original headers came back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub bounces: Vec<Bounce>,
    pub invitation: Option<i64>,
}

#[derive(Default)]
struct Fields {
    recipient: Option<String>,
    action: String,
    status: String,
    diagnostic: String,
}

impl Fields {
    /// A permanent failure: `Action: failed`, or no action and a 5.x.x status.
    fn into_bounce(self) -> Option<Bounce> {
        let failed = self.action.eq_ignore_ascii_case("failed")
            || (self.action.is_empty() && self.status.starts_with('5'));
        let recipient = self.recipient?;
        failed.then_some(Bounce {
            recipient,
            status: self.status,
            diagnostic: self.diagnostic,
        })
    }
}

/// Header-style lines with folded continuations joined (RFC 5322 §2.2.3).
fn unfolded(raw: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in raw.lines() {
        let line = line.trim_end_matches('\r');
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) && !line.trim().is_empty() => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

/// `rfc822; <ana@example.com>` → `ana@example.com`.
fn address(value: &str) -> Option<String> {
    let addr = value.split_once(';').map_or(value, |(_, a)| a).trim();
    let addr = addr.trim_start_matches('<').trim_end_matches('>').trim();
    addr.contains('@').then(|| addr.to_lowercase())
}

/// Reads a delivery status notification, as a whole message (`.eml`) or its
/// `message/delivery-status` part. Refuses text that has no per-recipient fields at all, so
/// an ordinary e-mail sent to the bounce address is not mistaken for a report.
pub fn read_report(raw: &str) -> Result<Report, InvalidInput> {
    let mut report = Report::default();
    let mut current: Option<Fields> = None;
    let mut recipients = 0;
    for line in unfolded(raw) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let name = name.trim();
        if name.eq_ignore_ascii_case(INVITATION_HEADER) {
            report.invitation = report.invitation.or_else(|| value.parse().ok());
        } else if name.eq_ignore_ascii_case("Final-Recipient") {
            if let Some(done) = current.take().and_then(Fields::into_bounce) {
                report.bounces.push(done);
            }
            recipients += 1;
            current = Some(Fields {
                recipient: address(value),
                ..Fields::default()
            });
        } else if let Some(fields) = current.as_mut() {
            if name.eq_ignore_ascii_case("Action") {
                fields.action = value.to_owned();
            } else if name.eq_ignore_ascii_case("Status") {
                fields.status = value.split_whitespace().next().unwrap_or("").to_owned();
            } else if name.eq_ignore_ascii_case("Diagnostic-Code") {
                let text = value.split_once(';').map_or(value, |(_, t)| t).trim();
                fields.diagnostic = text.chars().take(300).collect();
            }
        }
    }
    if let Some(done) = current.and_then(Fields::into_bounce) {
        report.bounces.push(done);
    }
    if recipients == 0 {
        return Err(InvalidInput::NotABounceReport);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Postfix report: human part, delivery status, then the returned headers.
    const POSTFIX: &str = "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r
Subject: Undelivered Mail Returned to Sender\r
Content-Type: multipart/report; report-type=delivery-status;\r
\tboundary=\"B1\"\r
\r
--B1\r
Content-Type: text/plain\r
\r
I'm sorry to have to inform you that your message could not\r
be delivered to one or more recipients.\r
\r
--B1\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example\r
Arrival-Date: Wed, 25 Nov 2026 10:00:00 +0000\r
\r
Final-Recipient: rfc822; Ana@Huesped.example\r
Original-Recipient: rfc822;ana@huesped.example\r
Action: failed\r
Status: 5.1.1\r
Remote-MTA: dns; mail.huesped.example\r
Diagnostic-Code: smtp; 550 5.1.1 <ana@huesped.example>: Recipient address\r
    rejected: User unknown\r
\r
Final-Recipient: rfc822; bob@guest.example\r
Action: delayed\r
Status: 4.4.1\r
\r
--B1\r
Content-Type: text/rfc822-headers\r
\r
From: Hoteles Sierra Azul <encuestas@sierraazul.example>\r
To: Ana <ana@huesped.example>\r
X-Cumbre-Invitation: 42\r
Subject: ¿Cómo fue su estancia?\r
\r
--B1--\r
";

    #[test]
    fn a_postfix_report_names_the_failed_recipient_and_the_invitation() {
        let report = read_report(POSTFIX).expect("a report");
        assert_eq!(report.invitation, Some(42));
        assert_eq!(
            report.bounces,
            [Bounce {
                recipient: "ana@huesped.example".into(),
                status: "5.1.1".into(),
                diagnostic:
                    "550 5.1.1 <ana@huesped.example>: Recipient address rejected: User unknown"
                        .into(),
            }],
            "the delayed recipient is not a bounce"
        );
    }

    #[test]
    fn a_status_part_alone_counts_and_a_plain_mail_does_not() {
        let part = "Final-Recipient: rfc822;<x@y.example>\nStatus: 5.2.2 (mailbox full)\n";
        let report = read_report(part).expect("a report");
        assert_eq!(report.bounces[0].recipient, "x@y.example");
        assert_eq!(report.bounces[0].status, "5.2.2");
        assert_eq!(report.invitation, None);
        let ordinary = "From: ana@huesped.example\nSubject: Re: survey\n\nThanks!\n";
        assert_eq!(read_report(ordinary), Err(InvalidInput::NotABounceReport));
        let only_delay = "Final-Recipient: rfc822; x@y.example\nAction: delayed\nStatus: 4.4.7\n";
        assert!(
            read_report(only_delay)
                .expect("a report")
                .bounces
                .is_empty()
        );
    }
}
