//! `contenthub completions SHELL`: the same scripts the xtask commits under `completions/`.

use anyhow::Result;
use clap::Args;
use clap_complete::Shell;

use super::Ctx;
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

/// Writes the completion script for `shell`.
pub fn write_completions(shell: Shell, out: &mut dyn std::io::Write) {
    let mut cmd = super::command();
    clap_complete::generate(shell, &mut cmd, "contenthub", out);
}

pub fn run(ctx: &Ctx, args: CompletionsArgs) -> Result<ExitCode> {
    let mut buf = Vec::new();
    write_completions(args.shell, &mut buf);
    ctx.print(&String::from_utf8_lossy(&buf))?;
    Ok(ExitCode::Ok)
}
