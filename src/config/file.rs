//! The config file's format: its TOML sections as read, the checks `parse_file` applies, and
//! the line and key an error message names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::domain::budget::{Budget, Period, Scope};
use crate::domain::price::Price;
use crate::domain::setting::{is_env_name, positive, DurationSetting};
use crate::domain::task::validate_http_url;
use crate::error::{Error, Result};
use crate::generator::profile::{GeneratorKind, GeneratorProfile};
use crate::monitor::alerts::{check_rules, Metric, Op, Rule, Severity};
use crate::monitor::channels::Channel;
use crate::monitor::check_window;
use crate::monitor::health::parse_override;

fn priority<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u8>, D::Error> {
    let v = Option::<u8>::deserialize(d)?;
    if let Some(p) = v {
        if !(1..=10).contains(&p) {
            return Err(serde::de::Error::custom("must be from 1 to 10"));
        }
    }
    Ok(v)
}

fn retries<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u32>, D::Error> {
    let v = Option::<u32>::deserialize(d)?;
    if v.is_some_and(|r| r > 100) {
        return Err(serde::de::Error::custom("must be from 0 to 100"));
    }
    Ok(v)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    #[serde(default)]
    pub(super) store: StoreSection,
    #[serde(default)]
    pub(super) tasks: TasksSection,
    #[serde(default)]
    pub(super) daemon: DaemonSection,
    #[serde(default)]
    pub(super) generators: BTreeMap<String, GeneratorProfile>,
    #[serde(default)]
    pub(super) api: ApiSection,
    #[serde(default)]
    pub(super) webhook: WebhookSection,
    #[serde(default)]
    pub(super) notify: NotifySection,
    #[serde(default)]
    pub(super) monitor: MonitorSection,
    #[serde(default)]
    pub(super) prices: BTreeMap<String, Price>,
    pub(super) alerts: Option<Vec<AlertSection>>,
    #[serde(default)]
    pub(super) budgets: Vec<BudgetSection>,
    /// The review rules' global defaults; present, it turns review by rules on.
    pub(super) review: Option<toml::Table>,
}

/// A `[[budgets]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BudgetSection {
    pub(super) name: String,
    pub(super) account: Option<String>,
    pub(super) profile: Option<String>,
    pub(super) period: Period,
    pub(super) timezone: Option<String>,
    pub(super) max_cost: Option<f64>,
    pub(super) currency: Option<String>,
    pub(super) max_tokens: Option<u64>,
}

