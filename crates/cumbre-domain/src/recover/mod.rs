//! Recover: alert rules that turn failed service into recovery cases, the deadlines those
//! cases must meet (in the tenant's time zone, optionally in business hours) and the flow a
//! case follows.

pub mod case;
pub mod rules;
pub mod sla;

pub use case::{CaseStatus, Priority, Resolution};
pub use rules::{Condition, RuleDefinition};
pub use sla::{BusinessHours, Sla, TenantClock};
