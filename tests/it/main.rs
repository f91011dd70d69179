//! The integration tests: one binary that runs the real `contenthub` executable against a
//! private temporary store (see [`support`]), so every test exercises exactly what an
//! operator types.

mod accounts;
mod alerts;
mod api;
mod bad_input;
mod batch;
mod budgets;
mod cc_sync;
mod cli;
mod concurrency;
mod config;
mod crash;
mod daemon;
mod fallback;
mod full_disk;
mod generators;
mod json;
mod layout;
mod mock;
mod monitor;
mod old_stores;
mod outbox;
mod page;
mod pg;
mod rates;
mod readme;
mod review;
mod scheduler;
mod snapshots;
mod sockets;
mod steps;
mod store;
mod submit;
mod support;
mod tasks;
mod watch;
