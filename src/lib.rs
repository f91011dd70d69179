//! `contenthub`: an unattended content-generation pipeline.
//!
//! The binary in `main.rs` is a thin shell around this library: it parses the command line,
//! calls [`cli::run`], and maps the error to an exit code. Everything else lives here so that
//! integration tests, benchmarks and the `xtask` generator use the same code as the binary.
//!
//! Dependencies point one way: `cli` → {`store`, `output`, `config`, `domain`}; `store` →
//! `domain`; nothing depends on `cli`.

pub mod api;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod domain;
pub mod engine;
pub mod error;
pub mod generator;
pub mod monitor;
pub mod output;
pub mod review;
pub mod schedule;
pub mod service;
pub mod signature;
pub mod store;
pub mod web;

pub use error::{Error, ExitCode};
