//! Processes as Linux shows them in `/proc`: a process's start time, parent and group, the
//! boot the start times count from, and whether a process carries a `command` generator's
//! run marker. With these, a daemon that starts after a crash tells the programs a dead daemon
//! left behind from unrelated processes that were given the same ids, and kills only the former
//! ([`leftover`]).
//!
//! On systems without `/proc` every lookup finds nothing, so nothing is recorded or killed.

use std::sync::OnceLock;

use super::contract::Child;

/// The environment variable a `command` generator's program gets, holding its run id.
pub const RUN_ENV: &str = "CONTENTHUB_RUN";

/// One line of `/proc/PID/stat`, the fields we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    /// `R`, `S`, `D`, `Z` (a zombie: dead, waiting to be reaped), …
    pub state: char,
    pub ppid: i32,
    pub pgid: i32,
    /// Field 22: clock ticks after boot at which the process started.
    pub start_ticks: u64,
}

impl Stat {
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

/// Parses a `/proc/PID/stat` line. The command name (field 2) is in parentheses and may hold
/// spaces or parentheses itself, so fields are counted from its last `)`.
pub fn parse_stat(pid: i32, line: &str) -> Option<Stat> {
    let rest = &line[line.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state), so field n is f[n - 3].
    Some(Stat {
        pid,
        state: f.first()?.chars().next()?,
        ppid: f.get(1)?.parse().ok()?,
        pgid: f.get(2)?.parse().ok()?,
        start_ticks: f.get(19)?.parse().ok()?,
    })
}

/// The process `pid` as it is now, if it exists.
pub fn stat(pid: i32) -> Option<Stat> {
    let line = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(pid, &line)
}

/// Every process visible now.
pub fn all() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(stat)
        .collect()
}

/// Whether `pid` is a running contenthub daemon of this machine: the process exists (and is
/// not a zombie) and runs `daemon`. A pid taken over by another program counts as gone.
pub fn daemon_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    if stat
        .rsplit(')')
        .next()
        .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    {
        return false;
    }
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| c.split(|b| *b == 0).any(|arg| arg == b"daemon"))
        // Another user's process may hide its command line: then it may be a daemon.
        .unwrap_or(true)
}

/// This machine's host name, as daemons record it in their heartbeats and owner ids.
pub fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
}

/// This boot's id, which start times count from.
pub fn boot_id() -> Option<String> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
    .clone()
}

/// Whether process `pid` started with `RUN_ENV=run_id` in its environment (inherited from the
/// program it descends from, unless something in between cleared it).
pub fn has_run_id(pid: i32, run_id: &str) -> bool {
    let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let want = format!("{RUN_ENV}={run_id}");
    env.split(|b| *b == 0).any(|kv| kv == want.as_bytes())
}

/// What is left of a recorded program, and may be killed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// Nothing: the group is gone, or its id now names somebody else's processes.
    Nothing,
    /// The program itself is alive (its start time matches the record): kill its whole group.
    Group(i32),
    /// The program is gone but processes it started are still in its group: these pids.
    Members(Vec<i32>),
}

/// Decides what is left of `child`, from a snapshot of the processes (`procs`) and a test of a
/// pid's run marker (`marked`). Process ids are reused, so an id alone proves nothing:
///
/// - When a process with the program's pid exists, it is the program only if its start time
///   is the recorded one (same boot); then its whole group is the program's. Any other start
///   time means the pid was given to someone else: nothing is killed.
/// - When the program is gone, Linux gives out its pid — and so its group id — to no new
///   process while the group still has members, so live members of the group are what the
///   program started. Each is still checked: it must have started no earlier than the
///   program, and carry the program's run marker.
///
/// Zombies are dead already and never count.
pub fn leftover(
    child: &Child,
    boot_id: Option<&str>,
    procs: &[Stat],
    marked: impl Fn(i32) -> bool,
) -> Leftover {
    if boot_id != Some(child.boot_id.as_str()) || child.pgid <= 1 {
        // Recorded in another boot (everything from then is gone), or no group to speak of.
        return Leftover::Nothing;
    }
    if let Some(leader) = procs.iter().find(|p| p.pid == child.pgid) {
        return if leader.start_ticks == child.start_ticks && !leader.is_zombie() {
            Leftover::Group(child.pgid)
        } else if leader.start_ticks == child.start_ticks {
            // The program died but is not reaped yet: its group may still have members.
            members(child, procs, marked)
        } else {
            Leftover::Nothing
        };
    }
    members(child, procs, marked)
}

