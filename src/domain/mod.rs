//! Pure domain types and rules: no SQL, no I/O.
//!
//! [`Status`] and its transition rules, task ids, the validation of everything an operator
//! can submit (shared by the command line, bulk files and, later, the HTTP API), accounts, the
//! parsing of durations and points in time, model prices, and the setting values the config
//! file, generator profiles and notification channels share.

pub mod account;
pub mod budget;
pub mod content;
pub mod price;
pub mod rate;
pub mod review;
pub mod setting;
pub mod status;
pub mod step;
pub mod task;
pub mod time;
pub mod tokens;

pub use account::{Account, AccountPatch, NewAccount};
pub use content::{Content, Image, Review};
pub use status::Status;
pub use task::{
    CallbackDelivery, Keywords, NewTask, SubmitPolicy, SubmitRequest, Task, TaskEvent, TaskId,
    TaskIdPrefix,
};
pub use time::Timestamp;
