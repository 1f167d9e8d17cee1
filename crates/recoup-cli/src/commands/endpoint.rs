//! `recoup login`, `account`, `sync` and `network`: the data dir and its endpoint.

use recoup_sync::SyncReport;

use crate::args::{LoginArgs, NetworkState, SyncArgs};
use crate::data_dir::DataDir;
use crate::error::Result;
use crate::link::{self, LoginRequest};
use crate::output::Output;
use crate::render;
use crate::views::{Account, Network, SyncStateView, Synced};

pub fn login(d: &mut DataDir, a: LoginArgs) -> Result<Output> {
    let req = LoginRequest {
        endpoint: &a.endpoint,
        create: a.create,
        token: a.token,
        policy_key: a.policy_key.as_deref(),
    };
    let device = d.clock();
    let out = link::login(&d.dir, &mut d.store, req, device)?;
    Ok(Output::new(&out, render::logged_in(&out)))
}

/// The account as the endpoint sees it (read now, so it needs the network).
pub fn account(d: &DataDir) -> Result<Output> {
    recoup_device::sync::ensure_online(&d.store)?;
    let engine = d.engine()?;
    let account = engine.client().account()?;
    let device = sync_state(d)?;
    let human = render::account(&account, &device);
    Ok(Output::new(&Account { account, device }, human))
}

/// One sync, after putting the quarantined reports back in the queue when asked.
pub fn sync(d: &mut DataDir, a: &SyncArgs) -> Result<Output> {
    link::endpoint_url(&d.store)?;
    let requeued = if a.retry_quarantined {
        let device = d.clock();
        recoup_device::sync::retry_quarantined(&mut d.store, device)?
    } else {
        0
    };
    let mut engine = d.engine()?;
    let report = engine.sync_once(&mut d.store)?;
    let human = render::sync_report(&report, requeued);
    let view = Synced {
        clean: report.is_clean(),
        report,
        requeued,
    };
    Ok(Output::new(&view, human))
}

/// Switches the network off or on (then syncs at once, as the app does when the network
/// returns), or says where it stands.
pub fn network(d: &mut DataDir, state: Option<NetworkState>) -> Result<Output> {
    let mut synced = None;
    match state {
        Some(NetworkState::Off) => recoup_sync::set_offline(&mut d.store, true)?,
        Some(NetworkState::On) => {
            recoup_sync::set_offline(&mut d.store, false)?;
            if d.linked {
                synced = Some(sync_now(d));
            }
        }
        None => {}
    }
    let (sync, sync_error) = match synced {
        Some(Ok(r)) => (Some(r), None),
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, None),
    };
    let device = sync_state(d)?;
    let human = render::network(&device, sync.as_ref(), sync_error.as_deref());
    let view = Network {
        device,
        sync,
        sync_error,
    };
    Ok(Output::new(&view, human))
}

fn sync_now(d: &mut DataDir) -> Result<SyncReport> {
    let mut engine = d.engine()?;
    Ok(engine.sync_once(&mut d.store)?)
}

fn sync_state(d: &DataDir) -> Result<SyncStateView> {
    Ok(recoup_device::state::sync_snapshot(&d.store)?.into())
}
