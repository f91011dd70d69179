//! `task submit`: one task, idempotency keys, and bulk files (JSONL, CSV, stdin).

use contenthub::domain::account::ReviewMode;
use contenthub::domain::{Status, Task};

use crate::support::{ids, is_task_id, raw_id, Env, Run};

fn show(env: &Env, id: &str) -> Task {
    env.json(&["task", "show", id])
}

#[test]
pub(crate) fn submit_prints_the_new_id_and_stores_every_field() {
    let env = Env::new();
    env.ok([
        "account",
        "add",
        "blog",
        "--tone",
        "friendly",
        "--category",
        "tech",
        "--no-auto-approve",
    ]);
    let run = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "  Rust 异步编程入门  ",
            "-k",
            "rust, tokio，async,rust",
            "-p",
            "8",
            "-r",
            "Explain pinning",
            "--max-retries",
            "5",
            "--timeout",
            "2h",
            "--callback-url",
            "https://hooks.example.com/done?x=1",
            "--generator",
            "template",
            "--idempotency-key",
            "k-1",
        ])
        .success();
    let id = run.stdout.trim_end_matches('\n');
    assert!(
        is_task_id(id),
        "stdout is not just the id: {:?}",
        run.stdout
    );
    assert_eq!(run.stdout, format!("{id}\n"));

    let t = show(&env, id);
    assert_eq!(t.id.to_string(), id);
    assert_eq!(t.account, "blog");
    assert_eq!(t.topic, "Rust 异步编程入门", "the topic is trimmed");
    assert_eq!(
        t.keywords,
        ["rust", "tokio", "async"],
        "split on both commas, trimmed, deduplicated"
    );
    assert_eq!(t.priority, 8);
    assert_eq!(t.requirements.as_deref(), Some("Explain pinning"));
    assert_eq!(
        t.tone.as_deref(),
        Some("friendly"),
        "the account's tone is the default"
    );
    assert_eq!(
        t.category.as_deref(),
        Some("tech"),
        "the account's category is the default"
    );
    assert!(
        t.review == ReviewMode::Manual,
        "the account's auto-approve setting is the default"
    );
    assert_eq!(t.max_retries, 5);
    assert_eq!(t.retry_count, 0);
    assert_eq!(t.timeout_seconds, 7200);
    assert_eq!(t.deadline_at.0 - t.created_at.0, 7_200_000);
    assert_eq!(
        t.callback_url.as_deref(),
        Some("https://hooks.example.com/done?x=1")
    );
    assert_eq!(t.generator.as_deref(), Some("template"));
    assert_eq!(t.idempotency_key.as_deref(), Some("k-1"));
    assert_eq!(t.status, Status::Pending);
    assert_eq!(t.event_count, 1);
    assert_eq!(t.next_attempt_at, t.created_at);
}

#[test]
pub(crate) fn submit_defaults_come_from_flags_config_env_and_account() {
    let env = Env::new();
    env.ok(["account", "add", "blog"]);
    let plain = env.submit("blog", "Defaults", &[]);
    let t = show(&env, &plain);
    assert_eq!((t.priority, t.max_retries, t.timeout_seconds), (5, 3, 1800));
    assert_eq!(t.review, ReviewMode::Auto, "auto-approve is on by default");
    assert_eq!((t.tone, t.category, t.generator), (None, None, None));

    let config = env.write(
        "config.toml",
        "[tasks]\npriority = 7\nmax_retries = 1\ntimeout = \"10m\"\n",
    );
    let from_file = env
        .cmd([
            "--config",
            config.to_str().unwrap(),
            "task",
            "submit",
            "-q",
            "-a",
            "blog",
            "-t",
            "From file",
        ])
        .ok();
    let t = show(&env, from_file.trim());
    assert_eq!((t.priority, t.max_retries, t.timeout_seconds), (7, 1, 600));

    // The old system's env name beats the file; a flag beats both.
    let from_env = env
        .cmd([
            "--config",
            config.to_str().unwrap(),
            "task",
            "submit",
            "-q",
            "-a",
            "1",
            "-t",
            "From env",
        ])
        .env("ASYNC_TASK_TIMEOUT", "90")
        .ok();
    assert_eq!(show(&env, from_env.trim()).timeout_seconds, 90);
    let from_flag = env
        .cmd([
            "--config",
            config.to_str().unwrap(),
            "task",
            "submit",
            "-q",
            "-a",
            "BLOG",
            "-t",
            "Flag",
            "--timeout",
            "45s",
            "-p",
            "2",
        ])
        .env("ASYNC_TASK_TIMEOUT", "90")
        .ok();
    let t = show(&env, from_flag.trim());
    assert_eq!((t.timeout_seconds, t.priority), (45, 2));
    assert_eq!(
        t.account, "blog",
        "the account is found by id and case-insensitively by name"
    );
}

