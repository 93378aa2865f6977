//! People (colaboradores) and the values that describe them.

use crate::input::{optional_text, required_text};
use crate::{Field, InvalidInput};
use time::Date;

/// A person's full name as they write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 120;
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        required_text(raw, Field::Name, Self::MAX).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A lower-cased e-mail address with one `@`, a non-empty local part and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(InvalidInput::Required(Field::Email));
        }
        let bad = || InvalidInput::Email {
            value: raw.trim().to_owned(),
        };
        if value.len() > Self::MAX || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(value))
    }

    pub fn parse_optional(raw: &str) -> Result<Option<Self>, InvalidInput> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(raw).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's job title ("Recepcionista"); optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTitle(String);

impl JobTitle {
    pub const MAX: usize = 120;
    pub fn parse(raw: &str) -> Result<Option<Self>, InvalidInput> {
        Ok(optional_text(raw, Field::JobTitle, Self::MAX)?.map(Self))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An employee number from the HR system, unique per tenant; the import's person key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmployeeNumber(String);

impl EmployeeNumber {
    pub const MAX: usize = 40;
    pub fn parse(raw: &str) -> Result<Option<Self>, InvalidInput> {
        Ok(optional_text(raw, Field::Key, Self::MAX)?.map(Self))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The day a person joined; never after `today` (the tenant's calendar day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HireDate(Date);

impl HireDate {
    pub fn parse(raw: &str, today: Date) -> Result<Option<Self>, InvalidInput> {
        Ok(crate::calendar::parse_past_day(raw, crate::Field::HireDate, today)?.map(Self))
    }

    pub fn from_date(date: Date) -> Self {
        Self(date)
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// `YYYY-MM-DD`, the stored and displayed form.
    pub fn to_iso(self) -> String {
        let (y, m, d) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        format!("{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana.Lopez@Hotel.MX ").unwrap().as_str(),
            "ana.lopez@hotel.mx"
        );
        for bad in [
            "ana",
            "ana@",
            "@hotel.mx",
            "ana@hotel",
            "ana lopez@hotel.mx",
            "a@b@c.mx",
            "ana@-x.mx",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert_eq!(Email::parse(""), Err(InvalidInput::Required(Field::Email)));
        assert_eq!(Email::parse_optional("  ").unwrap(), None);
    }

    #[test]
    fn hire_dates_must_be_iso_and_not_in_the_future() {
        let today = date!(2026 - 11 - 25);
        assert_eq!(
            HireDate::parse("2020-02-29", today)
                .unwrap()
                .unwrap()
                .to_iso(),
            "2020-02-29"
        );
        assert_eq!(HireDate::parse("", today).unwrap(), None);
        assert!(matches!(
            HireDate::parse("2021-02-29", today),
            Err(InvalidInput::Date { .. })
        ));
        assert!(matches!(
            HireDate::parse("25/11/2020", today),
            Err(InvalidInput::Date { .. })
        ));
        assert!(matches!(
            HireDate::parse("2026-11-26", today),
            Err(InvalidInput::FutureDate { .. })
        ));
    }
}
