//! Resolution: the command line, the environment (with the old system's env aliases) and the
//! config file, layered in that order of precedence over the built-in defaults into [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::file::{budget_of, parse_file, rule_of, FileConfig, Threshold};
use super::{
    ApiSettings, DaemonSettings, MonitorSettings, NotifySettings, Overrides, Settings, Source,
    Sourced, TaskSettings, WebhookSettings,
};
use crate::domain::setting::DurationSetting;
use crate::domain::time::parse_duration;
use crate::error::{Error, Result};
use crate::monitor::alerts::default_rules;
use crate::monitor::health::parse_override;

impl<T> Sourced<T> {
    fn default(value: T) -> Self {
        Sourced {
            value,
            source: Source::Default,
        }
    }

    /// Replaces the value when `v` is present.
    fn layer(&mut self, v: Option<T>, source: Source) {
        if let Some(v) = v {
            self.value = v;
            self.source = source;
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "contenthub")
}

/// The old system's env names take bare seconds; durations like `30s` work too.
fn env_duration(name: &str, raw: &str) -> Result<Duration> {
    let d = parse_duration(raw)
        .map_err(|e| Error::invalid(format!("environment variable {name}"), e))?;
    if d.is_zero() {
        return Err(Error::invalid(
            format!("environment variable {name}"),
            "must be greater than zero",
        ));
    }
    Ok(d)
}

impl Settings {
    /// Resolves settings from the command line, the environment (`env`) and the config file.
    /// With `require_config` false, a missing explicit config file is not an error (for
    /// `config init` and `config path`).
    pub fn resolve(
        over: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
        require_config: bool,
    ) -> Result<Settings> {
        let dirs = project_dirs();
        let env_nonempty = |name: &str| env(name).filter(|v| !v.trim().is_empty());

        let mut config_path = Sourced::default(
            dirs.as_ref()
                .map(|d| d.config_dir().join("config.toml"))
                .unwrap_or_else(|| PathBuf::from("config.toml")),
        );
        config_path.layer(
            env_nonempty("CONTENTHUB_CONFIG").map(PathBuf::from),
            Source::Env("CONTENTHUB_CONFIG".into()),
        );
        config_path.layer(over.config.clone(), Source::Flag);

        let (file, config_loaded) = match std::fs::read_to_string(&config_path.value) {
            Ok(text) => (parse_file(&config_path.value, &text)?, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if config_path.source != Source::Default && require_config {
                    return Err(Error::Usage(format!(
                        "config file {} does not exist (given by {}); create it with `contenthub config init`",
                        config_path.value.display(),
                        config_path.source
                    )));
                }
                (FileConfig::default(), false)
            }
            Err(e) => {
                return Err(Error::io(
                    format!("cannot read config file {}", config_path.value.display()),
                    e,
                ))
            }
        };

        let data_dir = dirs
            .as_ref()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("."));
        let state_dir = dirs
            .as_ref()
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| data_dir.clone());

        let mut db_path = Sourced::default(data_dir.join("contenthub.db"));
        db_path.layer(file.store.path.clone(), Source::File);
        db_path.layer(
            env_nonempty("CONTENTHUB_DB").map(PathBuf::from),
            Source::Env("CONTENTHUB_DB".into()),
        );
        db_path.layer(over.db.clone(), Source::Flag);
        let db = Sourced {
            value: crate::store::Location::parse(db_path.value),
            source: db_path.source,
        };

        let mut priority = Sourced::default(5u8);
        priority.layer(file.tasks.priority, Source::File);
        let mut timeout = Sourced::default(Duration::from_secs(30 * 60));
        timeout.layer(file.tasks.timeout.map(|d| d.0), Source::File);
        if let Some(raw) = env_nonempty("ASYNC_TASK_TIMEOUT") {
            timeout.layer(
                Some(env_duration("ASYNC_TASK_TIMEOUT", &raw)?),
                Source::Env("ASYNC_TASK_TIMEOUT".into()),
            );
        }
        let mut max_retries = Sourced::default(3u32);
        max_retries.layer(file.tasks.max_retries, Source::File);

