//! Every error code survives every boundary it crosses: the endpoint answers it over HTTP with
//! its status, the device's HTTP client reads it back, and the device layer hands it to the app
//! (IPC) and the CLI (`--json`, exit status) unchanged. The vocabulary is one enum, so a code
//! renamed or dropped at any door fails here.

use axum::response::IntoResponse;
use recoup_api::{ApiError, ErrorCode};
use recoup_device::DeviceError;
use recoup_sync::{Client, ClientError, Request, Response, Transport, TransportError};

/// A transport that answers every request with one response the endpoint made.
struct Answering(Response);

impl Transport for Answering {
    fn send(&self, _request: &Request) -> Result<Response, TransportError> {
        Ok(self.0.clone())
    }
}

/// The endpoint's answer for an error with `code`, as the bytes it puts on the wire.
fn endpoint_answer(code: ErrorCode) -> Response {
    let answer = recoup_server::AppError::api(code, format!("refused with {code}")).into_response();
    let (parts, body) = answer.into_parts();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let body = runtime
        .block_on(axum::body::to_bytes(body, 64 * 1024))
        .unwrap()
        .to_vec();
    Response::from_http(parts.status.as_u16(), &parts.headers, body)
}

#[test]
fn every_code_the_endpoint_answers_reaches_the_app_and_the_cli_unchanged() {
    let mut crossed = 0;
    for code in ErrorCode::all().filter(|c| c.reaches_http()) {
        // HTTP: the status is the code's, the body is {code, message}.
        let wire = endpoint_answer(code);
        assert_eq!(wire.status, code.http_status(), "{code}: the HTTP status");
        let body: ApiError = serde_json::from_slice(&wire.body).unwrap();
        assert_eq!(body.code, code, "{code}: the body names the code");

        // The device's client reads the code back from the wire.
        let client = Client::new(Answering(wire));
        let error = client.account().expect_err("an error answer is an error");
        match &error {
            ClientError::Api { status, error } => {
                assert_eq!(*status, code.http_status(), "{code}: status kept");
                assert_eq!(error.code, code, "{code}: code kept by the client");
            }
            other => panic!("{code}: read as {other:?}, not as the endpoint's error"),
        }

        // The device layer: what the app rejects an IPC call with and the CLI prints.
        let device = DeviceError::from(error);
        assert_eq!(device.code, code, "{code}: the device layer keeps it");
        let ipc = serde_json::to_value(&device).unwrap();
        assert_eq!(
            ipc["code"],
            code.as_str(),
            "{code}: the IPC/CLI body spells it"
        );
        let back: DeviceError = serde_json::from_value(ipc).unwrap();
        assert_eq!(back.code, code, "{code}: and it parses back");
        assert!(
            ![0, 2].contains(&code.exit_code()),
            "{code}: the CLI exits with a failure status of its own, got {}",
            code.exit_code()
        );
        crossed += 1;
    }
    assert!(
        crossed >= 17,
        "the endpoint's codes were all crossed: {crossed}"
    );
}

#[test]
fn every_code_only_a_device_says_still_crosses_the_app_and_the_cli() {
    for code in ErrorCode::all().filter(|c| !c.reaches_http()) {
        let device = DeviceError::english(code, "m");
        let ipc = serde_json::to_value(&device).unwrap();
        let back: DeviceError = serde_json::from_value(ipc).unwrap();
        assert_eq!(back.code, code, "{code}: kept through the IPC/CLI body");
        assert_eq!(
            code.http_status(),
            500,
            "{code}: never meant for HTTP, and a bug if it ever were"
        );
    }
}
