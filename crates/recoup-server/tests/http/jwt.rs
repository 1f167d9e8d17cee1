//! Sign-in with the product's JWTs: tokens signed with RS256, ES256 and EdDSA keys the tests
//! make, verified against a JWKS from a file and from a local HTTP server (rotation: a new `kid`
//! appears, an old one is removed). An unknown `sub` becomes an account on first sight; every
//! refusal has its own code and writes nothing.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use recoup_core::{TimeDelta, Timestamp};
use recoup_server::signin::{JwksSource, SignIn, SignInConfig, SignInError};
use serde_json::{Value, json};

use crate::support::{ADMIN, Client, Opts, Server};

const ISSUER: &str = "https://id.product.test";
const AUDIENCE: &str = "recoup";
const ALLOWANCE: u64 = 30;

/// `SignIn::open` on a runtime of its own: these tests are synchronous.
fn open_sign_in(config: SignInConfig, now: Timestamp) -> Result<SignIn, SignInError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(SignIn::open(config, now))
}

/// A clock a test moves.
struct Movable(Mutex<Timestamp>);

impl recoup_core::Clock for Movable {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

impl Movable {
    fn advance(&self, secs: i64) {
        let mut t = self.0.lock().expect("clock lock");
        *t = t.checked_add(TimeDelta::seconds(secs)).expect("time");
    }
}

/// The system's randomness for key generation.
struct Os;

impl rsa::rand_core::TryRng for Os {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        getrandom::fill(dst).expect("system randomness");
        Ok(())
    }
}

impl rsa::rand_core::TryCryptoRng for Os {}

/// A signing key and its public JWK.
#[derive(Clone)]
struct SigningKey {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Jwk,
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("system randomness");
    b
}

fn rsa_key(kid: &str) -> SigningKey {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    // One RSA key per test process: making one is the slow part.
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    let der = DER.get_or_init(|| {
        let private = rsa::PrivateKey::new(&mut Os, 2048).expect("an RSA key");
        private.to_pkcs1_der().expect("PKCS#1").as_bytes().to_vec()
    });
    let key = EncodingKey::from_rsa_der(der);
    finish(kid, Algorithm::RS256, key)
}

fn ec_key(kid: &str) -> SigningKey {
    use p256::pkcs8::EncodePrivateKey;
    let secret = loop {
        if let Ok(s) = p256::SecretKey::from_slice(&random32()) {
            break s;
        }
    };
    let der = secret.to_pkcs8_der().expect("PKCS#8");
    finish(
        kid,
        Algorithm::ES256,
        EncodingKey::from_ec_der(der.as_bytes()),
    )
}

fn ed_key(kid: &str) -> SigningKey {
    use base64::Engine;
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let signing = ed25519_dalek::SigningKey::from_bytes(&random32());
    let der = signing.to_pkcs8_der().expect("PKCS#8");
    let x =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
    // Built by hand: the JWK of an Ed25519 key is its 32 public bytes.
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"
    }))
    .expect("an Ed25519 JWK");
    SigningKey {
        kid: kid.to_owned(),
        alg: Algorithm::EdDSA,
        key: EncodingKey::from_ed_der(der.as_bytes()),
        jwk,
    }
}

fn finish(kid: &str, alg: Algorithm, key: EncodingKey) -> SigningKey {
    let mut jwk = Jwk::from_encoding_key(&key, alg).expect("a JWK from the key");
    jwk.common.key_id = Some(kid.to_owned());
    SigningKey {
        kid: kid.to_owned(),
        alg,
        key,
        jwk,
    }
}

fn jwks(keys: &[&SigningKey]) -> String {
    serde_json::to_string(&JwkSet {
        keys: keys.iter().map(|k| k.jwk.clone()).collect(),
    })
    .expect("JWKS JSON")
}

/// Claims valid at `now` for `sub`.
fn claims(sub: &str, now: Timestamp) -> Value {
    json!({
        "sub": sub, "iss": ISSUER, "aud": AUDIENCE,
        "iat": now.as_secs(), "exp": now.as_secs() + 3600,
    })
}

fn sign(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.key).expect("a signed token")
}

fn config(jwks: JwksSource) -> SignInConfig {
    SignInConfig {
        jwks,
        issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        starting_allowance: Some(ALLOWANCE),
    }
}

fn production() -> Opts {
    Opts {
        sandbox: false,
        ..Opts::default()
    }
}

