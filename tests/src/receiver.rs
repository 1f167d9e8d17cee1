//! A webhook receiver on loopback, as a product's backend would run one: it records every
//! delivery (what it answered included) and answers as a test tells it (accept, refuse, hang),
//! and it can be stopped and started again on the same port.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

/// How the receiver answers a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 204: kept.
    Accept,
    /// This status (a 5xx, a 4xx): not kept.
    Refuse(u16),
    /// Waits this long before answering 204 (past the endpoint's timeout: not delivered).
    Hang(Duration),
}

/// One delivery as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The `Recoup-Signature` header.
    pub signature: String,
    /// The `Recoup-Event-Id` header.
    pub event_id: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub answer: Answer,
}

#[derive(Default)]
struct Shared {
    deliveries: Vec<Delivery>,
    /// Answers for the next deliveries, in order; then `default`.
    script: VecDeque<Answer>,
    default: Option<Answer>,
}

/// A running receiver; stopped when dropped.
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

async fn receive(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let answer = {
        let mut s = shared.lock().expect("receiver state");
        let answer = s.script.pop_front().or(s.default).unwrap_or(Answer::Accept);
        s.deliveries.push(Delivery {
            signature: header(recoup_api::SIGNATURE_HEADER),
            event_id: header(recoup_api::EVENT_ID_HEADER),
            body: body.to_vec(),
            answer,
        });
        answer
    };
    match answer {
        Answer::Accept => StatusCode::NO_CONTENT,
        Answer::Refuse(code) => {
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
        Answer::Hang(d) => {
            tokio::time::sleep(d).await;
            StatusCode::NO_CONTENT
        }
    }
}

impl Receiver {
    /// Starts on a free loopback port, accepting everything.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("an address"))
    }

    /// Starts on `addr` (the port of a stopped receiver: a restart).
    pub fn start_on(addr: SocketAddr) -> Self {
        Self::start_with(addr, Arc::new(Mutex::new(Shared::default())))
    }

    fn start_with(addr: SocketAddr, shared: Arc<Mutex<Shared>>) -> Self {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(Arc::clone(&shared));
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                // The port of a receiver just stopped may take a moment to be free again.
                let mut tries = 0;
                let listener = loop {
                    match tokio::net::TcpListener::bind(addr).await {
                        Ok(l) => break l,
                        Err(e) if tries < 100 => {
                            tries += 1;
                            let _ = e;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(e) => panic!("cannot bind the receiver to {addr}: {e}"),
                    }
                };
                let _ = addr_tx.send(listener.local_addr().expect("addr"));
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
            // A hanging answer is dropped rather than waited for.
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the receiver reports its address");
        Self {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The URL to register: `http://127.0.0.1:PORT/hook`.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answers the next deliveries with `answers`, in order, then as before.
    pub fn script(&self, answers: &[Answer]) {
        self.shared
            .lock()
            .expect("receiver state")
            .script
            .extend(answers.iter().copied());
    }

    /// Answers every delivery (after the scripted ones) with `answer`.
    pub fn answer_all(&self, answer: Answer) {
        self.shared.lock().expect("receiver state").default = Some(answer);
    }

    /// Every delivery so far, in arrival order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared
            .lock()
            .expect("receiver state")
            .deliveries
            .clone()
    }

    /// Stops listening (deliveries are refused at the connection) and starts again on the same
    /// port with what it recorded, when `restart` is called.
    pub fn stop(mut self) -> Stopped {
        self.shutdown();
        Stopped {
            addr: self.addr,
            shared: Arc::clone(&self.shared),
        }
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A receiver stopped by [`Receiver::stop`].
pub struct Stopped {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl Stopped {
    /// Starts it again on its port, keeping what it recorded.
    pub fn restart(self) -> Receiver {
        Receiver::start_with(self.addr, self.shared)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shutdown();
    }
}
