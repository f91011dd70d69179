//! The `command` backend: runs a local program (no shell) once per article. The task [`Spec`]
//! goes to its stdin as JSON; it answers on stdout with JSON `{title?, body|content, html?,
//! summary?, images?, word_count?, quality_score?, model?, prompt_tokens?, completion_tokens?}`
//! (unknown fields ignored) and exits 0.
//!
//! The program runs in its own process group. When the per-request timeout passes, when the
//! `submit` future is dropped (task cancelled, daemon shutting down) and after the program exits,
//! the whole group gets SIGKILL, so nothing it started outlives it or holds our pipes open.
//!
//! Exit status: 0 → parse stdout; 64 (EX_USAGE) and 65 (EX_DATAERR) → permanent; any other code
//! or death by a signal → transient. The error message is the program's stderr, trimmed and cut
//! to its last ~2000 characters.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::task::AbortHandle;

use super::contract::{GenError, Generator, Output, Spec, Submitted};
use super::profile::GeneratorProfile;
use super::reply::{f64_of, image_of, u32_of};
use crate::domain::content::{first_heading, summarize};

/// Exit codes that mean "this input will never work" (sysexits.h).
const EX_USAGE: i32 = 64;
const EX_DATAERR: i32 = 65;
/// The most stdout we accept.
const MAX_STDOUT: usize = 32 << 20;
/// The most stderr we keep (its tail).
const MAX_STDERR: usize = 64 << 10;
/// The most stderr shown in an error message (its tail, in characters).
const MAX_MESSAGE: usize = 2000;

#[derive(Debug)]
pub struct CommandGenerator {
    label: String,
    program: String,
    args: Vec<String>,
    model: Option<String>,
    timeout: Duration,
}

impl CommandGenerator {
    pub fn new(name: &str, p: &GeneratorProfile, timeout: Duration) -> Result<Self, GenError> {
        let label = format!("command generator '{name}'");
        let argv = p.command.clone().unwrap_or_default();
        let Some((program, args)) = argv.split_first().filter(|(p, _)| !p.trim().is_empty()) else {
            return Err(GenError::permanent(format!("{label}: command is not set")));
        };
        Ok(CommandGenerator {
            label,
            program: program.clone(),
            args: args.to_vec(),
            model: p.model.clone().filter(|m| !m.trim().is_empty()),
            timeout,
        })
    }

    fn spawn_error(&self, e: io::Error) -> GenError {
        let msg = format!("{}: cannot run `{}`: {e}", self.label, self.program);
        match e.kind() {
            io::ErrorKind::NotFound
            | io::ErrorKind::PermissionDenied
            | io::ErrorKind::InvalidInput => GenError::permanent(msg),
            _ => GenError::transient(msg),
        }
    }

    async fn run(
        &self,
        input: Vec<u8>,
    ) -> Result<(std::process::ExitStatus, Vec<u8>, Vec<u8>), GenError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let timed_out = || {
            GenError::transient(format!(
                "{}: `{}` timed out after {}; its process group was killed",
                self.label,
                self.program,
                humantime::format_duration(self.timeout)
            ))
        };
        let mut child = tokio::process::Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| self.spawn_error(e))?;
        // Declared after `child`, so it is dropped (and kills the group) first, while the
        // leader is not yet reaped and its pid still names the group.
        let mut group = Group::new(child.id());

        let stdin = child.stdin.take();
        let writer = tokio::spawn(async move {
            if let Some(mut stdin) = stdin {
                // A program that does not read its input closes the pipe early: not our error.
                let _ = stdin.write_all(&input).await;
                let _ = stdin.shutdown().await;
            }
        });
        let out = tokio::spawn(read_capped(child.stdout.take(), MAX_STDOUT, false));
        let err = tokio::spawn(read_capped(child.stderr.take(), MAX_STDERR, true));
        group.tasks.extend([
            writer.abort_handle(),
            out.abort_handle(),
            err.abort_handle(),
        ]);

        let status = match tokio::time::timeout_at(deadline, child.wait()).await {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => {
                return Err(GenError::transient(format!(
                    "{}: waiting for `{}`: {e}",
                    self.label, self.program
                )))
            }
            Err(_) => return Err(timed_out()),
        };
        // The leader is gone; whatever is left in its group would hold our pipes open.
        group.kill();
        let (out, err) =
            match tokio::time::timeout_at(deadline, async { (out.await, err.await) }).await {
                Ok((Ok(out), Ok(err))) => (out, err),
                Ok(_) => {
                    return Err(GenError::transient(format!(
                        "{}: reading the output of `{}` failed",
                        self.label, self.program
                    )))
                }
                Err(_) => return Err(timed_out()),
            };
        let (stdout, overflow) = out;
        if overflow {
            return Err(GenError::transient(format!(
                "{}: `{}` wrote more than {} MiB to stdout",
                self.label,
                self.program,
                MAX_STDOUT >> 20
            )));
        }
        Ok((status, stdout, err.0))
    }

    fn exit_error(&self, status: std::process::ExitStatus, stderr: &[u8]) -> GenError {
        let text = stderr_tail(stderr);
        let text = if text.is_empty() {
            "(no stderr)".to_string()
        } else {
            text
        };
        match (status.code(), status.signal()) {
            (Some(code @ (EX_USAGE | EX_DATAERR)), _) => GenError::permanent(format!(
                "{}: `{}` exited with code {code}: {text}",
                self.label, self.program
            )),
            (Some(code), _) => GenError::transient(format!(
                "{}: `{}` exited with code {code}: {text}",
                self.label, self.program
            )),
            (None, sig) => {
                let sig = sig.map(|s| s.to_string()).unwrap_or_else(|| "?".into());
                GenError::transient(format!(
                    "{}: `{}` was killed by signal {sig}: {text}",
                    self.label, self.program
                ))
            }
        }
    }
}