fn members(child: &Child, procs: &[Stat], marked: impl Fn(i32) -> bool) -> Leftover {
    let pids: Vec<i32> = procs
        .iter()
        .filter(|p| p.pgid == child.pgid && p.pid != child.pgid && !p.is_zombie())
        .filter(|p| p.start_ticks >= child.start_ticks && marked(p.pid))
        .map(|p| p.pid)
        .collect();
    if pids.is_empty() {
        Leftover::Nothing
    } else {
        Leftover::Members(pids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(pgid: i32, start_ticks: u64) -> Child {
        Child {
            pgid,
            start_ticks,
            boot_id: "boot-a".into(),
            run_id: "r1".into(),
        }
    }

    fn p(pid: i32, pgid: i32, start_ticks: u64) -> Stat {
        Stat {
            pid,
            state: 'S',
            ppid: 1,
            pgid,
            start_ticks,
        }
    }

    #[test]
    fn parses_stat_lines_with_odd_command_names() {
        let line = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615";
        let s = parse_stat(4242, line).unwrap();
        assert_eq!(
            (s.state, s.ppid, s.pgid, s.start_ticks),
            ('S', 1, 4242, 987654)
        );
        assert_eq!(parse_stat(1, "1 (init) S 0"), None);
    }

    #[test]
    fn this_process_has_a_start_time_and_a_boot() {
        let me = stat(std::process::id() as i32).unwrap();
        assert!(me.start_ticks > 0);
        assert!(boot_id().is_some_and(|b| b.len() >= 32));
        assert!(all().iter().any(|s| s.pid == me.pid));
    }

    #[test]
    fn a_live_program_with_its_start_time_is_killed_with_its_group() {
        let c = child(500, 1000);
        let procs = [p(500, 500, 1000), p(501, 500, 1010)];
        assert_eq!(
            leftover(&c, Some("boot-a"), &procs, |_| true),
            Leftover::Group(500)
        );
    }

    #[test]
    fn a_reused_pid_with_another_start_time_is_not_killed() {
        let c = child(500, 1000);
        // pid 500 now belongs to a process that started later (or earlier: another boot).
        for start in [1001, 999, 5_000_000] {
            let procs = [p(500, 500, start), p(501, 500, start + 5)];
            assert_eq!(
                leftover(&c, Some("boot-a"), &procs, |_| true),
                Leftover::Nothing,
                "{start}"
            );
        }
        // The same ticks in another boot mean nothing either.
        let procs = [p(500, 500, 1000)];
        assert_eq!(
            leftover(&c, Some("boot-b"), &procs, |_| true),
            Leftover::Nothing
        );
        assert_eq!(leftover(&c, None, &procs, |_| true), Leftover::Nothing);
    }

    #[test]
    fn members_outliving_the_program_are_killed_only_when_marked_and_younger() {
        let c = child(500, 1000);
        let procs = [
            p(501, 500, 1010),
            p(502, 500, 1020),
            p(503, 500, 900),  // older than the program: not its descendant
            p(504, 777, 1030), // another group
            Stat {
                state: 'Z',
                ..p(505, 500, 1040)
            },
        ];
        assert_eq!(
            leftover(&c, Some("boot-a"), &procs, |pid| pid != 502),
            Leftover::Members(vec![501])
        );
        assert_eq!(
            leftover(&c, Some("boot-a"), &procs, |_| false),
            Leftover::Nothing
        );
        // A zombie leader with the recorded start time: its live members still go.
        let mut with_zombie = procs.to_vec();
        with_zombie.push(Stat {
            state: 'Z',
            ..p(500, 500, 1000)
        });
        assert_eq!(
            leftover(&c, Some("boot-a"), &with_zombie, |_| true),
            Leftover::Members(vec![501, 502])
        );
    }
}