/// A `[[budgets]]` entry, checked against the profiles and `[prices]`; the error names the
/// key at fault. A budget with `max_cost` needs a price for the model of every profile it
/// applies to (profiles without a model, such as templates and commands, cost nothing).
pub(super) fn budget_of(
    b: &BudgetSection,
    generators: &BTreeMap<String, GeneratorProfile>,
    prices: &BTreeMap<String, Price>,
) -> std::result::Result<Budget, (&'static str, String)> {
    let name = b.name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err((
            "name",
            "a budget name uses letters, digits, '_' and '-'".into(),
        ));
    }
    let scope = match (&b.account, &b.profile) {
        (Some(_), Some(_)) => {
            return Err((
                "profile",
                "a budget is scoped by `account` or by `profile`, not both".into(),
            ))
        }
        (Some(a), None) if a.trim().is_empty() => {
            return Err(("account", "must not be empty".into()))
        }
        (Some(a), None) => Scope::Account(a.trim().to_string()),
        (None, Some(p)) => {
            if p != "template" && !generators.contains_key(p) {
                return Err(("profile", format!("no generator profile named '{p}'")));
            }
            Scope::Profile(p.clone())
        }
        (None, None) => Scope::All,
    };
    let tz_name = b
        .timezone
        .clone()
        .unwrap_or_else(crate::schedule::local_tz_name);
    let tz = crate::schedule::parse_tz(&tz_name).map_err(|e| ("timezone", e.to_string()))?;
    if b.max_cost.is_none() && b.max_tokens.is_none() {
        return Err((
            "max_cost",
            "a budget needs `max_cost` or `max_tokens` (or both)".into(),
        ));
    }
    if b.max_tokens == Some(0) {
        return Err(("max_tokens", "must be greater than zero".into()));
    }
    if let Some(cost) = b.max_cost {
        if !cost.is_finite() || cost <= 0.0 {
            return Err(("max_cost", "must be a positive number".into()));
        }
        let Some(currency) = b.currency.as_deref().map(str::trim) else {
            return Err(("currency", "is required with `max_cost`".into()));
        };
        if let Some((model, p)) = prices.iter().find(|(_, p)| p.currency != currency) {
            return Err((
                "currency",
                format!(
                    "'{currency}' differs from the currency of [prices.\"{model}\"] ('{}')",
                    p.currency
                ),
            ));
        }
        for (profile, g) in generators {
            if !matches!(&scope, Scope::Profile(p) if p != profile) {
                if let Some(model) = g.model.as_deref().filter(|m| !prices.contains_key(*m)) {
                    return Err((
                        "max_cost",
                        format!(
                            "profile '{profile}' uses model '{model}', which has no price: add [prices.\"{model}\"]"
                        ),
                    ));
                }
            }
        }
    } else if b.currency.is_some() {
        return Err(("currency", "applies with `max_cost` only".into()));
    }
    Ok(Budget {
        name: name.to_string(),
        scope,
        period: b.period,
        tz,
        max_cost: b.max_cost,
        currency: b.currency.as_ref().map(|c| c.trim().to_string()),
        max_tokens: b.max_tokens,
    })
}

/// A threshold as written: a number, or text such as `"20%"` or `"30m"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Threshold {
    Number(f64),
    Text(String),
}

