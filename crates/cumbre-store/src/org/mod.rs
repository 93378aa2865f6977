//! The organisation: units, departments, people, and the CSV import that fills them.

pub mod departments;
pub mod import;
pub mod people;
pub mod units;

pub use departments::Department;
pub use import::ImportSummary;
pub use people::{PeopleFilter, PeoplePage, Person, PersonInput};
pub use units::{Unit, UnitInput};
