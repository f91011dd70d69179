//! The binary as a whole: where the store goes and its permissions, completions, version.

use std::os::unix::fs::PermissionsExt;

use crate::support::Env;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_store_is_created_private_with_its_directories() {
    let env = Env::new();
    assert!(!env.db().parent().unwrap().exists());
    env.account("blog");
    env.submit("blog", "Private", &[]);
    assert!(env.db().is_file());
    assert_eq!(
        mode(&env.db()),
        0o600,
        "the store holds topics and callback URLs: owner only"
    );
    // While a connection is open SQLite keeps -wal/-shm files: they must be private too.
    let conn = env.conn();
    conn.query_row("SELECT count(*) FROM tasks", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let wal = env.db().with_extension("db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
}

#[test]
fn store_settings_are_wal_and_current_schema() {
    let env = Env::new();
    env.account("blog");
    let conn = env.conn();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, contenthub::store::SCHEMA_VERSION);
    for table in ["accounts", "tasks", "task_events", "contents", "counters"] {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "no table {table}");
    }
}

#[test]
fn the_store_defaults_to_the_xdg_data_directory_and_db_overrides_it() {
    let env = Env::new();
    env.cmd(["account", "add", "blog"])
        .env_remove("CONTENTHUB_DB")
        .ok();
    let default = env.data_home().join("contenthub").join("contenthub.db");
    assert!(default.is_file(), "no store at {}", default.display());
    assert_eq!(mode(&default), 0o600);
    assert!(!env.db().exists());

    // --db beats CONTENTHUB_DB.
    let flag = env.path().join("flag").join("x.db");
    env.ok(["--db", flag.to_str().unwrap(), "account", "add", "other"]);
    assert!(flag.is_file());
    assert!(!env.db().exists());
}

#[test]
fn completions_for_every_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = env.run(["completions", shell]).success();
        assert!(
            run.stdout.len() > 1000,
            "{shell}: only {} bytes",
            run.stdout.len()
        );
        assert!(run.stdout.contains("contenthub"), "{shell}");
        for word in ["submit", "cleanup", "idempotency-key"] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    assert!(!env.db().exists(), "completions do not touch the store");
}

#[test]
fn version_and_help_exit_zero() {
    let env = Env::new();
    let v = env.ok(["--version"]);
    assert!(
        v.starts_with(&format!("contenthub {}", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    let help = env.ok(["--help"]);
    assert!(help.contains("Exit codes:"), "{help}");
    for group in ["task", "account", "config"] {
        assert!(env.ok([group, "--help"]).contains("Usage: contenthub"));
    }
    // A missing subcommand is a usage error.
    env.run(["task"]).code(2);
}

/// Every command and every flag says what it is for (so the man pages and completions, made
/// from the same definitions, document all of them).
#[test]
fn every_command_and_argument_has_help() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let here = format!("{path} {}", cmd.get_name()).trim().to_string();
        if cmd.get_about().is_none() {
            missing.push(here.clone());
        }
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{here} <{id}>"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                walk(sub, &here, missing);
            }
        }
    }
    let mut missing = Vec::new();
    walk(&contenthub::cli::command(), "", &mut missing);
    assert!(missing.is_empty(), "without help: {missing:#?}");
}