impl Threshold {
    pub(super) fn text(&self) -> String {
        match self {
            // Debug keeps `1e300` short where Display would spell out every digit.
            Threshold::Number(n) => format!("{n:?}"),
            Threshold::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MonitorSection {
    pub(super) expect_daemon: Option<bool>,
    pub(super) stale_daemon_window: Option<DurationSetting>,
    pub(super) window: Option<DurationSetting>,
    pub(super) min_finished: Option<u32>,
    pub(super) alert_interval: Option<DurationSetting>,
    pub(super) renotify: Option<DurationSetting>,
    #[serde(default)]
    pub(super) warning: BTreeMap<String, Threshold>,
    #[serde(default)]
    pub(super) critical: BTreeMap<String, Threshold>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AlertSection {
    pub(super) name: String,
    pub(super) metric: Metric,
    pub(super) op: Op,
    pub(super) threshold: Threshold,
    pub(super) window: Option<DurationSetting>,
    pub(super) severity: Option<Severity>,
    pub(super) channels: Option<Vec<String>>,
    #[serde(rename = "for")]
    pub(super) hold: Option<DurationSetting>,
    pub(super) renotify: Option<DurationSetting>,
    /// The budget a `budget_used_ratio` rule watches.
    pub(super) budget: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiSection {
    pub(super) listen: Option<String>,
    pub(super) token_env: Option<String>,
    pub(super) rate_limit: Option<u32>,
    pub(super) rate_burst: Option<u32>,
    pub(super) header_timeout: Option<DurationSetting>,
    pub(super) idle_timeout: Option<DurationSetting>,
    #[serde(default, deserialize_with = "positive")]
    pub(super) max_connections: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookSection {
    pub(super) secret_env: Option<String>,
    pub(super) public_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NotifySection {
    pub(super) secret_env: Option<String>,
    pub(super) retry_initial: Option<DurationSetting>,
    pub(super) retry_max: Option<DurationSetting>,
    #[serde(default, deserialize_with = "positive")]
    pub(super) max_attempts: Option<u32>,
    pub(super) timeout: Option<DurationSetting>,
    #[serde(default)]
    pub(super) channels: Vec<Channel>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoreSection {
    pub(super) path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TasksSection {
    #[serde(default, deserialize_with = "priority")]
    pub(super) priority: Option<u8>,
    pub(super) timeout: Option<DurationSetting>,
    #[serde(default, deserialize_with = "retries")]
    pub(super) max_retries: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DaemonSection {
    #[serde(default, deserialize_with = "positive")]
    pub(super) max_concurrent: Option<u32>,
    pub(super) poll_interval: Option<DurationSetting>,
    pub(super) lease: Option<DurationSetting>,
    pub(super) retry_delays: Option<Vec<DurationSetting>>,
}

/// An `[[alerts]]` entry as a rule; the error names the key at fault.
pub(super) fn rule_of(a: &AlertSection) -> std::result::Result<Rule, (&'static str, String)> {
    let threshold = a
        .metric
        .unit()
        .parse(&a.threshold.text())
        .map_err(|e| ("threshold", e))?;
    if a.name.trim().is_empty() {
        return Err(("name", "must not be empty".into()));
    }
    if let Some(w) = a.window {
        check_window(w.0).map_err(|e| ("window", e))?;
    }
    match (a.metric, &a.budget) {
        (Metric::BudgetUsedRatio, None) => {
            return Err((
                "budget",
                "metric budget_used_ratio needs `budget = NAME`".into(),
            ))
        }
        (Metric::BudgetUsedRatio, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err(("budget", "applies to metric budget_used_ratio only".into())),
    }
    Ok(Rule {
        name: a.name.trim().to_string(),
        metric: a.metric,
        op: a.op,
        threshold,
        window: a.window.map(|d| d.0).unwrap_or(Duration::from_secs(3600)),
        severity: a.severity.unwrap_or(Severity::Warning),
        channels: a.channels.clone(),
        hold: a.hold.map(|d| d.0).unwrap_or_default(),
        renotify: a.renotify.map(|d| d.0).filter(|d| !d.is_zero()),
        budget: a.budget.as_ref().map(|b| b.trim().to_string()),
    })
}

/// The 1-based line of the `n`-th (0-based) `[[name]]` header.
fn line_of_item(text: &str, name: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim();
            l.starts_with("[[") && l.trim_matches(['[', ']']).trim() == name
        })
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// The 1-based line where `key` is set in the table `[section]`.
fn line_of_key(text: &str, section: &str, key: &str) -> Option<usize> {
    let start = line_of_section(text, section)?;
    for (i, l) in text.lines().enumerate().skip(start) {
        let l = l.trim();
        if l.starts_with('[') {
            return None;
        }
        if l.split('=').next().map(|k| k.trim().trim_matches('"')) == Some(key) {
            return Some(i + 1);
        }
    }
    None
}

fn line_of_section(text: &str, section: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.starts_with('[') && l.trim_matches(['[', ']']).trim() == section
        })
        .map(|i| i + 1)
}

pub(super) fn parse_file(path: &Path, text: &str) -> Result<FileConfig> {
    let file: FileConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        match e.span() {
            Some(span) => {
                let line = line_at(text, span.start);
                let key = key_at(text, line)
                    .map(|k| format!(", key `{k}`"))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "invalid config {}: line {line}{key}: {message}",
                    path.display()
                ))
            }
            None => Error::Usage(format!("invalid config {}: {message}", path.display())),
        }
    })?;
    for (name, profile) in &file.generators {
        let section = format!("generators.{name}");
        let bad_name = name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if bad_name {
            let line = line_of_section(text, &section).unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `{section}`: a profile name uses letters, digits, '_' and '-'",
                path.display()
            )));
        }
        if let Err((key, message)) = profile.check() {
            let own_line = matches!(key, "fallback" | "fallback_after" | "steps")
                .then(|| line_of_key(text, &section, key))
                .flatten();
            let line = own_line
                .or_else(|| line_of_section(text, &section))
                .unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `{section}.{key}`: {message}",
                path.display()
            )));
        }
        // Each fallback is a configured profile or the built-in template, never this one.
        for target in profile.fallbacks() {
            let why = if target == name {
                Some(format!("'{target}' is this profile itself"))
            } else if target != "template" && !file.generators.contains_key(target) {
                let mut known: Vec<&str> = file.generators.keys().map(String::as_str).collect();
                known.push("template");
                Some(format!(
                    "no generator profile named '{target}' (known: {})",
                    known.join(", ")
                ))
            } else {
                None
            };
            if let Some(why) = why {
                let line = line_of_key(text, &section, "fallback")
                    .or_else(|| line_of_section(text, &section))
                    .unwrap_or(1);
                return Err(Error::Usage(format!(
                    "invalid config {}: line {line}, key `{section}.fallback`: {why}",
                    path.display()
                )));
            }
        }
    }
    // Each step profile is another configured `openai` profile.
    for (name, profile) in &file.generators {
        let section = format!("generators.{name}");
        for (step, target) in profile.step_profiles.iter().flatten() {
            let why = match file.generators.get(target) {
                _ if target == name => None,
                Some(p) if p.kind == GeneratorKind::Openai => None,
                Some(p) => Some(format!(
                    "step \"{step}\" names profile '{target}', which is of kind \"{}\"; a step runs on an \"openai\" profile",
                    p.kind.as_str()
                )),
                None => {
                    let known: Vec<&str> = file
                        .generators
                        .iter()
                        .filter(|(_, p)| p.kind == GeneratorKind::Openai)
                        .map(|(n, _)| n.as_str())
                        .collect();
                    Some(format!(
                        "step \"{step}\" names no generator profile '{target}' (openai profiles: {})",
                        known.join(", ")
                    ))
                }
            };
            if let Some(why) = why {
                let step_section = format!("{section}.step_profiles");
                let line = line_of_key(text, &step_section, step.as_str())
                    .or_else(|| line_of_section(text, &step_section))
                    .or_else(|| line_of_section(text, &section))
                    .unwrap_or(1);
                return Err(Error::Usage(format!(
                    "invalid config {}: line {line}, key `{step_section}.{step}`: {why}",
                    path.display()
                )));
            }
        }
    }
    let env_names = [
        ("api", "token_env", &file.api.token_env),
        ("webhook", "secret_env", &file.webhook.secret_env),
        ("notify", "secret_env", &file.notify.secret_env),
    ];
    for (section, key, value) in env_names {
        if let Some(name) = value {
            if !is_env_name(name) {
                let line = line_of_section(text, section).unwrap_or(1);
                return Err(Error::Usage(format!(
                    "invalid config {}: line {line}, key `{section}.{key}`: must name an environment variable, not hold the secret",
                    path.display()
                )));
            }
        }
    }
    if let Some(url) = &file.webhook.public_url {
        if let Err(e) = validate_http_url("public_url", url) {
            let line = line_of_section(text, "webhook").unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `webhook.public_url`: {e}",
                path.display()
            )));
        }
    }
    if let Some(listen) = &file.api.listen {
        if listen.parse::<std::net::SocketAddr>().is_err() {
            let line = line_of_section(text, "api").unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `api.listen`: '{listen}' is not an address like 127.0.0.1:18010",
                path.display()
            )));
        }
    }
    let invalid = |line: usize, key: &str, message: &str| {
        Error::Usage(format!(
            "invalid config {}: line {line}, key `{key}`: {message}",
            path.display()
        ))
    };
    for (key, value) in [
        ("api.header_timeout", file.api.header_timeout),
        ("api.idle_timeout", file.api.idle_timeout),
    ] {
        if value.is_some_and(|d| d.0 < Duration::from_secs(1)) {
            let line = line_of_section(text, "api").unwrap_or(1);
            return Err(invalid(line, key, "must be at least 1s"));
        }
    }
    for (section, map) in [
        ("warning", &file.monitor.warning),
        ("critical", &file.monitor.critical),
    ] {
        for (k, v) in map {
            if let Err(e) = parse_override(&format!("{k}={}", v.text())) {
                let line = line_of_section(text, &format!("monitor.{section}"))
                    .or_else(|| line_of_section(text, "monitor"))
                    .unwrap_or(1);
                return Err(invalid(line, &format!("monitor.{section}.{k}"), &e));
            }
        }
    }
    if let Some(Err(e)) = file.monitor.window.map(|d| check_window(d.0)) {
        let line = line_of_section(text, "monitor").unwrap_or(1);
        return Err(invalid(line, "monitor.window", &e));
    }
    if file
        .monitor
        .alert_interval
        .is_some_and(|d| d.0 < Duration::from_secs(1))
    {
        let line = line_of_section(text, "monitor").unwrap_or(1);
        return Err(invalid(
            line,
            "monitor.alert_interval",
            "must be at least 1s",
        ));
    }
    for (model, price) in &file.prices {
        let bad = [price.prompt_per_million, price.completion_per_million]
            .iter()
            .any(|p| !p.is_finite() || *p < 0.0);
        if bad || price.currency.trim().is_empty() {
            let line = line_of_section(text, &format!("prices.{model}"))
                .or_else(|| line_of_section(text, &format!("prices.\"{model}\"")))
                .unwrap_or(1);
            return Err(invalid(
                line,
                &format!("prices.{model}"),
                "prices are non-negative numbers per million tokens, with a currency",
            ));
        }
    }
    for (i, c) in file.notify.channels.iter().enumerate() {
        if let Err((key, message)) = c.check() {
            let line = line_of_item(text, "notify.channels", i).unwrap_or(1);
            return Err(invalid(line, &format!("notify.channels.{key}"), &message));
        }
    }
    let mut budget_names: Vec<String> = Vec::new();
    for (i, b) in file.budgets.iter().enumerate() {
        let line = line_of_item(text, "budgets", i).unwrap_or(1);
        match budget_of(b, &file.generators, &file.prices) {
            Ok(budget) if budget_names.contains(&budget.name) => {
                return Err(invalid(
                    line,
                    "budgets.name",
                    &format!("'{}' names two budgets", budget.name),
                ));
            }
            Ok(budget) => budget_names.push(budget.name),
            Err((key, message)) => {
                return Err(invalid(line, &format!("budgets.{key}"), &message));
            }
        }
    }
    let mut rules = Vec::new();
    for (i, a) in file.alerts.iter().flatten().enumerate() {
        match rule_of(a) {
            Ok(r) if r.budget.as_ref().is_some_and(|b| !budget_names.contains(b)) => {
                let line = line_of_item(text, "alerts", i).unwrap_or(1);
                let known = if budget_names.is_empty() {
                    "none configured".to_string()
                } else {
                    budget_names.join(", ")
                };
                return Err(invalid(
                    line,
                    "alerts.budget",
                    &format!(
                        "no budget named '{}' (known: {known})",
                        r.budget.unwrap_or_default()
                    ),
                ));
            }
            Ok(r) => rules.push(r),
            Err((key, message)) => {
                let line = line_of_item(text, "alerts", i).unwrap_or(1);
                return Err(invalid(line, &format!("alerts.{key}"), &message));
            }
        }
    }
    if let Err(message) = check_rules(&rules, &file.notify.channels) {
        let line = line_of_item(text, "alerts", 0)
            .or_else(|| line_of_item(text, "notify.channels", 0))
            .unwrap_or(1);
        return Err(Error::Usage(format!(
            "invalid config {}: line {line}: {message}",
            path.display()
        )));
    }
    if let Some(table) = &file.review {
        if let Err((key, message)) = crate::review::settings::from_table(table) {
            let line = match key.strip_prefix("actions.") {
                Some(reason) => line_of_key(text, "review.actions", reason),
                None => line_of_key(text, "review", &key),
            }
            .or_else(|| line_of_section(text, "review"))
            .unwrap_or(1);
            return Err(invalid(line, &format!("review.{key}"), &message));
        }
    }
    if let Some(delays) = &file.daemon.retry_delays {
        if delays.is_empty() {
            let line = line_of_section(text, "daemon").unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `daemon.retry_delays`: needs at least one delay",
                path.display()
            )));
        }
    }
    Ok(file)
}

