//! Snapshots of help text and of the human tables. Timestamps and task ids are replaced by
//! placeholders of the same width, so the tables stay aligned and the snapshots stable.
//! Update them with `INSTA_UPDATE=always cargo test` (or `cargo insta review`) and read the
//! diff before committing.

use crate::support::{Env, Fixture};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"task-[0-9a-f]{12}", "task-XXXXXXXXXXXX");
    s.add_filter(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
        "YYYY-MM-DD hh:mm:ss",
    );
    s.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z",
        "YYYY-MM-DDThh:mm:ssZ",
    );
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

fn help(name: &str, args: &[&str]) {
    let env = Env::new();
    let run = env.run(args).success();
    assert_eq!(run.stderr, "");
    settings().bind(|| insta::assert_snapshot!(name, run.stdout));
}

#[test]
fn help_root() {
    help("help_root", &["--help"]);
}

#[test]
fn help_task_submit() {
    help("help_task_submit", &["task", "submit", "--help"]);
}

#[test]
fn help_task_list() {
    help("help_task_list", &["task", "list", "--help"]);
}

#[test]
fn help_account_add() {
    help("help_account_add", &["account", "add", "--help"]);
}

#[test]
pub(crate) fn table_task_list() {
    let f = Fixture::new();
    let out = f.env.ok(["task", "list", "--limit", "0"]);
    settings().bind(|| insta::assert_snapshot!("table_task_list", out));
}

#[test]
pub(crate) fn table_task_stats() {
    let f = Fixture::new();
    let out = f.env.ok(["task", "stats"]);
    settings().bind(|| insta::assert_snapshot!("table_task_stats", out));
}

#[test]
pub(crate) fn table_account_list() {
    let f = Fixture::new();
    let out = f.env.ok(["account", "list"]);
    settings().bind(|| insta::assert_snapshot!("table_account_list", out));
}

#[test]
pub(crate) fn table_task_show() {
    let f = Fixture::new();
    let out = f.env.ok(["task", "show", &f.failed]);
    settings().bind(|| insta::assert_snapshot!("table_task_show", out));
}
