//! Decide: the experience the company promises. Each moment of truth has standards a
//! team can be trained on and held to; audits (mystery shoppers) check them as a customer
//! would, and their arithmetic lives here: a weighted score with knock-outs, and how far
//! two auditors of the same visit agree.

pub mod audit;
pub mod calibration;
pub mod import;
pub mod photo;
pub mod programme;
pub mod questions;
pub mod risk;
pub mod standard;
pub mod vision;
