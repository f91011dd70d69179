//! Numbered schema migrations, keyed by `PRAGMA user_version`.
//!
//! Each entry of [`MIGRATIONS`] moves the schema one version forward and is applied once, in a
//! single `BEGIN IMMEDIATE` transaction together with the version bump. Never edit a migration
//! that has shipped: add the next one, and a fixture of the old format under `tests/data/`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

const V1: &str = r#"
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name    TEXT,
    platform        TEXT NOT NULL,
    language        TEXT NOT NULL,
    tone            TEXT,
    category        TEXT,
    persona         TEXT,
    min_words       INTEGER,
    max_words       INTEGER,
    forbidden_words TEXT NOT NULL DEFAULT '[]',
    auto_approve    INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- `seq` orders tasks by creation (FIFO among equal priorities); `id` is the random public id
-- (`task-` + 12 hex digits), looked up by exact value or by prefix range.
CREATE TABLE tasks (
    seq              INTEGER PRIMARY KEY,
    id               INTEGER NOT NULL UNIQUE,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    topic            TEXT NOT NULL,
    keywords         TEXT,
    category         TEXT,
    requirements     TEXT,
    tone             TEXT,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 10),
    auto_approve     INTEGER NOT NULL,
    max_retries      INTEGER NOT NULL,
    retry_count      INTEGER NOT NULL DEFAULT 0,
    timeout_s        INTEGER NOT NULL,
    deadline_at      INTEGER NOT NULL,
    callback_url     TEXT,
    generator        TEXT,
    idempotency_key  TEXT,
    plan_id          INTEGER,
    plan_run_id      INTEGER,
    status           TEXT NOT NULL CHECK (status IN
                       ('pending','submitted','processing','completed','failed','timeout','cancelled')),
    remote_job_id    TEXT,
    progress         INTEGER,
    current_step     TEXT,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    next_attempt_at  INTEGER NOT NULL,
    error_kind       TEXT,
    error_message    TEXT,
    content_id       INTEGER,
    created_at       INTEGER NOT NULL,
    submitted_at     INTEGER,
    started_at       INTEGER,
    completed_at     INTEGER,
    updated_at       INTEGER NOT NULL
);

-- Enforces idempotent submits: a second insert with the same key conflicts.
CREATE UNIQUE INDEX tasks_idempotency ON tasks(idempotency_key) WHERE idempotency_key IS NOT NULL;
-- `task list --status S` newest first, and counting/cleaning by status.
CREATE INDEX tasks_status ON tasks(status, seq);
-- The dispatcher's claim order among pending tasks: priority desc, then creation. Walking
-- this small partial index in order and skipping rows whose next_attempt_at lies ahead
-- (the column is in the index, so no table lookup) finds the next due task without sorting
-- the whole due set, which an index led by next_attempt_at would need.
CREATE INDEX tasks_claim ON tasks(priority DESC, seq, next_attempt_at) WHERE status = 'pending';
-- When the next snoozed task becomes due, so an idle dispatcher knows how long to sleep.
CREATE INDEX tasks_due ON tasks(next_attempt_at) WHERE status = 'pending';
-- The reaper: leases that have expired.
CREATE INDEX tasks_lease ON tasks(lease_expires_at) WHERE lease_expires_at IS NOT NULL;
-- `--account` filters and `account remove`.
CREATE INDEX tasks_account ON tasks(account_id, seq);
-- `--since/--until`, `--sort updated`, `--sort priority`, cleanup by age.
CREATE INDEX tasks_created ON tasks(created_at);
CREATE INDEX tasks_updated ON tasks(updated_at);
CREATE INDEX tasks_priority ON tasks(priority DESC, seq);

CREATE TABLE task_events (
    id          INTEGER PRIMARY KEY,
    task_seq    INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    message     TEXT
);
CREATE INDEX task_events_task ON task_events(task_seq);

