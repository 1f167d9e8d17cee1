//! Identity end to end: a production (non-sandbox) endpoint that accepts the product's sign-in
//! tokens (a JWKS file), an account provisioned with the admin CLI, and two devices linked with
//! the real `recoup` binary: one with the provisioned account's token, one with a JWT whose `sub`
//! is new (its account is made on first sight). Both generate, report and sync.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const ADMIN: &str = "it-Identity-admin-4Wq8Zr2Lp6Nx";
const ISSUER: &str = "https://id.product.test";
const AUDIENCE: &str = "recoup";

/// Runs `recoup --json ARGS` (with a data dir when given) and returns its JSON answer.
fn recoup(data: Option<&Path>, args: &[&str]) -> Value {
    let mut cmd = Command::new(recoup_tests::bin("recoup"));
    if let Some(d) = data {
        cmd.arg("--data-dir").arg(d);
    }
    let out = cmd.arg("--json").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "recoup {args:?} failed: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The endpoint process; killed when dropped.
struct Endpoint(Child, String);

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path, jwks: &Path) -> Endpoint {
    let mut child = Command::new(recoup_tests::bin("recoup-server"))
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--failure-rate",
            "0",
            "--bad-rate",
            "0",
        ])
        .arg("--jwks")
        .arg(jwks)
        .args(["--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE])
        .args(["--jwt-starting-allowance", "50"])
        .env("RECOUP_ADMIN_TOKEN", ADMIN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    assert!(
        line.contains("listening") && !line.contains("sandbox"),
        "a production endpoint started: {line}"
    );
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    Endpoint(child, url)
}

/// An Ed25519 signing key and the JWKS that publishes it under `kid`.
fn key(kid: &str) -> (EncodingKey, Value) {
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

/// A device's whole round: login, a generation, a report of it, a clean sync; its account.
fn device_round(data: &Path, url: &str, token: &str) -> Value {
    let login = recoup(Some(data), &["login", "--endpoint", url, "--token", token]);
    let g = recoup(Some(data), &["generate", "--feature", "virtual_model"]);
    let id = g["generation"]["generation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    recoup(
        Some(data),
        &[
            "report",
            &id,
            "--reason",
            "blank_or_corrupted",
            "--details",
            "the output is blank",
        ],
    );
    let synced = recoup(Some(data), &["sync"]);
    assert_eq!(
        (synced["clean"].clone(), synced["still_queued"].clone()),
        (json!(true), json!(0)),
        "the device synced its report cleanly: {synced}"
    );
    let claims = recoup(Some(data), &["claims"]);
    assert_eq!(
        claims.as_array().map(Vec::len),
        Some(1),
        "the report reached the endpoint and came back decided or in review: {claims}"
    );
    let account = recoup(Some(data), &["account"]);
    assert_eq!(
        account["account"]["account_id"], login["account_id"],
        "the device is linked to the account it logged in to: {account} {login}"
    );
    account
}

#[test]
fn a_production_endpoint_signs_in_a_device_with_an_admin_made_token_and_another_with_a_jwt() {
    let dir = tempfile::tempdir().unwrap();
    let (signing, jwks) = key("product-2026");
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, jwks.to_string()).unwrap();
    let endpoint = start(&dir.path().join("server"), &jwks_path);
    let url = endpoint.1.clone();
    let admin = ["admin", "--endpoint", &url, "--admin-token", ADMIN];
    let made = recoup(
        None,
        &[&admin[..], &["accounts", "create", "--allowance", "40"]].concat(),
    );
    let (account_a, token_a) = (
        made["account_id"].as_str().unwrap().to_owned(),
        made["token"].as_str().unwrap().to_owned(),
    );
    let now = jiff::Timestamp::now().as_second();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("product-2026".to_owned());
    let claims = json!({
        "sub": "customer-8812", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600,
    });
    let jwt = jsonwebtoken::encode(&header, &claims, &signing).unwrap();

    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let seen_a = device_round(a.path(), &url, &token_a);
    let seen_b = device_round(b.path(), &url, &jwt);
    assert_eq!(
        seen_a["account"]["account_id"], account_a,
        "device A is the provisioned account: {seen_a}"
    );
    assert_ne!(
        seen_b["account"]["account_id"], seen_a["account"]["account_id"],
        "the JWT's new subject is an account of its own"
    );
    let listed = recoup(None, &[&admin[..], &["accounts", "list"]].concat());
    let text = listed.to_string();
    assert!(
        text.contains("customer-8812")
            && text.contains(seen_b["account"]["account_id"].as_str().unwrap()),
        "the admin CLI lists the account made on first sign-in with its subject: {listed}"
    );
    let audit = recoup(None, &[&admin[..], &["audit"]].concat()).to_string();
    assert!(
        audit.contains("\"jwt\""),
        "the first sign-in is audited with actor jwt: {audit}"
    );
}