#[test]
pub(crate) fn quiet_prints_only_the_id() {
    let env = Env::new();
    env.account("blog");
    let run = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "Quiet",
            "-q",
            "--idempotency-key",
            "q",
        ])
        .success();
    assert!(is_task_id(run.stdout.trim_end()), "{:?}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(run.stderr, "");
    // Repeating it is quiet too: the note about the existing task is silenced.
    let again = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "Quiet",
            "-q",
            "--idempotency-key",
            "q",
        ])
        .success();
    assert_eq!(again.stdout, run.stdout);
    assert_eq!(again.stderr, "");
}

#[test]
pub(crate) fn an_idempotency_key_returns_the_first_task() {
    let env = Env::new();
    env.account("blog");
    let first = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "Weekly digest",
            "--idempotency-key",
            "digest-48",
        ])
        .success();
    let second = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "A different topic",
            "-p",
            "9",
            "--idempotency-key",
            "digest-48",
        ])
        .success();
    assert_eq!(first.stdout, second.stdout);
    second
        .stderr_has("idempotency key matches")
        .stderr_has(first.stdout.trim());
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE idempotency_key = 'digest-48'"),
        1
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 1);
    let t = show(&env, first.stdout.trim());
    assert_eq!(
        (t.topic.as_str(), t.priority),
        ("Weekly digest", 5),
        "the first task is untouched"
    );
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_submitted_total'"),
        1
    );

    // A different key, or none, is a new task.
    env.submit("blog", "Weekly digest", &["--idempotency-key", "digest-49"]);
    env.submit("blog", "Weekly digest", &[]);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 3);
}

#[test]
pub(crate) fn bulk_jsonl_takes_both_keyword_shapes_and_flags_as_defaults() {
    let env = Env::new();
    env.account("blog");
    env.account("news");
    let file = env.write(
        "tasks.jsonl",
        concat!(
            "{\"topic\":\"Array keywords\",\"keywords\":[\"rust\",\" tokio \"]}\n",
            "\n",
            "{\"topic\":\"String keywords\",\"keywords\":\"a, b，c\",\"priority\":2,\"account\":\"news\"}\n",
            "{\"topic\":\"Everything\",\"category\":\"deep\",\"requirements\":\"long\",\"tone\":\"dry\",\"auto_approve\":false,",
            "\"max_retries\":0,\"timeout\":600,\"callback_url\":\"http://127.0.0.1:9/cb\",\"generator\":\"template\",\"idempotency_key\":\"bulk-1\"}\n",
            "{\"topic\":\"Text timeout\",\"timeout\":\"1h\"}\n",
        ),
    );
    let run = env
        .run([
            "task",
            "submit",
            "--from-file",
            file.to_str().unwrap(),
            "-a",
            "blog",
            "-p",
            "7",
            "--max-retries",
            "4",
        ])
        .success();
    let ids = ids(&run.stdout);
    assert_eq!(ids.len(), 4, "one id per task, in file order");
    run.stderr_has("queued 4 tasks");
    let tasks: Vec<Task> = ids.iter().map(|id| show(&env, id)).collect();

    assert_eq!(tasks[0].account, "blog");
    assert_eq!(tasks[0].keywords, ["rust", "tokio"]);
    assert_eq!(
        (tasks[0].priority, tasks[0].max_retries),
        (7, 4),
        "flags fill missing fields"
    );

    assert_eq!(tasks[1].account, "news", "a field beats the flag");
    assert_eq!(tasks[1].keywords, ["a", "b", "c"]);
    assert_eq!(tasks[1].priority, 2);

    let t = &tasks[2];
    assert_eq!(t.category.as_deref(), Some("deep"));
    assert_eq!(t.requirements.as_deref(), Some("long"));
    assert_eq!(t.tone.as_deref(), Some("dry"));
    assert_eq!(t.review, ReviewMode::Manual);
    assert_eq!((t.max_retries, t.timeout_seconds), (0, 600));
    assert_eq!(t.callback_url.as_deref(), Some("http://127.0.0.1:9/cb"));
    assert_eq!(t.generator.as_deref(), Some("template"));
    assert_eq!(t.idempotency_key.as_deref(), Some("bulk-1"));
    assert_eq!(tasks[3].timeout_seconds, 3600);

    // All rows of one file share one transaction and so one creation time, yet keep file
    // order (FIFO among equal priorities).
    let listed: Vec<Task> = env.json(&["task", "list", "--reverse"]);
    let order: Vec<String> = listed.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(order, ids);

    // Submitting the same file again only repeats the row with a key.
    let again = env
        .run([
            "task",
            "submit",
            "--from-file",
            file.to_str().unwrap(),
            "-a",
            "blog",
        ])
        .success();
    again.stderr_has("queued 3 tasks (1 matched an existing idempotency key)");
    assert_eq!(self::ids(&again.stdout)[2], ids[2]);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 7);
}