/// The 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// The dotted key written on `line` (1-based), with the table header above it.
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let this = lines.get(line.checked_sub(1)?)?.trim();
    let header = |l: &str| {
        let l = l.trim();
        (l.starts_with('[') && l.ends_with(']'))
            .then(|| l.trim_matches(['[', ']']).trim().to_string())
    };
    if let Some(h) = header(this) {
        return Some(h);
    }
    let key = this.split('=').next()?.trim().trim_matches('"').to_string();
    if key.is_empty() {
        return None;
    }
    let section = lines[..line - 1].iter().rev().find_map(|l| header(l));
    Some(match section {
        Some(s) => format!("{s}.{key}"),
        None => key,
    })
}

/// The commented default written by `config init`.
pub const DEFAULT_CONFIG: &str = r#"# contenthub configuration.
# Precedence: command-line flag > environment variable > this file > built-in default.
# Durations are written "30s", "5m", "2h", "7d" (or as bare seconds).

[store]
# Where the SQLite store lives. Env: CONTENTHUB_DB. Flag: --db.
# path = "/var/lib/contenthub/contenthub.db"

[tasks]
# Defaults for `task submit` when a flag is not given.
# priority = 5          # 1..10, higher runs sooner
# timeout = "30m"       # overall deadline from submission. Env: ASYNC_TASK_TIMEOUT
# max_retries = 3       # 0..100

