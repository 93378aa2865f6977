//! The organisation: a tree of units of any depth, departments across it, and people.

pub mod import;
pub mod person;
pub mod unit;

pub use person::{Email, EmployeeNumber, HireDate, JobTitle, PersonName};
pub use unit::{UnitCode, UnitKind, UnitName, UnitPath};
