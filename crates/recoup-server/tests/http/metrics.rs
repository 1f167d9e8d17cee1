//! `GET /metrics` (admin only, the Prometheus text format) and `GET /v1/ready` (public).

use uuid::Uuid;

use crate::support::{ADMIN, Server, claim_body};

/// The value of the sample `name{labels}` in an exposition, where `labels` is the exact label
/// text the exposition writes.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn metrics_count_requests_by_route_pattern_claims_by_outcome_and_adjudication_latency() {
    let server = Server::start();
    let c = &server.client;
    c.set_generator(0.0, 1.0);
    let a = c.account();
    let g = c.generate(&a, "flat_lay", "web");
    let answer = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "the image is blank"),
        )
        .ok("a claim on a bad output");
    assert_eq!(
        answer["verdict"]["outcome"], "refunded",
        "a deliberately bad output is refunded at once: {answer}"
    );
    let gid = g["generation_id"].as_str().unwrap();
    let r = c.get(&format!("/v1/generations/{gid}/output"), Some(&a.token));
    assert_eq!(r.status, 200, "the owner gets the output");

    let r = c.get("/metrics", Some(ADMIN));
    assert_eq!(r.status, 200, "the admin credential reads the metrics");
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "the exposition is plain text: {:?}",
        r.header("content-type")
    );
    let text = String::from_utf8(r.body).expect("the exposition is UTF-8");
    for route in ["/v1/generations", "/v1/claims"] {
        let line = format!(
            "recoup_http_requests_total{{method=\"POST\",route=\"{route}\",status=\"200\"}}"
        );
        assert_eq!(
            sample(&text, &line),
            Some(1.0),
            "one POST {route} answered 200 is counted under its route:\n{text}"
        );
    }
    assert_eq!(
        sample(
            &text,
            "recoup_http_requests_total{method=\"GET\",route=\"/v1/generations/{id}/output\",status=\"200\"}"
        ),
        Some(1.0),
        "a path with a parameter is counted under its pattern:\n{text}"
    );
    assert!(
        !text.contains(gid),
        "the raw path (with the generation id) is never a label:\n{text}"
    );
    assert_eq!(
        sample(&text, "recoup_claims_decided_total{outcome=\"refunded\"}"),
        Some(1.0),
        "the refunded claim is counted by its outcome:\n{text}"
    );
    assert_eq!(
        sample(&text, "recoup_adjudication_seconds_count"),
        Some(1.0),
        "one adjudication was timed:\n{text}"
    );
    assert_eq!(
        sample(&text, "recoup_adjudication_seconds_bucket{le=\"+Inf\"}"),
        Some(1.0),
        "the histogram has its buckets, the last one holding every observation:\n{text}"
    );
}

#[test]
fn metrics_need_the_admin_credential() {
    let server = Server::start();
    let c = &server.client;
    c.get("/metrics", None)
        .assert_error(401, "unauthorized", "the metrics without a credential");
    let a = c.account();
    c.get("/metrics", Some(&a.token)).assert_error(
        401,
        "unauthorized",
        "the metrics with an account token",
    );
}

#[test]
fn a_healthy_endpoint_is_ready_without_a_credential() {
    let server = Server::start();
    let r = server.client.get("/v1/ready", None);
    assert_eq!(
        (r.status, r.json()),
        (200, serde_json::json!({"ready": true})),
        "a healthy endpoint is ready"
    );
    let leftovers: Vec<_> = std::fs::read_dir(server.data_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".ready-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the readiness probe leaves no file behind: {leftovers:?}"
    );
}

#[test]
fn an_endpoint_whose_data_dir_is_gone_is_not_ready_and_says_why() {
    let server = Server::start();
    let dir = server.data_dir().to_path_buf();
    let moved = dir.with_extension("moved");
    // Permissions do not stop root, as whom tests may run: the dir is moved away instead.
    std::fs::rename(&dir, &moved).unwrap();
    let r = server.client.get("/v1/ready", None);
    std::fs::rename(&moved, &dir).unwrap();
    r.assert_error(503, "unavailable", "readiness without a data dir");
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.contains("data dir"),
        "the message names the check that failed: {message}"
    );
    let r = server.client.get("/v1/ready", None);
    assert_eq!(r.status, 200, "ready again once the data dir is back");
}
