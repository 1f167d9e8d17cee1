//! The sync screen: its state ([`sync_status`], also sent by the background sync), "sync
//! now", putting quarantined reports back in the queue, and the network switch.

use recoup_store::Store;

use super::App;
use crate::error::AppResult;
use crate::views::{AppEvent, SyncStatus};
use crate::worker::{self, SharedStatus};

impl App {
    /// The sync screen.
    pub fn sync_status(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        let store = s.store();
        Ok(sync_status(
            &store,
            &s.status,
            s.link.is_none(),
            self.messages(),
        ))
    }

    /// Asks the background sync to run now.
    pub fn sync_now(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        s.link()?;
        s.wake();
        self.sync_status()
    }

    /// Puts reports set aside after repeated failures back in the queue, and syncs.
    pub fn retry_quarantined(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        {
            recoup_device::sync::retry_quarantined(&mut s.store(), self.device_clock())?;
        }
        s.wake();
        self.sync_status()
    }

    /// Switches the network on or off (QA "force offline"; also a user's choice).
    pub fn set_network(&self, online: bool) -> AppResult<SyncStatus> {
        let s = self.session()?;
        recoup_sync::set_offline(&mut s.store(), !online)?;
        let status = self.sync_status()?;
        self.sink.emit(&AppEvent::Network {
            online,
            reachable: status.reachable,
        });
        if online {
            s.wake();
        }
        Ok(status)
    }
}

/// The sync screen's state from the store and the worker's live status. A store that cannot be
/// read shows as online with nothing queued (the live status carries the failure).
/// The sync screen, its last problem worded by `messages`.
pub fn sync_status(
    store: &Store,
    status: &SharedStatus,
    unlinked: bool,
    messages: &crate::i18n::Messages,
) -> SyncStatus {
    let live = worker::live(status).clone();
    let snap = match recoup_device::state::sync_snapshot(store) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "the sync state could not be read");
            None
        }
    };
    SyncStatus {
        online: snap.as_ref().is_none_or(|s| s.online),
        reachable: live.reachable,
        syncing: live.syncing,
        queued: snap.as_ref().map_or(0, |s| s.queued),
        quarantined: snap.as_ref().map_or(0, |s| s.quarantined),
        in_review: snap.as_ref().map_or(0, |s| s.in_review),
        last_sync_at: snap.and_then(|s| s.last_sync_at),
        last_error: live.last_error.as_ref().map(|p| p.view(messages)),
        progress: live.progress,
        linked: !unlinked,
    }
}
