//! The connection pool the engine shares between requests, with TLS when the URL asks for it.

use std::path::Path;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::Error;

/// The most connections one instance opens. PostgreSQL serves a few connections per core best;
/// several instances share the server's `max_connections` (100 by default).
pub const POOL_SIZE_MAX: usize = 16;

/// A pool of connections to `url` (`postgres://user@host:port/db`, or key=value form), opened
/// lazily, at most `size_max`, trusting Mozilla's roots for TLS. See [`pool_with_ca`].
pub fn pool(url: &str, size_max: usize) -> Result<Pool, Error> {
    pool_with_ca(url, size_max, None)
}

/// A pool of connections to `url`, at most `size_max`. The URL's `sslmode` decides TLS:
/// `disable` never, `prefer` (the default) when the server offers it, `require` always. With
/// TLS the server's certificate is always verified, against Mozilla's roots and the PEM
/// certificates of `ca_file` when given (a managed database's own CA), and its name against
/// the host connected to: `require` here is libpq's `verify-full`.
pub fn pool_with_ca(url: &str, size_max: usize, ca_file: Option<&Path>) -> Result<Pool, Error> {
    let config: tokio_postgres::Config = url.parse().map_err(Error::Url)?;
    let manager = Manager::from_config(
        config,
        MakeRustlsConnect::new(tls_config(ca_file)?),
        ManagerConfig {
            // A connection whose socket closed (a restart of PostgreSQL closes them all) is
            // replaced rather than handed out. `Verified` would also run a query on every
            // checkout: a round trip per request for what a closed socket already says.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(size_max.clamp(1, POOL_SIZE_MAX))
        .build()?)
}

/// The TLS client settings: ring's cryptography, TLS 1.2 and 1.3, Mozilla's roots plus the CA
/// file's certificates.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, Error> {
    let mut roots = recoup_api::net::mozilla_roots();
    if let Some(path) = ca_file {
        let shown = path.display().to_string();
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| Error::Tls(format!("cannot read the CA file {shown}: {e}")))?
            .collect::<Result<_, _>>()
            .map_err(|e| Error::Tls(format!("the CA file {shown} is not PEM: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Tls(format!(
                "the CA file {shown} holds no certificate (PEM \"BEGIN CERTIFICATE\" blocks)"
            )));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| {
                Error::Tls(format!("a certificate of {shown} cannot be trusted: {e}"))
            })?;
        }
    }
    recoup_api::net::tls_client_config(roots).map_err(|e| Error::Tls(e.to_string()))
}
