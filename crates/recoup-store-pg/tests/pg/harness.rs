//! The harness's own promises: a crash (`stop_immediate`) and a restart on the same port keep
//! every committed transaction, and dropping the server stops it.

use recoup_store_pg::harness::PgServer;

use crate::support::connect;

#[tokio::test]
async fn a_server_stopped_as_in_a_crash_restarts_with_every_committed_write() {
    // Its own server: the shared one must not stop under the other tests.
    let mut server =
        PgServer::start_new().unwrap_or_else(|e| panic!("a second server must start: {e}"));
    let url = server.create_database("crash").unwrap();
    let client = connect(&url).await;
    client
        .batch_execute(
            "CREATE TABLE kept (n bigint PRIMARY KEY); INSERT INTO kept VALUES (1), (2), (3);",
        )
        .await
        .unwrap();
    drop(client);

    server
        .stop_immediate()
        .expect("pg_ctl stop -m immediate must stop the server");
    assert!(
        !server.is_running(),
        "the server must be down after an immediate stop"
    );
    assert!(
        tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .is_err(),
        "nothing must answer on the port while the server is down"
    );
    server
        .start()
        .expect("the server must start again after a crash");

    let client = connect(&url).await;
    let n: i64 = client
        .query_one("SELECT count(*) FROM kept", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n, 3,
        "every committed row must survive a crash and the WAL replay"
    );
    drop(client);

    let port = server.port();
    drop(server);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "dropping the server must stop it (port {port} still answers)"
    );
}
