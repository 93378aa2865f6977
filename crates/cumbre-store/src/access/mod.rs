//! Accounts, their sign-in sessions and API tokens, and the scope each account sees.

pub mod limits;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use tokens::ApiToken;
pub use users::{NewUser, User, UserChange};
