//! The machinery of the end-to-end test: a `tauri-driver` process on free ports with the app's
//! environment, a WebDriver session on the built app, bounded polling that says what it waited
//! for and what it saw, and screenshots.

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::webdriver::{Element, Session};

/// How long any one wait may take before the test fails (generous: a debug build under Xvfb on
/// two busy cores).
pub const WAIT: Duration = Duration::from_secs(20);
/// Between two looks at the page.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// The target profile folder this test binary was built into (`target/debug`), found from the
/// binary itself so a custom `CARGO_TARGET_DIR` works too.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/debug/deps/e2e-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .to_path_buf()
}

/// The desktop app under test: `RECOUP_E2E_APP` if set, else `target/debug/recoup-app`.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("RECOUP_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| profile_dir().join("recoup-app"));
    assert!(
        path.is_file(),
        "the app binary {} is missing: build it first with `cargo build -p recoup-desktop` \
         (scripts/e2e.sh expects it built)",
        path.display()
    );
    path.canonicalize().expect("the app binary path resolves")
}

/// Where every screenshot of a run goes: `target/e2e-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = profile_dir()
        .parent()
        .expect("target/<profile> has a parent")
        .join("e2e-screenshots");
    fs::create_dir_all(&dir).expect("create target/e2e-screenshots");
    dir
}

/// Two different free loopback ports, for tauri-driver and the WebKitWebDriver behind it. Both
/// stay bound until both are known: released one at a time, the kernel can hand out the same port
/// twice, and WebKitWebDriver then fails with "Unable to listen for HTTP server".
fn free_port_pair() -> (u16, u16) {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    let (a, b) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("a bound port's address").port();
    (port(&a), port(&b))
}

/// One app under test: a fresh data directory, `tauri-driver` (and through it WebKitWebDriver and
/// the app) started with the app's environment. Dropping it stops them all, also when the test
/// failed: SIGTERM to tauri-driver (SIGKILL would orphan WebKitWebDriver), then SIGTERM to any
/// process still running with this fixture's data directory in its environment.
pub struct Fixture {
    driver: Child,
    /// `http://127.0.0.1:<port>` of tauri-driver.
    pub driver_url: String,
    data_dir: tempfile::TempDir,
    log: PathBuf,
    env: Vec<(String, OsString)>,
}

