//! Cumbre's integration tests: one binary (one link on a 2-core machine), modules by area.
//! HTTP and storage tests run on SQLite and on PostgreSQL (see `harness::both!`).

mod harness;

mod access;
mod authorization;
mod browser;
mod builder;
mod cli;
mod comments;
mod concurrency;
mod decide;
mod import;
mod improve;
mod invitations;
mod limits;
mod listen;
mod markup;
mod openapi;
mod org;
mod people;
mod platform;
mod process;
mod pulse;
mod pulse_browser;
mod readable;
mod recover;
mod recover_pages;
mod scope;
mod security;
mod shopping;
mod shopping_browser;
mod shopping_evidence;
mod smtp;
mod standard_questions;
mod store;
mod taxonomy;
mod text;
mod vision;
mod walkthrough;
mod webhooks;
