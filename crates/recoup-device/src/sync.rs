//! The device's side of syncing, once for every door: its sync engine, the offline guard of the
//! flows that need the endpoint, the time local checks read (the device clock corrected by the
//! offset measured against the endpoint), and putting quarantined reports back in the queue.

use recoup_core::Timestamp;

use recoup_core::Clock;
use recoup_store::Store;
use recoup_sync::{Client, SplitMix64, SyncConfig, SyncEngine, Transport};

use crate::{DeviceError, DeviceResult};

/// The device's sync engine over `client` (which carries the account's token), reading time
/// from `device`, the device clock: the engine corrects it by the offset it measures.
pub fn engine<T: Transport>(
    client: Client<T>,
    device: impl Clock + 'static,
) -> DeviceResult<SyncEngine<T>> {
    Ok(SyncEngine::new(
        client,
        SyncConfig::default(),
        device,
        SplitMix64::from_entropy(),
    )?)
}

/// Refuses a flow that needs the endpoint while the network switch is off, saying how many
/// reports wait.
pub fn ensure_online(store: &Store) -> DeviceResult<()> {
    if recoup_sync::is_offline(store)? {
        return Err(DeviceError::offline(store.outbox_len()?));
    }
    Ok(())
}

/// The time local checks read. A linked store reads the endpoint's time as well as the device
/// knows it: the device clock corrected by the offset measured at the last sync, so a refund
/// window checked on the device agrees with the endpoint even when the device clock is wrong.
/// An unlinked store has no endpoint whose time counts: the device clock as is.
pub fn now(store: &Store, device: impl Clock) -> DeviceResult<Timestamp> {
    if recoup_sync::is_linked(store)? {
        Ok(recoup_sync::corrected(store, device)?.now())
    } else {
        Ok(device.now())
    }
}

/// Puts the reports set aside after repeated failures back in the queue, due at once in the
/// corrected clock ([`now`], the clock reports are queued in). Returns how many.
pub fn retry_quarantined(store: &mut Store, device: impl Clock) -> DeviceResult<u64> {
    let now = now(store, device)?;
    Ok(store.outbox_retry_quarantined(now)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_core::FixedClock;
    use recoup_sync::meta;

    #[test]
    fn only_a_linked_store_reads_the_endpoints_time() {
        let mut store = Store::open_in_memory().unwrap();
        let t: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        store.set_meta(meta::CLOCK_OFFSET_MS, "60000").unwrap();
        assert_eq!(
            now(&store, FixedClock(t)).unwrap(),
            t,
            "unlinked: the device clock as is, whatever offset is stored"
        );
        store
            .set_meta(meta::ENDPOINT_URL, "http://127.0.0.1:1")
            .unwrap();
        assert_eq!(
            now(&store, FixedClock(t)).unwrap(),
            t + recoup_core::TimeDelta::seconds(60),
            "linked: the device clock plus the measured offset"
        );
    }

    #[test]
    fn the_offline_guard_refuses_with_the_offline_code_only_when_switched_off() {
        let mut store = Store::open_in_memory().unwrap();
        assert!(ensure_online(&store).is_ok(), "a fresh store is online");
        recoup_sync::set_offline(&mut store, true).unwrap();
        let refused = ensure_online(&store).expect_err("switched off");
        assert_eq!(
            refused.code,
            crate::ErrorCode::Offline,
            "the offline code: {refused:?}"
        );
        assert!(
            refused.message.contains("0 reports wait"),
            "says what waits: {}",
            refused.message
        );
        recoup_sync::set_offline(&mut store, false).unwrap();
        assert!(ensure_online(&store).is_ok(), "switched back on");
    }

    #[test]
    fn retrying_an_empty_quarantine_requeues_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let t: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        assert_eq!(
            retry_quarantined(&mut store, FixedClock(t)).unwrap(),
            0,
            "nothing was set aside"
        );
    }
}