impl Fixture {
    /// Starts tauri-driver on free ports with the app's environment plus `extra_env`, and waits
    /// until it accepts connections.
    pub fn start(extra_env: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::Builder::new()
            .prefix("recoup-e2e-")
            .tempdir()
            .expect("create a temp data dir");
        let log = data_dir.path().join("tauri-driver.log");
        let log_file = fs::File::create(&log).expect("create the driver log");
        let (port, native_port) = free_port_pair();
        let mut env: Vec<(String, OsString)> = vec![
            ("RECOUP_DATA_DIR".into(), data_dir.path().join("app").into()),
            ("RECOUP_NO_KEYCHAIN".into(), "1".into()),
            ("RECOUP_GENERATOR_FAILURE_RATE".into(), "0".into()),
            ("RECOUP_GENERATOR_BAD_RATE".into(), "1".into()),
            // The platform folders the app writes besides its data (the window's state, the
            // logs, WebKit's storage): this test's own, so runs never share them.
            (
                "XDG_CONFIG_HOME".into(),
                data_dir.path().join("config").into(),
            ),
            ("XDG_DATA_HOME".into(), data_dir.path().join("share").into()),
        ];
        for (k, v) in extra_env {
            env.retain(|(key, _)| key != k);
            env.push(((*k).to_owned(), (*v).into()));
        }
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .envs(env.clone())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone the log handle"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start tauri-driver ({e}): install it with \
                     `cargo install tauri-driver --locked --version ^2` (scripts/e2e.sh does)"
                )
            });
        let mut fixture = Self {
            driver,
            driver_url: format!("http://127.0.0.1:{port}"),
            data_dir,
            log,
            env,
        };
        // tauri-driver listens at once, but proxies every request to WebKitWebDriver, which it
        // starts beside it: a session asked for before that one listens fails with "tcp
        // connect error". Wait for both.
        let listening = |p: u16| TcpStream::connect(("127.0.0.1", p)).is_ok();
        let deadline = Instant::now() + WAIT;
        loop {
            if listening(port) && listening(native_port) {
                break;
            }
            if let Ok(Some(status)) = fixture.driver.try_wait() {
                panic!(
                    "tauri-driver exited early ({status}); its log:\n{}",
                    fixture.driver_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "tauri-driver (port {port}) and WebKitWebDriver (port {native_port}) did not \
                 both listen within {WAIT:?}; the log:\n{}",
                fixture.driver_log()
            );
            std::thread::sleep(POLL_EVERY);
        }
        fixture
    }

    /// The body of tauri-driver's `GET /status` (proves WebKitWebDriver behind it answers).
    pub fn status(&self) -> String {
        let addr = self.driver_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("connect to tauri-driver");
        stream
            .set_read_timeout(Some(WAIT))
            .expect("set a read timeout");
        write!(
            stream,
            "GET /status HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("send GET /status");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read the /status answer");
        answer
    }

    /// The app's data directory.
    pub fn app_data_dir(&self) -> PathBuf {
        self.data_dir.path().join("app")
    }

    /// The app's log file (tauri-plugin-log, in `$XDG_DATA_HOME/<identifier>/logs`).
    pub fn app_log(&self) -> PathBuf {
        self.data_dir
            .path()
            .join("share/app.recoup.desktop/logs/recoup.log")
    }

    /// The window state the app saved (tauri-plugin-window-state, in `$XDG_CONFIG_HOME`).
    pub fn window_state_file(&self) -> PathBuf {
        self.data_dir
            .path()
            .join("config/app.recoup.desktop/.window-state.json")
    }

    /// Launches the app binary a second time, with the same environment as the one under test
    /// and `args`, as a user (or the system following a link) would; returns its exit status and
    /// what it printed. A second launch must hand over to the first and exit: one still running
    /// after [`WAIT`] is stopped and fails the test.
    pub fn launch_again(&self, args: &[&str]) -> (std::process::ExitStatus, String) {
        let out = self.data_dir.path().join("second-launch.log");
        let file = fs::File::create(&out).expect("create the second launch's log");
        let mut child = Command::new(app_binary())
            .args(args)
            .envs(self.env.clone())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("clone the log handle"))
            .stderr(file)
            .spawn()
            .expect("launch the app a second time");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "a second launch of the app did not hand over to the first and exit within \
                     {WAIT:?} (is a D-Bus session bus running? scripts/e2e.sh runs the test under \
                     dbus-run-session); it printed:\n{}",
                    fs::read_to_string(&out).unwrap_or_default()
                );
            }
            std::thread::sleep(POLL_EVERY);
        };
        (status, fs::read_to_string(&out).unwrap_or_default())
    }

    /// Waits until no app process of this fixture runs (after a session ended), so the next
    /// launch is a first launch, not a second one that hands over.
    pub fn wait_app_gone(&self) {
        let marker = format!("RECOUP_DATA_DIR={}", self.app_data_dir().display());
        let app = app_binary();
        let deadline = Instant::now() + WAIT;
        loop {
            let running: Vec<u32> = processes_with_env(&marker)
                .into_iter()
                .filter(|pid| fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app))
                .collect();
            if running.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the app (pids {running:?}) still runs {WAIT:?} after its session ended"
            );
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// What tauri-driver, WebKitWebDriver and the app printed so far.
    pub fn driver_log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Opens a WebDriver session on the built app (which launches it), bounded in time.
    pub fn open(&self, screenshots_prefix: &str) -> Ui {
        let app = app_binary();
        let caps = json!({ "tauri:options": { "application": app.to_string_lossy() } });
        let session = Session::new(&self.driver_url, caps).unwrap_or_else(|e| {
            panic!(
                "cannot open a WebDriver session on {} ({e}); driver log:\n{}",
                app.display(),
                self.driver_log()
            )
        });
        Ui {
            wd: session,
            shots: screenshot_dir(),
            prefix: screenshots_prefix.to_owned(),
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        terminate(self.driver.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.driver.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(POLL_EVERY);
        }
        if matches!(self.driver.try_wait(), Ok(None)) {
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
        // The app (and WebKit's helpers) inherit RECOUP_DATA_DIR: anything still running with
        // this fixture's own data dir was started by this test.
        let marker = format!("RECOUP_DATA_DIR={}", self.app_data_dir().display());
        for pid in processes_with_env(&marker) {
            terminate(pid);
        }
    }
}

fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Process ids whose environment holds exactly `entry` (`KEY=value`), from /proc.
fn processes_with_env(entry: &str) -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .map(|env| env.split(|b| *b == 0).any(|kv| kv == entry.as_bytes()))
                .unwrap_or(false)
        })
        .collect()
}

/// The CSS selector of a test id.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The WebDriver session on the app, with bounded waits and screenshots.
pub struct Ui {
    /// The WebDriver session.
    pub wd: Session,
    shots: PathBuf,
    prefix: String,
}

