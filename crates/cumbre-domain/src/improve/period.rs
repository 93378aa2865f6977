//! Periods in the tenant's calendar: a response at 23:30 local time belongs to that local
//! day, whatever UTC says. Days are stored as `YYYYMMDD` integers, so ranges are integer
//! comparisons on both databases.

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    Month,
    Quarter,
}

impl Interval {
    pub fn parse(raw: &str) -> Result<Self, crate::InvalidInput> {
        match raw.trim() {
            "day" => Ok(Interval::Day),
            "week" => Ok(Interval::Week),
            "month" => Ok(Interval::Month),
            "quarter" => Ok(Interval::Quarter),
            other => Err(crate::InvalidInput::NotOneOf {
                field: crate::Field::Interval,
                value: other.to_owned(),
                allowed: "day, week, month, quarter",
            }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
            Interval::Quarter => "quarter",
        }
    }

    /// The first day of the period holding `d`.
    pub fn start_of(self, d: Date) -> Date {
        match self {
            Interval::Day => d,
            Interval::Week => {
                let back = d.weekday().to_monday_zero_offset();
                d.checked_sub(i64::from(back).days()).unwrap_or(d)
            }
            Interval::Month => d.first_of_month(),
            Interval::Quarter => {
                let month = (d.month() - 1) / 3 * 3 + 1;
                Date::new(d.year(), month, 1).unwrap_or(d)
            }
        }
    }

    /// The first day of the next period after the one starting at `start`.
    pub fn next(self, start: Date) -> Date {
        let span = match self {
            Interval::Day => 1.day(),
            Interval::Week => 1.week(),
            Interval::Month => 1.month(),
            Interval::Quarter => 3.months(),
        };
        start.checked_add(span).unwrap_or(Date::MAX)
    }

    /// The periods covering `from..=to`, each as `(start, last day)`; the first and last
    /// are cut to the range.
    pub fn periods(self, from: Date, to: Date) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.start_of(from);
        while start <= to {
            let next = self.next(start);
            if next <= start {
                // Only at the end of jiff's calendar, which checked input never reaches.
                break;
            }
            let last = next.yesterday().unwrap_or(next);
            out.push(Period {
                start: start.max(from),
                last: last.min(to),
                label_start: start,
            });
            start = next;
        }
        out
    }
}

/// One bucket of a series: the days it covers within the asked range, and the calendar
/// start that names it (`period_start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Date,
    pub last: Date,
    pub label_start: Date,
}