        let mut max_concurrent = Sourced::default(5u32);
        max_concurrent.layer(file.daemon.max_concurrent, Source::File);
        if let Some(raw) = env_nonempty("ASYNC_MAX_CONCURRENT_TASKS") {
            let n: u32 = raw.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::invalid(
                    "environment variable ASYNC_MAX_CONCURRENT_TASKS",
                    format!("'{raw}' is not a positive whole number"),
                )
            })?;
            max_concurrent.layer(Some(n), Source::Env("ASYNC_MAX_CONCURRENT_TASKS".into()));
        }
        let mut poll_interval = Sourced::default(Duration::from_secs(30));
        poll_interval.layer(file.daemon.poll_interval.map(|d| d.0), Source::File);
        if let Some(raw) = env_nonempty("ASYNC_POLL_INTERVAL") {
            poll_interval.layer(
                Some(env_duration("ASYNC_POLL_INTERVAL", &raw)?),
                Source::Env("ASYNC_POLL_INTERVAL".into()),
            );
        }
        let mut lease = Sourced::default(Duration::from_secs(15));
        lease.layer(file.daemon.lease.map(|d| d.0), Source::File);
        let mut retry_delays = Sourced::default(vec![
            Duration::from_secs(30),
            Duration::from_secs(60),
            Duration::from_secs(120),
        ]);
        retry_delays.layer(
            file.daemon
                .retry_delays
                .map(|v| v.into_iter().map(|d| d.0).collect()),
            Source::File,
        );

        // The API's connection limits default to what the server takes without settings.
        let api_limits = crate::api::conn::Limits::default();
        let dur = |default: u64, v: Option<DurationSetting>| {
            let mut s = Sourced::default(Duration::from_secs(default));
            s.layer(v.map(|d| d.0), Source::File);
            s
        };
        let api = ApiSettings {
            listen: file.api.listen.clone().map(|v| Sourced {
                value: v,
                source: Source::File,
            }),
            token_env: file.api.token_env.clone(),
            rate_limit: {
                let mut v = Sourced::default(20u32);
                v.layer(file.api.rate_limit, Source::File);
                v
            },
            rate_burst: {
                let mut v = Sourced::default(50u32);
                v.layer(file.api.rate_burst, Source::File);
                v
            },
            header_timeout: dur(api_limits.header_timeout.as_secs(), file.api.header_timeout),
            idle_timeout: dur(api_limits.idle_timeout.as_secs(), file.api.idle_timeout),
            max_connections: {
                let mut v = Sourced::default(api_limits.max_connections);
                v.layer(file.api.max_connections, Source::File);
                v
            },
        };
        let webhook = WebhookSettings {
            secret_env: file.webhook.secret_env.clone(),
            public_url: file.webhook.public_url.clone(),
        };
        let notify = NotifySettings {
            secret_env: file.notify.secret_env.clone(),
            retry_initial: dur(5, file.notify.retry_initial),
            retry_max: dur(3600, file.notify.retry_max),
            max_attempts: {
                let mut v = Sourced::default(12u32);
                v.layer(file.notify.max_attempts, Source::File);
                v
            },
            timeout: dur(10, file.notify.timeout),
            channels: file.notify.channels.clone(),
        };
        let monitor = MonitorSettings {
            expect_daemon: {
                let mut v = Sourced::default(true);
                v.layer(file.monitor.expect_daemon, Source::File);
                v
            },
            stale_daemon_window: dur(600, file.monitor.stale_daemon_window),
            window: dur(3600, file.monitor.window),
            min_finished: {
                let mut v = Sourced::default(5u32);
                v.layer(file.monitor.min_finished, Source::File);
                v
            },
            alert_interval: dur(60, file.monitor.alert_interval),
            renotify: file.monitor.renotify.map(|d| d.0).filter(|d| !d.is_zero()),
            warning: thresholds(&file.monitor.warning),
            critical: thresholds(&file.monitor.critical),
            alerts_configured: file.alerts.is_some(),
            alerts: match &file.alerts {
                Some(rules) => rules.iter().filter_map(|r| rule_of(r).ok()).collect(),
                None => default_rules(file.monitor.expect_daemon.unwrap_or(true)),
            },
            prices: file.prices.clone(),
            budgets: file
                .budgets
                .iter()
                .filter_map(|b| budget_of(b, &file.generators, &file.prices).ok())
                .collect(),
        };

        Ok(Settings {
            config_path,
            config_loaded,
            db,
            state_dir,
            tasks: TaskSettings {
                priority,
                timeout,
                max_retries,
            },
            daemon: DaemonSettings {
                max_concurrent,
                poll_interval,
                lease,
                retry_delays,
            },
            generators: file.generators,
            api,
            webhook,
            notify,
            monitor,
            review: file
                .review
                .as_ref()
                .and_then(|t| crate::review::settings::from_table(t).ok()),
            no_color: env("NO_COLOR").is_some_and(|v| !v.is_empty()),
        })
    }

    /// Resolves against the real process environment.
    pub fn from_env(over: &Overrides, require_config: bool) -> Result<Settings> {
        Settings::resolve(over, &|k| std::env::var(k).ok(), require_config)
    }
}

