//! How bytes reach the endpoint. [`Transport`] is the seam: the real one is [`HttpTransport`]
//! (reqwest, blocking, no automatic retries, every status returned as an answer); tests put a scripted fake
//! in its place to inject network faults, timeouts and odd answers.

use std::io::Read;
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
    /// A response from the parts the `http` crate hands back (reqwest here; axum or hyper for a
    /// transport that calls an endpoint in-process), header names in lower case as they are.
    pub fn from_http(status: u16, headers: &reqwest::header::HeaderMap, body: Vec<u8>) -> Self {
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
    /// Waiting for the answer's head, and then for its body: the whole exchange is bounded by
    /// `connect` plus twice this.
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

/// The TLS of every Recoup HTTP client: rustls with the ring provider (as the rest of Recoup)
/// and Mozilla's root certificates (webpki-roots), TLS 1.2 and 1.3. Handed to reqwest ready-made
/// (`tls_backend_preconfigured`), so reqwest neither needs a process-wide crypto provider nor
/// uses the platform's verifier.
pub fn tls_config() -> Result<rustls::ClientConfig, TransportError> {
    recoup_api::net::tls_client_config(recoup_api::net::mozilla_roots())
        .map_err(|e| TransportError::Invalid(format!("TLS set-up: {e}")))
}

/// A blocking reqwest client builder as Recoup's clients start from: [`tls_config`], HTTP/1.1,
/// no redirects followed, no automatic retries, no overall time limit (the caller sets its own),
/// and Recoup's user agent. [`HttpTransport`] is built on it, and so are the tools' and the
/// tests' own clients.
pub fn blocking_client_builder() -> Result<reqwest::blocking::ClientBuilder, TransportError> {
    Ok(reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .timeout(None)
        .user_agent(concat!("recoup/", env!("CARGO_PKG_VERSION"))))
}

/// The real transport: HTTP/1.1 over reqwest (blocking), with connect and read timeouts, no
/// automatic retries, no redirects, and 4xx/5xx returned as answers rather than errors.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// A transport to the endpoint at `base_url` (`http://` or `https://`, with or without a
    /// trailing `/`), with the default [`Timeouts`].
    pub fn new(base_url: &str) -> Result<Self, TransportError> {
        Self::with_timeouts(base_url, Timeouts::default())
    }

    /// A transport with explicit timeouts: `connect` for resolving and connecting (TLS
    /// included), and the whole exchange within `connect` plus twice `read` (the answer's head,
    /// then its body).
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
        let client = blocking_client_builder()?
            .connect_timeout(timeouts.connect)
            .timeout(
                timeouts
                    .connect
                    .saturating_add(timeouts.read.saturating_mul(2)),
            )
            .build()
            .map_err(|e| TransportError::Invalid(recoup_api::net::error_chain(&e)))?;
        Ok(Self { base, client })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let url = format!("{}{}", self.base, request.path);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.client.request(method, &url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if matches!(request.method, Method::Post | Method::Put) {
            builder = builder.body(request.body.clone());
        }
        let answer = builder.send().map_err(|e| map_error(&e))?;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let mut body = Vec::new();
        answer
            .take(RESPONSE_BYTES_MAX + 1)
            .read_to_end(&mut body)
            .map_err(|e| map_io(&e))?;
        if body.len() as u64 > RESPONSE_BYTES_MAX {
            return Err(TransportError::Io(format!(
                "the answer is larger than {RESPONSE_BYTES_MAX} bytes"
            )));
        }
        Ok(Response::from_http(status, &headers, body))
    }
}

fn map_error(e: &reqwest::Error) -> TransportError {
    let text = recoup_api::net::error_chain(e);
    if e.is_timeout() {
        TransportError::Timeout(text)
    } else if e.is_builder() {
        TransportError::Invalid(text)
    } else if e.is_connect() {
        // A connect error caused by a timeout is reported as one by `is_timeout`; any other
        // cause (refused, unreachable, unknown host, failed TLS handshake) is a connect error.
        TransportError::Connect(text)
    } else {
        match io_cause(e) {
            Some(io) => map_io(io),
            None => TransportError::Io(text),
        }
    }
}

fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

fn map_io(io: &std::io::Error) -> TransportError {
    use std::io::ErrorKind;
    let text = recoup_api::net::error_chain(io);
    match io.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportError::Timeout(text),
        ErrorKind::ConnectionRefused
        | ErrorKind::AddrNotAvailable
        | ErrorKind::NotConnected
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable => TransportError::Connect(text),
        _ => match io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
        {
            // The body's read failed inside reqwest (its read timeout, a broken connection).
            Some(e) if e.is_timeout() => TransportError::Timeout(text),
            _ => TransportError::Io(text),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts one connection on `listener` and reads the request's head (returned with the
    /// connection); the caller answers.
    fn accept_request(listener: &std::net::TcpListener) -> (std::net::TcpStream, Vec<u8>) {
        use std::io::Read;
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "the client closed before sending a whole request head"
            );
            got.extend_from_slice(&buf[..n]);
        }
        (s, got)
    }

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
    fn an_endpoint_that_never_answers_is_a_transient_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // Accepts and reads, never answers; holds the connection until the client gives up.
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            while std::io::Read::read(&mut s, &mut buf).is_ok_and(|n| n > 0) {}
        });
        let t = HttpTransport::with_timeouts(
            &format!("http://{addr}"),
            Timeouts {
                connect: Duration::from_millis(500),
                read: Duration::from_millis(250),
            },
        )
        .unwrap();
        let started = std::time::Instant::now();
        let err = t
            .send(&Request {
                method: Method::Post,
                path: "/v1/claims/batch".into(),
                headers: vec![],
                body: b"{}".to_vec(),
            })
            .unwrap_err();
        assert!(
            matches!(err, TransportError::Timeout(_)),
            "a silent endpoint is a timeout: {err:?}"
        );
        assert!(err.is_transient(), "a timeout is worth retrying: {err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the limit is connect + 2 x read, not more: {:?}",
            started.elapsed()
        );
        drop(t);
        server.join().unwrap();
    }

    #[test]
    fn a_redirect_is_returned_as_an_answer_not_followed() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = accept_request(&listener);
            s.write_all(
                b"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .unwrap();
        });
        let t = HttpTransport::new(&format!("http://{addr}")).unwrap();
        let r = t
            .send(&Request {
                method: Method::Get,
                path: "/v1/account".into(),
                headers: vec![],
                body: vec![],
            })
            .unwrap();
        assert_eq!(r.status, 307, "the redirect itself is the answer");
        assert_eq!(
            r.header("location"),
            Some("http://127.0.0.1:9/elsewhere"),
            "with its target, unvisited"
        );
        server.join().unwrap();
    }

    #[test]
    fn statuses_come_back_as_answers_and_bodies_are_read() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, got) = accept_request(&listener);
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
