//! The `cumbre` binary as a library, so integration tests drive the same code the command
//! line runs: configuration, commands, the demo organisation and the server.
#![forbid(unsafe_code)]

pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_decide;
pub mod demo_lead;
pub mod demo_recovery;
pub mod demo_shopping;
pub mod scheduler;
pub mod server;