#[async_trait]
impl Generator for CommandGenerator {
    async fn submit(&self, spec: &Spec) -> Result<Submitted, GenError> {
        let input = serde_json::to_vec(spec).map_err(|e| {
            GenError::permanent(format!("{}: cannot encode the task: {e}", self.label))
        })?;
        let (status, stdout, stderr) = self.run(input).await?;
        if !status.success() {
            return Err(self.exit_error(status, &stderr));
        }
        parse_output(&stdout)
            .map(Submitted::Done)
            .map_err(|e| GenError {
                message: format!("{}: `{}`: {}", self.label, self.program, e.message),
                ..e
            })
    }

    fn model(&self) -> Option<String> {
        self.model.clone()
    }
}

/// SIGKILLs a process group once, on demand or on drop, and aborts the pipe tasks on drop.
struct Group {
    pgid: Option<Pid>,
    tasks: Vec<AbortHandle>,
}

impl Group {
    fn new(pid: Option<u32>) -> Self {
        let pgid = pid
            .and_then(|p| i32::try_from(p).ok())
            .filter(|p| *p > 1)
            .map(Pid::from_raw);
        Group {
            pgid,
            tasks: Vec::new(),
        }
    }

    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            // ESRCH (nothing left in the group) is the usual, fine outcome.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Reads a pipe to its end, keeping at most `cap` bytes: the head (and an overflow flag), or
/// with `keep_tail` the tail. Keeps draining past the cap so the writer never blocks.
async fn read_capped<R: AsyncRead + Unpin>(
    pipe: Option<R>,
    cap: usize,
    keep_tail: bool,
) -> (Vec<u8>, bool) {
    let Some(mut pipe) = pipe else {
        return (Vec::new(), false);
    };
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let mut overflow = false;
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if keep_tail {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > 2 * cap {
                        buf.drain(..buf.len() - cap);
                    }
                } else if buf.len() + n <= cap {
                    buf.extend_from_slice(&chunk[..n]);
                } else {
                    overflow = true;
                }
            }
        }
    }
    if keep_tail && buf.len() > cap {
        buf.drain(..buf.len() - cap);
    }
    (buf, overflow)
}

/// The end of stderr as one trimmed message of at most [`MAX_MESSAGE`] characters.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let n = text.chars().count();
    if n <= MAX_MESSAGE {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - MAX_MESSAGE).collect();
    format!("…{}", tail.trim_start())
}

