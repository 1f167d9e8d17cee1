//! What the CLI's admin tests share: the `recoup` binary run with a clean environment, the
//! operator driving `recoup admin` with an admin token, and a production endpoint (the
//! recoup-server library on loopback) with that token.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use recoup_server::Config;
use serde_json::Value;

/// `recoup ARGS` with a clean environment and `home` as HOME.
pub fn recoup(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recoup"))
        .args(args)
        .env_remove("RECOUP_DATA_DIR")
        .env_remove("RECOUP_TOKEN")
        .env_remove("RECOUP_ADMIN_TOKEN")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"))
        .output()
        .expect("the recoup binary runs")
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("recoup printed JSON ({e}): {}", text(out)))
}

/// The operator: `recoup admin --endpoint URL --admin-token TOKEN ...`, with no data dir.
pub struct Operator {
    pub url: String,
    pub home: tempfile::TempDir,
    pub admin_token: &'static str,
}

impl Operator {
    pub fn raw(&self, json: bool, args: &[&str]) -> Output {
        let mut all = if json { vec!["--json"] } else { Vec::new() };
        all.extend([
            "admin",
            "--endpoint",
            &self.url,
            "--admin-token",
            self.admin_token,
        ]);
        all.extend_from_slice(args);
        recoup(self.home.path(), &all)
    }

    /// `--json`, expecting success.
    pub fn ok(&self, args: &[&str]) -> Value {
        let out = self.raw(true, args);
        assert!(
            out.status.success(),
            "recoup admin {args:?} should succeed: {}",
            text(&out)
        );
        json_of(&out)
    }

    /// Human output, expecting success.
    pub fn say(&self, args: &[&str]) -> String {
        let out = self.raw(false, args);
        assert!(
            out.status.success(),
            "recoup admin {args:?} should succeed: {}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `--json`, expecting failure: the `{code, message}` printed.
    pub fn err(&self, args: &[&str]) -> Value {
        let out = self.raw(true, args);
        assert!(
            !out.status.success(),
            "recoup admin {args:?} should fail: {}",
            text(&out)
        );
        json_of(&out)["error"].clone()
    }
}

/// A production endpoint whose admin token is `admin_token`, and its operator.
pub fn production(admin_token: &'static str) -> (recoup_tests::system::Endpoint, Operator) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        admin_token: admin_token.to_owned(),
        ..recoup_tests::system::Endpoint::config(dir.path(), false)
    };
    let endpoint = recoup_tests::system::Endpoint::start_with(dir, config);
    let operator = Operator {
        url: endpoint.url(),
        home: tempfile::tempdir().unwrap(),
        admin_token,
    };
    (endpoint, operator)
}
