//! Injected endpoint faults (QA): a [`Transport`] that drops requests, answers 503 or delays
//! them before handing them to the real one. The settings are shared, so the QA panel changes
//! them while the sync runs.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use recoup_sync::{Request, Response, SplitMix64, Transport, TransportError};

use crate::views::Faults;

/// The shared fault settings.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch(Arc<Mutex<Faults>>);

impl FaultSwitch {
    /// The faults in force.
    pub fn get(&self) -> Faults {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `faults` in force for the next requests.
    pub fn set(&self, faults: Faults) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = faults;
    }
}

/// A transport with faults injected in front of `inner`.
pub struct FaultyTransport<T> {
    inner: T,
    switch: FaultSwitch,
    random: Mutex<SplitMix64>,
}

impl<T> FaultyTransport<T> {
    /// Wraps `inner`; `switch` says which faults apply.
    pub fn new(inner: T, switch: FaultSwitch) -> Self {
        Self {
            inner,
            switch,
            random: Mutex::new(SplitMix64::from_entropy()),
        }
    }

    fn roll(&self) -> f64 {
        self.random
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_f64()
    }
}

impl<T: Transport> Transport for FaultyTransport<T> {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let f = self.switch.get();
        if f.delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(u64::from(f.delay_ms)));
        }
        if f.drop_rate > 0.0 && self.roll() < f.drop_rate {
            return Err(TransportError::Connect(
                "the request was dropped by an injected fault (QA panel)".to_owned(),
            ));
        }
        if f.error_rate > 0.0 && self.roll() < f.error_rate {
            return Ok(Response::json(
                503,
                &recoup_api::ApiError {
                    code: recoup_api::ErrorCode::Unavailable,
                    message: "unavailable: an injected fault (QA panel)".to_owned(),
                },
            ));
        }
        self.inner.send(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_sync::Method;

    struct Echo;
    impl Transport for Echo {
        fn send(&self, _: &Request) -> Result<Response, TransportError> {
            Ok(Response::new(200, "ok"))
        }
    }

    fn request() -> Request {
        Request {
            method: Method::Get,
            path: "/v1/health".to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    #[test]
    fn faults_apply_as_switched_and_can_be_switched_off() {
        let switch = FaultSwitch::default();
        let t = FaultyTransport::new(Echo, switch.clone());
        assert_eq!(
            t.send(&request()).unwrap().status,
            200,
            "no faults by default"
        );
        switch.set(Faults {
            drop_rate: 1.0,
            ..Faults::default()
        });
        assert!(matches!(
            t.send(&request()),
            Err(TransportError::Connect(_))
        ));
        switch.set(Faults {
            error_rate: 1.0,
            ..Faults::default()
        });
        assert_eq!(t.send(&request()).unwrap().status, 503);
        switch.set(Faults {
            drop_rate: 0.5,
            ..Faults::default()
        });
        let dropped = (0..400).filter(|_| t.send(&request()).is_err()).count();
        assert!(
            (120..280).contains(&dropped),
            "about half of 400 requests dropped at rate 0.5, got {dropped}"
        );
    }
}