[daemon]
# max_concurrent = 5    # tasks generating at once. Env: ASYNC_MAX_CONCURRENT_TASKS
# poll_interval = "30s" # how often remote jobs are polled. Env: ASYNC_POLL_INTERVAL
# lease = "15s"         # how long a claim lasts without renewal
# retry_delays = ["30s", "60s", "120s"]

# Generator profiles. A task without --generator uses the profile named "default" when
# there is one, else the built-in offline template generator.
#
# [generators.default]
# kind = "openai"                      # openai | openai-batch | content-creator | command | template
# base_url = "http://127.0.0.1:11434/v1"
# model = "qwen2.5"
# api_key_env = "OPENAI_API_KEY"       # the NAME of the variable holding the key
# max_concurrent = 5
# timeout = "120s"
# fallback = ["creator", "template"]   # where a task goes when this profile is unavailable
#                                      # (402, model not found, no access, quota exhausted)
# fallback_after = "10m"               # longest rate-limit or budget wait before moving on
# rpm = 500                            # requests per rate_window, shared by every daemon
# tpm = 200000                         # tokens per rate_window (prompt + max_tokens)
# rpd = 10000                          # requests per rolling day
# tpd = 5000000                        # tokens per rolling day
# rate_window = "60s"
# steps = ["outline", "draft", "polish"]  # one request per step, each recorded as it finishes
#
# [generators.default.step_profiles]
# polish = "qwen-max"                  # a step on another openai profile
#
# [generators.creator]
# kind = "content-creator"
# base_url = "http://127.0.0.1:18100"
#
# [generators.local]
# kind = "command"
# command = ["/usr/local/bin/my-generator", "--json"]
#
# [generators.bulk]                    # the Batch API: half price, answered within a window
# kind = "openai-batch"
# base_url = "https://api.openai.com/v1"
# model = "gpt-4o-mini"
# api_key_env = "OPENAI_API_KEY"
# batch_size = 100                     # tasks per batch
# batch_wait = "60s"                   # longest wait for a full batch
# completion_window = "24h"            # tasks default to a timeout of the window plus 1h
# poll_interval = "60s"

