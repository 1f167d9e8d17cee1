//! The endpoint's outgoing HTTP: webhook deliveries and JWKS fetches, with async reqwest on the
//! endpoint's own tokio runtime (nothing blocks a worker thread), HTTP/1.1, over rustls with the
//! ring provider and Mozilla's root certificates (webpki-roots), as the device's client.

use std::sync::Arc;

/// rustls with the ring provider and Mozilla's roots, TLS 1.2 and 1.3, handed to reqwest
/// ready-made (no process-wide crypto provider, no platform verifier). Public for the tests'
/// own clients.
pub fn tls_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS set-up: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// An async client builder with [`tls_config`], HTTP/1.1 and no automatic retries; the caller
/// sets its time limit and redirect policy.
pub(crate) fn client_builder() -> Result<reqwest::ClientBuilder, String> {
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .http1_only()
        .retry(reqwest::retry::never()))
}

/// Reads at most `limit` bytes of an answer's body; more is an error.
pub(crate) async fn body_limited(
    mut answer: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| error_text(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(format!("the answer is larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error and its causes (reqwest's own text names only the step that failed).
pub(crate) fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
