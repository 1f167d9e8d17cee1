//! Regression tests for what an audit found (issue 12), each named after the defect it guards:
//! exhaustion without a token (slow heads, floods of wrong tokens, bodies read before the token,
//! unbounded sandbox accounts, a thread per open account), a claim in review lost from the queue
//! by a crash, and a grant expiry that overflowed into "never expires".

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use crate::support::{ADMIN, Body, Client, Process, Server, claim_body};

/// A raw connection to the server of `client`.
fn connect(client: &Client) -> TcpStream {
    let addr = client.base.trim_start_matches("http://");
    TcpStream::connect(addr).expect("connect to the server")
}

/// Reads until the server closes the connection or `wait` passes without a byte; answers what
/// was read and whether the connection was closed.
fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (Vec<u8>, bool) {
    stream.set_read_timeout(Some(wait)).expect("read timeout");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return (out, false);
            }
            // Reset by the server: closed as well.
            Err(_) => return (out, true),
        }
    }
}

/// Reads the status line of an answer, waiting at most `wait`.
fn status_line(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    stream.set_read_timeout(Some(wait)).expect("read timeout");
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    while !out.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&out);
    text.lines()
        .next()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
}

#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_slow_heads_and_idle_sockets_are_cut() {
    let server = Server::start();
    let mut heads = Vec::new();
    for i in 0..30 {
        let mut s = connect(&server.client);
        match i % 3 {
            // Half a request head, never finished.
            0 => s
                .write_all(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .expect("send half a head"),
            // A whole request, then the connection kept alive and idle.
            1 => s
                .write_all(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .expect("send a request"),
            // Nothing at all.
            _ => {}
        }
        heads.push(s);
    }
    let wait = Duration::from_secs(recoup_server::HEADER_READ_TIMEOUT_SECS + 15);
    for (i, s) in heads.iter_mut().enumerate() {
        let (_, closed) = read_until_closed(s, wait);
        assert!(
            closed,
            "connection {i} (half a head, idle after a request, or silent) is still open {} s after the header-read timeout of {} s",
            wait.as_secs() - recoup_server::HEADER_READ_TIMEOUT_SECS,
            recoup_server::HEADER_READ_TIMEOUT_SECS
        );
    }
    server
        .client
        .get("/v1/health", None)
        .ok("the endpoint still answers after the slow heads");
}

#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_a_flood_of_wrong_tokens_gets_429() {
    let server = Server::start();
    let c = &server.client;
    let flood = recoup_server::AUTH_FAILURES_BURST * 3;
    let limited = (0..flood).find_map(|i| {
        let r = c.get("/v1/account", Some(&format!("rk_wrong_{i}")));
        (r.status == 429).then_some((i, r))
    });
    let (i, r) =
        limited.unwrap_or_else(|| panic!("{flood} wrong tokens in a row were never slowed"));
    assert!(
        i >= recoup_server::AUTH_FAILURES_BURST - 1,
        "the first {} failures are answered 401, got 429 after {i}",
        recoup_server::AUTH_FAILURES_BURST
    );
    r.assert_error(429, "rate_limited", "a flood of wrong tokens");
    assert!(
        r.header("retry-after").is_some(),
        "a 429 says when to retry"
    );
    assert_eq!(
        c.get("/v1/health", None).status,
        200,
        "routes without a token still answer"
    );

    let admin_server = Server::start();
    let c = &admin_server.client;
    let limited = (0..flood).any(|i| {
        c.get("/v1/admin/reviews", Some(&format!("ra_wrong_{i}")))
            .status
            == 429
    });
    assert!(
        limited,
        "{flood} wrong admin tokens in a row were never slowed"
    );
}

