//! The integration tests: one binary that runs the real `contenthub` executable against a
//! private temporary store (see [`support`]), so every test exercises exactly what an
//! operator types.

mod accounts;
mod bad_input;
mod cli;
mod concurrency;
mod config;
mod json;
mod old_stores;
mod snapshots;
mod submit;
mod support;
mod tasks;
