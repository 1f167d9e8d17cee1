//! The sync screen: its state ([`sync_status`], also sent by the background sync), "sync
//! now", putting quarantined reports back in the queue, and the network switch.

use recoup_store::Store;
use recoup_sync::meta;

use super::App;
use crate::error::AppResult;
use crate::views::{AppEvent, SyncStatus};
use crate::worker::{self, SharedStatus};

impl App {
    /// The sync screen.
    pub fn sync_status(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        let store = s.store();
        Ok(sync_status(&store, &s.status, s.link.is_none()))
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
            let mut store = s.store();
            let now = self.now(&store)?;
            store.outbox_retry_quarantined(now)?;
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

/// The sync screen's state from the store and the worker's live status.
pub fn sync_status(store: &Store, status: &SharedStatus, unlinked: bool) -> SyncStatus {
    let live = worker::live(status).clone();
    SyncStatus {
        online: !recoup_sync::is_offline(store).unwrap_or(false),
        reachable: live.reachable,
        syncing: live.syncing,
        queued: store.outbox_len().unwrap_or(0),
        quarantined: store.outbox_quarantined_len().unwrap_or(0),
        in_review: store.claims_in_review_len().unwrap_or(0),
        last_sync_at: store.meta(meta::LAST_SYNC_AT).ok().flatten(),
        last_error: live.last_error,
        progress: live.progress,
        linked: !unlinked,
    }
}
