//! # recoup-device
//!
//! The device layer: every flow a Recoup device offers exists once here and answers with typed
//! views and one error type, [`DeviceError`] (`{code, message}`, the code from the product's
//! closed vocabulary [`ErrorCode`]). The `recoup` CLI and the app's core (`recoup-app`, which the
//! Tauri shell calls) are doors onto it: they convert their input, call a flow, and render or
//! send what it answers.
//!
//! - [`fs`]: the one atomic file write (temp file, fsync, rename, fsync of the folder, 0600 for
//!   private files).
//! - [`link`]: linking a store to an endpoint (create or join an account, pin the policy key,
//!   write the meta in order), with one set of checks.
//! - [`generate`]: generate on the endpoint, pull its ledger rows, save its output.
//! - [`state`]: where a generation stands ([`GenerationState`]), a report's verdict and its
//!   words, and where the device stands with its endpoint ([`state::SyncSnapshot`]).
//! - [`sync`]: the device's sync engine, the offline guard, the corrected clock local checks
//!   read, and putting quarantined reports back in the queue.
//!
//! ```
//! use recoup_device::{DeviceError, ErrorCode, fs::{Access, write_atomically}};
//! let dir = tempfile::tempdir()?;
//! write_atomically(&dir.path().join("settings.json"), b"{}", Access::Shared)
//!     .map_err(|e| DeviceError::file(dir.path(), e))?;
//! let refused = DeviceError::offline(2);
//! assert_eq!(refused.code, ErrorCode::Offline);
//! assert_eq!(refused.code.exit_code(), 3, "the CLI says: try again later");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
pub mod fs;
pub mod generate;
pub mod link;
pub mod state;
pub mod sync;

pub use error::{Arg, DeviceError, DeviceResult, Sentence, Text, ToArg};
pub use recoup_api::ErrorCode;
pub use state::GenerationState;