CREATE TABLE contents (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id           INTEGER UNIQUE,
    account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    body              TEXT NOT NULL,
    html              TEXT,
    summary           TEXT,
    cover_image       TEXT,
    images            TEXT NOT NULL DEFAULT '[]',
    word_count        INTEGER NOT NULL,
    quality_score     REAL,
    generator         TEXT NOT NULL,
    model             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    review_status     TEXT NOT NULL CHECK (review_status IN ('pending','approved','rejected')),
    review_reason     TEXT,
    reviewed_at       INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX contents_review ON contents(review_status, id);
CREATE INDEX contents_account ON contents(account_id, id);
CREATE INDEX contents_created ON contents(created_at);

-- Monotonic totals that must survive `task cleanup` (submitted, completed, retries, tokens…).
CREATE TABLE counters (
    name   TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '',
    value  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, labels)
) WITHOUT ROWID;

-- Tasks per status, kept by triggers so `task stats` reads seven rows instead of counting a
-- million; the triggers make it impossible for any write path to forget it.
CREATE TABLE task_counts (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO task_counts(status, n) VALUES
    ('pending',0),('submitted',0),('processing',0),('completed',0),('failed',0),('timeout',0),('cancelled',0);
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER tasks_count_update AFTER UPDATE OF status ON tasks WHEN OLD.status <> NEW.status BEGIN
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
    UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
END;
"#;

/// The daemon: heartbeats, deadline sweeps, and what content remembers of its task.
const V2: &str = r#"
-- One row per daemon process, written every few seconds (`daemon status`, `monitor health`).
CREATE TABLE daemons (
    id              TEXT PRIMARY KEY,
    pid             INTEGER NOT NULL,
    host            TEXT NOT NULL,
    version         TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    last_beat_at    INTEGER NOT NULL,
    stopped_at      INTEGER,
    in_flight       INTEGER NOT NULL DEFAULT 0,
    max_concurrent  INTEGER NOT NULL,
    scheduler       INTEGER NOT NULL DEFAULT 0,
    listen          TEXT
);
CREATE INDEX daemons_beat ON daemons(last_beat_at);
-- `task stats --account`: counts per status without reading the table.
CREATE INDEX tasks_account_status ON tasks(account_id, status);
-- The deadline sweep: unfinished tasks whose overall deadline has passed.
CREATE INDEX tasks_deadline ON tasks(deadline_at) WHERE status IN ('pending','submitted','processing');
-- Remote jobs a task has abandoned (failed, cancelled, timed out): the n-th job is submitted
-- with idempotency key `{task id}-r{n}`, so the service dedupes a submit repeated after a
-- crash or a lost reply, but not a deliberate new attempt. Kept by a trigger, so every path
-- that drops a remote job id counts it.
ALTER TABLE tasks ADD COLUMN remote_attempts INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER tasks_remote_attempts AFTER UPDATE OF remote_job_id ON tasks
    WHEN OLD.remote_job_id IS NOT NULL AND NEW.remote_job_id IS NULL BEGIN
    UPDATE tasks SET remote_attempts = remote_attempts + 1 WHERE seq = NEW.seq;
END;
-- The outbox: events that must leave the machine after a state change, written in the same
-- transaction as the change and delivered by the daemon with retries.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    event            TEXT NOT NULL,
    task_id          INTEGER,
    url              TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','sent','failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries(status, id);
CREATE INDEX deliveries_task ON deliveries(task_id) WHERE task_id IS NOT NULL;
-- Signatures of accepted callbacks within the replay window: a second use is a replay.
CREATE TABLE webhook_receipts (
    signature   TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_receipts_at ON webhook_receipts(received_at);
-- Scheduled plans. `last_slot_at` is the latest slot the plan has dealt with (fired, skipped
-- or failed); slots count from `created_at` until the first run.
CREATE TABLE plans (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    cron          TEXT NOT NULL,
    tz            TEXT NOT NULL,
    accounts      TEXT NOT NULL,
    count         INTEGER NOT NULL DEFAULT 1,
    topics        TEXT,
    topics_file   TEXT,
    topic_cursor  TEXT NOT NULL DEFAULT '{}',
    category      TEXT,
    keywords      TEXT,
    priority      INTEGER,
    auto_approve  INTEGER,
    catch_up      TEXT NOT NULL DEFAULT 'latest' CHECK (catch_up IN ('skip','latest')),
    enabled       INTEGER NOT NULL DEFAULT 1,
    last_slot_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
-- One row per fired slot: the unique key is what makes cron, the daemon and overlapping
-- `scheduler run`s fire a slot exactly once.
CREATE TABLE plan_runs (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    scheduled_for INTEGER NOT NULL,
    fired_at      INTEGER NOT NULL,
    manual        INTEGER NOT NULL DEFAULT 0,
    tasks         INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('fired','failed')),
    message       TEXT,
    UNIQUE (plan_id, scheduled_for)
);
CREATE INDEX plan_runs_fired ON plan_runs(fired_at);
CREATE INDEX tasks_plan ON tasks(plan_id) WHERE plan_id IS NOT NULL;
-- Small facts about the store's operation (e.g. when `scheduler run` last ran).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- Content outlives `task cleanup`, so it keeps what it was written about.
ALTER TABLE contents ADD COLUMN topic TEXT;
ALTER TABLE contents ADD COLUMN keywords TEXT;
"#;

/// Monitoring: windowed figures read from indexes alone, alert state, notification channels.
const V3: &str = r#"
-- Tasks by when they finished: `monitor metrics/health/stats` and the alert rules count
-- outcomes, durations and retries over a window from this index without reading a row.
CREATE INDEX tasks_finished ON tasks(completed_at, status, account_id, generator, created_at, started_at, retry_count)
    WHERE completed_at IS NOT NULL;
-- Tokens and models of content written in a window (the columns sit after the body, which
-- would otherwise be read from overflow pages).
CREATE INDEX contents_usage ON contents(created_at, model, prompt_tokens, completion_tokens);
-- One row per alert rule the daemon (or `monitor alerts --notify`) has evaluated.
CREATE TABLE alerts (
    name          TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('ok','pending','firing')),
    value         REAL,
    since         INTEGER NOT NULL,
    notified_at   INTEGER,
    evaluated_at  INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// content-creator destroys a job when its idempotency key is posted again, so a key is
/// never posted twice: every remote submit takes the next key before the request leaves.
const V4: &str = r#"
-- The key of a remote submit whose reply is not recorded yet. Still set when the next
-- attempt starts means that submit was interrupted (crash, lost reply): its job, if the
-- service made one, is abandoned.
ALTER TABLE tasks ADD COLUMN remote_submit_key TEXT;
-- `remote_attempts` now counts the keys taken (one per submit), not abandoned jobs. Before,
-- the key of the next submit was the one numbered by it, and a task that was ever claimed may
-- already have sent that key: count it as taken, so an upgraded store never sends it again.
DROP TRIGGER tasks_remote_attempts;
UPDATE tasks SET remote_attempts = remote_attempts + 1 WHERE submitted_at IS NOT NULL;
"#;

/// Local programs (the `command` generator) die with the daemon, and the next daemon kills
/// what a crash left of them before it runs their tasks again.
const V5: &str = r#"
-- One row per program a daemon is running for a task: its process group (the program's pid),
-- its start time in clock ticks since boot (a pid can be reused, a pid with its start time
-- cannot), the boot those ticks count from, and the run marker in its environment. Written
-- when the program starts and deleted when it is gone; a row left behind means the daemon
-- died first.
CREATE TABLE task_children (
    task_seq    INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
    owner       TEXT NOT NULL,
    pgid        INTEGER NOT NULL,
    start_ticks INTEGER NOT NULL,
    boot_id     TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    PRIMARY KEY (task_seq, owner, pgid)
) WITHOUT ROWID;
"#;

/// Claims that pass over a generator at its limit read only the other generators' tasks.
const V6: &str = r#"
-- Pending tasks per generator in claim order: a claim takes each generator's first due tasks
-- by index seeks, so a full generator's backlog is never read, whatever its size.
CREATE INDEX tasks_pending_generator ON tasks(generator, priority DESC, seq, next_attempt_at)
    WHERE status = 'pending';
"#;

/// Several daemons on one store: who made each change, and a fencing token per claim.
const V7: &str = r#"
-- Who made the change: the daemon that did (its owner id), or NULL for an operator's command.
ALTER TABLE task_events ADD COLUMN actor TEXT;
-- Raised by every claim and adoption: a result, progress or remote job id is accepted only
-- under the lease (owner and epoch) it was claimed with, so a daemon paused past its lease
-- cannot act on a task another daemon took over, even a task it later claims again.
ALTER TABLE tasks ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
"#;

/// Fallbacks: the profile a task was submitted to, once it has moved to another.
const V8: &str = r#"
-- Set when a task first moves to a profile of its fallback list (its `generator` then names
-- the profile it runs on now); the list followed is always this original profile's.
ALTER TABLE tasks ADD COLUMN original_generator TEXT;
"#;

/// Budgets: spend and reservations per budget and period, and each task's reservations.
const V9: &str = r#"
-- One row per budget and period (`2026-12-05`, `2026-12`): what was spent (settled from the
-- replies' usage) and what requests in flight have reserved. A claim that a cap refuses
-- records when and why, with the budget's scope, so `task show` can name it.
CREATE TABLE budget_periods (
    budget          TEXT NOT NULL,
    period          TEXT NOT NULL,
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    spent_cost      REAL NOT NULL DEFAULT 0,
    spent_tokens    INTEGER NOT NULL DEFAULT 0,
    reserved_cost   REAL NOT NULL DEFAULT 0,
    reserved_tokens INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    refusals        INTEGER NOT NULL DEFAULT 0,
    refused_at      INTEGER,
    reason          TEXT,
    scope_account   TEXT,
    scope_profile   TEXT,
    PRIMARY KEY (budget, period)
);
-- What a claimed task reserved, per budget, and the rate it is priced at, so that its
-- result settles it, also after a restart.
CREATE TABLE budget_reservations (
    task_seq        INTEGER NOT NULL,
    budget          TEXT NOT NULL,
    period          TEXT NOT NULL,
    cost            REAL NOT NULL,
    tokens          INTEGER NOT NULL,
    prompt_rate     REAL,
    completion_rate REAL,
    reserved_at     INTEGER NOT NULL,
    PRIMARY KEY (task_seq, budget)
);
"#;

/// Provider rate limits shared by every daemon on the store.
const V10: &str = r#"
-- One row per generator profile with rate limits: its token buckets (see domain::rate), the
-- limits they were last configured with, lower limits learned from the provider's headers,
-- and the profile's current wait (which limit, until when) for `task show` and the metrics.
CREATE TABLE rate_buckets (
    profile     TEXT PRIMARY KEY,
    rpm         INTEGER,
    tpm         INTEGER,
    rpd         INTEGER,
    tpd         INTEGER,
    window_ms   INTEGER NOT NULL,
    learned_rpm INTEGER,
    learned_tpm INTEGER,
    level_rpm   REAL NOT NULL DEFAULT 0,
    level_tpm   REAL NOT NULL DEFAULT 0,
    level_rpd   REAL NOT NULL DEFAULT 0,
    level_tpd   REAL NOT NULL DEFAULT 0,
    at          INTEGER NOT NULL,
    wait_kind   TEXT,
    wait_until  INTEGER
) WITHOUT ROWID;
-- What the task's current attempt reserved: the profile and tokens, settled by its result.
ALTER TABLE tasks ADD COLUMN rate_profile TEXT;
ALTER TABLE tasks ADD COLUMN rate_tokens INTEGER;
"#;

/// Batches of `openai-batch` profiles.
const V11: &str = r#"
-- Batches of `openai-batch` profiles, one row per uploaded input file: recorded with its
-- members' custom ids before the batch is created, so that after a crash the file is turned
-- into a batch (or the batch found again) instead of uploaded twice. Each member task's
-- remote_job_id is `{input_file_id}/{custom_id}`.
CREATE TABLE batches (
    input_file_id TEXT PRIMARY KEY,
    profile       TEXT NOT NULL,
    batch_id      TEXT,
    state         TEXT NOT NULL,
    custom_ids    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX batches_open ON batches(profile) WHERE state NOT IN ('completed','failed','expired','cancelled');
"#;

/// Review rules: the review mode of accounts and tasks (`auto`, `rules`, `manual`), replacing
/// `auto_approve` (kept, written as `review = 'auto'`, for older readers of the rows: true
/// becomes `auto`, false `manual`); an account's `--review-rule` overrides (a JSON object of
/// `KEY: VALUE` text); a task's regenerations, the feedback for its next draft and the drafts
/// the rules sent back (JSON); a content row's review record (JSON), the checks that did not
/// pass (`,word_range,forbidden_word,`, for filtering) and who decided (`rules`, `operator`).
const V12: &str = r#"
ALTER TABLE accounts ADD COLUMN review TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE accounts ADD COLUMN review_rules TEXT NOT NULL DEFAULT '{}';
UPDATE accounts SET review = CASE WHEN auto_approve = 0 THEN 'manual' ELSE 'auto' END;
ALTER TABLE tasks ADD COLUMN review TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE tasks ADD COLUMN regenerations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN review_feedback TEXT;
ALTER TABLE tasks ADD COLUMN review_drafts TEXT;
UPDATE tasks SET review = 'manual' WHERE auto_approve = 0;
ALTER TABLE contents ADD COLUMN review_record TEXT;
ALTER TABLE contents ADD COLUMN review_checks TEXT;
ALTER TABLE contents ADD COLUMN review_decider TEXT;
"#;

/// Near-duplicate detection (`store::signatures`): each content row's similarity signature,
/// and the LSH band keys that find candidates, and the plans' `skip_similar` flag.
const V13: &str = r#"
-- One row per content row: the account, when it was stored, and the 520-byte MinHash
-- signature of its body (`review::similarity::Signature::to_bytes`). Rows stored before this
-- version get theirs from `signatures::backfill` at daemon start. Both tables lose an
-- account's rows with the account (contents are removed only then).
CREATE TABLE content_signatures (
    content_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    signature  BLOB NOT NULL
);
-- The signature's LSH band keys (64 per article). A look-up reads, per key of the new article,
-- the range (account, key, created since the window's start): only the candidates that share a
-- band within the window, never the account's whole history.
CREATE TABLE signature_bands (
    account_id INTEGER NOT NULL,
    band_key   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    content_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, band_key, created_at, content_id)
) WITHOUT ROWID;
-- A plan whose topic is nearly identical to a pending or recent task skips it (1) instead of
-- only warning (0).
ALTER TABLE plans ADD COLUMN skip_similar INTEGER NOT NULL DEFAULT 0;
"#;

/// Generation steps (outline, draft, polish): each finished step of a task.
const V14: &str = r#"
-- One row per finished step of a task. While the task runs, `task_seq` names it (a task that
-- resumes after a crash or a retry reads what its steps wrote); when the task completes, its
-- steps are linked to the content (`content_id`) and let go of the task, so they outlive
-- `task cleanup` as the content does, and go with the content.
CREATE TABLE task_steps (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task_seq          INTEGER REFERENCES tasks(seq) ON DELETE CASCADE,
    content_id        INTEGER REFERENCES contents(id) ON DELETE CASCADE,
    step              TEXT NOT NULL CHECK (step IN ('outline','draft','polish')),
    attempt           INTEGER NOT NULL,
    profile           TEXT NOT NULL,
    model             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER NOT NULL,
    body              TEXT NOT NULL
);
-- A step is recorded once per task (NULLs, the linked rows, are distinct).
CREATE UNIQUE INDEX task_steps_task ON task_steps(task_seq, step);
CREATE INDEX task_steps_content ON task_steps(content_id) WHERE content_id IS NOT NULL;
"#;

/// The submit-time topic index (`store::topic_tokens`).
const V15: &str = r#"
-- The prefix tokens of each task's topic (`review::similarity::Topic::prefix_tokens`): a
-- submitted topic is compared only with the account's tasks that share one of its tokens.
-- The tasks of an older store that can still be compared (unfinished, or created within the
-- submit-time window) get theirs with this migration (`fill_topic_tokens`), in Rust.
CREATE TABLE topic_tokens (
    account_id INTEGER NOT NULL,
    token      INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (account_id, token, seq)
) WITHOUT ROWID;
"#;

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15,
];

/// The version whose migration creates `topic_tokens`, which [`fill_topic_tokens`] then fills.
const TOPIC_TOKENS_VERSION: usize = 15;

/// How far back the tasks of a migrated store get their topic tokens, besides the unfinished
/// ones: the submit-time window (`service::TOPIC_WINDOW`, 7 days), and a day more.
pub(super) const TOPIC_TOKENS_BACKFILL_MS: i64 = 8 * 24 * 3600 * 1000;

/// Writes the topic tokens of the tasks a submitted topic can still be compared with (see
/// `V15`), in the migration's transaction: the unfinished ones and those created within
/// [`TOPIC_TOKENS_BACKFILL_MS`]. Both sets are read through an index.
fn fill_topic_tokens(conn: &Connection) -> Result<()> {
    let since = crate::domain::time::now_ms() - TOPIC_TOKENS_BACKFILL_MS;
    let mut read = conn.prepare(
        "SELECT seq, account_id, topic FROM tasks WHERE status IN ('pending', 'submitted', 'processing')
         UNION
         SELECT seq, account_id, topic FROM tasks WHERE created_at >= ?1",
    )?;
    let mut write = conn.prepare(
        "INSERT OR IGNORE INTO topic_tokens(account_id, token, seq) VALUES (?1, ?2, ?3)",
    )?;
    let mut rows = read.query([since])?;
    while let Some(r) = rows.next()? {
        let (seq, account_id, topic): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        for token in crate::review::similarity::Topic::new(&topic).prefix_tokens() {
            write.execute(rusqlite::params![account_id, token, seq])?;
        }
    }
    Ok(())
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// The refusal of a schema version this build does not know: newer than it, or negative
/// (never written by contenthub). Nothing is changed.
fn unknown(path: &Path, found: i64) -> Error {
    if found < 0 {
        return Error::Store(format!(
            "the store {} has schema version {found}, which no contenthub writes; this version \
             ({}) understands 0 to {SCHEMA_VERSION}. Point --db at another store, or restore a backup.",
            path.display(),
            env!("CARGO_PKG_VERSION"),
        ));
    }
    Error::Store(format!(
        "the store {} has schema version {found}, written by a newer contenthub; this version \
         ({}) understands up to {SCHEMA_VERSION}. Upgrade contenthub, or point --db at another store.",
        path.display(),
        env!("CARGO_PKG_VERSION"),
    ))
}

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found = user_version(conn)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if !(0..=SCHEMA_VERSION).contains(&found) {
        return Err(unknown(path, found));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the lock.
    let found = user_version(&tx)?;
    if !(0..=SCHEMA_VERSION).contains(&found) {
        return Err(unknown(path, found));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let failed = |e: rusqlite::Error| {
            Error::Store(format!(
                "migrating {} to schema version {}: {e}",
                path.display(),
                i + 1
            ))
        };
        tx.execute_batch(sql).map_err(failed)?;
        if i + 1 == TOPIC_TOKENS_VERSION {
            fill_topic_tokens(&tx)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}
