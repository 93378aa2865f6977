//! Service-level deadlines: time to first contact and time to resolution, by priority,
//! counted in the tenant's time zone and, if the tenant says so, only in business hours.

use crate::recover::Priority;
use crate::{Field, InvalidInput};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Minutes to first contact and to resolution for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    pub first_contact_minutes: i64,
    pub resolve_minutes: i64,
}

impl Sla {
    /// Defaults a hotel would start from: an urgent complaint gets a call within the hour.
    pub fn default_for(priority: Priority) -> Self {
        let (first, resolve) = match priority {
            Priority::Urgent => (60, 24 * 60),
            Priority::High => (4 * 60, 48 * 60),
            Priority::Normal => (24 * 60, 5 * 24 * 60),
            Priority::Low => (48 * 60, 10 * 24 * 60),
        };
        Self {
            first_contact_minutes: first,
            resolve_minutes: resolve,
        }
    }

    pub fn check(&self) -> Result<(), InvalidInput> {
        for m in [self.first_contact_minutes, self.resolve_minutes] {
            if !(1..=60 * 24 * 90).contains(&m) {
                return Err(InvalidInput::OutOfRange {
                    field: Field::Priority,
                    min: 1,
                    max: 60 * 24 * 90,
                    value: m.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Opening hours per weekday (Monday first), as minutes after local midnight; `None` is a
/// day off. A deadline counted in business hours advances only inside these windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    pub days: [Option<(u16, u16)>; 7],
}

impl BusinessHours {
    /// Monday to Friday, 09:00–18:00.
    pub fn office() -> Self {
        let day = Some((9 * 60, 18 * 60));
        Self {
            days: [day, day, day, day, day, None, None],
        }
    }

    pub fn check(&self) -> Result<(), InvalidInput> {
        if self.days.iter().all(Option::is_none) {
            return Err(InvalidInput::Required(Field::BusinessHours));
        }
        for (start, end) in self.days.iter().flatten() {
            if start >= end || *end > 24 * 60 {
                return Err(InvalidInput::OutOfRange {
                    field: Field::BusinessHours,
                    min: 0,
                    max: 24 * 60,
                    value: format!("{start}–{end}"),
                });
            }
        }
        Ok(())
    }
}

/// The tenant's time zone and business hours.
#[derive(Debug, Clone)]
pub struct TenantClock {
    pub zone: TimeZone,
    pub hours: Option<BusinessHours>,
}

impl TenantClock {
    /// `America/Cancun`, `Europe/Madrid`… (IANA names).
    pub fn parse_zone(name: &str) -> Result<TimeZone, InvalidInput> {
        TimeZone::get(name.trim()).map_err(|_| InvalidInput::NotOneOf {
            field: Field::TimeZone,
            value: name.to_owned(),
            allowed: "an IANA time zone such as America/Cancun or Europe/Madrid",
        })
    }

    /// `minutes` after `start`: plain elapsed time, or only business time when the tenant
    /// counts in business hours (a complaint at 17:30 on Friday with 60 minutes is due at
    /// 09:30 on Monday).
    pub fn deadline(&self, start: OffsetDateTime, minutes: i64) -> OffsetDateTime {
        match &self.hours {
            None => start + time::Duration::minutes(minutes),
            Some(hours) => self.business_deadline(start, minutes, hours),
        }
    }

    fn business_deadline(
        &self,
        start: OffsetDateTime,
        minutes: i64,
        hours: &BusinessHours,
    ) -> OffsetDateTime {
        let mut left = minutes.max(0) * 60;
        let mut cursor = to_timestamp(start);
        let mut date = cursor.to_zoned(self.zone.clone()).date();
        // A year of days off in a row cannot happen with a valid calendar; stop anyway.
        for _ in 0..400 {
            let weekday = date.weekday().to_monday_zero_offset() as usize;
            if let Some((open, close)) = hours.days[weekday] {
                let opens = self.at(date, open);
                let closes = self.at(date, close);
                let from = cursor.max(opens);
                if from < closes {
                    let available = closes.as_second() - from.as_second();
                    if left <= available {
                        return from_timestamp(from + jiff::SignedDuration::from_secs(left));
                    }
                    left -= available;
                }
            }
            date = match date.tomorrow() {
                Ok(d) => d,
                Err(_) => break,
            };
            cursor = cursor.max(self.at(date, 0));
        }
        from_timestamp(cursor)
    }

    /// The instant `minute` minutes after local midnight of `date` (a time skipped by a
    /// daylight-saving change resolves to the later side).
    fn at(&self, date: Date, minute: u16) -> Timestamp {
        let time = if minute >= 24 * 60 {
            Time::MAX
        } else {
            Time::constant((minute / 60) as i8, (minute % 60) as i8, 0, 0)
        };
        date.to_datetime(time)
            .to_zoned(self.zone.clone())
            .map(|z: Zoned| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }

    /// `2026-11-25 14:00 EST`: in the tenant's zone, which it names, for people.
    pub fn local(&self, at: OffsetDateTime) -> String {
        to_timestamp(at)
            .to_zoned(self.zone.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// The local time with its offset from UTC, for files machines read too
    /// (`2026-11-25T14:00:00-05:00`: a spreadsheet sorts it, a person reads the hour).
    pub fn offset_time(&self, at: OffsetDateTime) -> String {
        to_timestamp(at)
            .to_zoned(self.zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }

    /// The local date and time as a `datetime-local` input holds it (`2026-11-26T12:00`).
    pub fn input_value(&self, at: OffsetDateTime) -> String {
        to_timestamp(at)
            .to_zoned(self.zone.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// Reads a local date and time as typed in a form (`2026-11-26T12:00`, the format of
    /// `<input type="datetime-local">`) in the tenant's zone.
    pub fn parse_local(&self, raw: &str) -> Result<OffsetDateTime, InvalidInput> {
        let bad = || InvalidInput::Instant {
            field: crate::Field::DueAt,
            value: crate::calendar::clip(raw),
        };
        let civil: jiff::civil::DateTime = raw.trim().parse().map_err(|_| bad())?;
        crate::calendar::check_day(civil.date(), crate::Field::DueAt, raw)?;
        let zoned = civil.to_zoned(self.zone.clone()).map_err(|_| bad())?;
        Ok(from_timestamp(zoned.timestamp()))
    }

    /// The local calendar date of an instant, for grouping by day.
    pub fn local_date(&self, at: OffsetDateTime) -> Date {
        to_timestamp(at).to_zoned(self.zone.clone()).date()
    }
}

fn to_timestamp(t: OffsetDateTime) -> Timestamp {
    Timestamp::from_nanosecond(t.unix_timestamp_nanos()).unwrap_or(Timestamp::MAX)
}

fn from_timestamp(t: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn clock(zone: &str, hours: Option<BusinessHours>) -> TenantClock {
        TenantClock {
            zone: TenantClock::parse_zone(zone).expect("zone"),
            hours,
        }
    }

    #[test]
    fn without_business_hours_a_deadline_is_elapsed_time() {
        let c = clock("America/Cancun", None);
        assert_eq!(
            c.deadline(datetime!(2026-11-27 22:30 UTC), 60),
            datetime!(2026-11-27 23:30 UTC)
        );
    }

    #[test]
    fn business_hours_skip_nights_and_weekends_in_local_time() {
        // Cancún is UTC−5 all year. Friday 17:30 local = 22:30 UTC; 60 business minutes:
        // 30 on Friday, 30 on Monday from 09:00 → Monday 09:30 local = 14:30 UTC.
        let c = clock("America/Cancun", Some(BusinessHours::office()));
        assert_eq!(
            c.deadline(datetime!(2026-11-27 22:30 UTC), 60),
            datetime!(2026-11-30 14:30 UTC)
        );
        // Saturday at noon: nothing counts until Monday 09:00.
        assert_eq!(
            c.deadline(datetime!(2026-11-28 17:00 UTC), 120),
            datetime!(2026-11-30 16:00 UTC)
        );
        // Inside the day it is plain time; what is left at closing goes on the next morning.
        assert_eq!(
            c.deadline(datetime!(2026-11-24 15:00 UTC), 60),
            datetime!(2026-11-24 16:00 UTC)
        );
        assert_eq!(
            c.deadline(datetime!(2026-11-24 22:00 UTC), 9 * 60),
            datetime!(2026-11-25 22:00 UTC),
            "Tuesday 17:00 + 9 h = 1 h on Tuesday and 8 h on Wednesday"
        );
        assert_eq!(
            c.deadline(datetime!(2026-11-24 23:00 UTC), 60),
            datetime!(2026-11-25 15:00 UTC),
            "received at closing time"
        );
    }

    #[test]
    fn business_hours_follow_daylight_saving_changes() {
        // Madrid moves to summer time on Sunday 29 March 2026: Friday 27 March 17:00 local
        // (16:00 UTC) + 2 business hours = Monday 30 March 10:00 CEST (08:00 UTC).
        let c = clock("Europe/Madrid", Some(BusinessHours::office()));
        assert_eq!(
            c.deadline(datetime!(2026-03-27 16:00 UTC), 120),
            datetime!(2026-03-30 08:00 UTC)
        );
    }

    #[test]
    fn local_times_read_and_print_in_the_tenant_zone() {
        let c = clock("America/Cancun", None);
        assert_eq!(
            c.local(datetime!(2026-11-26 17:00 UTC)),
            "2026-11-26 12:00 EST"
        );
        assert_eq!(
            c.input_value(datetime!(2026-11-26 17:00 UTC)),
            "2026-11-26T12:00"
        );
        assert_eq!(
            c.parse_local("2026-11-26T12:00").expect("a time"),
            datetime!(2026-11-26 17:00 UTC)
        );
        assert!(c.parse_local("mañana").is_err());
    }

    #[test]
    fn bad_zones_and_hours_are_refused() {
        assert!(TenantClock::parse_zone("Mars/Olympus").is_err());
        let mut h = BusinessHours::office();
        h.days[0] = Some((600, 540));
        assert!(h.check().is_err());
        assert!(
            BusinessHours { days: [None; 7] }.check().is_err(),
            "a week with no hours never reaches a deadline"
        );
        assert!(BusinessHours::office().check().is_ok());
    }
}
