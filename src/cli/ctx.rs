//! What every command handler gets.

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::config::Settings;
use crate::error::Error;
use crate::output::Printer;
use crate::store::Store;

/// What every handler gets: resolved settings, the printer and the global flags.
pub struct Ctx {
    pub settings: Settings,
    pub printer: Printer,
    pub yes: bool,
    store: Option<Store>,
}

impl Ctx {
    pub fn new(settings: Settings, printer: Printer, yes: bool) -> Ctx {
        Ctx {
            settings,
            printer,
            yes,
            store: None,
        }
    }

    /// The store, opened (and created or migrated) on first use.
    pub fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            self.store = Some(Store::open_at(&self.settings.db.value)?);
        }
        Ok(self.store.as_mut().expect("opened above"))
    }

    /// Closes the store (before fork: a SQLite connection must not cross it).
    pub fn close_store(&mut self) {
        self.store = None;
    }

    /// Writes data to stdout.
    pub fn print(&self, text: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// A message for the operator, on stderr; silenced by `-q`.
    pub fn note(&self, text: &str) {
        if !self.printer.quiet {
            eprintln!("{text}");
        }
    }

    /// A warning on stderr, which `-q` does not silence: something the operator must see.
    pub fn warn(&self, text: &str) {
        eprintln!("{text}");
    }

    /// Fails early when a destructive command could not ask for confirmation.
    pub fn ensure_confirmable(&self, what: &str) -> Result<()> {
        if self.yes || (std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Ok(());
        }
        Err(Error::Usage(format!(
            "{what}: refusing without confirmation, as there is no terminal to ask on; pass --yes"
        ))
        .into())
    }

    /// Asks before a destructive action. Without a terminal, `--yes` is required: refusing
    /// is better than hanging on a prompt nobody sees.
    pub fn confirm(&self, question: &str) -> Result<bool> {
        if self.yes {
            return Ok(true);
        }
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(Error::Usage(format!(
                "{question} — refusing without confirmation: there is no terminal to ask on; pass --yes"
            ))
            .into());
        }
        eprint!("{question} [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }
}
