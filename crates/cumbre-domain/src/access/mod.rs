//! Who may do what: roles, the visible scope of a signed-in user, password rules.

pub mod password;
pub mod role;
pub mod scope;

pub use password::NewPassword;
pub use role::Role;
pub use scope::{AdminGrant, Scope};