#[test]
pub(crate) fn bulk_csv_uses_its_header_and_reads_stdin() {
    let env = Env::new();
    env.account("blog");
    let csv = "Account, topic ,keywords,priority,auto_approve,timeout\n\
               blog,First,\"rust,sqlite\",9,no,90\n\
               ,Second,,,yes,\n\
               blog,\"Third, with a comma\",single,,,2m\n";
    let file = env.write("tasks.csv", csv);
    let run = env
        .run([
            "task",
            "submit",
            "--from-file",
            file.to_str().unwrap(),
            "-a",
            "blog",
            "-p",
            "3",
            "--no-auto-approve",
        ])
        .success();
    let ids = ids(&run.stdout);
    assert_eq!(ids.len(), 3);
    let tasks: Vec<Task> = ids.iter().map(|id| show(&env, id)).collect();
    assert_eq!(tasks[0].keywords, ["rust", "sqlite"]);
    assert_eq!(
        (
            tasks[0].priority,
            tasks[0].review == ReviewMode::Auto,
            tasks[0].timeout_seconds
        ),
        (9, false, 90)
    );
    assert_eq!(tasks[1].account, "blog", "an empty cell takes the flag");
    assert!(tasks[1].keywords.is_empty());
    assert_eq!(
        (
            tasks[1].priority,
            tasks[1].review == ReviewMode::Auto,
            tasks[1].timeout_seconds
        ),
        (3, true, 1800)
    );
    assert_eq!(tasks[2].topic, "Third, with a comma");
    assert_eq!(
        (
            tasks[2].priority,
            tasks[2].review == ReviewMode::Auto,
            tasks[2].timeout_seconds
        ),
        (3, false, 120)
    );

    // `-` reads stdin; with no file name the format is told from the first character.
    let run = env
        .cmd(["task", "submit", "--from-file", "-", "-a", "blog", "-q"])
        .stdin("topic,priority\nFrom stdin,6\n")
        .run()
        .success();
    assert_eq!(self::ids(&run.stdout).len(), 1);
    assert_eq!(run.stderr, "", "-q silences the summary");
    let run = env
        .cmd(["task", "submit", "--from-file", "-"])
        .stdin("{\"account\":\"blog\",\"topic\":\"JSON from stdin\"}\n")
        .run()
        .success();
    let t = show(&env, self::ids(&run.stdout)[0].as_str());
    assert_eq!(t.topic, "JSON from stdin");
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 5);
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_submitted_total'"),
        5
    );
}

#[test]
pub(crate) fn ids_are_random_hex_and_stored_as_48_bit_integers() {
    let env = Env::new();
    env.account("blog");
    let a = env.submit("blog", "one", &[]);
    let b = env.submit("blog", "two", &[]);
    assert_ne!(a, b);
    for id in [&a, &b] {
        let n = env.count(&format!("SELECT id FROM tasks WHERE id = {}", raw_id(id)));
        assert!((0..1 << 48).contains(&n));
    }
}

/// Notepad, Excel and WPS may start a UTF-8 file with a byte-order mark; it is not part of
/// the first field or line, whatever the format and wherever it comes from.
#[test]
pub(crate) fn bulk_files_may_start_with_a_byte_order_mark() {
    let env = Env::new();
    env.account("blog");
    let jsonl = env.write(
        "bom.jsonl",
        "\u{feff}{\"account\":\"blog\",\"topic\":\"JSON with a BOM\"}\n",
    );
    let csv = env.write("bom.csv", "\u{feff}account,topic\nblog,CSV with a BOM\n");
    env.ok(["task", "submit", "--from-file", jsonl.to_str().unwrap()]);
    env.ok(["task", "submit", "--from-file", csv.to_str().unwrap()]);
    env.cmd(["task", "submit", "--from-file", "-"])
        .stdin("\u{feff}{\"account\":\"blog\",\"topic\":\"stdin with a BOM\"}\n")
        .ok();
    let topics: Vec<String> = env
        .json::<Vec<Task>>(&["task", "list", "--reverse"])
        .into_iter()
        .map(|t| t.topic)
        .collect();
    assert_eq!(
        topics,
        ["JSON with a BOM", "CSV with a BOM", "stdin with a BOM"]
    );
}

