//! Generators: what turns a task into an article.
//!
//! [`Generator`] is the contract every backend meets: `submit` either finishes at once
//! ([`Submitted::Done`]) or starts a remote job ([`Submitted::Remote`]) that the engine then
//! `poll`s; `cancel` stops a remote job where the backend can. Backends never touch the store:
//! the engine persists what they return. Errors carry a [`ErrorKind`] that decides the retry
//! policy (DESIGN §4).
//!
//! The contract itself lives in `contract`, profiles in [`profile`], and what more than one
//! backend needs in `http` (client and error classification) and `reply` (reading loosely
//! typed JSON replies); [`process`] reads `/proc` for the programs of the `command` backend;
//! `step_prompt` builds the prompts of a stepped generation (outline, draft, polish).
//! Backends import from those, never from each other or from this file, which names every
//! backend in [`build`]. The one exception is [`openai_batch`], the Batch API client, which
//! sends the `openai` backend's requests and reads its replies, and so takes both from it.

pub mod command;
pub mod content_creator;
mod contract;
mod http;
pub mod openai;
pub mod openai_batch;
pub mod process;
pub mod profile;
mod reply;
mod step_prompt;
pub mod template;
#[cfg(test)]
mod testing;

use std::sync::Arc;
use std::time::Duration;

pub use contract::{
    AccountSpec, Child, ChildEvent, ChildHook, EnvLookup, ErrorKind, GenError, Generator, Output,
    Polled, Spec, Submitted, Transport,
};
pub use http::parse_retry_after;
pub use profile::{GeneratorKind, GeneratorProfile};

/// A sync `content-creator` request's timeout when the profile does not set one.
pub const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Per-request timeout when a profile does not set one.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Builds the backend a profile describes.
pub fn build(
    name: &str,
    profile: &GeneratorProfile,
    env: EnvLookup,
) -> Result<Arc<dyn Generator>, GenError> {
    let timeout = profile.timeout.map(|t| t.0).unwrap_or(
        // A sync content-creator request lasts as long as the article takes; the task's
        // deadline still bounds it.
        if profile.kind == GeneratorKind::ContentCreator
            && profile.submit_mode() == profile::SubmitMode::Sync
        {
            SYNC_REQUEST_TIMEOUT
        } else {
            DEFAULT_REQUEST_TIMEOUT
        },
    );
    Ok(match profile.kind {
        GeneratorKind::Template => Arc::new(template::Template),
        // The engine sends an `openai-batch` profile's tasks in batches (`engine::batch`,
        // through `openai_batch::BatchClient`); the generator serves the rest: the prompt
        // for the token estimate, the probe and the model name.
        GeneratorKind::Openai | GeneratorKind::OpenaiBatch => {
            Arc::new(openai::OpenAi::new(name, profile, timeout, env)?)
        }
        GeneratorKind::ContentCreator => Arc::new(content_creator::ContentCreator::new(
            name, profile, timeout,
        )?),
        GeneratorKind::Command => Arc::new(command::CommandGenerator::new(name, profile, timeout)?),
    })
}
