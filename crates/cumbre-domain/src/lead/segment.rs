//! The groups employees' answers are reported by besides their unit: department and tenure
//! band, each kept with the answer as it was when it was given (never the hire date).

use serde::Serialize;
use time::Date;

/// How long someone had worked for the company when they answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenureBand {
    UnderOneYear,
    OneToThreeYears,
    ThreeToTenYears,
    TenYearsOrMore,
}

impl TenureBand {
    pub const ALL: [TenureBand; 4] = [
        TenureBand::UnderOneYear,
        TenureBand::OneToThreeYears,
        TenureBand::ThreeToTenYears,
        TenureBand::TenYearsOrMore,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TenureBand::UnderOneYear => "under_1",
            TenureBand::OneToThreeYears => "1_3",
            TenureBand::ThreeToTenYears => "3_10",
            TenureBand::TenYearsOrMore => "10_plus",
        }
    }

    pub fn from_code(code: &str) -> Option<TenureBand> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    /// The band of someone hired on `hired` who answers on `on` (whole years worked; a
    /// hire date after `on` counts as under a year).
    pub fn of(hired: Date, on: Date) -> TenureBand {
        let mut years = on.year() - hired.year();
        if (on.month(), on.day()) < (hired.month(), hired.day()) {
            years -= 1;
        }
        match years {
            ..1 => TenureBand::UnderOneYear,
            1..3 => TenureBand::OneToThreeYears,
            3..10 => TenureBand::ThreeToTenYears,
            _ => TenureBand::TenYearsOrMore,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn bands_count_whole_years_worked() {
        let on = date!(2026 - 06 - 15);
        assert_eq!(
            TenureBand::of(date!(2025 - 06 - 16), on),
            TenureBand::UnderOneYear
        );
        assert_eq!(
            TenureBand::of(date!(2025 - 06 - 15), on),
            TenureBand::OneToThreeYears
        );
        assert_eq!(
            TenureBand::of(date!(2023 - 06 - 16), on),
            TenureBand::OneToThreeYears
        );
        assert_eq!(
            TenureBand::of(date!(2016 - 06 - 15), on),
            TenureBand::TenYearsOrMore
        );
        assert_eq!(
            TenureBand::of(date!(2027 - 01 - 01), on),
            TenureBand::UnderOneYear
        );
        for b in TenureBand::ALL {
            assert_eq!(TenureBand::from_code(b.code()), Some(b));
        }
        assert_eq!(TenureBand::from_code("forever"), None);
    }
}