#[test]
pub(crate) fn a_bulk_line_that_is_not_utf8_is_invalid_input_naming_its_line() {
    let env = Env::new();
    env.account("blog");
    let jsonl = env.path().join("latin1.jsonl");
    std::fs::write(
        &jsonl,
        b"{\"account\":\"blog\",\"topic\":\"fine\"}\n{\"account\":\"blog\",\"topic\":\"caf\xe9\"}\n",
    )
    .unwrap();
    let csv = env.path().join("latin1.csv");
    std::fs::write(
        &csv,
        b"account,topic\nblog,fine\nblog,also fine\nblog,na\xefve\n",
    )
    .unwrap();
    for (file, needle) in [(&jsonl, "latin1.jsonl line 2"), (&csv, "latin1.csv line 4")] {
        let run = env
            .run(["task", "submit", "--from-file", file.to_str().unwrap()])
            .code(2);
        assert!(
            run.stderr.contains(needle) && run.stderr.contains("UTF-8"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        env.count("SELECT COUNT(*) FROM tasks"),
        0,
        "nothing is queued"
    );
}

/// A bulk file is read row by row: the importing process stays small however big the file is.
#[test]
pub(crate) fn a_bulk_import_streams_the_file_in_bounded_memory() {
    const ROWS: usize = 12_000;
    const LIMIT_KIB: i64 = 64 * 1024;
    let env = Env::new();
    env.account("blog");
    // 2,000 CJK characters of requirements a row: a 72 MB file.
    let requirements = "长".repeat(2000);
    let path = env.path().join("big.jsonl");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..ROWS {
            writeln!(
                f,
                "{{\"account\":\"blog\",\"topic\":\"row {i}\",\"requirements\":\"{requirements}\"}}"
            )
            .unwrap();
        }
    }
    assert!(std::fs::metadata(&path).unwrap().len() > 70_000_000);
    let mut child = env
        .std_cmd([
            "task",
            "submit",
            "-q",
            "--from-file",
            path.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The kernel's high-water mark of the resident set, read until the process exits; only
    // once it runs the binary (just after the spawn, the child may still be this test
    // process's copy, with its memory).
    let status_file = format!("/proc/{}/status", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut peak_kib = 0i64;
    let status = loop {
        let read = std::fs::read_to_string(&status_file)
            .ok()
            .filter(|t| t.lines().any(|l| l.trim_end() == "Name:\tcontenthub"));
        if let Some(text) = read {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the import took over 2 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(status.success(), "the import failed: {status}");
    assert!(peak_kib > 0, "no reading of the importing process");
    assert_eq!(env.count("SELECT COUNT(*) FROM tasks"), ROWS as i64);
    assert!(
        peak_kib <= LIMIT_KIB,
        "peak RSS {peak_kib} KiB for a 72 MB file (limit {LIMIT_KIB} KiB)"
    );
}

/// A bulk file that is a pipe is read to its end before the import takes the store's write
/// lock: a slow producer never holds up other writers.
#[test]
pub(crate) fn a_bulk_pipe_is_read_before_the_store_is_locked() {
    let env = Env::new();
    env.account("blog");
    let fifo = env.path().join("tasks.pipe");
    nix::unistd::mkfifo(
        &fifo,
        nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR,
    )
    .unwrap();
    let producer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            // Opening blocks until the import opens the other end.
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            writeln!(
                f,
                "{{\"account\":\"blog\",\"topic\":\"First from the pipe\"}}"
            )
            .unwrap();
            f.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_secs(3));
            writeln!(
                f,
                "{{\"account\":\"blog\",\"topic\":\"Last from the pipe\"}}"
            )
            .unwrap();
        })
    };
    let mut import = env.spawn(
        &[
            "task",
            "submit",
            "-q",
            "--from-file",
            fifo.to_str().unwrap(),
        ],
        &[],
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    let started = std::time::Instant::now();
    env.submit("blog", "Meanwhile", &[]);
    let took = started.elapsed();
    let code = import.exit_code(std::time::Duration::from_secs(30));
    assert!(code == 0);
    assert_eq!(ids(&import.log()).len(), 2);
    // The import read the whole pipe, so the producer has finished.
    producer.join().unwrap();
    assert!(
        took < std::time::Duration::from_secs(2),
        "a submit waited {took:?} for the import reading its pipe"
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 3);
}

/// A topic nearly identical to a pending or recent task of the same account warns on stderr
/// and is queued; with `--skip-similar` it is skipped: exit 0, said on stderr, no id on
/// stdout under `-q`. Other accounts, failed tasks and tasks completed over a week ago do not
/// count. A bulk file's rows are compared the same way.
#[test]
pub(crate) fn a_nearly_identical_topic_warns_and_skip_similar_skips_it() {
    let env = Env::new();
    env.account("blog");
    env.account("news");
    let first = env.submit("blog", "How to improve sleep quality", &[]);

    let warned = env
        .run([
            "task",
            "submit",
            "-q",
            "-a",
            "blog",
            "-t",
            "How to Improve Sleep Quality!",
        ])
        .success();
    let second = warned.stdout.trim().to_string();
    assert!(is_task_id(&second), "queued anyway: {:?}", warned.stdout);
    warned.stderr_has("warning").stderr_has(&first);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 2);

    let skipped = submit_skipping(&env, "blog", "how to improve your sleep quality");
    assert_eq!(skipped.stdout, "", "no id for a skipped task");
    skipped
        .stderr_has("skipped")
        .stderr_has("nothing was queued");
    assert!(
        skipped.stderr.contains(&first) || skipped.stderr.contains(&second),
        "names the similar task: {}",
        skipped.stderr
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 2);

    // A different topic, and the same topic for another account, are queued silently.
    for (account, topic) in [
        ("blog", "Best hiking trails in Yunnan"),
        ("news", "How to improve sleep quality"),
    ] {
        let run = submit_skipping(&env, account, topic);
        assert!(is_task_id(run.stdout.trim()), "{account}: {:?}", run.stdout);
        assert_eq!(run.stderr, "", "{account}: {topic}");
    }

    // Failed tasks and tasks completed over a week ago are not compared; unfinished ones
    // always are, however old.
    let old = contenthub::domain::time::now_ms() - 8 * 24 * 3600 * 1000;
    env.update_task(&first, &format!("status = 'completed', created_at = {old}"));
    env.update_task(&second, "status = 'failed'");
    let again = submit_skipping(&env, "blog", "How to improve sleep quality");
    let third = again.stdout.trim().to_string();
    assert!(is_task_id(&third), "{again:?}");
    assert_eq!(again.stderr, "");
    env.update_task(&third, &format!("created_at = {old}"));
    env.run([
        "task",
        "submit",
        "-q",
        "--skip-similar",
        "-a",
        "blog",
        "-t",
        "How to improve sleep quality",
    ])
    .success()
    .stderr_has(&third);

    // A bulk file: the similar row is skipped and named by its line; the other is queued.
    let file = env.write(
        "similar.jsonl",
        concat!(
            "{\"account\":\"blog\",\"topic\":\"How to improve sleep quality?\"}\n",
            "{\"account\":\"blog\",\"topic\":\"Growing tomatoes on a balcony\"}\n",
        ),
    );
    let bulk = env
        .run([
            "task",
            "submit",
            "-q",
            "--skip-similar",
            "--from-file",
            file.to_str().unwrap(),
        ])
        .success();
    assert_eq!(ids(&bulk.stdout).len(), 1, "{}", bulk.stdout);
    bulk.stderr_has("skipped")
        .stderr_has("similar.jsonl line 1")
        .stderr_has(&third);
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE topic = 'Growing tomatoes on a balcony'"),
        1
    );
    // Without the flag the row is queued, with a warning.
    let file = env.write(
        "similar2.jsonl",
        "{\"account\":\"blog\",\"topic\":\"Growing tomatoes on a balcony!\"}\n",
    );
    let bulk = env
        .run([
            "task",
            "submit",
            "-q",
            "--from-file",
            file.to_str().unwrap(),
        ])
        .success();
    assert_eq!(ids(&bulk.stdout).len(), 1);
    bulk.stderr_has("warning")
        .stderr_has("similar2.jsonl line 1");
}

/// `task submit -q --skip-similar -a ACCOUNT -t TOPIC`, which succeeds.
fn submit_skipping(env: &Env, account: &str, topic: &str) -> Run {
    env.run([
        "task",
        "submit",
        "-q",
        "--skip-similar",
        "-a",
        account,
        "-t",
        topic,
    ])
    .success()
}