impl Ui {
    /// Saves a screenshot of the window as `target/e2e-screenshots/<name>.png` and returns its
    /// path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        // A WebDriver screenshot is the last frame WebKit painted: let the page paint what the
        // DOM holds now (two animation frames; a timer in case frames are throttled).
        let _ = self.wd.execute_async(
            "const done = arguments[arguments.length - 1];
             const timer = setTimeout(done, 500);
             requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(timer); done(); }));",
            vec![],
        );
        let png = self
            .wd
            .screenshot()
            .unwrap_or_else(|e| panic!("take the screenshot {name}: {e}"));
        assert!(
            png.starts_with(b"\x89PNG"),
            "a WebDriver screenshot is a PNG ({} bytes did not start with the PNG signature)",
            png.len()
        );
        let path = self.shots.join(format!("{name}.png"));
        fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Polls `probe` until it answers `Ok`, for at most [`WAIT`]. On timeout saves a screenshot
    /// and fails, saying what was awaited, what `probe` saw last (its `Err`) and what the page
    /// shows.
    pub fn wait_until<T>(&self, what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            let seen = match probe() {
                Ok(v) => return v,
                Err(seen) => seen,
            };
            if Instant::now() >= deadline {
                let slug: String = what
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .take(60)
                    .collect();
                let shot = self.screenshot(&format!("{}-timeout-{slug}", self.prefix));
                panic!(
                    "timed out after {WAIT:?} waiting for {what}\n  last seen: {seen}\n  \
                     page: {}\n  screenshot: {}",
                    self.snapshot(),
                    shot.display()
                );
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// Runs `script` (a function body; `arguments` as in WebDriver) and returns its value.
    pub fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.wd
            .execute(script, args)
            .unwrap_or_else(|e| panic!("script failed ({e}): {script}"))
    }

    /// What the page shows, in short, for failure messages: the displayed test ids with their
    /// `data-*` attributes and the start of their text.
    pub fn snapshot(&self) -> String {
        let v = self.wd.execute(
            r#"
            const seen = [...document.querySelectorAll('[data-testid]')]
              .filter(e => e.getClientRects().length > 0).slice(0, 80).map(e => {
                const data = Object.entries(e.dataset).filter(([k]) => k !== 'testid')
                  .map(([k, v]) => `${k}=${v}`).join(' ');
                const t = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 60);
                return `${e.dataset.testid}[${data}] "${t}"`;
              });
            return seen.join(' | ');
            "#,
            vec![],
        );
        match v {
            Ok(Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(e) => format!("(could not read the page: {e})"),
        }
    }

    /// The displayed elements matching `css`.
    pub fn displayed(&self, css: &str) -> Result<Vec<Element>, String> {
        let mut shown = Vec::new();
        for e in self.wd.find_all(css).map_err(|e| e.to_string())? {
            if self.wd.is_displayed(&e).unwrap_or(false) {
                shown.push(e);
            }
        }
        Ok(shown)
    }

    /// Waits for an element with test id `id` that is displayed, and returns it.
    pub fn visible(&self, id: &str) -> Element {
        self.visible_css(&tid(id), &format!("`{id}` to be visible"))
    }

    /// Waits for an element matching `css` that is displayed, and returns it.
    pub fn visible_css(&self, css: &str, what: &str) -> Element {
        self.wait_until(what, || {
            self.displayed(css)?
                .into_iter()
                .next()
                .ok_or_else(|| format!("no displayed element matches {css}"))
        })
    }

    /// Waits until no displayed element has test id `id`.
    pub fn gone(&self, id: &str) {
        let css = tid(id);
        self.wait_until(&format!("`{id}` to disappear"), || {
            match self.displayed(&css)?.first() {
                Some(e) => Err(format!(
                    "`{id}` still displayed: {:?}",
                    self.wd.text(e).unwrap_or_default()
                )),
                None => Ok(()),
            }
        });
    }

    /// Clicks the displayed element with test id `id`.
    pub fn click(&self, id: &str) {
        let e = self.visible(id);
        self.click_element(&e, id);
    }

    /// Clicks `e`, retrying while it is covered or re-rendering (bounded).
    pub fn click_element(&self, e: &Element, what: &str) {
        self.wait_until(&format!("a click on {what} to land"), || {
            self.wd.click(e).map_err(|err| err.to_string())
        });
    }

    /// The trimmed visible text of the displayed element with test id `id`.
    pub fn text(&self, id: &str) -> String {
        let e = self.visible(id);
        self.wd.text(&e).unwrap_or_default().trim().to_owned()
    }

    /// Ends the session (closes the app).
    pub fn close(self) {
        let _ = self.wd.close();
    }
}

/// The strings of a script's answer that is an array (anything else in it is left out).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The first unsigned integer in `text` (digits with `,`, `.`, ` ` or thin-space thousands
/// separators are joined: "1,000 credits" is 1000).
pub fn integer_in(text: &str) -> Option<u64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, ',' | '\u{202f}' | '\u{a0}'))
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::integer_in;

    #[test]
    fn integers_are_read_with_thousands_separators() {
        assert_eq!(integer_in("1,000 credits"), Some(1000), "comma separator");
        assert_eq!(integer_in("Refund granted: 4 credits"), Some(4), "sentence");
        assert_eq!(integer_in("none"), None, "no digits");
    }
}
