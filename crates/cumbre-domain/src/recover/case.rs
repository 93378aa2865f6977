//! A recovery case's priority and the flow of its status: new → contacted → resolved →
//! closed, with reopening. Nothing in a case is deleted; each move is a timeline entry.

use crate::{Field, InvalidInput, Lang};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Priority::ALL
            .into_iter()
            .find(|p| p.code() == raw.trim())
            .ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::Priority,
                value: raw.to_owned(),
                allowed: "urgent, high, normal, low",
            })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Priority::Urgent, Lang::Es) => "urgente",
            (Priority::Urgent, Lang::En) => "urgent",
            (Priority::High, Lang::Es) => "alta",
            (Priority::High, Lang::En) => "high",
            (Priority::Normal, Lang::Es) => "normal",
            (Priority::Normal, Lang::En) => "normal",
            (Priority::Low, Lang::Es) => "baja",
            (Priority::Low, Lang::En) => "low",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    Contacted,
    Resolved,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 4] = [
        CaseStatus::New,
        CaseStatus::Contacted,
        CaseStatus::Resolved,
        CaseStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Contacted => "contacted",
            CaseStatus::Resolved => "resolved",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        CaseStatus::ALL
            .into_iter()
            .find(|s| s.code() == raw.trim())
            .ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::Record,
                value: raw.to_owned(),
                allowed: "new, contacted, resolved, closed",
            })
    }

    /// Still needs someone: deadlines run and escalation applies.
    pub fn is_open(self) -> bool {
        matches!(self, CaseStatus::New | CaseStatus::Contacted)
    }

    /// The moves a person can make. Resolving without recording a first contact is allowed
    /// (the guest was helped at the desk); reopening a resolved or closed case sends it back
    /// to `contacted`, since the customer has been reached before.
    pub fn can_move_to(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (New, Contacted)
                | (New, Resolved)
                | (Contacted, Resolved)
                | (Resolved, Closed)
                | (Resolved, Contacted)
                | (Closed, Contacted)
        )
    }

    pub fn check_move(self, to: CaseStatus) -> Result<(), InvalidInput> {
        if self.can_move_to(to) {
            Ok(())
        } else {
            Err(InvalidInput::StatusChange {
                what: Field::Case,
                from: self.code(),
                to: to.code(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_move_forward_and_reopen_but_never_skip_back_to_new() {
        use CaseStatus::*;
        assert!(New.can_move_to(Contacted));
        assert!(New.can_move_to(Resolved));
        assert!(Contacted.can_move_to(Resolved));
        assert!(Resolved.can_move_to(Closed));
        assert!(Closed.can_move_to(Contacted), "reopen");
        assert!(!Closed.can_move_to(New));
        assert!(
            !New.can_move_to(Closed),
            "a case is resolved before it is closed"
        );
        assert!(!Contacted.can_move_to(Contacted));
        assert_eq!(
            New.check_move(Closed),
            Err(InvalidInput::StatusChange {
                what: crate::Field::Case,
                from: "new",
                to: "closed"
            })
        );
        assert!(New.is_open() && Contacted.is_open() && !Resolved.is_open());
    }

    #[test]
    fn priorities_parse_from_their_codes() {
        assert_eq!(Priority::parse("urgent"), Ok(Priority::Urgent));
        assert!(Priority::parse("asap").is_err());
        assert!(Priority::Urgent < Priority::Low, "urgent sorts first");
    }
}

/// How a case was resolved: what was done, why it happened, what the customer received and
/// what the team learnt. Amounts are in cents of the tenant's currency.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Resolution {
    pub action_taken: String,
    #[serde(default)]
    pub root_cause_id: Option<i64>,
    #[serde(default)]
    pub compensation_type: String,
    #[serde(default)]
    pub compensation_cents: i64,
    #[serde(default)]
    pub lessons: String,
}

impl Resolution {
    pub fn check(&self) -> Result<(), InvalidInput> {
        crate::input::required_text(&self.action_taken, Field::Description, 4000)?;
        crate::input::optional_text(&self.lessons, Field::Description, 4000)?;
        crate::input::optional_text(&self.compensation_type, Field::Name, 120)?;
        if !(0..=100_000_000).contains(&self.compensation_cents) {
            return Err(InvalidInput::OutOfRange {
                field: Field::Answer,
                min: 0,
                max: 100_000_000,
                value: self.compensation_cents.to_string(),
            });
        }
        if self.compensation_cents > 0 && self.compensation_type.trim().is_empty() {
            return Err(InvalidInput::Required(Field::Name));
        }
        Ok(())
    }
}