/// `[monitor.warning]` / `[monitor.critical]` entries, already checked by [`parse_file`].
fn thresholds(map: &BTreeMap<String, Threshold>) -> BTreeMap<String, f64> {
    map.iter()
        .filter_map(|(k, v)| parse_override(&format!("{k}={}", v.text())).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_CONFIG;

    fn resolve(text: &str, env: &[(&str, &str)]) -> Result<Settings> {
        let dir = std::env::temp_dir().join(format!("contenthub-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let over = Overrides {
            db: None,
            config: Some(path),
        };
        Settings::resolve(
            &over,
            &|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            true,
        )
    }

    #[test]
    fn default_config_parses() {
        let s = resolve(DEFAULT_CONFIG, &[]).unwrap();
        assert_eq!(s.daemon.max_concurrent.value, 5);
        assert_eq!(s.tasks.timeout.value, Duration::from_secs(1800));
    }

    #[test]
    fn precedence_env_over_file() {
        let s = resolve(
            "[daemon]\nmax_concurrent = 7\npoll_interval = \"10s\"\n",
            &[("ASYNC_MAX_CONCURRENT_TASKS", "9")],
        )
        .unwrap();
        assert_eq!(s.daemon.max_concurrent.value, 9);
        assert_eq!(
            s.daemon.max_concurrent.source,
            Source::Env("ASYNC_MAX_CONCURRENT_TASKS".into())
        );
        assert_eq!(s.daemon.poll_interval.value, Duration::from_secs(10));
        assert_eq!(s.daemon.poll_interval.source, Source::File);
        let s = resolve("", &[("ASYNC_TASK_TIMEOUT", "600")]).unwrap();
        assert_eq!(s.tasks.timeout.value, Duration::from_secs(600));
    }

    #[test]
    fn api_connection_keys() {
        let s = resolve("", &[]).unwrap();
        assert_eq!(s.api.header_timeout.value, Duration::from_secs(10));
        assert_eq!(s.api.idle_timeout.value, Duration::from_secs(60));
        assert_eq!(s.api.max_connections.value, 512);
        assert_eq!(s.api.max_connections.source, Source::Default);
        let s = resolve(
            "[api]\nheader_timeout = \"5s\"\nidle_timeout = \"2m\"\nmax_connections = 100\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.api.header_timeout.value, Duration::from_secs(5));
        assert_eq!(s.api.idle_timeout.value, Duration::from_secs(120));
        assert_eq!(s.api.max_connections.value, 100);
        assert_eq!(s.api.idle_timeout.source, Source::File);
        let e = resolve("[api]\nmax_connections = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("api.max_connections"), "{e}");
        let e = resolve("[api]\nheader_timeout = \"500ms\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("api.header_timeout") && e.contains("at least 1s"),
            "{e}"
        );
        let e = resolve("[api]\nidle_timeout = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("api.idle_timeout"), "{e}");
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = resolve("[daemon]\n\nmax_concurrent = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("daemon.max_concurrent"),
            "{e}"
        );
        let e = resolve("[daemon]\npoll_interval = \"soon\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("daemon.poll_interval"),
            "{e}"
        );
        let e = resolve("[daemon]\nmax_concurent = 3\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_concurent"), "{e}");
        let e = resolve("[generators.x]\nkind = \"openai\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("generators.x.base_url"), "{e}");
    }

    #[test]
    fn rate_limit_keys_are_read_and_checked() {
        let s = resolve(
            "[generators.t]\nkind = \"template\"\nrpm = 40\ntpm = 9000\nrate_window = \"10s\"\n",
            &[],
        )
        .unwrap();
        let limits = s.generators["t"].rate_limits().unwrap();
        assert_eq!(
            (limits.rpm, limits.tpm, limits.rpd, limits.window_ms),
            (Some(40), Some(9000), None, 10_000)
        );
        let plain = resolve("[generators.t]\nkind = \"template\"\n", &[]).unwrap();
        assert_eq!(plain.generators["t"].rate_limits(), None);
        for bad in [
            "rpm = 0",
            "tpd = 0",
            "rpm = -1",
            "rate_window = \"10ms\"",
            "rpm = \"x\"",
        ] {
            let toml = format!("[generators.t]\nkind = \"template\"\n{bad}\n");
            assert!(resolve(&toml, &[]).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn batch_keys_are_read_defaulted_and_checked() {
        let head = "[generators.b]\nkind = \"openai-batch\"\nbase_url = \"https://api.example.com/v1\"\nmodel = \"m\"\n";
        let s = resolve(head, &[]).unwrap();
        let p = &s.generators["b"];
        assert_eq!(p.batch_size(), 100);
        assert_eq!(p.batch_wait(), std::time::Duration::from_secs(60));
        assert_eq!(
            p.completion_window(),
            std::time::Duration::from_secs(24 * 3600)
        );
        assert_eq!(p.price_factor(), 0.5);
        assert_eq!(
            p.default_task_timeout(),
            Some(std::time::Duration::from_secs(25 * 3600))
        );
        let s = resolve(
            &format!("{head}batch_size = 10\nbatch_wait = \"200ms\"\ncompletion_window = \"48h\"\npoll_interval = \"5m\"\nprice_factor = 0.4\n"),
            &[],
        )
        .unwrap();
        let p = &s.generators["b"];
        assert_eq!(p.batch_size(), 10);
        assert_eq!(p.batch_wait(), std::time::Duration::from_millis(200));
        assert_eq!(p.batch_poll_interval(), std::time::Duration::from_secs(300));
        assert_eq!(p.price_factor(), 0.4);
        assert_eq!(
            s.submit_policy().default_timeout_for(Some("b")),
            std::time::Duration::from_secs(49 * 3600)
        );
        for (bad, key) in [
            ("batch_size = 0", "batch_size"),
            ("batch_size = 50001", "batch_size"),
            ("batch_wait = \"0s\"", "batch_wait"),
            ("completion_window = \"90m\"", "completion_window"),
            ("poll_interval = \"10ms\"", "poll_interval"),
        ] {
            let e = resolve(&format!("{head}{bad}\n"), &[])
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("generators.b.{key}")), "{bad}: {e}");
        }
        let e = resolve(
            "[generators.b]\nkind = \"openai-batch\"\nmodel = \"m\"\n",
            &[],
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(e.contains("generators.b.base_url"), "{e}");
        let e = resolve(
            "[generators.o]\nkind = \"openai\"\nbase_url = \"https://api.example.com/v1\"\nmodel = \"m\"\nbatch_size = 5\n",
            &[],
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(e.contains("applies to kind = \"openai-batch\" only"), "{e}");
        let plain = resolve("[generators.t]\nkind = \"template\"\n", &[]).unwrap();
        assert_eq!(plain.generators["t"].price_factor(), 1.0);
        assert_eq!(plain.generators["t"].default_task_timeout(), None);
    }
}
