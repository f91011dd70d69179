//! The `openai` backend (stub; being written).
use std::time::Duration;
use async_trait::async_trait;
use super::{EnvLookup, GenError, Generator, Spec, Submitted};
use crate::config::GeneratorProfile;
pub struct OpenAi;
impl OpenAi {
    pub fn new(_name: &str, _p: &GeneratorProfile, _timeout: Duration, _env: EnvLookup) -> Result<Self, GenError> { Ok(OpenAi) }
}
#[async_trait]
impl Generator for OpenAi {
    async fn submit(&self, _spec: &Spec) -> Result<Submitted, GenError> { Err(GenError::permanent("openai backend missing")) }
}
