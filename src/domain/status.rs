//! The task state machine: exactly the seven statuses of the old system.
//!
//! ```text
//! pending ──claim──▶ submitted ──generator reports work──▶ processing ──▶ completed
//!    ▲                   │  │                                  │
//!    │ retry (backoff)   │  └──────── deadline passed ─────────┴──▶ timeout
//!    └──── transient failure, retries left ◀───────────────────┘
//!                        any failure, no retries left / permanent ──▶ failed
//! pending|submitted|processing ──operator──▶ cancelled
//! failed|timeout|cancelled ──`task retry`──▶ pending
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Submitted,
    Processing,
    Completed,
    Failed,
    Timeout,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::Submitted,
        Status::Processing,
        Status::Completed,
        Status::Failed,
        Status::Timeout,
        Status::Cancelled,
    ];
    /// Work not yet finished: these may still change without an operator.
    pub const ACTIVE: [Status; 3] = [Status::Pending, Status::Submitted, Status::Processing];
    /// Finished: only an operator (`task retry`) moves a task out of these.
    pub const TERMINAL: [Status; 4] = [
        Status::Completed,
        Status::Failed,
        Status::Timeout,
        Status::Cancelled,
    ];
    /// Statuses that `task retry` accepts.
    pub const RETRYABLE: [Status; 3] = [Status::Failed, Status::Timeout, Status::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Submitted => "submitted",
            Status::Processing => "processing",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn is_terminal(self) -> bool {
        Self::TERMINAL.contains(&self)
    }

    /// Whether the state machine allows `self → to`.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Pending, Submitted | Failed | Timeout | Cancelled)
                | (
                    Submitted,
                    Pending | Processing | Completed | Failed | Timeout | Cancelled
                )
                | (
                    Processing,
                    Pending | Completed | Failed | Timeout | Cancelled
                )
                | (Failed | Timeout | Cancelled, Pending)
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::parse_exact(&s.trim().to_ascii_lowercase())
    }
}

impl Status {
    /// The status named exactly `s` (lower case, no spaces), as the API takes it.
    pub fn parse_exact(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown status '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states_only_go_back_to_pending() {
        for from in Status::TERMINAL {
            for to in Status::ALL {
                let allowed = from.can_become(to);
                let expected = to == Status::Pending && from != Status::Completed;
                assert_eq!(allowed, expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn parses_every_status_and_rejects_others() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>().unwrap(), st);
        }
        let err = "done".parse::<Status>().unwrap_err();
        assert!(err.contains("done") && err.contains("pending"), "{err}");
    }
}
