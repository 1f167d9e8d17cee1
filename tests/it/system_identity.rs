//! Identity end to end: a production (non-sandbox) endpoint that accepts the product's sign-in
//! tokens (a JWKS file), an account provisioned with the admin CLI, and two devices linked with
//! the real `recoup` binary: one with the provisioned account's token, one with a JWT whose `sub`
//! is new (its account is made on first sight). Both generate, report and sync.

use std::path::Path;

use jsonwebtoken::{Algorithm, Header};
use serde_json::{Value, json};

use crate::production::{Endpoint, key, recoup};

const ADMIN: &str = "it-Identity-admin-4Wq8Zr2Lp6Nx";
const ISSUER: &str = "https://id.product.test";
const AUDIENCE: &str = "recoup";

fn start(dir: &Path, jwks: &Path) -> Endpoint {
    let jwks = jwks.to_str().unwrap();
    crate::production::start(
        dir,
        ADMIN,
        &[
            "--failure-rate",
            "0",
            "--bad-rate",
            "0",
            "--jwks",
            jwks,
            "--jwt-issuer",
            ISSUER,
            "--jwt-audience",
            AUDIENCE,
            "--jwt-starting-allowance",
            "50",
        ],
    )
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
    let now = recoup_core::Timestamp::now().as_secs();
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
