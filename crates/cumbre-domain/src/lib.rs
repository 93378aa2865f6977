//! Cumbre's domain: the types and rules of the product with no IO, no async and no SQL.
//!
//! Input from HTTP, CSV or the command line becomes one of these types through a `parse`
//! constructor that says precisely what is wrong; after that the type guarantees validity.
#![forbid(unsafe_code)]

pub mod access;
pub mod calendar;
pub mod clock;
pub mod decide;
pub mod demo;
#[cfg(test)]
mod fuzz;
pub mod ids;
pub mod improve;
pub mod input;
pub mod lang;
pub mod lead;
pub mod listen;
pub mod org;
pub mod recover;
pub mod text;

pub use ids::{DepartmentId, PersonId, TenantId, UnitId, UserId};
pub use input::{Field, InvalidInput};
pub use lang::Lang;
