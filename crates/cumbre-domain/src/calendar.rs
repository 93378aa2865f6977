//! The one place dates and instants from outside become values: every day and instant
//! Cumbre accepts lies in 1970-01-01 – 2199-12-31, and every range of days is at most
//! [`MAX_RANGE_DAYS`] long. Inside those bounds date arithmetic (a month on, a year
//! back, the next period) cannot overflow, and no request can ask for an unbounded
//! number of periods, rows or loop turns.

use crate::{Field, InvalidInput};
use jiff::civil::{Date, date};
use time::OffsetDateTime;

/// The first day Cumbre accepts.
pub const FIRST_DAY: Date = date(1970, 1, 1);
/// The last day Cumbre accepts.
pub const LAST_DAY: Date = date(2199, 12, 31);
/// The longest range of days a report may cover: 25 years, more than any company keeps
/// answers for, and small enough that a day-by-day walk of it is instant.
pub const MAX_RANGE_DAYS: i32 = 25 * 366;

/// `raw` as a day (`YYYY-MM-DD`) in the supported calendar.
pub fn parse_day(raw: &str, field: Field) -> Result<Date, InvalidInput> {
    let value = raw.trim();
    let bad = || InvalidInput::Date {
        field,
        value: clip(value),
    };
    // Exactly `YYYY-MM-DD`: jiff also reads signed six-digit years, which no person means.
    if value.len() != 10 || !value.is_ascii() {
        return Err(bad());
    }
    let day = value.parse::<Date>().map_err(|_| bad())?;
    check_day(day, field, value)
}

/// An optional day (`YYYY-MM-DD`, empty for none) that cannot be after `today` (a hire
/// date, a visit): as the `time` crate's date.
pub fn parse_past_day(
    raw: &str,
    field: Field,
    today: time::Date,
) -> Result<Option<time::Date>, InvalidInput> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let day = time_date(parse_day(value, field)?);
    if day > today {
        return Err(InvalidInput::FutureDate {
            field,
            value: clip(value),
        });
    }
    Ok(Some(day))
}

/// `day` itself when it lies in the supported calendar.
pub fn check_day(day: Date, field: Field, raw: &str) -> Result<Date, InvalidInput> {
    if day < FIRST_DAY || day > LAST_DAY {
        return Err(InvalidInput::DateOutOfRange {
            field,
            value: clip(raw),
        });
    }
    Ok(day)
}

/// `raw` as an instant: RFC 3339 (`2026-11-30T14:05:00Z`, any offset) in the supported
/// calendar.
pub fn parse_instant(raw: &str, field: Field) -> Result<OffsetDateTime, InvalidInput> {
    let value = raw.trim();
    let at = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).map_err(
        |_| InvalidInput::Instant {
            field,
            value: clip(value),
        },
    )?;
    check_instant(at, field, value)
}

/// `at` itself when it lies in the supported calendar (in UTC).
pub fn check_instant(
    at: OffsetDateTime,
    field: Field,
    raw: &str,
) -> Result<OffsetDateTime, InvalidInput> {
    let first = OffsetDateTime::UNIX_EPOCH;
    let end = time::macros::datetime!(2200-01-01 00:00 UTC);
    if at < first || at >= end {
        return Err(InvalidInput::DateOutOfRange {
            field,
            value: clip(raw),
        });
    }
    Ok(at)
}

/// A day or an instant, as report filters take either: a day stands for its whole UTC
/// day (from its start, or up to its end when `end_of_day`).
pub fn parse_day_or_instant(
    raw: &str,
    field: Field,
    end_of_day: bool,
) -> Result<OffsetDateTime, InvalidInput> {
    let value = raw.trim();
    if value.len() != 10 {
        return parse_instant(value, field);
    }
    let day = parse_day(value, field)?;
    let day = if end_of_day {
        day.tomorrow()
            .expect("the supported calendar ends before jiff's")
    } else {
        day
    };
    Ok(day_to_utc(day))
}

/// `day` as the `time` crate's date (hire dates and instants use that crate).
pub fn time_date(day: Date) -> time::Date {
    let month = u8::try_from(day.month())
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .expect("a jiff month is 1–12");
    let day_of_month = u8::try_from(day.day()).expect("a jiff day is 1–31");
    time::Date::from_calendar_date(i32::from(day.year()), month, day_of_month)
        .expect("a valid jiff date in the supported calendar is a valid time date")
}

