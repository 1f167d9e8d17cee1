//! What the production system tests share: the `recoup-server` binary started without
//! `--sandbox`, the `recoup` binary run with `--json`, and an Ed25519 key published as the
//! product's JWKS.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use base64::Engine;
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

/// Runs `recoup --json ARGS` (with a data dir when given): whether it succeeded, and its JSON
/// answer (or, when it failed, what it printed, as a string).
pub fn run_recoup(data: Option<&Path>, args: &[&str]) -> (bool, Value) {
    let mut cmd = Command::new(recoup_tests::bin("recoup"));
    if let Some(d) = data {
        cmd.arg("--data-dir").arg(d);
    }
    let out = cmd.arg("--json").args(args).output().unwrap();
    if out.status.success() {
        (true, serde_json::from_slice(&out.stdout).unwrap())
    } else {
        (
            false,
            Value::String(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )),
        )
    }
}

/// Runs `recoup --json ARGS`, which must succeed, and returns its JSON answer.
#[track_caller]
pub fn recoup(data: Option<&Path>, args: &[&str]) -> Value {
    let (ok, v) = run_recoup(data, args);
    assert!(ok, "recoup {args:?} failed: {v}");
    v
}

/// The endpoint process and its URL; killed when dropped.
pub struct Endpoint(Child, pub String);

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `recoup-server` without `--sandbox` on a free loopback port, with `admin` as its
/// admin credential and `args` added.
pub fn start(dir: &Path, admin: &str, args: &[&str]) -> Endpoint {
    // In a PostgreSQL run, the data dir's database (the same one for a restart on it).
    start_on(
        dir,
        admin,
        args,
        recoup_store_pg::harness::database_for(dir),
    )
}

/// [`start`] (a sandbox if `args` say `--sandbox`) on the PostgreSQL database at `database`
/// when given (several instances may share one), else on the data dir's SQLite files.
pub fn start_on(dir: &Path, admin: &str, args: &[&str], database: Option<String>) -> Endpoint {
    let mut command = Command::new(recoup_tests::bin("recoup-server"));
    if let Some(url) = database {
        command.arg("--database").arg(url);
    }
    let child = command
        .arg("--data-dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("RECOUP_ADMIN_TOKEN", admin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Held from here, so that a failed start below does not leave the process running.
    let mut endpoint = Endpoint(child, String::new());
    let mut line = String::new();
    let stdout = endpoint.0.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    assert!(
        line.contains("listening") && (args.contains(&"--sandbox") || !line.contains("sandbox")),
        "the endpoint started, in production unless asked for a sandbox: {line}"
    );
    endpoint.1 = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    endpoint
}

/// An Ed25519 signing key and the JWKS that publishes it under `kid`.
pub fn key(kid: &str) -> (EncodingKey, Value) {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let der = signing.to_pkcs8_der().unwrap();
    let x =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
    let jwks =
        json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA"}]});
    (EncodingKey::from_ed_der(der.as_bytes()), jwks)
}