/// A production server whose JWKS is the file `dir/jwks.json`, holding `keys`.
fn file_server(dir: &Path, keys: &[&SigningKey]) -> (Server, Arc<Movable>) {
    let path = dir.join("jwks.json");
    std::fs::write(&path, jwks(keys)).expect("write the JWKS");
    let clock = Arc::new(Movable(Mutex::new(Timestamp::now())));
    let sign_in = open_sign_in(config(JwksSource::File(path)), clock.now_()).expect("sign-in");
    let server = Server::with_sign_in(production(), clock.clone(), sign_in);
    (server, clock)
}

impl Movable {
    fn now_(&self) -> Timestamp {
        recoup_core::Clock::now(self)
    }
}

fn accounts(c: &Client) -> Vec<Value> {
    c.get("/v1/admin/accounts?limit=200", Some(ADMIN))
        .ok("list accounts")["accounts"]
        .as_array()
        .expect("accounts")
        .clone()
}

fn audit(c: &Client) -> Vec<Value> {
    c.get("/v1/admin/audit?limit=200", Some(ADMIN)).ok("audit")["entries"]
        .as_array()
        .expect("entries")
        .clone()
}

#[test]
fn a_jwt_signed_with_rs256_es256_or_eddsa_signs_in_and_a_new_subject_becomes_an_account_with_the_starting_allowance()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let (rsa, ec, ed) = (rsa_key("rsa-1"), ec_key("ec-1"), ed_key("ed-1"));
    let (server, clock) = file_server(dir.path(), &[&rsa, &ec, &ed]);
    let c = &server.client;
    let now = clock.now_();
    let mut ids = Vec::new();
    for (key, sub) in [(&rsa, "user-rsa"), (&ec, "user-ec"), (&ed, "user-ed")] {
        let token = sign(key, &claims(sub, now));
        let view = c.get("/v1/account", Some(&token)).ok("account view");
        assert_eq!(
            view["balance"]["totals"]["available"], ALLOWANCE,
            "a {:?} sign-in made an account with the starting allowance: {view}",
            key.alg
        );
        let again = c
            .get("/v1/account", Some(&sign(key, &claims(sub, now))))
            .ok("second sign-in");
        assert_eq!(
            (
                again["account_id"].clone(),
                again["balance"]["totals"]["available"].clone()
            ),
            (view["account_id"].clone(), json!(ALLOWANCE)),
            "the same sub signs in to the same account, granted once: {again}"
        );
        ids.push(view["account_id"].as_str().expect("id").to_owned());
    }
    let listed = accounts(c);
    let subjects: Vec<&str> = listed
        .iter()
        .filter_map(|a| a["subject"].as_str())
        .collect();
    assert_eq!(
        subjects,
        ["user-rsa", "user-ec", "user-ed"],
        "each account carries its subject: {listed:?}"
    );
    let entries = audit(c);
    let made: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "account.create")
        .collect();
    assert_eq!(made.len(), 3, "each first sight is audited once: {made:?}");
    assert!(
        made.iter()
            .all(|e| e["actor"] == "jwt"
                && ids.contains(&e["target"].as_str().unwrap_or("").to_owned())),
        "the audit names the actor jwt and the new account: {made:?}"
    );
}

#[test]
fn an_admin_made_account_with_a_subject_is_signed_in_to_and_a_disabled_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ec = ec_key("ec-1");
    let (server, clock) = file_server(dir.path(), &[&ec]);
    let c = &server.client;
    let made = c
        .post(
            "/v1/admin/accounts",
            Some(ADMIN),
            json!({"subject": "user-9"}),
        )
        .ok("create");
    let id = made["account_id"].as_str().expect("id").to_owned();
    let token = sign(&ec, &claims("user-9", clock.now_()));
    let view = c.get("/v1/account", Some(&token)).ok("sign-in");
    assert_eq!(
        view["account_id"].as_str(),
        Some(id.as_str()),
        "the JWT's sub names the admin-made account: {view}"
    );
    c.post(
        &format!("/v1/admin/accounts/{id}/disable"),
        Some(ADMIN),
        json!({}),
    )
    .ok("disable");
    c.get("/v1/account", Some(&token)).assert_error(
        401,
        "account_disabled",
        "a disabled account's JWT",
    );
    assert_eq!(accounts(c).len(), 1, "no account was made for it");
}

