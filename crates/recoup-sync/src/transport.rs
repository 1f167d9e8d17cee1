//! How bytes reach the endpoint. [`Transport`] is the seam: the real one is [`HttpTransport`]
//! (ureq, no automatic retries, every status returned as an answer); tests put a scripted fake
//! in its place to inject network faults, timeouts and odd answers.

use std::time::Duration;

/// An HTTP method the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT` (admin routes that replace a document or a setting; a provider's output).
    Put,
    /// `DELETE` (admin routes that revoke).
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One request, relative to the endpoint's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Path and query, starting with `/` (e.g. `/v1/changes?cursor=12&limit=1000`).
    pub path: String,
    /// Headers, in order (names in lower case).
    pub headers: Vec<(String, String)>,
    /// The body (empty for `GET`).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// One answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response from the parts the `http` crate hands back (ureq here; axum or hyper for a
    /// transport that calls an endpoint in-process), header names in lower case as they are.
    pub fn from_http(status: u16, headers: &ureq::http::HeaderMap, body: Vec<u8>) -> Self {
        let headers = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Self {
            status,
            headers,
            body,
        }
    }
}

impl Response {
    /// An answer with a status and a body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, value: &impl serde::Serialize) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why no answer arrived: the network, not the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made (refused, host unknown, no route).
    #[error("cannot connect to the endpoint: {0}")]
    Connect(String),
    /// A connect or read timeout passed.
    #[error("the endpoint did not answer in time: {0}")]
    Timeout(String),
    /// The connection broke or the answer was cut or garbled.
    #[error("the connection to the endpoint broke: {0}")]
    Io(String),
    /// The request could not even be formed (bad endpoint URL): retrying will not help.
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl TransportError {
    /// Whether trying again later may succeed (everything but a malformed request).
    pub const fn is_transient(&self) -> bool {
        !matches!(self, TransportError::Invalid(_))
    }
}

/// Sends one request and returns the endpoint's answer, whatever its status, or a
/// [`TransportError`] when none arrived. Implementations never retry on their own: the caller
/// decides (the sync engine retries with backoff, by idempotency key).
pub trait Transport {
    /// Sends `request`.
    fn send(&self, request: &Request) -> Result<Response, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request)
    }
}

/// Timeouts of the HTTP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting (resolve, TCP, TLS).
    pub connect: Duration,
    /// Waiting for the answer's head, and then for its body, each.
    pub read: Duration,
}

impl Default for Timeouts {
    /// 5 s to connect, 30 s to read (a generation runs while the request waits).
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(30),
        }
    }
}

/// Largest answer body the HTTP transport reads (generation outputs included), in bytes.
pub const RESPONSE_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// The real transport: HTTP/1.1 over ureq, with connect and read timeouts, no automatic
/// retries, no redirects, and 4xx/5xx returned as answers rather than errors.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A transport to the endpoint at `base_url` (`http://` or `https://`, with or without a
    /// trailing `/`), with the default [`Timeouts`].
    pub fn new(base_url: &str) -> Result<Self, TransportError> {
        Self::with_timeouts(base_url, Timeouts::default())
    }

    /// A transport with explicit timeouts.
    pub fn with_timeouts(base_url: &str, timeouts: Timeouts) -> Result<Self, TransportError> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let rest = base
            .strip_prefix("http://")
            .or_else(|| base.strip_prefix("https://"))
            .ok_or_else(|| {
                TransportError::Invalid(format!(
                    "the endpoint URL must start with http:// or https:// (got '{base_url}')"
                ))
            })?;
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(TransportError::Invalid(format!(
                "the endpoint URL has no host (got '{base_url}')"
            )));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(timeouts.connect))
            .timeout_resolve(Some(timeouts.connect))
            .timeout_send_request(Some(timeouts.read))
            .timeout_send_body(Some(timeouts.read))
            .timeout_recv_response(Some(timeouts.read))
            .timeout_recv_body(Some(timeouts.read))
            .user_agent(concat!("recoup/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            base,
            agent: ureq::Agent::new_with_config(config),
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let url = format!("{}{}", self.base, request.path);
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let answer = match request.method {
            Method::Get | Method::Delete => builder
                .body(())
                .map_err(|e| TransportError::Invalid(e.to_string()))
                .and_then(|r| self.agent.run(r).map_err(map_error)),
            Method::Post | Method::Put => builder
                .body(request.body.clone())
                .map_err(|e| TransportError::Invalid(e.to_string()))
                .and_then(|r| self.agent.run(r).map_err(map_error)),
        };
        let mut answer = answer?;
        let body = answer
            .body_mut()
            .with_config()
            .limit(RESPONSE_BYTES_MAX)
            .read_to_vec()
            .map_err(map_error)?;
        Ok(Response::from_http(
            answer.status().as_u16(),
            answer.headers(),
            body,
        ))
    }
}

fn map_error(e: ureq::Error) -> TransportError {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Timeout(t) => TransportError::Timeout(t.to_string()),
        ureq::Error::HostNotFound => TransportError::Connect("host not found".to_owned()),
        ureq::Error::ConnectionFailed => TransportError::Connect("connection failed".to_owned()),
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportError::Timeout(io.to_string()),
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NotConnected
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => TransportError::Connect(io.to_string()),
            _ => TransportError::Io(io.to_string()),
        },
        ureq::Error::BadUri(s) => TransportError::Invalid(s),
        ureq::Error::Http(h) => TransportError::Invalid(h.to_string()),
        other => TransportError::Io(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let t = HttpTransport::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(t.base_url(), "http://127.0.0.1:8080");
        assert!(matches!(
            HttpTransport::new("ftp://x"),
            Err(TransportError::Invalid(_))
        ));
        assert!(matches!(
            HttpTransport::new("http://"),
            Err(TransportError::Invalid(_))
        ));
    }

    #[test]
    fn a_closed_port_is_a_transient_connect_error_not_a_panic() {
        // Bind then drop a listener so the port is very likely closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = HttpTransport::with_timeouts(
            &format!("http://127.0.0.1:{port}"),
            Timeouts {
                connect: Duration::from_secs(2),
                read: Duration::from_secs(2),
            },
        )
        .unwrap();
        let err = t
            .send(&Request {
                method: Method::Get,
                path: "/v1/health".into(),
                headers: vec![],
                body: vec![],
            })
            .unwrap_err();
        assert!(err.is_transient(), "{err:?}");
    }

    #[test]
    fn statuses_come_back_as_answers_and_bodies_are_read() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            let body = br#"{"code":"unavailable","message":"later"}"#;
            write!(
                s,
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            s.write_all(body).unwrap();
            String::from_utf8_lossy(&got).into_owned()
        });
        let t = HttpTransport::new(&format!("http://{addr}")).unwrap();
        let r = t
            .send(&Request {
                method: Method::Get,
                path: "/v1/account".into(),
                headers: vec![("authorization".into(), "Bearer t0k".into())],
                body: vec![],
            })
            .unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert!(r.body.starts_with(b"{\"code\""));
        let head = server.join().unwrap();
        assert!(head.starts_with("GET /v1/account HTTP/1.1"), "{head}");
        assert!(head.to_lowercase().contains("authorization: bearer t0k"));
    }
}
