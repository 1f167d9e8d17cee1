//! The history screen: a page of history, one generation, running a generation on the
//! endpoint, and generation outputs (the device's cache in the profile folder, else fetched).

use recoup_api::GenerationRequest;
use recoup_core::{GenerationId, Policy};
use recoup_device::generate::{self, OUTPUTS_DIR};
use recoup_device::sentence;
use recoup_store::{
    ClaimRecord, GenerationRecord, HISTORY_PAGE_MAX, HistoryFilter, HistoryQuery, Store,
};

use super::balance::balance_summary;
use super::{App, Link, Session};
use crate::convert;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::i18n::Messages;
use crate::views::{
    AppEvent, GenerateRequest, GenerationItem, HistoryPageView, HistoryRequest, HistoryShow,
};

/// History page size when the UI does not say.
const HISTORY_PAGE_DEFAULT: u32 = 60;

impl App {
    /// A page of history, newest first.
    pub fn history(&self, req: &HistoryRequest) -> AppResult<HistoryPageView> {
        let limit = req.limit.unwrap_or(HISTORY_PAGE_DEFAULT);
        if limit == 0 || limit > HISTORY_PAGE_MAX {
            return Err(AppError::input(
                "limit",
                sentence!(
                    "error-limit-range",
                    "must be between 1 and {max}",
                    max = HISTORY_PAGE_MAX
                ),
            ));
        }
        let before = req
            .before
            .as_deref()
            .map(|b| convert::generation_id("before", b))
            .transpose()?;
        use recoup_core::GenerationStatus as St;
        let (status, claimed) = match req.show {
            HistoryShow::All => (None, None),
            HistoryShow::NotReported => (Some(St::Succeeded), Some(false)),
            HistoryShow::Reported => (None, Some(true)),
            HistoryShow::TechnicalFailures => (Some(St::Failed), None),
            HistoryShow::Running => (Some(St::Running), None),
        };
        let s = self.session()?;
        let store = s.store();
        let page = store.history(&HistoryQuery {
            filter: HistoryFilter {
                feature: req.feature,
                platform: req.platform,
                status,
                claimed,
            },
            before,
            limit,
        })?;
        let policy = store.policy()?;
        let m = self.messages();
        let items = page
            .items
            .iter()
            .map(|g| item(&store, g, m, &policy))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(HistoryPageView {
            items,
            next: page.next.map(|n| n.to_string()),
        })
    }

    /// One generation.
    pub fn generation(&self, id: &str) -> AppResult<GenerationItem> {
        let id = convert::generation_id("generation_id", id)?;
        let s = self.session()?;
        let store = s.store();
        let g = store.generation(id)?;
        item(&store, &g, self.messages(), &store.policy()?)
    }

    /// Runs a generation on the endpoint (with the QA platform and surface), brings its ledger
    /// rows and its output to the device, and answers with it as the history shows it.
    pub fn generate(&self, req: &GenerateRequest) -> AppResult<GenerationItem> {
        let s = self.session()?;
        let link = s.link()?.clone();
        let qa = self.qa();
        let request = GenerationRequest {
            generation_id: GenerationId::new_v7(),
            feature: req.feature,
            platform: qa.platform,
            surface: req.surface.unwrap_or(qa.surface),
        };
        let mut engine = recoup_device::sync::engine(link.client(), self.device_clock())?;
        let run = generate::generate(&s.store, &mut engine, &request, &s.dir.join(OUTPUTS_DIR))?;
        for note in &run.notes {
            // Not fatal: the background sync brings the rows, the history fetches the output.
            tracing::warn!(%note, "after generating");
        }
        let view = run.view;
        let item = {
            let store = s.store();
            let policy = store.policy()?;
            let m = self.messages();
            match store.generation(request.generation_id) {
                Ok(g) => item(&store, &g, m, &policy)?,
                Err(_) => convert::generation(&view.generation, None, m, &policy),
            }
        };
        self.sink.emit(&AppEvent::History { changed: 1 });
        {
            let store = s.store();
            let now = self.now(&store)?;
            self.sink
                .emit(&AppEvent::Balance(balance_summary(&store, now)?));
        }
        Ok(item)
    }

    /// Fetches an output from the endpoint and caches it in the profile's `outputs` folder.
    fn fetch_output(
        &self,
        s: &Session,
        link: &Link,
        id: GenerationId,
    ) -> AppResult<(Vec<u8>, &'static str)> {
        let (_, out) = generate::save_output(&link.client(), id, &s.dir.join(OUTPUTS_DIR))?;
        let kind = mime(out.extension());
        Ok((out.bytes, kind))
    }

    /// A generation's output (bytes and content type), from the device's cache, else from the
    /// endpoint (then cached).
    pub fn output(&self, id: &str) -> AppResult<(Vec<u8>, &'static str)> {
        let id = convert::generation_id("generation_id", id)?;
        let s = self.session()?;
        let dir = s.dir.join(OUTPUTS_DIR);
        for ext in ["png", "gif"] {
            let path = dir.join(format!("{id}.{ext}"));
            match std::fs::read(&path) {
                Ok(bytes) => return Ok((bytes, mime(ext))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(AppError::file(&path, e)),
            }
        }
        let g = s.store().generation(id)?;
        if g.output_ref.is_none() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                sentence!(
                    "error-no-output",
                    "this generation has no output (it failed or is still running)"
                ),
            ));
        }
        if recoup_sync::is_offline(&s.store())? {
            return Err(AppError::new(
                ErrorCode::Offline,
                sentence!(
                    "error-output-offline",
                    "the output is not on this device yet and you are offline"
                ),
            ));
        }
        let link = s.link()?;
        self.fetch_output(&s, link, id)
    }
}

fn mime(ext: &str) -> &'static str {
    if ext == "gif" {
        "image/gif"
    } else {
        "image/png"
    }
}

fn item(
    store: &Store,
    g: &GenerationRecord,
    m: &Messages,
    policy: &Policy,
) -> AppResult<GenerationItem> {
    let claim: Option<ClaimRecord> = match &g.claim {
        Some(c) => Some(store.claim(c.claim_id)?),
        None => None,
    };
    Ok(convert::generation(g, claim.as_ref(), m, policy))
}
