//! `recoup-server`: start the endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use recoup_server::signin::{JwksSource, SignIn, SignInConfig};
use std::time::Duration;

use recoup_core::SystemClock;
use recoup_server::{AppState, Config, Database, WebhookSettings};

/// Recoup's authoritative endpoint.
#[derive(Debug, Parser)]
#[command(name = "recoup-server", version, about)]
struct Args {
    /// Where the databases and generated outputs live (with --database: only the
    /// policy-signing key, which every instance on one database must share).
    #[arg(long, default_value = "recoup-server-data")]
    data_dir: PathBuf,
    /// Keep every piece of endpoint state in this PostgreSQL database (`postgres://user@host/db`)
    /// instead of SQLite files in DATA_DIR; several endpoints may then serve it at once.
    #[arg(long, env = "RECOUP_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Most connections this endpoint opens to --database.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=16))]
    database_pool_size: u64,
    /// PEM certificates to trust for TLS to --database besides Mozilla's roots (a managed
    /// database's CA bundle). TLS is used as the URL's sslmode says (prefer by default; require
    /// verifies the certificate and the host name).
    #[arg(long, env = "RECOUP_DATABASE_CA", requires = "database")]
    database_ca: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Sandbox: open account creation, test clocks, generator settings.
    #[arg(long)]
    sandbox: bool,
    /// Admin token [default: $RECOUP_ADMIN_TOKEN, else a new one written to DATA_DIR/admin-token].
    #[arg(long, env = "RECOUP_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Share of generations that fail technically (0-1).
    #[arg(long, default_value_t = 0.05)]
    failure_rate: f64,
    /// Share of successful generations with deliberately bad output (0-1).
    #[arg(long, default_value_t = 0.2)]
    bad_rate: f64,
    /// Requests per second allowed per account.
    #[arg(long, default_value_t = 2_000)]
    rate_per_sec: u32,
    /// Credits a new sandbox account starts with.
    #[arg(long, default_value_t = 200)]
    starting_allowance: u64,
    /// The product's identity provider's keys (a JWKS file, or an https:// URL): bearer JWTs
    /// signed with them sign in, their `sub` naming the account.
    #[arg(long, env = "RECOUP_JWKS")]
    jwks: Option<String>,
    /// The issuer (`iss`) sign-in tokens must carry (needed with --jwks).
    #[arg(long, env = "RECOUP_JWT_ISSUER", requires = "jwks")]
    jwt_issuer: Option<String>,
    /// The audience (`aud`) sign-in tokens must name (needed with --jwks).
    #[arg(long, env = "RECOUP_JWT_AUDIENCE", requires = "jwks")]
    jwt_audience: Option<String>,
    /// Credits an account made on its first sign-in starts with [default: none].
    #[arg(long, env = "RECOUP_JWT_STARTING_ALLOWANCE", requires = "jwks")]
    jwt_starting_allowance: Option<u64>,
    /// Below this balance an account's webhooks get `balance.low` (an account's own threshold,
    /// set through the admin API, wins) [default: only accounts with their own threshold].
    #[arg(long, env = "RECOUP_BALANCE_LOW_THRESHOLD")]
    balance_low_threshold: Option<u64>,
    /// How long one webhook delivery may take, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    webhook_timeout_secs: u64,
    /// The wait before a failed webhook delivery's first retry, in milliseconds; it doubles at
    /// each failure (with jitter), up to --webhook-retry-max-secs.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    webhook_retry_first_ms: u64,
    /// The longest wait between two attempts of a webhook delivery, in seconds.
    #[arg(long, default_value_t = 3_600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    webhook_retry_max_secs: u64,
    /// How long a failing webhook delivery is retried before it is listed as failed, in
    /// seconds (3 days).
    #[arg(long, default_value_t = 259_200, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    webhook_give_up_secs: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage the named admin credentials kept (hashed) in DATA_DIR; the server need not stop.
    #[command(subcommand)]
    AdminCredentials(CredentialsCommand),
}

