//! # recoup-app
//!
//! The Recoup app's core, with no Tauri in it: the `src-tauri` shell is a thin adapter that
//! turns each [`App`] method into a command and each [`AppEvent`](views::AppEvent) into a Tauri
//! event. Everything here also runs headless (tests, benchmarks).
//!
//! - [`App`]: the device. Its store (the local ledger, history and claims), the background
//!   sync (its own thread and database connection, woken by reports and the network switch),
//!   the endpoint link with QA faults in front, the settings file and the keychain.
//! - The embedded sandbox endpoint (feature `embedded-endpoint`, desktop): the real
//!   `recoup-server` on loopback, so a first run works with no server to set up.
//! - [`views`]: every request, answer and event; the UI's TypeScript types are generated from
//!   them (ts-rs, `cargo test -p recoup-app` writes `ui/src/lib/bindings/`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use recoup_app::{App, AppConfig, EventSink, views::{AppEvent, HistoryRequest}};
//!
//! struct Print;
//! impl EventSink for Print {
//!     fn emit(&self, e: &AppEvent) { println!("{e:?}") }
//! }
//! let app = App::start(AppConfig::new("/tmp/recoup-demo".into()), Arc::new(Print))?;
//! let page = app.history(&HistoryRequest::default())?;
//! println!("{} generations", page.items.len());
//! # Ok::<(), recoup_app::AppError>(())
//! ```
#![deny(missing_docs)]

mod app;
mod convert;
#[cfg(feature = "embedded-endpoint")]
mod embedded;
mod error;
mod faults;
pub mod i18n;
pub mod links;
mod secrets;
mod settings;
pub mod views;
mod worker;

pub use app::{App, AppConfig, EMBEDDED_AVAILABLE, EventSink, Link, balance_summary, sync_status};
pub use error::{AppError, AppResult, ErrorCode};
pub use faults::{FaultSwitch, FaultyTransport};
pub use recoup_device::{Sentence, sentence};
pub use secrets::{KEYCHAIN_SERVICE, Secrets};
pub use settings::{EndpointChoice, QaSettings, Settings};