[api]
# The HTTP API served by `daemon run --listen ADDR` (or this key).
# listen = "127.0.0.1:18010"
# token_env = "CONTENTHUB_API_TOKEN"   # bearer token; required when not on loopback
# rate_limit = 20                      # submits per second per client (0 = off)
# rate_burst = 50
# header_timeout = "10s"               # a request's headers must arrive within this
# idle_timeout = "60s"                 # a kept-alive connection closes after this long unused
# max_connections = 512                # at most half the open-file limit (ulimit -n)

[webhook]
# Callbacks from content-creator (POST /api/v1/content/callback/{task_id}).
# secret_env = "CONTENT_CREATOR_WEBHOOK_SECRET"  # HMAC secret; without it only loopback may call
# public_url = "http://10.0.0.5:18010"           # our root URL as content-creator sees it

[notify]
# Outgoing events (task callbacks, alerts), signed with X-ContentHub-Signature.
# secret_env = "CONTENTHUB_NOTIFY_SECRET"
# retry_initial = "5s"                 # first retry; doubles up to retry_max
# retry_max = "1h"
# max_attempts = 12
# timeout = "10s"
#
# Where alert notifications go. kind: webhook | dingtalk | feishu | wecom | slack | command.
# A URL that embeds a key belongs in an environment variable named by url_env.
# [[notify.channels]]
# name = "ops"
# kind = "webhook"                     # the JSON event, signed like task callbacks
# url = "https://hooks.example.com/contenthub"
#
# [[notify.channels]]
# name = "dingtalk"
# kind = "dingtalk"
# url_env = "DINGTALK_WEBHOOK_URL"     # https://oapi.dingtalk.com/robot/send?access_token=…
# secret_env = "DINGTALK_SECRET"       # the robot's signing secret (SEC…), if it has one

