//! A private PostgreSQL server for tests, started and stopped by the test itself (no system
//! service): `initdb` into a temp dir, `pg_ctl start` on a free loopback port with its unix
//! socket in that dir, trust authentication (loopback only, tests only). Debian's `postgresql`
//! package provides the binaries (`scripts/test.sh` installs it when missing).
//!
//! As root (CI, this project's machines), `initdb` refuses to run: the server's commands run as
//! the `postgres` system user through `runuser`, in a temp dir given to that user. As any other
//! user they run as that user.
//!
//! The server stops (`pg_ctl stop -m fast`) when its [`PgServer`] is dropped, and also when the
//! test process ends without dropping it (a server kept in a `static` for a whole test binary,
//! or a process that panicked or was killed): a small guardian shell waits for the end of a pipe
//! the process holds and then stops the server and removes its directory.

use std::io;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use tempfile::TempDir;

/// Where Debian puts PostgreSQL 15's server binaries.
pub const DEBIAN_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// The environment variable that names another directory of PostgreSQL server binaries.
pub const BIN_DIR_ENV: &str = "RECOUP_PG_BIN";

/// How many free ports are tried before giving up on starting (another process may take the
/// port between our probe and the server's bind).
const START_ATTEMPTS_MAX: u32 = 5;

/// The database superuser initdb creates (`-U postgres`).
pub const SUPERUSER: &str = "postgres";

/// Why the harness could not start, stop or use its server.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The server binaries are not installed.
    #[error(
        "PostgreSQL's server binaries were not found (looked for initdb in {looked_in}): install Debian's postgresql package (`apt-get install postgresql`, or run scripts/test.sh, which does), or set {BIN_DIR_ENV} to their directory"
    )]
    BinariesMissing {
        /// The directories searched.
        looked_in: String,
    },
    /// Running as root, but there is no `postgres` system user to run the server as.
    #[error(
        "running as root, and there is no `postgres` system user to run PostgreSQL as (initdb refuses root): install Debian's postgresql package, which creates it"
    )]
    NoPostgresUser,
    /// A command could not be run at all.
    #[error("cannot run {command}: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// Why.
        source: io::Error,
    },
    /// A command ran and failed.
    #[error("{command} failed ({status}): {output}")]
    Failed {
        /// The command.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed (and, for the server, the end of its log).
        output: String,
    },
    /// The temp dir could not be made or given to the postgres user.
    #[error("the server's directory: {0}")]
    Dir(io::Error),
}

/// A PostgreSQL server of the test's own, on 127.0.0.1 at [`PgServer::port`].
#[derive(Debug)]
pub struct PgServer {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    /// Some(uid, gid) of the postgres user when running as root.
    run_as: Option<(u32, u32)>,
    running: bool,
    guardian: Option<Child>,
}

impl PgServer {
    /// Makes a new cluster in a temp dir and starts it on a free loopback port.
    pub fn start_new() -> Result<Self, HarnessError> {
        let bin = bin_dir()?;
        let run_as = if running_as_root() {
            Some(postgres_user()?.ok_or(HarnessError::NoPostgresUser)?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("recoup-pg-")
            .tempdir()
            .map_err(HarnessError::Dir)?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(HarnessError::Dir)?;
        }
        let mut server = Self {
            dir,
            bin,
            port: 0,
            run_as,
            running: false,
            guardian: None,
        };
        let data = server.data_dir();
        server.run(server.command("initdb").arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--no-instructions",
        ]))?;
        server.guardian = Some(server.spawn_guardian()?);
        let mut last = None;
        for _ in 0..START_ATTEMPTS_MAX {
            server.port = free_port().map_err(HarnessError::Dir)?;
            match server.start() {
                Ok(()) => return Ok(server),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(HarnessError::Dir(io::Error::other("no start attempted"))))
    }

