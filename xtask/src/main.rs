//! Project chores: `cargo xtask gen` writes `completions/` and `man/` from the clap
//! definition; `cargo xtask gen --check` (or `cargo xtask --check`) fails when they are stale.
//! `cargo xtask dupes [--check]` writes (or checks) the labelled near-duplicate set in
//! `tests/data/` (see [`dupes`]).

mod dupes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap_complete::Shell;

const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Every generated file: path relative to the repository root → contents.
fn generated() -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for shell in SHELLS {
        let mut buf = Vec::new();
        contenthub::cli::write_completions(shell, &mut buf);
        let name = clap_complete::Generator::file_name(&shell, "contenthub");
        files.insert(Path::new("completions").join(name), buf);
    }
    let mut cmd = contenthub::cli::command().disable_help_subcommand(true);
    cmd.build();
    fn man(cmd: &clap::Command, files: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            man(sub, files)?;
        }
        let page = clap_mangen::Man::new(cmd.clone());
        let mut buf = Vec::new();
        page.render(&mut buf)?;
        files.insert(Path::new("man").join(page.get_filename()), buf);
        Ok(())
    }
    man(&cmd, &mut files)?;
    Ok(files)
}

fn listed(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect()
}

fn gen(check: bool) -> Result<bool> {
    let root = root();
    let files = generated()?;
    let mut stale = Vec::new();
    for (rel, want) in &files {
        let path = root.join(rel);
        let have = std::fs::read(&path).ok();
        if have.as_deref() != Some(want.as_slice()) {
            stale.push(rel.display().to_string());
            if !check {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, want)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
    }
    for dir in ["completions", "man"] {
        for path in listed(&root.join(dir)) {
            let rel = path.strip_prefix(&root).unwrap_or(&path).to_path_buf();
            if !files.contains_key(&rel) {
                stale.push(format!("{} (no longer generated)", rel.display()));
                if !check {
                    std::fs::remove_file(&path)?;
                }
            }
        }
    }
    if check {
        if stale.is_empty() {
            println!(
                "completions/ and man/ are up to date ({} files)",
                files.len()
            );
            return Ok(true);
        }
        eprintln!("stale generated files (run `cargo xtask gen`):");
        for s in &stale {
            eprintln!("  {s}");
        }
        return Ok(false);
    }
    println!("wrote {} of {} generated files", stale.len(), files.len());
    Ok(true)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["gen"] => gen(false),
        ["gen", "--check"] | ["--check"] => gen(true),
        ["dupes"] => dupes::run(&root(), false),
        ["dupes", "--check"] => dupes::run(&root(), true),
        _ => Err(anyhow::anyhow!(
            "usage: cargo xtask gen [--check] | cargo xtask dupes [--check]"
        )),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(2)
        }
    }
}