#[test]
fn every_refused_jwt_gets_its_own_code_and_makes_no_account() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("tempdir");
    let (rsa, ec) = (rsa_key("rsa-1"), ec_key("ec-1"));
    let (server, clock) = file_server(dir.path(), &[&rsa, &ec]);
    let c = &server.client;
    let now = clock.now_();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut v = claims("user-x", now);
        change(&mut v);
        v
    };
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "kid": "rsa-1"})),
        b64(claims("user-x", now))
    );
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some("rsa-1".to_owned());
    let hs256 = jsonwebtoken::encode(
        &hs_header,
        &claims("user-x", now),
        &EncodingKey::from_secret(b"a shared secret of the attacker's").expect("hmac key"),
    )
    .expect("HS256 token");
    // Signed by a key the provider never published, under a kid it did.
    let impostor = SigningKey {
        kid: "ec-1".to_owned(),
        ..ec_key("other")
    };
    // An ES256 token naming the RSA key: the algorithm does not match the key.
    let crossed = SigningKey {
        kid: "rsa-1".to_owned(),
        ..ec_key("other")
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "expired",
            sign(&rsa, &with(&|v| v["exp"] = json!(now.as_secs() - 3600))),
            "jwt_expired",
        ),
        (
            "not yet valid",
            sign(&rsa, &with(&|v| v["nbf"] = json!(now.as_secs() + 3600))),
            "jwt_not_yet_valid",
        ),
        (
            "wrong issuer",
            sign(&ec, &with(&|v| v["iss"] = json!("https://evil.test"))),
            "jwt_wrong_issuer",
        ),
        (
            "no issuer",
            sign(
                &ec,
                &with(&|v| drop(v.as_object_mut().map(|o| o.remove("iss")))),
            ),
            "jwt_wrong_issuer",
        ),
        (
            "wrong audience",
            sign(&ec, &with(&|v| v["aud"] = json!("another-app"))),
            "jwt_wrong_audience",
        ),
        (
            "unknown key",
            sign(&ec_key("ec-404"), &claims("user-x", now)),
            "jwt_unknown_key",
        ),
        (
            "bad signature",
            sign(&impostor, &claims("user-x", now)),
            "jwt_bad_signature",
        ),
        ("alg none", unsigned, "jwt_unsupported_algorithm"),
        ("HS256", hs256, "jwt_unsupported_algorithm"),
        (
            "algorithm not the key's",
            sign(&crossed, &claims("user-x", now)),
            "jwt_unsupported_algorithm",
        ),
        (
            "no sub",
            sign(
                &ec,
                &with(&|v| drop(v.as_object_mut().map(|o| o.remove("sub")))),
            ),
            "jwt_invalid",
        ),
        (
            "damaged header",
            {
                let t = sign(&ec, &claims("user-x", now));
                let parts: Vec<&str> = t.split('.').collect();
                format!("bm90IGpzb24.{}.{}", parts[1], parts[2])
            },
            "jwt_invalid",
        ),
        (
            "damaged payload",
            {
                let t = sign(&ec, &claims("user-x", now));
                let parts: Vec<&str> = t.split('.').collect();
                format!("{}.bm90IGpzb24.{}", parts[0], parts[2])
            },
            "jwt_bad_signature",
        ),
    ];
    let audited = audit(c).len();
    for (what, token, code) in &cases {
        c.get("/v1/account", Some(token))
            .assert_error(401, code, what);
    }
    assert!(accounts(c).is_empty(), "no refused token made an account");
    assert_eq!(audit(c).len(), audited, "nothing was audited for refusals");
    // The clock moves past the expiry: a token good before is refused as expired.
    let good = sign(&rsa, &claims("user-late", now));
    clock.advance(2 * 3600);
    c.get("/v1/account", Some(&good)).assert_error(
        401,
        "jwt_expired",
        "a token past exp on the endpoint's clock",
    );
}

#[test]
fn a_jwt_on_an_endpoint_started_without_jwks_is_refused_as_jwt_invalid() {
    let server = Server::with(production());
    let ec = ec_key("ec-1");
    let token = sign(&ec, &claims("user-x", Timestamp::now()));
    server.client.get("/v1/account", Some(&token)).assert_error(
        401,
        "jwt_invalid",
        "no --jwks configured",
    );
}

