//! An opt-in commit trace, for the crash soak (`recoup-soak`, `tests/src/soak.rs`): with
//! `RECOUP_COMMIT_TRACE=/path/file` set when a process starts, every durable write of every
//! [`Store`](crate::Store) the process opens appends lines to that file:
//!
//! - `<pid> <conn> commit-begin` from SQLite's commit hook, which SQLite calls inside `COMMIT` before it
//!   writes the transaction's commit frame to the WAL (nothing of the commit is durable yet);
//! - `<pid> <conn> commit-hooked` as the hook returns, after an optional pause of
//!   `RECOUP_COMMIT_TRACE_DELAY_MS` milliseconds (so that a kill has a real chance to land there);
//!   SQLite then writes and syncs the WAL;
//! - `<pid> <conn> commit-end` once `COMMIT` has returned to the store's write helper (committed, or
//!   failed and rolled back);
//! - with `RECOUP_COMMIT_TRACE_AFTER_MS` set, a pause of that many milliseconds after
//!   `commit-end`, then `<pid> <conn> commit-after`: a kill there lands after the commit and
//!   before whatever the caller does next (a flow of two commits, cut between them).
//!
//! Each line is one `write(2)` on a file opened with `O_APPEND`: the kernel has it as soon as the
//! call returns, so a process killed with SIGKILL leaves its last line behind. `<conn>` numbers
//! the stores the process opened (from 1): an endpoint commits to several accounts' stores at
//! once, so a process was killed inside a commit when the last line of any of its connections
//! is `commit-begin` or `commit-hooked`.
//!
//! Unset (the normal case), nothing is installed: no hook, no file, no cost beyond reading the
//! environment once per process. The variables are read once per process.

use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The file the trace appends to.
pub const COMMIT_TRACE_ENV: &str = "RECOUP_COMMIT_TRACE";
/// How long the commit hook pauses, in milliseconds (default 0).
pub const COMMIT_TRACE_DELAY_MS_ENV: &str = "RECOUP_COMMIT_TRACE_DELAY_MS";
/// How long the store pauses after each commit, in milliseconds (default 0).
pub const COMMIT_TRACE_AFTER_MS_ENV: &str = "RECOUP_COMMIT_TRACE_AFTER_MS";

/// The trace file of this process, shared by its stores.
#[derive(Debug)]
pub(crate) struct CommitTrace {
    file: File,
    pid: u32,
    delay: Duration,
    after: Duration,
    /// The number the next connection gets.
    next_conn: AtomicU64,
}

impl CommitTrace {
    /// The process's trace, if `RECOUP_COMMIT_TRACE` was set when it was first asked for.
    pub(crate) fn installed() -> Option<Arc<Self>> {
        static TRACE: OnceLock<Option<Arc<CommitTrace>>> = OnceLock::new();
        TRACE.get_or_init(Self::from_env).clone()
    }

    fn from_env() -> Option<Arc<Self>> {
        let path = std::env::var_os(COMMIT_TRACE_ENV)?;
        // A trace that cannot be opened is no trace: the store works as usual, and the soak,
        // which counts the lines, sees none and says so.
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        let ms = |var: &str| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Duration::ZERO, Duration::from_millis)
        };
        Some(Arc::new(Self {
            file,
            pid: std::process::id(),
            delay: ms(COMMIT_TRACE_DELAY_MS_ENV),
            after: ms(COMMIT_TRACE_AFTER_MS_ENV),
            next_conn: AtomicU64::new(1),
        }))
    }

    /// The trace of one more connection (store) of this process.
    pub(crate) fn connection(self: &Arc<Self>) -> ConnTrace {
        ConnTrace {
            trace: Arc::clone(self),
            conn: self.next_conn.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// The trace of one connection: its lines carry the process id and the connection's number.
#[derive(Debug, Clone)]
pub(crate) struct ConnTrace {
    trace: Arc<CommitTrace>,
    conn: u64,
}

impl ConnTrace {
    /// Appends `<pid> <conn> <what>` in one `write` call.
    pub(crate) fn mark(&self, what: &str) {
        let line = format!("{} {} {what}\n", self.trace.pid, self.conn);
        // Best effort, by design: a trace line that cannot be written must not fail a commit.
        let _ = (&self.trace.file).write(line.as_bytes());
    }

    /// The commit hook's body: SQLite is inside `COMMIT`, about to write the commit frame.
    /// Answers `false`: never turn the commit into a rollback.
    pub(crate) fn in_commit(&self) -> bool {
        self.mark("commit-begin");
        if !self.trace.delay.is_zero() {
            std::thread::sleep(self.trace.delay);
        }
        self.mark("commit-hooked");
        false
    }

    /// `COMMIT` returned (committed or rolled back): marks the end, then pauses if asked to.
    pub(crate) fn committed(&self) {
        self.mark("commit-end");
        if !self.trace.after.is_zero() {
            std::thread::sleep(self.trace.after);
            self.mark("commit-after");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traced_commit_appends_begin_then_hooked_with_the_pid_and_connection_and_never_rolls_back()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let trace = Arc::new(CommitTrace {
            file,
            pid: 42,
            delay: Duration::ZERO,
            after: Duration::ZERO,
            next_conn: AtomicU64::new(1),
        });
        let first = trace.connection();
        let second = trace.connection();
        assert!(
            !first.in_commit(),
            "the hook never turns a commit into a rollback"
        );
        second.committed();
        first.committed();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text, "42 1 commit-begin\n42 1 commit-hooked\n42 2 commit-end\n42 1 commit-end\n",
            "one line per mark, in order, each with the pid and the connection's number"
        );
    }
}
