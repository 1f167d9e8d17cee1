//! How every Recoup client reaches the network, written once: the TLS trust (rustls with the
//! ring provider, as the rest of Recoup, TLS 1.2 and 1.3, Mozilla's root certificates from
//! webpki-roots plus any the caller adds), handed to reqwest or tokio-postgres ready-made so
//! neither needs a process-wide crypto provider or the platform's verifier; and an error's text
//! with its causes. The device's transport, the endpoint's webhook and JWKS clients, and the
//! PostgreSQL pool all build on these.

use std::sync::Arc;

/// Mozilla's root certificates, to which a caller may add its own (a managed database's CA).
pub fn mozilla_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// A TLS client configuration trusting `roots`: ring's cryptography, TLS 1.2 and 1.3, no client
/// certificate.
pub fn tls_client_config(
    roots: rustls::RootCertStore,
) -> Result<rustls::ClientConfig, rustls::Error> {
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// An error and its causes, one after the other (reqwest's and tokio-postgres's own text names
/// only the step that failed).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn an_error_is_told_with_its_causes() {
        let e = Outer(std::io::Error::other("inner"));
        assert_eq!(error_chain(&e), "outer: inner", "every cause, in order");
    }

    #[test]
    fn the_tls_configuration_is_built_from_mozillas_roots() {
        let roots = mozilla_roots();
        assert!(!roots.is_empty(), "Mozilla's roots are there");
        assert!(
            tls_client_config(roots).is_ok(),
            "ring supports the safe default protocol versions"
        );
    }
}