#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_a_wrong_token_with_a_large_body_is_refused_unread()
 {
    let server = Server::start();
    for (method, path) in [("POST", "/v1/claims"), ("PUT", "/v1/admin/policy")] {
        let mut s = connect(&server.client);
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer wrong\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            recoup_api::BODY_BYTES_MAX
        );
        s.write_all(head.as_bytes()).expect("send the head");
        // The body never comes: an endpoint that reads it before the token waits for it until
        // its request timeout; one that checks the token first answers at once.
        let line = status_line(&mut s, Duration::from_secs(10));
        assert_eq!(
            line.as_deref().map(|l| l.split(' ').nth(1)),
            Some(Some("401")),
            "{method} {path} with a wrong token and an unsent 1 MiB body is answered 401 without \
             waiting for the body, got {line:?}"
        );
    }
}

#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_sandbox_accounts_beyond_the_bound_get_429() {
    let server = Server::start();
    let c = &server.client;
    let bound = recoup_server::SANDBOX_ACCOUNTS_PER_IP_BURST;
    // A token may come back while these are made (the bucket refills by the minute).
    let tries = bound + 5;
    let mut created = 0;
    let mut refused = None;
    for _ in 0..tries {
        let r = c.send("POST", "/v1/accounts", None, Body::None, &[]);
        if r.status == 201 {
            created += 1;
        } else {
            refused = Some(r);
            break;
        }
    }
    let r = refused.unwrap_or_else(|| panic!("{tries} sandbox accounts in a row were all made"));
    r.assert_error(
        429,
        "rate_limited",
        "sandbox account creation beyond the bound",
    );
    let retry: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a 429 says when to retry, in seconds");
    assert!(retry >= 1, "Retry-After is at least a second, got {retry}");
    assert!(
        created >= bound,
        "the first {bound} accounts of an address are made, got {created}"
    );
    let stores = crate::support::with_database(server.data_dir(), async |db| {
        let n: i64 = db
            .query_one("SELECT count(*) FROM accounts", &[])
            .await
            .expect("the accounts are counted")
            .get(0);
        usize::try_from(n).expect("a count")
    })
    .unwrap_or_else(|| {
        std::fs::read_dir(server.data_dir().join("accounts"))
            .map(Iterator::count)
            .unwrap_or(0)
    });
    assert_eq!(
        stores, created as usize,
        "a refused creation makes no account (no store, no row)"
    );
}

/// The number of threads of a process.
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(Iterator::count)
        .expect("/proc/<pid>/task is readable")
}

#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_open_accounts_do_not_each_take_a_thread() {
    if !std::path::Path::new("/proc/self/task").exists() {
        return; // No /proc to count threads with (not Linux).
    }
    let p = Process::start(
        &["--sandbox", "--failure-rate", "0", "--bad-rate", "0"],
        &[],
    );
    let c = &p.client;
    let pid = p.child.id();
    let use_account = || {
        let a = c.account();
        let g = c.generate(&a, "virtual_model", "web");
        c.post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "the face looks wrong"),
        )
        .ok("a claim");
    };
    // One account first, so the runtime's pools have started.
    use_account();
    let before = threads_of(pid);
    let accounts = 20;
    for _ in 0..accounts {
        use_account();
    }
    let after = threads_of(pid);
    assert!(
        after < before + accounts / 2,
        "{accounts} more open accounts (each with a claim) took {} more threads ({before} -> \
         {after}): threads must not grow with open accounts",
        after.saturating_sub(before)
    );
}

