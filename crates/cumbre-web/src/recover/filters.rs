//! Filters the recovery pages and the JSON API both read: a period of UTC days and an
//! outbox status.

use cumbre_domain::InvalidInput;

/// `[from, to)` from two dates (`2026-10-01`, UTC days), by default the 90 days up to
/// today.
pub fn period(
    from: &str,
    to: &str,
    now: time::OffsetDateTime,
) -> Result<(time::OffsetDateTime, time::OffsetDateTime), InvalidInput> {
    use cumbre_domain::calendar::{DayRange, day_to_utc};
    let today = cumbre_domain::improve::period::local_day(&jiff::tz::TimeZone::UTC, now);
    let range = DayRange::parse(from, to, |f, t| {
        let to = t.unwrap_or(today);
        (
            f.unwrap_or_else(|| to.checked_sub(jiff::ToSpan::days(89)).unwrap_or(to)),
            to,
        )
    })?;
    let end = range.to().tomorrow().unwrap_or(range.to());
    Ok((day_to_utc(range.from()), day_to_utc(end)))
}

/// Checks an outbox status filter: one of the four states or nothing.
pub fn notification_status(raw: &str) -> Result<Option<&str>, InvalidInput> {
    match raw.trim() {
        "" => Ok(None),
        s @ ("queued" | "sending" | "sent" | "failed") => Ok(Some(s)),
        other => Err(InvalidInput::NotOneOf {
            field: cumbre_domain::Field::Status,
            value: other.to_owned(),
            allowed: "queued, sending, sent, failed",
        }),
    }
}
