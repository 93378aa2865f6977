//! Recover: alert rules, cases as managers work them, the inbox, lessons learned, recovery
//! settings, the notification outbox and its delivery (mail, webhooks), and their JSON API.

pub mod api;
pub mod cases;
pub mod filters;
pub mod inbox;
pub mod lessons;
pub mod notifications;
pub mod notify;
pub mod rules;
pub mod settings;
pub mod webhooks;
