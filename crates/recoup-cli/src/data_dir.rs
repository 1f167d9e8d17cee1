//! The data dir a command runs on: where it is, its store, whether it is linked, the device
//! clock (a QA tester's, when `--now` or `--clock-offset-secs` is given) and the time local
//! checks read.

use std::path::{Path, PathBuf};

use recoup_core::Timestamp;
use recoup_core::time::saturating_seconds;

use recoup_core::{Clock, FixedClock, OffsetClock, SystemClock};
use recoup_store::{Store, SweepReport};
use recoup_sync::{HttpTransport, SyncEngine};

use crate::error::{CliError, Result};
use crate::link;

/// An opened data dir, ready for one command.
pub struct DataDir {
    /// Where it is.
    pub dir: PathBuf,
    /// Its database.
    pub store: Store,
    /// Whether it is linked to an endpoint (then it mirrors the endpoint's ledger).
    pub linked: bool,
    /// The time local checks read: for a linked data dir, the device clock corrected by the
    /// offset measured at the last sync, so they agree with the endpoint even when the device
    /// clock is wrong (the device layer's `sync::now`).
    pub now: Timestamp,
    /// What the sweep before the command settled (nothing for a linked data dir).
    pub swept: SweepReport,
    fixed: Option<Timestamp>,
    shift_secs: Option<i64>,
}

impl DataDir {
    /// Opens (creating it if needed) the data dir `flag` names, or the default one. An unlinked
    /// data dir settles its stale holds and expired grants first, before anything is shown or
    /// done; a linked one only mirrors the endpoint, which settles its holds itself.
    pub fn open(
        flag: Option<&Path>,
        fixed: Option<Timestamp>,
        shift_secs: Option<i64>,
    ) -> Result<Self> {
        let dir = locate(flag)?;
        std::fs::create_dir_all(&dir).map_err(|source| CliError::DataDir {
            path: dir.clone(),
            source,
        })?;
        let mut store = Store::open(&dir.join("recoup.sqlite3"))?;
        let linked = recoup_sync::is_linked(&store)?;
        let now = recoup_device::sync::now(&store, device_clock(fixed, shift_secs))?;
        let swept = if linked {
            SweepReport::default()
        } else {
            store.sweep(now)?
        };
        Ok(Self {
            dir,
            store,
            linked,
            now,
            swept,
            fixed,
            shift_secs,
        })
    }

    /// The device clock, uncorrected (the sync engine corrects it by what it measures).
    pub fn clock(&self) -> Box<dyn Clock> {
        device_clock(self.fixed, self.shift_secs)
    }

    /// The sync engine of this (linked) data dir.
    pub fn engine(&self) -> Result<SyncEngine<HttpTransport>> {
        link::engine(&self.dir, &self.store, self.clock())
    }
}

fn device_clock(fixed: Option<Timestamp>, shift_secs: Option<i64>) -> Box<dyn Clock> {
    match (fixed, shift_secs) {
        (Some(t), _) => Box::new(FixedClock(t)),
        (None, Some(secs)) => Box::new(OffsetClock::new(SystemClock, saturating_seconds(secs))),
        (None, None) => Box::new(SystemClock),
    }
}

/// `--data-dir`, else `$RECOUP_DATA_DIR`, else `$XDG_DATA_HOME/recoup`, else
/// `~/.local/share/recoup`.
fn locate(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_owned());
    }
    let env = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("RECOUP_DATA_DIR") {
        return Ok(dir);
    }
    if let Some(xdg) = env("XDG_DATA_HOME") {
        return Ok(xdg.join("recoup"));
    }
    env("HOME")
        .map(|h| h.join(".local/share/recoup"))
        .ok_or(CliError::NoDataDir)
}