    /// The port the server listens on (127.0.0.1), the same across [`Self::start`]s.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the server's unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the server was started and not stopped since.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The URL of database `name` on this server, over loopback TCP.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name` (empty, from template1) and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, HarnessError> {
        let port = self.port.to_string();
        self.run(Command::new(self.bin.join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            SUPERUSER,
            name,
        ]))?;
        Ok(self.url(name))
    }

    /// Starts the server again (after [`Self::stop_immediate`] or [`Self::stop`]) on the same
    /// port and data: after an immediate stop it recovers from its WAL, as after a crash.
    pub fn start(&mut self) -> Result<(), HarnessError> {
        if self.running {
            return Ok(());
        }
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let data = self.data_dir();
        let log = self.dir.path().join("log");
        let started = self.run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(&options)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "start"]),
        );
        if let Err(HarnessError::Failed {
            command,
            status,
            output,
        }) = started
        {
            return Err(HarnessError::Failed {
                command,
                status,
                output: format!("{output}\nserver log:\n{}", self.log_tail()),
            });
        }
        started?;
        self.running = true;
        Ok(())
    }

    /// Stops the server cleanly (`pg_ctl stop -m fast`: sessions ended, a checkpoint written).
    pub fn stop(&mut self) -> Result<(), HarnessError> {
        self.pg_ctl_stop("fast")
    }

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`: no checkpoint; the next
    /// start replays the WAL).
    pub fn stop_immediate(&mut self) -> Result<(), HarnessError> {
        self.pg_ctl_stop("immediate")
    }

    fn pg_ctl_stop(&mut self, mode: &str) -> Result<(), HarnessError> {
        if !self.running {
            return Ok(());
        }
        let data = self.data_dir();
        self.run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-m", mode, "-w", "stop"]),
        )?;
        self.running = false;
        Ok(())
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A server command, run as the postgres user when we are root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(_) => {
                let mut c = Command::new("runuser");
                c.args(["-u", SUPERUSER, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, command: &mut Command) -> Result<Output, HarnessError> {
        let shown = format!("{command:?}");
        let output =
            command
                .stdin(Stdio::null())
                .output()
                .map_err(|source| HarnessError::Spawn {
                    command: shown.clone(),
                    source,
                })?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(HarnessError::Failed {
                command: shown,
                status: output.status.to_string(),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            })
        }
    }

    /// A shell that waits for the end of its stdin (this process's end, however it ends), then
    /// stops the server and removes its directory. Killed by `Drop`, which does both itself.
    fn spawn_guardian(&self) -> Result<Child, HarnessError> {
        let stop = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"])
            .get_args()
            .map(|a| a.to_os_string())
            .collect::<Vec<_>>();
        let program = self.command("pg_ctl").get_program().to_os_string();
        Command::new("sh")
            .arg("-c")
            .arg(r#"read -r _ ; "$@" >/dev/null 2>&1 ; rm -rf "$RECOUP_PG_DIR""#)
            .arg("recoup-pg-guardian")
            .arg(program)
            .args(stop)
            .env("RECOUP_PG_DIR", self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| HarnessError::Spawn {
                command: "sh (the server's guardian)".to_owned(),
                source,
            })
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(mut guardian) = self.guardian.take() {
            // Our own child: it would otherwise stop the server a second time.
            let _ = guardian.kill();
            let _ = guardian.wait();
        }
        if let Err(e) = self.stop() {
            eprintln!("the test PostgreSQL did not stop cleanly: {e}");
            let _ = self.stop_immediate();
        }
    }
}

/// The directory of the server binaries (and `pg_dump`, `pg_restore`): `$RECOUP_PG_BIN`,
/// Debian's PostgreSQL 15, or the newest other version Debian installed.
pub fn bin_dir() -> Result<PathBuf, HarnessError> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        candidates.push(PathBuf::from(dir));
    }
    candidates.push(PathBuf::from(DEBIAN_BIN_DIR));
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let v = e.file_name().to_str()?.parse().ok()?;
                Some((v, e.path().join("bin")))
            })
            .collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev().map(|(_, p)| p));
    }
    candidates
        .iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .cloned()
        .ok_or_else(|| HarnessError::BinariesMissing {
            looked_in: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Whether this process runs as root (`/proc/self` belongs to the process's user).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The postgres system user's uid and gid, from /etc/passwd.
fn postgres_user() -> Result<Option<(u32, u32)>, HarnessError> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(HarnessError::Dir)?;
    Ok(passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            [name, _, uid, gid, ..] if *name == SUPERUSER => {
                Some((uid.parse().ok()?, gid.parse().ok()?))
            }
            _ => None,
        }
    }))
}

/// A loopback port nothing listens on right now.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The environment variable that runs a test suite on PostgreSQL: `RECOUP_TEST_ENGINE=postgres`
/// (`scripts/test.sh` runs the endpoint's suites once on each engine).
pub const ENGINE_ENV: &str = "RECOUP_TEST_ENGINE";

/// Whether this test run is on PostgreSQL ([`ENGINE_ENV`] is `postgres`).
pub fn postgres_run() -> bool {
    std::env::var(ENGINE_ENV).is_ok_and(|e| e == "postgres")
}

/// In a PostgreSQL run, the database of `key` (a test server's data directory): made on one
/// server shared by the whole test process the first time it is asked for, so that a server
/// restarted on the same directory finds the same database. `None` in a SQLite run. Panics
/// (this is test support) when the server or the database cannot be made, saying why.
pub fn database_for(key: &Path) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Mutex, OnceLock};
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    if !postgres_run() {
        return None;
    }
    let server = SERVER.get_or_init(|| {
        PgServer::start_new()
            .unwrap_or_else(|e| panic!("the suite's own PostgreSQL must start: {e}"))
    });
    let mut made = DATABASES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let url = made.entry(key.to_path_buf()).or_insert_with(|| {
        let name = format!("suite_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        server
            .create_database(&name)
            .unwrap_or_else(|e| panic!("database {name} must be created: {e}"))
    });
    Some(url.clone())
}

/// Whether this run is on PostgreSQL, where a test of a SQLite-engine mechanism (its files on
/// disk, its threads, its two-commit review queue) has nothing to test; says why when it is.
pub fn sqlite_engine_only(why: &str) -> bool {
    let pg = postgres_run();
    if pg {
        eprintln!("not run on PostgreSQL: {why}");
    }
    pg
}