[monitor]
# expect_daemon = true                 # false for cron-only setups: no daemon is not an error
# stale_daemon_window = "10m"          # warn this long about a daemon that stopped beating
# window = "1h"                        # window of `monitor health`'s rates
# min_finished = 5                     # finished tasks a window needs before rates can warn
# alert_interval = "60s"               # how often the daemon evaluates [[alerts]]
# renotify = "4h"                      # repeat a firing alert this often (default: never)
#
# [monitor.warning]                    # `monitor health` thresholds (-w/-c override them)
# backlog = 100
# [monitor.critical]
# failure_rate = "30%"

# Prices per million tokens, for cost in `monitor metrics`.
# [prices."deepseek-chat"]
# prompt_per_million = 0.27
# completion_per_million = 1.10
# currency = "USD"

# Alert rules. Without any, the defaults are: failure_rate > 20% over 1h (critical),
# timeout_rate > 10% over 1h, backlog > 50, daemon_down > 0 (critical).
# [[alerts]]
# name = "failure_rate"
# metric = "failure_rate"              # see `contenthub monitor alerts --help`
# op = ">"                             # > >= < <= == !=
# threshold = "20%"                    # a number, "20%" or "30m"
# window = "1h"
# severity = "critical"                # warning | critical
# channels = ["ops"]                   # default: every channel
# for = "5m"                           # must hold this long before firing (default 0)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<FileConfig, String> {
        parse_file(Path::new("c.toml"), text).map_err(|e| e.to_string())
    }

    const PROFILES: &str = r#"[generators.gpt]
kind = "openai"
base_url = "http://127.0.0.1:1/v1"
model = "gpt-4o"
fallback = ["qwen", "template"]
fallback_after = "5m"