#[test]
fn the_review_queue_can_lose_a_claim_a_claim_in_review_missing_from_the_queue_is_requeued_at_start()
{
    let p = Process::start(
        &["--sandbox", "--failure-rate", "0", "--bad-rate", "0"],
        &[],
    );
    let c = &p.client;
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let claim = Uuid::now_v7();
    let r = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(claim, &g, "the face looks wrong"),
        )
        .ok("a claim on a usable output");
    assert_eq!(
        r["verdict"]["outcome"], "in_review",
        "a usable output goes to review: {r}"
    );
    let data = p.dir_path().join("data");
    let (_, _, dir) = p.stop_keep();

    // The crash between the two commits: the claim is in review in the account's store, its
    // queue row never written. (On PostgreSQL the claim and its queue row are one transaction:
    // no crash can split them, and the restart below must keep the queue as it was.)
    if !crate::support::on_postgres() {
        let registry = rusqlite::Connection::open(data.join("server.sqlite3")).expect("registry");
        let removed = registry
            .execute("DELETE FROM reviews", [])
            .expect("delete the queue row");
        assert_eq!(
            removed, 1,
            "the claim was queued before the simulated crash"
        );
        drop(registry);
    }

    for start in ["first", "second"] {
        let p = Process::start_in(
            tempfile::tempdir().expect("tempdir"),
            &data,
            &["--sandbox"],
            &[],
        );
        let queue = p
            .client
            .get("/v1/admin/reviews", Some(ADMIN))
            .ok("the review queue");
        let queued: Vec<(&str, &str)> = queue
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|i| Some((i["account_id"].as_str()?, i["claim"]["claim_id"].as_str()?)))
            .collect();
        assert_eq!(
            queued,
            vec![(a.id.to_string().as_str(), claim.to_string().as_str())],
            "after the {start} restart the claim in review is on the queue, once"
        );
        drop(p);
    }
    drop(dir);
}

/// Found by the crash soak (docs/crash-soak.md): a review decision is committed in the account's
/// store and taken off the queue in the registry, two transactions; an endpoint killed between
/// the two kept the decided claim on the queue for good: listed first forever, refused when
/// decided again, and enough of them (the listing shows 200) would hide every real one.
#[test]
fn a_decided_claim_left_on_the_review_queue_by_a_crash_is_taken_off_at_start() {
    let p = Process::start(
        &["--sandbox", "--failure-rate", "0", "--bad-rate", "0"],
        &[],
    );
    let c = &p.client;
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let claim = Uuid::now_v7();
    let r = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(claim, &g, "the face looks wrong"),
        )
        .ok("a claim on a usable output");
    assert_eq!(
        r["verdict"]["outcome"], "in_review",
        "a usable output goes to review: {r}"
    );
    c.post(
        &format!("/v1/admin/reviews/{}/{claim}", a.id),
        Some(ADMIN),
        json!({"approve": true}),
    )
    .ok("the operator approves it");
    let data = p.dir_path().join("data");
    let (_, _, dir) = p.stop_keep();

    // The crash between the two commits: the decision is in the account's store, the queue row
    // was never deleted. (On PostgreSQL the decision and the queue row's removal are one
    // transaction: the restart below must keep the queue empty.)
    if !crate::support::on_postgres() {
        let registry = rusqlite::Connection::open(data.join("server.sqlite3")).expect("registry");
        registry
            .execute(
                "INSERT INTO reviews (account_id, claim_id, queued_at) VALUES (?1, ?2, 0)",
                rusqlite::params![a.id.as_bytes(), claim.as_bytes()],
            )
            .expect("put the queue row back");
        drop(registry);
    }

    let p = Process::start_in(
        tempfile::tempdir().expect("tempdir"),
        &data,
        &["--sandbox"],
        &[],
    );
    let queue = p
        .client
        .get("/v1/admin/reviews", Some(ADMIN))
        .ok("the review queue");
    assert_eq!(
        queue,
        json!([]),
        "after the restart the queue holds no claim that was already decided"
    );
    drop(p);
    drop(dir);
}

#[test]
fn expires_in_days_u32_max_is_refused_not_never_expires() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    let grants = |v: serde_json::Value| {
        (
            v["balance"]["totals"].clone(),
            v["balance"]["grants"].clone(),
        )
    };
    let before = grants(c.view(&a));
    let path = format!("/v1/admin/accounts/{}/grants", a.id);
    for days in [u64::from(u32::MAX), 36_501] {
        c.post(
            &path,
            Some(ADMIN),
            json!({"credits": 10, "kind": "promotion", "expires_in_days": days}),
        )
        .assert_error(400, "invalid_input", "a grant expiring past the bound");
    }
    assert_eq!(grants(c.view(&a)), before, "a refused grant writes nothing");
    let ok = c
        .post(
            &path,
            Some(ADMIN),
            json!({"credits": 10, "kind": "promotion", "expires_in_days": 36_500}),
        )
        .ok("a grant at the bound");
    assert!(
        !ok["expires_at"].is_null(),
        "a grant at the bound expires: {ok}"
    );
}