#[derive(Debug, Subcommand)]
enum CredentialsCommand {
    /// Add a credential: its secret is printed once on stdout (only its hash is kept).
    Add {
        /// Its name (shown as the actor in the audit log).
        name: String,
    },
    /// List the credentials (names and dates, never secrets).
    List,
    /// Revoke a credential: refused from its next request on.
    Revoke {
        /// Its name.
        name: String,
    },
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    // The registry's migrations would log before the "listening" line, which scripts read first.
    let filter = [
        "rusqlite_migration=warn",
        "refinery_core=warn",
        "tokio_postgres=warn",
    ]
    .into_iter()
    .fold(filter, |f, d| match d.parse() {
        Ok(quiet) => f.add_directive(quiet),
        Err(_) => f,
    });
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let mut args = Args::parse();
    let result = match args.command.take() {
        Some(Command::AdminCredentials(c)) => match args.database.as_deref() {
            Some(url) => credentials_in_database(
                &Database {
                    url: url.to_owned(),
                    pool_size: 1,
                    ca_file: args.database_ca.clone(),
                },
                c,
            ),
            None => credentials(&args.data_dir, c),
        },
        None => run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let ok_rate = |r: f64| (0.0..=1.0).contains(&r);
    if !ok_rate(args.failure_rate) || !ok_rate(args.bad_rate) {
        return Err("--failure-rate and --bad-rate are between 0 and 1".into());
    }
    std::fs::create_dir_all(&args.data_dir).map_err(|e| {
        format!(
            "cannot create the data directory {}: {e}",
            args.data_dir.display()
        )
    })?;
    let admin_token = match args.admin_token {
        Some(t) if !t.trim().is_empty() => t,
        _ => admin_token_file(&args.data_dir)?,
    };
    let sandbox = args.sandbox;
    let config = Config {
        data_dir: args.data_dir,
        sandbox: args.sandbox,
        admin_token,
        failure_rate: args.failure_rate,
        bad_rate: args.bad_rate,
        rate_per_sec: args.rate_per_sec,
        starting_allowance: args.starting_allowance,
    };
    // The blocking pool is bounded: every account's SQLite work and claim commits share it, so
    // the endpoint's threads stay bounded however many accounts are open.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(recoup_server::BLOCKING_THREADS_MAX)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let sign_in = match args.jwks.as_deref() {
        Some(jwks) => Some(
            runtime
                .block_on(SignIn::open(
                    SignInConfig {
                        jwks: JwksSource::parse(jwks),
                        issuer: args.jwt_issuer.unwrap_or_default(),
                        audience: args.jwt_audience.unwrap_or_default(),
                        starting_allowance: args.jwt_starting_allowance,
                    },
                    recoup_core::Timestamp::now(),
                ))
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let webhooks = WebhookSettings {
        timeout: Duration::from_secs(args.webhook_timeout_secs),
        retry_first: Duration::from_millis(args.webhook_retry_first_ms),
        retry_max: Duration::from_secs(args.webhook_retry_max_secs),
        give_up_after: Duration::from_secs(args.webhook_give_up_secs),
        balance_low_default: args.balance_low_threshold,
    };
    let database = args.database.map(|url| Database {
        url,
        pool_size: usize::try_from(args.database_pool_size).unwrap_or(1),
        ca_file: args.database_ca,
    });
    runtime.block_on(async move {
        let mut state = match &database {
            Some(database) => {
                AppState::open_postgres(config, database, Arc::new(SystemClock), webhooks).await
            }
            None => AppState::open_with(config, Arc::new(SystemClock), webhooks),
        }
        .map_err(|e| e.0.message)?;
        if let Some(sign_in) = sign_in {
            state = state.with_sign_in(sign_in);
        }
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                format!(
                    "cannot listen on {}: {e} (is another server running there?)",
                    args.listen
                )
            })?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        // The first line on stdout says where it listens (tests and scripts read it).
        println!(
            "recoup-server listening on http://{addr}{}",
            if sandbox { " (sandbox)" } else { "" }
        );
        recoup_server::serve(state, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server failed: {e}"))
    })
}

fn credentials(data_dir: &std::path::Path, command: CredentialsCommand) -> Result<(), String> {
    use recoup_server::credentials;
    let now = recoup_core::Timestamp::now();
    let outcome = match command {
        CredentialsCommand::Add { name } => {
            CredentialsDone::Added(name.clone(), credentials::add(data_dir, &name, now))
        }
        CredentialsCommand::List => CredentialsDone::Listed(credentials::list(data_dir)),
        CredentialsCommand::Revoke { name } => {
            CredentialsDone::Revoked(name.clone(), credentials::revoke(data_dir, &name, now))
        }
    };
    outcome.report()
}

/// [`credentials`] on the PostgreSQL database.
fn credentials_in_database(url: &Database, command: CredentialsCommand) -> Result<(), String> {
    use recoup_server::credentials;
    let now = recoup_core::Timestamp::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let outcome = runtime.block_on(async {
        match command {
            CredentialsCommand::Add { name } => {
                let added = credentials::add_in_database(url, &name, now).await;
                CredentialsDone::Added(name, added)
            }
            CredentialsCommand::List => {
                CredentialsDone::Listed(credentials::list_in_database(url).await)
            }
            CredentialsCommand::Revoke { name } => {
                let revoked = credentials::revoke_in_database(url, &name, now).await;
                CredentialsDone::Revoked(name, revoked)
            }
        }
    });
    outcome.report()
}

/// What a credentials command did, whichever engine it ran on.
enum CredentialsDone {
    Added(String, Result<String, recoup_server::AppError>),
    Listed(Result<Vec<recoup_server::credentials::AdminCredential>, recoup_server::AppError>),
    Revoked(String, Result<bool, recoup_server::AppError>),
}

impl CredentialsDone {
    /// Says it: the secret on stdout, everything else for a person.
    fn report(self) -> Result<(), String> {
        match self {
            Self::Added(name, secret) => {
                let secret = secret.map_err(|e| e.0.message)?;
                eprintln!("admin credential {name:?} added; its secret (shown once):");
                println!("{secret}");
            }
            Self::Listed(list) => {
                for c in list.map_err(|e| e.0.message)? {
                    let state = c
                        .revoked_at
                        .map_or_else(|| "active".to_owned(), |t| format!("revoked {t}"));
                    println!("{}\tadded {}\t{state}", c.name, c.created_at);
                }
            }
            Self::Revoked(name, revoked) => {
                if !revoked.map_err(|e| e.0.message)? {
                    return Err(format!(
                        "no admin credential named {name:?}: see `recoup-server admin-credentials list`"
                    ));
                }
                println!("admin credential {name:?} revoked");
            }
        }
        Ok(())
    }
}

/// Reads DATA_DIR/admin-token, or makes one (readable by the owner only) and says where it is.
fn admin_token_file(dir: &std::path::Path) -> Result<String, String> {
    let (token, created) = recoup_server::admin_token_file(dir).map_err(|e| e.0.message)?;
    if created {
        eprintln!(
            "admin token written to {}",
            dir.join(recoup_server::ADMIN_TOKEN_FILE).display()
        );
    }
    Ok(token)
}
