//! The library's error type and the documented exit codes it maps to.
//!
//! Library code returns [`Error`] (or wraps it in `anyhow` with context at the edges); `main`
//! finds the first [`Error`] in the chain to choose the exit code. Anything that is not an
//! [`Error`] is an operational failure (exit 1).

use std::fmt;

/// Exit codes, as documented in the README and the man page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything worked.
    Ok = 0,
    /// An operational failure: I/O, the store, a generator.
    Failure = 1,
    /// Invalid input (usage or validation); nothing was written.
    Invalid = 2,
    /// The thing named does not exist.
    NotFound = 3,
    /// Refused because of the current state (e.g. cancelling a completed task).
    Refused = 4,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The worse of two outcomes, so a command touching several items reports the most
    /// serious problem it met.
    pub fn worst(self, other: ExitCode) -> ExitCode {
        fn rank(c: ExitCode) -> u8 {
            match c {
                ExitCode::Ok => 0,
                ExitCode::Refused => 1,
                ExitCode::NotFound => 2,
                ExitCode::Invalid => 3,
                ExitCode::Failure => 4,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Errors that carry a meaning for the operator (and an exit code).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value given by the operator is not acceptable. `field` names the flag, key or column.
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },

    /// Input that is wrong as a whole (usage, an unreadable file, a refused confirmation).
    #[error("{0}")]
    Usage(String),

    /// The named item does not exist.
    #[error("{kind} not found: {id}")]
    NotFound { kind: &'static str, id: String },

    /// The item exists but its state does not allow the operation.
    #[error("{0}")]
    Refused(String),

    /// The store was written by a newer version, or is otherwise unusable.
    #[error("{0}")]
    Store(String),

    /// The database underneath the store failed. Its message is part of this one and
    /// deliberately not a `source`: `{:#}` would print it a second time.
    #[error("store: {0}")]
    Database(crate::store::error::DbError),

    /// A file, directory or socket could not be used. The cause is part of the message (and
    /// deliberately not a `source`, which `{:#}` would print a second time).
    #[error("{context}: {cause}")]
    Io {
        context: String,
        cause: std::io::Error,
    },
}

impl From<crate::store::error::DbError> for Error {
    fn from(e: crate::store::error::DbError) -> Self {
        Error::Database(e)
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.to_string(),
        }
    }

    pub fn io(context: impl Into<String>, cause: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            cause,
        }
    }

    /// Whether another process held the store's lock for longer than the busy timeout (a
    /// long bulk import, say): worth waiting for, not a failure of the store.
    pub fn is_store_busy(&self) -> bool {
        matches!(self, Error::Database(e) if e.is_busy())
    }

    /// Whether this is a write the store's disk had no room for.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Error::Database(e) => e.is_full(),
            Error::Io { cause, .. } => cause.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Invalid { .. } | Error::Usage(_) => ExitCode::Invalid,
            Error::NotFound { .. } => ExitCode::NotFound,
            Error::Refused(_) => ExitCode::Refused,
            Error::Store(_) | Error::Database(_) | Error::Io { .. } => ExitCode::Failure,
        }
    }
}

/// The exit code for any error chain: the first [`Error`] found decides, else 1.
pub fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    err.chain()
        .find_map(|e| e.downcast_ref::<Error>())
        .map(Error::exit_code)
        .unwrap_or(ExitCode::Failure)
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
