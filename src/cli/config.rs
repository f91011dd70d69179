//! `contenthub config`: init, show, path.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::ctx::Ctx;
use crate::config::DEFAULT_CONFIG;
use crate::error::{Error, ExitCode};

#[derive(Debug, Args)]
pub struct ConfigCmd {
    #[command(subcommand)]
    cmd: ConfigSub,
}

impl ConfigCmd {
    pub fn tolerates_missing_file(&self) -> bool {
        matches!(self.cmd, ConfigSub::Init(_) | ConfigSub::Path)
    }
}

#[derive(Debug, Subcommand)]
enum ConfigSub {
    /// Write a commented default config file
    #[command(
        after_help = "Example:\n  contenthub config init && $EDITOR \"$(contenthub config path)\""
    )]
    Init(InitArgs),
    /// Print every resolved setting and where it came from (flag, env, file, default)
    #[command(
        after_help = "Example:\n  contenthub config show --format json | jq '.[] | select(.source != \"default\")'"
    )]
    Show,
    /// Print the config file path
    #[command(
        after_help = "Examples:\n  contenthub config path\n  CONTENTHUB_CONFIG=/etc/contenthub/config.toml contenthub config path"
    )]
    Path,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// Overwrite an existing file
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &mut Ctx, cmd: ConfigCmd) -> Result<ExitCode> {
    let path = ctx.settings.config_path.value.clone();
    match cmd.cmd {
        ConfigSub::Path => ctx.print(&format!("{}\n", path.display()))?,
        ConfigSub::Init(a) => {
            if path.exists() && !a.force {
                return Err(Error::Refused(format!(
                    "{} already exists; pass --force to overwrite it",
                    path.display()
                ))
                .into());
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            f.write_all(DEFAULT_CONFIG.as_bytes())?;
            ctx.note(&format!("wrote {}", path.display()));
            if ctx.printer.quiet {
                ctx.print(&format!("{}\n", path.display()))?;
            }
        }
        ConfigSub::Show => {
            let entries = ctx.settings.entries(&|k| std::env::var(k).ok());
            if !ctx.settings.config_loaded {
                ctx.note(&format!(
                    "no config file at {}; showing defaults",
                    path.display()
                ));
            }
            ctx.print(&ctx.printer.list(&entries))?;
        }
    }
    Ok(ExitCode::Ok)
}