/// The UTC midnight that starts `day`.
pub fn day_to_utc(day: Date) -> OffsetDateTime {
    let secs = day
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `from..=to`: both in the supported calendar, in order, at most [`MAX_RANGE_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    from: Date,
    to: Date,
}

impl DayRange {
    pub fn new(from: Date, to: Date) -> Result<Self, InvalidInput> {
        let from = check_day(from, Field::From, &from.to_string())?;
        let to = check_day(to, Field::To, &to.to_string())?;
        if from > to {
            return Err(InvalidInput::RangeReversed {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        if (to - from).get_days() >= MAX_RANGE_DAYS {
            return Err(InvalidInput::RangeTooLong {
                max_days: MAX_RANGE_DAYS,
            });
        }
        Ok(Self { from, to })
    }

    /// `from` and `to` as typed: either may be empty, then `default` gives the range
    /// (`default(None)`) or the missing end from the other one.
    pub fn parse(
        from: &str,
        to: &str,
        default: impl Fn(Option<Date>, Option<Date>) -> (Date, Date),
    ) -> Result<Self, InvalidInput> {
        let parse = |raw: &str, field| {
            if raw.trim().is_empty() {
                Ok(None)
            } else {
                parse_day(raw, field).map(Some)
            }
        };
        let (f, t) = (parse(from, Field::From)?, parse(to, Field::To)?);
        let (from, to) = match (f, t) {
            (Some(f), Some(t)) => (f, t),
            (f, t) => default(f, t),
        };
        Self::new(from, to)
    }

    pub fn from(self) -> Date {
        self.from
    }

    pub fn to(self) -> Date {
        self.to
    }

    /// Days in the range, both ends included.
    pub fn days(self) -> i32 {
        (self.to - self.from).get_days() + 1
    }
}

/// Input echoed in a message is cut, so a megabyte of it does not come back.
pub(crate) fn clip(raw: &str) -> String {
    const MAX: usize = 40;
    match raw.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &raw[..i]),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_outside_the_supported_calendar_are_refused() {
        assert_eq!(
            parse_day("2026-11-30", Field::To).unwrap(),
            date(2026, 11, 30)
        );
        for raw in [
            "9999-12-31",
            "0001-01-01",
            "0000-01-01",
            "1969-12-31",
            "2200-01-01",
        ] {
            assert!(
                matches!(
                    parse_day(raw, Field::To),
                    Err(InvalidInput::DateOutOfRange { .. })
                ),
                "{raw}"
            );
        }
        for raw in [
            "2026-02-30",
            "+002026-01-01",
            "26-1-1",
            "",
            "２０２６-01-01",
        ] {
            assert!(
                matches!(parse_day(raw, Field::To), Err(InvalidInput::Date { .. })),
                "{raw}"
            );
        }
    }

    #[test]
    fn instants_outside_the_supported_calendar_are_refused() {
        assert!(parse_instant("2026-11-30T10:00:00-05:00", Field::SubmittedAt).is_ok());
        assert!(matches!(
            parse_instant("0001-01-01T00:00:00Z", Field::SubmittedAt),
            Err(InvalidInput::DateOutOfRange { .. })
        ));
        assert!(matches!(
            parse_instant("2026-11-30", Field::SubmittedAt),
            Err(InvalidInput::Instant { .. })
        ));
        assert_eq!(
            parse_day_or_instant("2026-11-30", Field::To, true).unwrap(),
            time::macros::datetime!(2026-12-01 00:00 UTC)
        );
        assert!(parse_day_or_instant("2199-12-31", Field::To, true).is_ok());
    }

    #[test]
    fn ranges_are_ordered_and_bounded() {
        let r = DayRange::new(date(2026, 1, 1), date(2026, 1, 31)).unwrap();
        assert_eq!(r.days(), 31);
        assert!(matches!(
            DayRange::new(date(2026, 2, 1), date(2026, 1, 31)),
            Err(InvalidInput::RangeReversed { .. })
        ));
        assert!(matches!(
            DayRange::new(date(1970, 1, 1), date(2199, 12, 31)),
            Err(InvalidInput::RangeTooLong { .. })
        ));
        let default = |_: Option<Date>, _: Option<Date>| (date(2026, 1, 1), date(2026, 3, 31));
        assert_eq!(
            DayRange::parse("", "", default).unwrap().to(),
            date(2026, 3, 31)
        );
        assert!(matches!(
            DayRange::parse("", "9999-12-31", default),
            Err(InvalidInput::DateOutOfRange { .. })
        ));
    }

    #[test]
    fn echoed_input_is_clipped() {
        let long = "9".repeat(1_000_000);
        let message = parse_day(&long, Field::To).unwrap_err().to_string();
        assert!(message.len() < 200, "{message}");
    }
}