/// Maps the program's stdout to an [`Output`]: unparseable → transient, no body → permanent.
fn parse_output(stdout: &[u8]) -> Result<Output, GenError> {
    let v: Value = serde_json::from_slice(stdout).map_err(|e| {
        let start = String::from_utf8_lossy(&stdout[..stdout.len().min(120)])
            .trim()
            .to_string();
        GenError::transient(format!(
            "stdout is not the expected JSON ({e}); it starts: {start:?}"
        ))
    })?;
    if !v.is_object() {
        return Err(GenError::transient("stdout is JSON but not an object"));
    }
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let body = text("body")
        .or_else(|| text("content"))
        .ok_or_else(|| GenError::permanent("the generator returned empty content"))?;
    Ok(Output {
        title: text("title")
            .or_else(|| first_heading(&body))
            .unwrap_or_default(),
        html: text("html"),
        summary: text("summary").or_else(|| summarize(&body, 120)),
        images: v
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(image_of)
            .collect(),
        word_count: v.get("word_count").and_then(u32_of),
        quality_score: v.get("quality_score").and_then(f64_of),
        model: text("model"),
        prompt_tokens: v.get("prompt_tokens").and_then(u32_of),
        completion_tokens: v.get("completion_tokens").and_then(u32_of),
        body,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Instant;

    use super::*;
    use crate::generator::contract::ErrorKind;
    use crate::generator::profile::GeneratorKind;
    use crate::generator::testing::{profile, spec};

    /// A generator running `/bin/sh script args…` (sh, not the script itself: executing a file
    /// just written can fail with ETXTBSY while other test threads fork).
    fn script(dir: &Path, body: &str, args: &[&str], timeout: Duration) -> CommandGenerator {
        let path = dir.join("gen.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        let mut p = profile(GeneratorKind::Command, "http://unused.invalid");
        p.base_url = None;
        p.model = None;
        let mut argv = vec!["/bin/sh".to_string(), path.display().to_string()];
        argv.extend(args.iter().map(|a| a.to_string()));
        p.command = Some(argv);
        CommandGenerator::new("cmd", &p, timeout).unwrap()
    }

    /// Whether a pid is gone (or a zombie: killed, waiting for whoever reaps it).
    fn gone(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        }
    }

    async fn wait_gone(pid: i32) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while !gone(pid) {
            assert!(Instant::now() < deadline, "pid {pid} still alive");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn read_pid(file: &Path) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            if let Ok(s) = std::fs::read_to_string(file) {
                if let Ok(pid) = s.trim().parse() {
                    return pid;
                }
            }
            assert!(Instant::now() < deadline, "no pid file");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn success_reads_spec_and_maps_output() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.json");
        let g = script(
            dir.path(),
            r##"cat > "$1"
printf '%s' '{"title":"Custom","body":"# Heading\n\nFirst paragraph.","html":"<p>x</p>","images":[{"url":"https://x/1.png","width":640,"extra":true},"https://x/2.png"],"word_count":321,"quality_score":0.9,"model":"my-model","prompt_tokens":10,"completion_tokens":20,"unknown":{"a":1}}'"##,
            &[input.to_str().unwrap()],
            Duration::from_secs(2),
        );
        let s = spec();
        let Submitted::Done(out) = g.submit(&s).await.unwrap() else {
            panic!()
        };
        assert_eq!(out.title, "Custom");
        assert_eq!(out.body, "# Heading\n\nFirst paragraph.");
        assert_eq!(out.html.as_deref(), Some("<p>x</p>"));
        assert_eq!(out.summary.as_deref(), Some("First paragraph."));
        assert_eq!(out.images.len(), 2);
        assert_eq!(
            (out.images[0].url.as_deref(), out.images[0].width),
            (Some("https://x/1.png"), Some(640))
        );
        assert_eq!((out.word_count, out.quality_score), (Some(321), Some(0.9)));
        assert_eq!(out.model.as_deref(), Some("my-model"));
        assert_eq!(
            (out.prompt_tokens, out.completion_tokens),
            (Some(10), Some(20))
        );
        let got: Value = serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
        assert_eq!(got, serde_json::to_value(&s).unwrap());

        // `content` instead of `body`; the title then comes from the first heading.
        let g = script(
            dir.path(),
            r##"printf '%s' '{"content":"# From content\n\ntext"}'"##,
            &[],
            Duration::from_secs(2),
        );
        let Submitted::Done(out) = g.submit(&s).await.unwrap() else {
            panic!()
        };
        assert_eq!(out.title, "From content");
    }

    #[tokio::test]
    async fn nonzero_exit_is_transient_with_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let g = script(
            dir.path(),
            "echo 'boom: upstream said no' >&2\nexit 1",
            &[],
            Duration::from_secs(2),
        );
        let e = g.submit(&spec()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(
            e.message.contains("boom: upstream said no") && e.message.contains("code 1"),
            "{}",
            e.message
        );

        let g = script(dir.path(), "kill -9 $$", &[], Duration::from_secs(2));
        let e = g.submit(&spec()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("signal"), "{}", e.message);

        // Long stderr is cut to its tail.
        let g = script(dir.path(), "i=0; while [ $i -lt 300 ]; do echo 'line of noise 0123456789' >&2; i=$((i+1)); done; echo LAST >&2; exit 3", &[], Duration::from_secs(2));
        let e = g.submit(&spec()).await.unwrap_err();
        assert!(
            e.message.ends_with("LAST") && e.message.chars().count() < MAX_MESSAGE + 200,
            "{}",
            e.message.len()
        );
    }

    #[tokio::test]
    async fn usage_and_data_errors_are_permanent() {
        let dir = tempfile::tempdir().unwrap();
        for code in [64, 65] {
            let g = script(
                dir.path(),
                &format!("echo 'bad input' >&2\nexit {code}"),
                &[],
                Duration::from_secs(2),
            );
            let e = g.submit(&spec()).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Permanent, "{code}");
            assert!(e.message.contains("bad input"));
        }
    }

    #[tokio::test]
    async fn garbage_stdout_is_transient_and_empty_body_permanent() {
        let dir = tempfile::tempdir().unwrap();
        let g = script(
            dir.path(),
            "echo 'this is not json'",
            &[],
            Duration::from_secs(2),
        );
        assert_eq!(
            g.submit(&spec()).await.unwrap_err().kind,
            ErrorKind::Transient
        );
        let g = script(dir.path(), "", &[], Duration::from_secs(2));
        assert_eq!(
            g.submit(&spec()).await.unwrap_err().kind,
            ErrorKind::Transient
        );
        let g = script(
            dir.path(),
            r#"echo '{"title":"t","body":"  "}'"#,
            &[],
            Duration::from_secs(2),
        );
        let e = g.submit(&spec()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(e.message.contains("the generator returned empty content"));
    }

    #[tokio::test]
    async fn missing_program_is_permanent() {
        let mut p = profile(GeneratorKind::Command, "http://unused.invalid");
        p.command = Some(vec!["/nonexistent/contenthub-no-such-generator".into()]);
        let g = CommandGenerator::new("cmd", &p, Duration::from_secs(1)).unwrap();
        let e = g.submit(&spec()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(
            e.message
                .contains("/nonexistent/contenthub-no-such-generator"),
            "{}",
            e.message
        );
        p.command = Some(vec![]);
        assert!(CommandGenerator::new("cmd", &p, Duration::from_secs(1)).is_err());
    }

    #[tokio::test]
    async fn timeout_kills_the_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let g = script(
            dir.path(),
            "sleep 30 &\necho $! > \"$1\"\nsleep 30",
            &[pid_file.to_str().unwrap()],
            Duration::from_millis(800),
        );
        let started = Instant::now();
        let e = g.submit(&spec()).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(1800),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("timed out"), "{}", e.message);
        let pid = read_pid(&pid_file).await;
        wait_gone(pid).await;
    }

    #[tokio::test]
    async fn dropping_submit_kills_the_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let g = script(
            dir.path(),
            "sleep 30 &\necho $! > \"$1\"\nsleep 30",
            &[pid_file.to_str().unwrap()],
            Duration::from_secs(30),
        );
        let s = spec();
        // async_trait boxes the future, so `drop` really drops it.
        let mut fut = g.submit(&s);
        // Run it until the grandchild exists, then drop it (as a cancelled worker would).
        let pid = tokio::select! {
            _ = &mut fut => panic!("finished early"),
            pid = read_pid(&pid_file) => pid,
        };
        drop(fut);
        wait_gone(pid).await;
    }

    #[tokio::test]
    async fn exit_leaves_no_stragglers() {
        // A background process holding stdout open must neither block us nor survive.
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let g = script(
            dir.path(),
            "sleep 30 &\necho $! > \"$1\"\necho '{\"body\":\"# ok\"}'",
            &[pid_file.to_str().unwrap()],
            Duration::from_secs(2),
        );
        // Waiting for the straggler's end of the pipe would run into the 2 s timeout (an error).
        assert!(matches!(
            g.submit(&spec()).await.unwrap(),
            Submitted::Done(_)
        ));
        wait_gone(read_pid(&pid_file).await).await;
    }
}