/// `2026-11-25` → `20261125`.
pub fn day_key(d: Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// `20261125` → `2026-11-25`.
pub fn from_day_key(k: i64) -> Option<Date> {
    Date::new(
        i16::try_from(k / 10_000).ok()?,
        i8::try_from(k / 100 % 100).ok()?,
        i8::try_from(k % 100).ok()?,
    )
    .ok()
}

/// The first day of the ten-day stretch ("dekad") holding `d`: the 1st, 11th or 21st; the
/// third runs to the month's end. Roll-ups keep dekads between days and months so a range
/// with partial months reads at most nine day rows at each end.
pub fn dekad_start(d: Date) -> Date {
    let first = match d.day() {
        1..=10 => 1,
        11..=20 => 11,
        _ => 21,
    };
    Date::new(d.year(), d.month(), first).unwrap_or(d)
}

/// The last day of the dekad starting at `start` (see [`dekad_start`]).
pub fn dekad_last(start: Date) -> Date {
    match start.day() {
        1 => Date::new(start.year(), start.month(), 10).unwrap_or(start),
        11 => Date::new(start.year(), start.month(), 20).unwrap_or(start),
        _ => start.last_of_month(),
    }
}

/// The local calendar day of an instant in `zone`.
pub fn local_day(zone: &TimeZone, at: OffsetDateTime) -> Date {
    let ts =
        jiff::Timestamp::from_second(at.unix_timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    zone.to_datetime(ts).date()
}

/// The instant local day `d` starts in `zone` (midnight, or the first instant after a
/// gap), for queries over UTC timestamps.
pub fn day_start(zone: &TimeZone, d: Date) -> OffsetDateTime {
    let secs = d
        .to_zoned(zone.clone())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The local days `from..=to` in `zone` as the UTC instants `[start, end)`, for queries
/// over timestamps (cases opened, invitations sent).
pub fn utc_bounds(zone: &TimeZone, from: Date, to: Date) -> (OffsetDateTime, OffsetDateTime) {
    (
        day_start(zone, from),
        day_start(zone, to.tomorrow().unwrap_or(to)),
    )
}

/// `from..=to` one year earlier (29 February becomes the 28th).
pub fn year_before(d: Date) -> Date {
    d.checked_sub(1.year()).unwrap_or(d)
}

/// The range just before `from..=to`: as many whole months when it is whole months (so
/// October–November compares with August–September), else as many days.
pub fn previous_range(from: Date, to: Date) -> (Date, Date) {
    if from.day() == 1 && to == to.last_of_month() {
        let months = (i32::from(to.year()) - i32::from(from.year())) * 12 + i32::from(to.month())
            - i32::from(from.month())
            + 1;
        let prev_to = from.yesterday().unwrap_or(from);
        let prev_from = from
            .checked_sub(months.months())
            .unwrap_or(prev_to)
            .first_of_month();
        return (prev_from, prev_to);
    }
    let days = (to - from).get_days() as i64 + 1;
    let prev_to = from.yesterday().unwrap_or(from);
    let prev_from = prev_to.checked_sub((days - 1).days()).unwrap_or(prev_to);
    (prev_from, prev_to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_start_on_calendar_boundaries_and_are_cut_to_the_range() {
        let weeks = Interval::Week.periods(date(2026, 11, 4), date(2026, 11, 18));
        let starts: Vec<_> = weeks.iter().map(|p| p.label_start).collect();
        assert_eq!(
            starts,
            [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
        );
        assert_eq!(weeks[0].start, date(2026, 11, 4), "cut to the range");
        assert_eq!(weeks[2].last, date(2026, 11, 18));
        let quarters = Interval::Quarter.periods(date(2026, 2, 10), date(2026, 7, 1));
        let starts: Vec<_> = quarters.iter().map(|p| p.label_start).collect();
        assert_eq!(
            starts,
            [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]
        );
        assert_eq!(quarters[1].last, date(2026, 6, 30));
        let months = Interval::Month.periods(date(2024, 1, 31), date(2024, 3, 1));
        assert_eq!(months.len(), 3);
        assert_eq!(months[1].last, date(2024, 2, 29), "leap year");
    }

    #[test]
    fn a_local_day_starts_at_its_midnight_in_utc() {
        let cancun = TimeZone::get("America/Cancun").expect("zone");
        assert_eq!(
            day_start(&cancun, date(2026, 11, 20)),
            time::macros::datetime!(2026-11-20 05:00 UTC)
        );
        assert_eq!(
            day_start(&TimeZone::UTC, date(2026, 11, 20)),
            time::macros::datetime!(2026-11-20 00:00 UTC)
        );
        assert_eq!(
            utc_bounds(&cancun, date(2026, 11, 1), date(2026, 11, 30)),
            (
                time::macros::datetime!(2026-11-01 05:00 UTC),
                time::macros::datetime!(2026-12-01 05:00 UTC)
            )
        );
    }

    #[test]
    fn dekads_are_the_1st_11th_and_21st_to_the_months_end() {
        assert_eq!(dekad_start(date(2026, 2, 10)), date(2026, 2, 1));
        assert_eq!(dekad_start(date(2026, 2, 11)), date(2026, 2, 11));
        assert_eq!(dekad_start(date(2026, 2, 28)), date(2026, 2, 21));
        assert_eq!(dekad_last(date(2026, 2, 21)), date(2026, 2, 28));
        assert_eq!(
            dekad_last(date(2024, 2, 21)),
            date(2024, 2, 29),
            "leap year"
        );
        assert_eq!(dekad_last(date(2026, 1, 21)), date(2026, 1, 31));
        assert_eq!(dekad_last(date(2026, 1, 11)), date(2026, 1, 20));
    }

    #[test]
    fn a_late_evening_answer_belongs_to_its_local_day() {
        let cancun = TimeZone::get("America/Cancun").expect("zone");
        // 23:30 in Cancún (UTC−5) is 04:30 UTC the next day.
        let at = time::macros::datetime!(2026-11-26 04:30 UTC);
        assert_eq!(local_day(&cancun, at), date(2026, 11, 25));
        assert_eq!(local_day(&TimeZone::UTC, at), date(2026, 11, 26));
    }

    #[test]
    fn day_keys_round_trip_and_ranges_compare() {
        assert_eq!(day_key(date(2026, 1, 5)), 20260105);
        assert_eq!(from_day_key(20260105), Some(date(2026, 1, 5)));
        assert_eq!(from_day_key(20261305), None);
        assert_eq!(
            previous_range(date(2026, 11, 3), date(2026, 11, 30)),
            (date(2026, 10, 6), date(2026, 11, 2))
        );
        // Whole months compare with as many whole months before.
        assert_eq!(
            previous_range(date(2026, 8, 1), date(2026, 10, 31)),
            (date(2026, 5, 1), date(2026, 7, 31))
        );
        assert_eq!(
            previous_range(date(2026, 3, 1), date(2026, 3, 31)),
            (date(2026, 2, 1), date(2026, 2, 28))
        );
        assert_eq!(year_before(date(2024, 2, 29)), date(2023, 2, 28));
    }
}
