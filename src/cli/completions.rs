//! `contenthub completions SHELL`: the same scripts the xtask commits under `completions/`.

use anyhow::Result;
use clap::Args;
use clap_complete::Shell;

use super::ctx::Ctx;
use crate::error::ExitCode;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  contenthub completions bash > ~/.local/share/bash-completion/completions/contenthub\n  contenthub completions zsh > ~/.zfunc/_contenthub"
)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script of `cmd` for `shell`.
pub fn write(cmd: &mut clap::Command, shell: Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, cmd, "contenthub", out);
}

/// `cmd` is the whole command line's definition.
pub fn run(ctx: &Ctx, args: CompletionsArgs, mut cmd: clap::Command) -> Result<ExitCode> {
    let mut buf = Vec::new();
    write(&mut cmd, args.shell, &mut buf);
    ctx.print(&String::from_utf8_lossy(&buf))?;
    Ok(ExitCode::Ok)
}
