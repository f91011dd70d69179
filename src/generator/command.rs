//! The `command` backend (stub; being written).
use std::time::Duration;
use async_trait::async_trait;
use super::{GenError, Generator, Spec, Submitted};
use crate::config::GeneratorProfile;
pub struct CommandGenerator;
impl CommandGenerator {
    pub fn new(_name: &str, _p: &GeneratorProfile, _timeout: Duration) -> Result<Self, GenError> { Ok(CommandGenerator) }
}
#[async_trait]
impl Generator for CommandGenerator {
    async fn submit(&self, _spec: &Spec) -> Result<Submitted, GenError> { Err(GenError::permanent("command backend missing")) }
}
