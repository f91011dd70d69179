//! The `content-creator` backend (stub; being written).
use std::time::Duration;
use async_trait::async_trait;
use super::{GenError, Generator, Spec, Submitted};
use crate::config::GeneratorProfile;
pub struct ContentCreator;
impl ContentCreator {
    pub fn new(_name: &str, _p: &GeneratorProfile, _timeout: Duration) -> Result<Self, GenError> { Ok(ContentCreator) }
}
#[async_trait]
impl Generator for ContentCreator {
    async fn submit(&self, _spec: &Spec) -> Result<Submitted, GenError> { Err(GenError::permanent("content-creator backend missing")) }
}
