//! TLS to PostgreSQL, as to a managed database: a server of this test's own with a certificate
//! signed by a CA the test makes. With the CA given, `sslmode=require` connects over TLS (the
//! certificate and the host name verified); without it the server is not trusted; `disable`
//! stays plain.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use recoup_store_pg::harness::PgServer;
use recoup_store_pg::{pool, pool_with_ca};

/// A CA, and a certificate for 127.0.0.1 signed by it: (CA PEM, server certificate PEM, server
/// key PEM).
fn certificates() -> (String, String, String) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Recoup test CA");
    let ca_key = rcgen::KeyPair::generate().expect("a CA key");
    let ca = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let server_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server params");
    let server_key = rcgen::KeyPair::generate().expect("a server key");
    let server = server_params
        .signed_by(&server_key, &ca, &ca_key)
        .expect("the server certificate");
    (ca.pem(), server.pem(), server_key.serialize_pem())
}

/// Whether the connection the pool hands out is encrypted, as the server sees it.
async fn encrypted(pool: &deadpool_postgres::Pool) -> Result<bool, String> {
    let client = pool.get().await.map_err(|e| {
        let mut why = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            why = format!("{why}: {inner}");
            source = inner.source();
        }
        why
    })?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test]
async fn require_connects_over_tls_with_the_operators_ca_and_refuses_a_server_it_cannot_trust() {
    let pg = PgServer::start_new().unwrap_or_else(|e| panic!("this test's PostgreSQL: {e}"));
    let url = pg.create_database("tls").expect("a database");
    let (ca, cert, key) = certificates();
    // The server reads its certificate and key as its own user; the key must be private.
    let dir = pg.socket_dir();
    let owner = std::fs::metadata(dir).expect("the server's directory");
    let (cert_path, key_path) = (dir.join("server.crt"), dir.join("server.key"));
    std::fs::write(&cert_path, cert).expect("the certificate is written");
    std::fs::write(&key_path, key).expect("the key is written");
    for p in [&cert_path, &key_path] {
        std::os::unix::fs::chown(p, Some(owner.uid()), Some(owner.gid())).expect("chown");
    }
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let ca_dir = tempfile::tempdir().expect("tempdir");
    let ca_path = ca_dir.path().join("ca.pem");
    std::fs::write(&ca_path, ca).expect("the CA is written");

    let plain = crate::support::connect(&format!("{url}?sslmode=disable")).await;
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{}'", cert_path.display()),
        format!("ALTER SYSTEM SET ssl_key_file = '{}'", key_path.display()),
        "ALTER SYSTEM SET ssl = on".to_owned(),
    ] {
        plain.batch_execute(&sql).await.expect("TLS is configured");
    }
    plain
        .batch_execute("SELECT pg_reload_conf()")
        .await
        .expect("the configuration is reloaded");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let trusted = pool_with_ca(&format!("{url}?sslmode=require"), 1, Some(&ca_path))
        .expect("a pool with the operator's CA");
    assert_eq!(
        encrypted(&trusted).await,
        Ok(true),
        "with the CA, sslmode=require connects over TLS"
    );
    let untrusted = pool(&format!("{url}?sslmode=require"), 1).expect("a pool");
    let refused = encrypted(&untrusted).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|why| why.contains("certificate")),
        "without the CA the server's certificate is not trusted: {refused:?}"
    );
    let preferred = pool_with_ca(&url, 1, Some(&ca_path)).expect("a pool");
    assert_eq!(
        encrypted(&preferred).await,
        Ok(true),
        "by default (sslmode=prefer) TLS is used when the server offers it"
    );
    let disabled =
        pool_with_ca(&format!("{url}?sslmode=disable"), 1, Some(&ca_path)).expect("a pool");
    assert_eq!(
        encrypted(&disabled).await,
        Ok(false),
        "sslmode=disable stays plain"
    );
    let not_pem = ca_dir.path().join("not.pem");
    std::fs::write(&not_pem, "not a certificate").expect("written");
    let bad = pool_with_ca(&url, 1, Some(&not_pem));
    assert!(
        matches!(&bad, Err(recoup_store_pg::Error::Tls(why)) if why.contains("no certificate")),
        "a CA file without a certificate is refused, saying so: {:?}",
        bad.err()
    );
}