#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_a_body_that_never_comes_is_answered_408() {
    let server = Server::start();
    let a = server.client.account();
    let mut s = connect(&server.client);
    let head = format!(
        "POST /v1/claims HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        a.token
    );
    s.write_all(head.as_bytes()).expect("send the head");
    let wait = Duration::from_secs(recoup_server::REQUEST_TIMEOUT_SECS + 15);
    let (answer, _) = read_until_closed(&mut s, wait);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a request whose body stops coming is answered 408 after the request timeout of {} s, \
         got {answer:?}",
        recoup_server::REQUEST_TIMEOUT_SECS
    );
    assert!(
        answer.contains("\"code\":\"unavailable\""),
        "the 408 carries an error code a client can branch on: {answer:?}"
    );
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// With a low file limit, the audit saw a refund go through on a path that should have failed
/// closed: judging a claim reads its output file, and a read that failed for want of a file
/// descriptor was taken for "the output is gone", which refunds. Now the endpoint holding every
/// descriptor it may open answers the claim 503 (nothing written), keeps running, and once the
/// descriptors are free the same claim is refunded once.
#[test]
fn anyone_can_exhaust_the_endpoint_without_a_token_a_file_descriptor_limit_fails_closed_and_recovers()
 {
    if crate::support::sqlite_engine_only(
        "judging reads the output's file on SQLite; PostgreSQL judges from the database over connections already open",
    ) {
        return;
    }
    const LIMIT: u32 = 64;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut server = Process::start_limited(dir, &data, &["--sandbox"], &[], Some(LIMIT));
    let c = server.client.clone();
    c.set_generator(0.0, 1.0);
    let a = c.account();
    let g = c.generate(&a, "logo", "web");
    let available = c.available(&a);
    let body = claim_body(Uuid::now_v7(), &g, "the logo is blank").to_string();
    let request = format!(
        "POST /v1/claims HTTP/1.1\r\nHost: recoup\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        a.token,
        body.len()
    );

    // A connection made before the flood, and idle connections until the endpoint holds every
    // descriptor it may open (the rest wait in the listen backlog).
    let mut early = connect(&c);
    let pid = server.child.id();
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(connect(&c));
        if open_descriptors(pid) >= LIMIT as usize {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    for _ in 0..200 {
        if open_descriptors(pid) >= LIMIT as usize {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // More waiting in the backlog, so a descriptor the endpoint frees is taken again at once
    // by its accept loop rather than left for the claim.
    for _ in 0..20 {
        idle.push(connect(&c));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        open_descriptors(pid) >= LIMIT as usize,
        "the endpoint holds all {LIMIT} of its file descriptors: {}",
        open_descriptors(pid)
    );

    early
        .write_all(request.as_bytes())
        .expect("send the claim on the early connection");
    let status = status_line(&mut early, Duration::from_secs(20));
    assert!(
        status.as_deref().is_some_and(|s| s.contains(" 503 ")),
        "a claim judged without a file descriptor is refused 503, not refunded: {status:?}"
    );
    assert!(
        matches!(server.child.try_wait(), Ok(None)),
        "the endpoint is still running"
    );

    drop(idle);
    drop(early);
    let mut answer = None;
    for _ in 0..100 {
        let json: serde_json::Value = serde_json::from_str(&body).expect("the claim body");
        let r = c.send_unchecked("POST", "/v1/claims", Some(&a.token), Body::Json(json), &[]);
        if r.status == 200 {
            answer = Some(r.json());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let answer = answer.expect("the endpoint takes the claim again once descriptors are free");
    assert_eq!(
        answer["verdict"]["outcome"], "refunded",
        "the same claim is refunded once descriptors are free: {answer}"
    );
    assert_eq!(
        c.available(&a),
        available + g["cost"].as_u64().expect("cost"),
        "refunded exactly once"
    );
}