[generators.qwen]
kind = "openai"
base_url = "http://127.0.0.1:2/v1"
model = "qwen-plus"
"#;

    #[test]
    fn fallbacks_name_known_profiles() {
        let f = parse(PROFILES).unwrap();
        let gpt = &f.generators["gpt"];
        assert_eq!(gpt.fallbacks(), ["qwen", "template"]);
        assert_eq!(
            gpt.fallback_after.map(|d| d.0),
            Some(Duration::from_secs(300))
        );

        let e =
            parse(&PROFILES.replace("\"qwen\", \"template\"", "\"qwen\", \"claude\"")).unwrap_err();
        assert!(
            e.contains(
                "line 5, key `generators.gpt.fallback`: no generator profile named 'claude'"
            ),
            "{e}"
        );
        let e =
            parse(&PROFILES.replace("\"qwen\", \"template\"", "\"qwen\", \"gpt\"")).unwrap_err();
        assert!(
            e.contains("line 5, key `generators.gpt.fallback`: 'gpt' is this profile itself"),
            "{e}"
        );
        let e =
            parse(&PROFILES.replace("\"qwen\", \"template\"", "\"qwen\", \"qwen\"")).unwrap_err();
        assert!(
            e.contains("line 5") && e.contains("names 'qwen' twice"),
            "{e}"
        );
        let e = parse(&PROFILES.replace("\"5m\"", "\"0s\"")).unwrap_err();
        assert!(
            e.contains("line 6, key `generators.gpt.fallback_after`: must be greater than zero"),
            "{e}"
        );
        let e = parse(&PROFILES.replace("\"5m\"", "\"soon\"")).unwrap_err();
        assert!(e.contains("line 6") && e.contains("fallback_after"), "{e}");
    }

    const STEPPED: &str = r#"[generators.gpt]
kind = "openai"
base_url = "http://127.0.0.1:1/v1"
model = "gpt-4o"
steps = ["outline", "draft", "polish"]

[generators.gpt.step_profiles]
polish = "qwen"

[generators.qwen]
kind = "openai"
base_url = "http://127.0.0.1:2/v1"
model = "qwen-max"

[generators.cc]
kind = "content-creator"
base_url = "http://127.0.0.1:3"
"#;

    #[test]
    fn steps_and_step_profiles_name_openai_profiles() {
        use crate::domain::step::Step;
        let f = parse(STEPPED).unwrap();
        assert_eq!(
            f.generators["gpt"].step_plan("gpt"),
            [
                (Step::Outline, "gpt".to_string()),
                (Step::Draft, "gpt".to_string()),
                (Step::Polish, "qwen".to_string())
            ]
        );
        assert!(f.generators["qwen"].step_plan("qwen").is_empty());

        let e = parse(&STEPPED.replace("polish = \"qwen\"", "polish = \"qwen-max\"")).unwrap_err();
        assert!(
            e.contains("line 8, key `generators.gpt.step_profiles.polish`: step \"polish\" names no generator profile 'qwen-max' (openai profiles: gpt, qwen)"),
            "{e}"
        );
        let e = parse(&STEPPED.replace("polish = \"qwen\"", "polish = \"cc\"")).unwrap_err();
        assert!(
            e.contains("line 8") && e.contains("'cc', which is of kind \"content-creator\""),
            "{e}"
        );
        let e = parse(
            &STEPPED
                .replace("polish = \"qwen\"", "outline = \"qwen\"\npolish = \"qwen\"")
                .replace("\"outline\", ", ""),
        )
        .unwrap_err();
        assert!(
            e.contains("generators.gpt.step_profiles")
                && e.contains("names step \"outline\", which `steps` does not list"),
            "{e}"
        );
        let e = parse(&STEPPED.replace("\"outline\", \"draft\"", "\"draft\", \"outline\""))
            .unwrap_err();
        assert!(
            e.contains("line 5, key `generators.gpt.steps`") && e.contains("must come before"),
            "{e}"
        );
        let e = parse(&STEPPED.replace("\"polish\"]", "\"edit\"]")).unwrap_err();
        assert!(e.contains("line 5") && e.contains("edit"), "{e}");
        let e = parse(&format!("{STEPPED}steps = [\"draft\"]\n")).unwrap_err();
        assert!(
            e.contains("key `generators.cc.steps`: applies to kind = \"openai\" only"),
            "{e}"
        );
    }
}