/// A JWKS served over HTTP on loopback; counts the fetches.
struct JwksServer {
    url: String,
    body: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    fn start(body: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().expect("addr")
        );
        let body = Arc::new(Mutex::new(body));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, count) = (Arc::clone(&body), Arc::clone(&fetches));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                count.fetch_add(1, Ordering::SeqCst);
                let body = served.lock().expect("body").clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { url, body, fetches }
    }

    fn serve(&self, body: String) {
        *self.body.lock().expect("body") = body;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[test]
fn a_jwks_url_is_refetched_for_a_new_kid_at_most_once_per_30_seconds_so_keys_rotate() {
    let (old, new) = (ed_key("2026-01"), rsa_key("2026-02"));
    let idp = JwksServer::start(jwks(&[&old]));
    let clock = Arc::new(Movable(Mutex::new(Timestamp::now())));
    let sign_in =
        open_sign_in(config(JwksSource::Url(idp.url.clone())), clock.now_()).expect("sign-in");
    assert_eq!(idp.fetches(), 1, "the JWKS is fetched at start");
    let server = Server::with_sign_in(production(), clock.clone(), sign_in);
    let c = &server.client;
    let now = clock.now_();
    c.get("/v1/account", Some(&sign(&old, &claims("user-r", now))))
        .ok("the old key signs in");
    idp.serve(jwks(&[&new]));
    let with_new = sign(&new, &claims("user-r", now));
    c.get("/v1/account", Some(&with_new)).assert_error(
        401,
        "jwt_unknown_key",
        "within 30 s of the last fetch",
    );
    assert_eq!(idp.fetches(), 1, "no refetch within 30 s of the last one");
    clock.advance(31);
    let view = c
        .get("/v1/account", Some(&with_new))
        .ok("the new key, after a refetch");
    assert_eq!(idp.fetches(), 2, "an unknown kid refetched the JWKS once");
    assert_eq!(
        view["balance"]["totals"]["available"], ALLOWANCE,
        "the same account, granted once: {view}"
    );
    c.get("/v1/account", Some(&sign(&old, &claims("user-r", now))))
        .assert_error(401, "jwt_unknown_key", "the removed key");
    assert_eq!(
        idp.fetches(),
        2,
        "the removed key did not refetch within 30 s"
    );
    for _ in 0..5 {
        c.get(
            "/v1/account",
            Some(&sign(&ec_key("made-up"), &claims("x", now))),
        )
        .assert_error(401, "jwt_unknown_key", "a made-up kid");
    }
    assert_eq!(idp.fetches(), 2, "a flood of made-up kids fetches nothing");
}

#[test]
fn sign_in_settings_that_cannot_work_are_refused_at_start_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = open_sign_in(
        config(JwksSource::File(dir.path().join("nope.json"))),
        Timestamp::now(),
    )
    .expect_err("a missing file");
    assert!(
        missing.to_string().contains("nope.json"),
        "the error names the file: {missing}"
    );
    let path = dir.path().join("jwks.json");
    std::fs::write(
        &path,
        r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}"#,
    )
    .expect("write");
    let none = open_sign_in(config(JwksSource::File(path.clone())), Timestamp::now())
        .expect_err("no usable key");
    assert!(
        none.to_string().contains("no key this endpoint can use"),
        "the error says why: {none}"
    );
    let clear = open_sign_in(
        config(JwksSource::Url(
            "http://id.product.test/jwks.json".to_owned(),
        )),
        Timestamp::now(),
    )
    .expect_err("plain http to a remote host");
    assert!(
        clear.to_string().contains("https://"),
        "the error asks for https: {clear}"
    );
    let mut blank = config(JwksSource::File(path));
    blank.audience = " ".to_owned();
    let blank = open_sign_in(blank, Timestamp::now()).expect_err("no audience");
    assert!(
        blank.to_string().contains("--jwt-audience"),
        "the error names the flag: {blank}"
    );
}

#[test]
fn the_binary_takes_its_sign_in_settings_from_the_environment_and_never_logs_the_jwt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ed = ed_key("ed-env");
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks(&[&ed])).expect("write the JWKS");
    let path = path.to_str().expect("utf-8 path");
    let server = crate::support::Process::start(
        &[],
        &[
            ("RECOUP_JWKS", path),
            ("RECOUP_JWT_ISSUER", ISSUER),
            ("RECOUP_JWT_AUDIENCE", AUDIENCE),
            ("RECOUP_JWT_STARTING_ALLOWANCE", "7"),
            ("RUST_LOG", "debug"),
        ],
    );
    let token = sign(&ed, &claims("user-env", Timestamp::now()));
    let view = server
        .client
        .get("/v1/account", Some(&token))
        .ok("a JWT signs in to the binary");
    assert_eq!(
        view["balance"]["totals"]["available"], 7,
        "the starting allowance came from the environment: {view}"
    );
    let (stdout, stderr) = server.stop();
    let signature = token.rsplit('.').next().expect("a signature");
    assert!(
        !stdout.contains(signature) && !stderr.contains(signature),
        "the logs never hold the sign-in token"
    );
}

#[test]
fn the_binary_refuses_to_start_with_jwks_but_no_audience_and_says_which_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_recoup-server"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--listen", "127.0.0.1:0", "--admin-token", ADMIN])
        .args(["--jwks", "jwks.json", "--jwt-issuer", ISSUER])
        .env_remove("RECOUP_JWT_AUDIENCE")
        .env_remove("RECOUP_ADMIN_TOKEN")
        .output()
        .expect("recoup-server runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("--jwt-audience"),
        "it stops and names the missing flag: {stderr}"
    );
}
