//! What `config show` prints: every resolved setting, its value as shown (secrets by the name
//! of their variable, URLs without passwords) and where it came from.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Settings, Source};
use crate::domain::time::format_duration;
use crate::generator::profile::GeneratorKind;
use crate::output::Record;

/// One resolved setting.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
    pub source: String,
}

impl Record for ConfigEntry {
    const COLUMNS: &'static [&'static str] = &["key", "value", "source"];
    fn key(&self) -> String {
        self.key.clone()
    }
}

impl Settings {
    /// Every resolved setting with where it came from, for `config show`. Never a secret: a
    /// generator's API key is shown by the name of its env var and whether that is set.
    pub fn entries(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<ConfigEntry> {
        let mut out = Vec::new();
        let mut push = |k: &str, v: String, s: &Source| {
            out.push(ConfigEntry {
                key: k.to_string(),
                value: v,
                source: s.to_string(),
            })
        };
        // A secret is shown by the name of its variable and whether that is set, never its value.
        let secret_ref = |v: &str| {
            let state = if env(v).is_some_and(|k| !k.is_empty()) {
                "set"
            } else {
                "not set"
            };
            format!("{v} ({state})")
        };
        let dur = |d: &Duration| format_duration(*d);
        push(
            "config",
            self.config_path.value.display().to_string(),
            &self.config_path.source,
        );
        push("store.path", self.db.value.to_string(), &self.db.source);
        push(
            "tasks.priority",
            self.tasks.priority.value.to_string(),
            &self.tasks.priority.source,
        );
        push(
            "tasks.timeout",
            dur(&self.tasks.timeout.value),
            &self.tasks.timeout.source,
        );
        push(
            "tasks.max_retries",
            self.tasks.max_retries.value.to_string(),
            &self.tasks.max_retries.source,
        );
        push(
            "daemon.max_concurrent",
            self.daemon.max_concurrent.value.to_string(),
            &self.daemon.max_concurrent.source,
        );
        push(
            "daemon.poll_interval",
            dur(&self.daemon.poll_interval.value),
            &self.daemon.poll_interval.source,
        );
        push(
            "daemon.lease",
            dur(&self.daemon.lease.value),
            &self.daemon.lease.source,
        );
        push(
            "daemon.retry_delays",
            self.daemon
                .retry_delays
                .value
                .iter()
                .map(dur)
                .collect::<Vec<_>>()
                .join(", "),
            &self.daemon.retry_delays.source,
        );
        if let Some(l) = &self.api.listen {
            push("api.listen", l.value.clone(), &l.source);
        }
        if let Some(v) = &self.api.token_env {
            push("api.token_env", secret_ref(v), &Source::File);
        }
        push(
            "api.rate_limit",
            self.api.rate_limit.value.to_string(),
            &self.api.rate_limit.source,
        );
        push(
            "api.rate_burst",
            self.api.rate_burst.value.to_string(),
            &self.api.rate_burst.source,
        );
        push(
            "api.header_timeout",
            dur(&self.api.header_timeout.value),
            &self.api.header_timeout.source,
        );
        push(
            "api.idle_timeout",
            dur(&self.api.idle_timeout.value),
            &self.api.idle_timeout.source,
        );
        push(
            "api.max_connections",
            self.api.max_connections.value.to_string(),
            &self.api.max_connections.source,
        );
        if let Some(v) = &self.webhook.secret_env {
            push("webhook.secret_env", secret_ref(v), &Source::File);
        }
        if let Some(v) = &self.webhook.public_url {
            push("webhook.public_url", redact_url(v), &Source::File);
        }
        if let Some(v) = &self.notify.secret_env {
            push("notify.secret_env", secret_ref(v), &Source::File);
        }
        push(
            "notify.retry_initial",
            dur(&self.notify.retry_initial.value),
            &self.notify.retry_initial.source,
        );
        push(
            "notify.retry_max",
            dur(&self.notify.retry_max.value),
            &self.notify.retry_max.source,
        );
        push(
            "notify.max_attempts",
            self.notify.max_attempts.value.to_string(),
            &self.notify.max_attempts.source,
        );
        push(
            "notify.timeout",
            dur(&self.notify.timeout.value),
            &self.notify.timeout.source,
        );
        for c in &self.notify.channels {
            let key = |k: &str| format!("notify.channels.{}.{k}", c.name);
            push(&key("kind"), c.kind.as_str().into(), &Source::File);
            if let Some(v) = &c.url {
                push(&key("url"), redact_url(v), &Source::File);
            }
            if let Some(v) = &c.url_env {
                push(&key("url_env"), secret_ref(v), &Source::File);
            }
            if let Some(v) = &c.secret_env {
                push(&key("secret_env"), secret_ref(v), &Source::File);
            }
            if let Some(v) = &c.command {
                push(&key("command"), v.join(" "), &Source::File);
            }
        }
        let m = &self.monitor;
        push(
            "monitor.expect_daemon",
            m.expect_daemon.value.to_string(),
            &m.expect_daemon.source,
        );
        push(
            "monitor.stale_daemon_window",
            dur(&m.stale_daemon_window.value),
            &m.stale_daemon_window.source,
        );
        push("monitor.window", dur(&m.window.value), &m.window.source);
        push(
            "monitor.min_finished",
            m.min_finished.value.to_string(),
            &m.min_finished.source,
        );
        push(
            "monitor.alert_interval",
            dur(&m.alert_interval.value),
            &m.alert_interval.source,
        );
        if let Some(v) = &m.renotify {
            push("monitor.renotify", dur(v), &Source::File);
        }
        for (level, map) in [("warning", &m.warning), ("critical", &m.critical)] {
            for (k, v) in map {
                push(
                    &format!("monitor.{level}.{k}"),
                    v.to_string(),
                    &Source::File,
                );
            }
        }
        for (model, p) in &m.prices {
            push(
                &format!("prices.{model}"),
                format!(
                    "{} / {} {} per million prompt / completion tokens",
                    p.prompt_per_million, p.completion_per_million, p.currency
                ),
                &Source::File,
            );
        }
        if let Some(r) = &self.review {
            for (k, v) in r.describe() {
                push(&format!("review.{k}"), v, &Source::File);
            }
        }
        for b in &m.budgets {
            use crate::domain::budget::Scope;
            let scope = match &b.scope {
                Scope::All => "every request".to_string(),
                Scope::Account(a) => format!("account {a}"),
                Scope::Profile(p) => format!("profile {p}"),
            };
            let mut caps = Vec::new();
            if let Some(c) = b.max_cost {
                caps.push(format!("{c} {}", b.currency.as_deref().unwrap_or("")));
            }
            if let Some(t) = b.max_tokens {
                caps.push(format!("{t} tokens"));
            }
            push(
                &format!("budgets.{}", b.name),
                format!(
                    "{} {} in {} ({scope})",
                    caps.join(" and "),
                    b.period.as_str(),
                    b.tz.name()
                ),
                &Source::File,
            );
        }
        let rules_source = if m.alerts_configured {
            Source::File
        } else {
            Source::Default
        };
        for r in &m.alerts {
            push(
                &format!("alerts.{}", r.name),
                format!("{} ({})", r.condition(), r.severity.as_str()),
                &rules_source,
            );
        }
        for (name, p) in &self.generators {
            let key = |k: &str| format!("generators.{name}.{k}");
            push(&key("kind"), p.kind.as_str().into(), &Source::File);
            if let Some(v) = &p.base_url {
                push(&key("base_url"), redact_url(v), &Source::File);
            }
            if let Some(v) = &p.model {
                push(&key("model"), v.clone(), &Source::File);
            }
            if let Some(v) = &p.api_key_env {
                push(&key("api_key_env"), secret_ref(v), &Source::File);
            }
            if let Some(v) = p.max_concurrent {
                push(&key("max_concurrent"), v.to_string(), &Source::File);
            }
            if let Some(v) = &p.timeout {
                push(&key("timeout"), dur(&v.0), &Source::File);
            }
            if let Some(v) = &p.command {
                push(&key("command"), v.join(" "), &Source::File);
            }
            if let Some(v) = p.temperature {
                push(&key("temperature"), v.to_string(), &Source::File);
            }
            if let Some(v) = p.max_tokens {
                push(&key("max_tokens"), v.to_string(), &Source::File);
            }
            if let Some(v) = &p.target_audience {
                push(&key("target_audience"), v.clone(), &Source::File);
            }
            if p.kind == GeneratorKind::ContentCreator {
                let from = if p.mode.is_some() {
                    Source::File
                } else {
                    Source::Default
                };
                push(&key("mode"), p.submit_mode().as_str().into(), &from);
                let from = if p.remote_cancel.is_some() {
                    Source::File
                } else {
                    Source::Default
                };
                push(
                    &key("remote_cancel"),
                    p.remote_cancel.unwrap_or(false).to_string(),
                    &from,
                );
            }
            if let Some(v) = &p.image_base_url {
                push(&key("image_base_url"), redact_url(v), &Source::File);
            }
            if let Some(v) = &p.fallback {
                push(&key("fallback"), v.join(", "), &Source::File);
            }
            if let Some(v) = &p.fallback_after {
                push(&key("fallback_after"), dur(&v.0), &Source::File);
            }
            let from = if p.price_factor.is_some() {
                Source::File
            } else {
                Source::Default
            };
            push(&key("price_factor"), p.price_factor().to_string(), &from);
            if p.kind == GeneratorKind::OpenaiBatch {
                let src = |set: bool| if set { Source::File } else { Source::Default };
                push(
                    &key("batch_size"),
                    p.batch_size().to_string(),
                    &src(p.batch_size.is_some()),
                );
                push(
                    &key("batch_wait"),
                    dur(&p.batch_wait()),
                    &src(p.batch_wait.is_some()),
                );
                push(
                    &key("completion_window"),
                    format!("{}h", p.completion_window().as_secs() / 3600),
                    &src(p.completion_window.is_some()),
                );
                push(
                    &key("poll_interval"),
                    dur(&p.batch_poll_interval()),
                    &src(p.poll_interval.is_some()),
                );
            }
            for (k, v) in [
                ("rpm", p.rpm),
                ("tpm", p.tpm),
                ("rpd", p.rpd),
                ("tpd", p.tpd),
            ] {
                if let Some(v) = v {
                    push(&key(k), v.to_string(), &Source::File);
                }
            }
            if p.rate_limits().is_some() || p.rate_window.is_some() {
                let from = if p.rate_window.is_some() {
                    Source::File
                } else {
                    Source::Default
                };
                let w = p
                    .rate_window
                    .as_ref()
                    .map_or(std::time::Duration::from_secs(60), |w| w.0);
                push(&key("rate_window"), dur(&w), &from);
            }
            if let Some(steps) = &p.steps {
                let names: Vec<&str> = steps.iter().map(|s| s.as_str()).collect();
                push(&key("steps"), names.join(", "), &Source::File);
            }
            for (step, on) in p.step_profiles.iter().flatten() {
                push(
                    &key(&format!("step_profiles.{step}")),
                    on.clone(),
                    &Source::File,
                );
            }
        }
        out
    }
}

/// Hides a password in a URL's user info (`http://user:secret@host` → `http://user:***@host`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("https://u:p@h.example/v1"),
            "https://u:***@h.example/v1"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:11434/v1"),
            "http://127.0.0.1:11434/v1"
        );
    }
}
