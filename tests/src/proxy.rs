//! A fault-injecting HTTP proxy for system tests: it sits between the device and the endpoint on
//! loopback and, request by request, passes, drops, delays, answers 503, cuts the response after
//! the endpoint has committed, or delivers the request twice. One request per connection
//! (`Connection: close` both ways), bounded sizes, stops when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward and answer normally.
    Pass,
    /// Close the connection without forwarding (the request never reaches the endpoint).
    Drop,
    /// Wait this many milliseconds, then forward.
    Delay(u64),
    /// Answer 503 without forwarding.
    Unavailable,
    /// Forward, let the endpoint commit, then close without answering.
    CutAfterCommit,
    /// Forward twice (a duplicated delivery) and answer with the second response.
    Duplicate,
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Requests seen.
    pub requests: AtomicU64,
    /// Requests that met a fault other than Pass.
    pub faults: AtomicU64,
}

/// A running proxy.
pub struct FaultProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    /// What it did.
    pub stats: Arc<ProxyStats>,
}

const HEAD_BYTES_MAX: usize = 64 * 1024;
const BODY_BYTES_MAX: usize = 4 * 1024 * 1024;

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream`; `plan(n)` decides the fate
    /// of the n-th request (0-based).
    pub fn start(
        upstream: SocketAddr,
        plan: impl Fn(u64) -> Fault + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ProxyStats::default());
        let plan = Arc::new(plan);
        let (stop2, stats2) = (Arc::clone(&stop), Arc::clone(&stats));
        let handle = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let n = stats2.requests.fetch_add(1, Ordering::Relaxed);
                        let fault = plan(n);
                        if fault != Fault::Pass {
                            stats2.faults.fetch_add(1, Ordering::Relaxed);
                        }
                        std::thread::spawn(move || {
                            let _ = serve(client, upstream, fault);
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(Self {
            addr,
            stop,
            handle: Some(handle),
            stats,
        })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Reads one HTTP/1.1 request and returns it rewritten with `Connection: close`.
fn read_request(stream: &TcpStream) -> std::io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed mid-request"));
        }
        if head.len() + line.len() > HEAD_BYTES_MAX {
            return Err(std::io::Error::other("request head too large"));
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().map_err(std::io::Error::other)?;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    if length > BODY_BYTES_MAX {
        return Err(std::io::Error::other("request body too large"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    head.extend_from_slice(&body);
    Ok(head)
}

fn forward(upstream: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    up.set_read_timeout(Some(Duration::from_secs(30)))?;
    up.write_all(request)?;
    let mut response = Vec::new();
    up.take(BODY_BYTES_MAX as u64 * 2)
        .read_to_end(&mut response)?;
    Ok(response)
}

fn serve(mut client: TcpStream, upstream: SocketAddr, fault: Fault) -> std::io::Result<()> {
    let request = read_request(&client)?;
    let response = match fault {
        Fault::Drop => {
            return client.shutdown(Shutdown::Both);
        }
        Fault::Unavailable => b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 67\r\n\r\n{\"code\":\"unavailable\",\"message\":\"injected fault: endpoint is down\"}".to_vec(),
        Fault::Delay(ms) => {
            std::thread::sleep(Duration::from_millis(ms));
            forward(upstream, &request)?
        }
        Fault::CutAfterCommit => {
            forward(upstream, &request)?;
            return client.shutdown(Shutdown::Both);
        }
        Fault::Duplicate => {
            forward(upstream, &request)?;
            forward(upstream, &request)?
        }
        Fault::Pass => forward(upstream, &request)?,
    };
    client.write_all(&response)?;
    client.shutdown(Shutdown::Both)
}
