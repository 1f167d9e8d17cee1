//! The endpoint's outgoing HTTP: webhook deliveries and JWKS fetches, with async reqwest on the
//! endpoint's own tokio runtime (nothing blocks a worker thread), HTTP/1.1, over rustls with the
//! ring provider and Mozilla's root certificates (webpki-roots), as the device's client.

/// Recoup's TLS set-up (`recoup_api::net`: rustls with ring, Mozilla's roots), handed to
/// reqwest ready-made. Public for the tests' own clients.
pub fn tls_config() -> Result<rustls::ClientConfig, String> {
    recoup_api::net::tls_client_config(recoup_api::net::mozilla_roots())
        .map_err(|e| format!("TLS set-up: {e}"))
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
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|e| recoup_api::net::error_chain(&e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(format!("the answer is larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
