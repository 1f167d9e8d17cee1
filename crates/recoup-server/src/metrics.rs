//! The endpoint's counters for `GET /metrics`, in the Prometheus text format.
//!
//! Built on `prometheus-client`, the Prometheus project's own Rust client, rather than
//! `metrics` + `metrics-exporter-prometheus`: its registry is a plain value owned by the
//! endpoint's state (no process-wide recorder, so several endpoints in one process, as in the
//! tests, each count their own), its metric families are typed, and it has no HTTP listener of
//! its own to turn off: the endpoint serves `/metrics` behind the admin credential itself.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use recoup_api::ClaimOutcome;

use crate::error::AppError;
use crate::state::AppState;

/// The `Content-Type` of the exposition (the Prometheus text format, version 0.0.4).
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of a request that matched no route: the raw path is never a label (any
/// client could make the label set grow without bound).
const UNMATCHED: &str = "unmatched";

/// Adjudication latency buckets, in seconds: 1 ms to about 8 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// The kinds of provider call counted (`recoup_provider_calls_total{kind}`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ProviderCall {
    /// A generation started (`POST /v1/provider/generations`).
    Start,
    /// An output uploaded (`PUT /v1/provider/generations/{id}/output`).
    Output,
    /// A failure reported (`POST /v1/provider/generations/{id}/failure`).
    Failure,
}

impl ProviderCall {
    const fn as_str(self) -> &'static str {
        match self {
            ProviderCall::Start => "start",
            ProviderCall::Output => "output",
            ProviderCall::Failure => "failure",
        }
    }
}

/// Every metric the endpoint keeps, and the registry that writes them out.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    claims: Family<OutcomeLabels, Counter>,
    adjudication: Histogram,
    provider_calls: Family<KindLabels, Counter>,
    webhook_deliveries: Family<OutcomeLabels, Counter>,
    webhook_backlog: Gauge,
}

/// What became of one webhook delivery attempt (`recoup_webhook_deliveries_total{outcome}`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Delivery {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed; it will be tried again.
    Retrying,
    /// It failed for the whole retry period and was given up (listed as failed).
    GivenUp,
}

impl Delivery {
    const fn as_str(self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Retrying => "retrying",
            Delivery::GivenUp => "given_up",
        }
    }
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("recoup");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, matched route pattern and status",
            requests.clone(),
        );
        let claims = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "claims_decided",
            "Claims decided, by outcome (at adjudication, and by a review decision)",
            claims.clone(),
        );
        let adjudication = Histogram::new(LATENCY_BUCKETS);
        registry.register(
            "adjudication_seconds",
            "Time the storage took to adjudicate a claim or a batch of claims, in seconds",
            adjudication.clone(),
        );
        let provider_calls = Family::<KindLabels, Counter>::default();
        registry.register(
            "provider_calls",
            "Calls of the provider API by an authenticated provider, by kind",
            provider_calls.clone(),
        );
        let webhook_deliveries = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome: delivered, retrying (failed, tried again later), given_up (failed for the whole retry period)",
            webhook_deliveries.clone(),
        );
        let webhook_backlog = Gauge::default();
        registry.register(
            "webhook_backlog_accounts",
            "Accounts with webhook events waiting to be delivered or being delivered now",
            webhook_backlog.clone(),
        );
        Self {
            registry,
            requests,
            claims,
            adjudication,
            provider_calls,
            webhook_deliveries,
            webhook_backlog,
        }
    }

    /// Counts a claim decided with `outcome`.
    pub(crate) fn claim_decided(&self, outcome: ClaimOutcome) {
        self.claims
            .get_or_create(&OutcomeLabels {
                outcome: outcome.as_str(),
            })
            .inc();
    }

    /// Records how long one adjudication took.
    pub(crate) fn adjudicated(&self, started: Instant) {
        self.adjudication.observe(started.elapsed().as_secs_f64());
    }

    /// Counts a provider call.
    pub(crate) fn provider_call(&self, kind: ProviderCall) {
        self.provider_calls
            .get_or_create(&KindLabels {
                kind: kind.as_str(),
            })
            .inc();
    }

    /// Counts a webhook delivery attempt.
    pub(crate) fn webhook_delivery(&self, outcome: Delivery) {
        self.webhook_deliveries
            .get_or_create(&OutcomeLabels {
                outcome: outcome.as_str(),
            })
            .inc();
    }

    /// Sets the webhook backlog (accounts waiting or in delivery).
    pub(crate) fn webhook_backlog(&self, accounts: usize) {
        self.webhook_backlog
            .set(i64::try_from(accounts).unwrap_or(i64::MAX));
    }

    fn request(&self, method: &'static str, route: String, status: u16) {
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// The exposition of every metric.
    pub(crate) fn render(&self) -> Result<String, AppError> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .map_err(|e| AppError::internal(format!("cannot write the metrics: {e}")))?;
        Ok(out)
    }
}

/// Middleware: counts each answered request by method, matched route pattern and status.
pub(crate) async fn record(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |m| m.as_str().to_owned());
    // A fixed set: a client-made method name is not a label either.
    let method = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let response = next.run(req).await;
    state
        .metrics
        .request(method, route, response.status().as_u16());
    response
}
