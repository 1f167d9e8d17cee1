//! The ledger screen: a page of entries, and the CSV export of every entry a filter selects.

use recoup_device::sentence;
use std::path::Path;

use recoup_store::EntryQuery;

use super::App;
use crate::convert;
use crate::error::{AppError, AppResult};
use crate::views::{ExportDone, LedgerFilter, LedgerPageView, LedgerRequest};

/// Ledger page size when the UI does not say.
const LEDGER_PAGE_DEFAULT: u32 = 100;

impl App {
    /// A page of the ledger, newest first.
    pub fn ledger(&self, req: &LedgerRequest) -> AppResult<LedgerPageView> {
        let limit = req.limit.unwrap_or(LEDGER_PAGE_DEFAULT);
        let q = entry_query(&req.filter, req.before, limit)?;
        let s = self.session()?;
        let entries = s.store().entries(&q)?;
        let next = if entries.len() == limit as usize {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(LedgerPageView {
            items: entries
                .iter()
                .map(|e| convert::entry(e, self.messages()))
                .collect(),
            next,
        })
    }

    /// Writes every entry that `filter` selects to a CSV file in `folder`, atomically.
    pub fn export_ledger(&self, filter: &LedgerFilter, folder: &Path) -> AppResult<ExportDone> {
        let s = self.session()?;
        let stamp = recoup_core::Timestamp::now()
            .format("%Y%m%d-%H%M%S")
            .to_string();
        std::fs::create_dir_all(folder).map_err(|e| AppError::file(folder, e))?;
        let path = folder.join(format!("recoup-ledger-{stamp}.csv"));
        let tmp = path.with_extension("csv.tmp");
        let file = std::fs::File::create(&tmp).map_err(|e| AppError::file(&tmp, e))?;
        let result = (|| -> AppResult<u64> {
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
            let csv_err = |e: csv::Error| AppError::file(&tmp, e);
            w.write_record(["seq", "at", "kind", "credits", "grant_id", "generation_id"])
                .map_err(csv_err)?;
            let mut before = None;
            let mut rows = 0u64;
            loop {
                let q = entry_query(filter, before, recoup_store::ENTRY_PAGE_MAX)?;
                let page = s.store().entries(&q)?;
                for e in &page {
                    w.write_record([
                        e.seq.to_string(),
                        e.at.to_string(),
                        e.kind.as_str().to_owned(),
                        e.credits.to_string(),
                        e.grant_id.to_string(),
                        e.generation_id.map(|g| g.to_string()).unwrap_or_default(),
                    ])
                    .map_err(csv_err)?;
                    rows += 1;
                }
                if page.len() < recoup_store::ENTRY_PAGE_MAX as usize {
                    break;
                }
                before = page.last().map(|e| e.seq);
            }
            let inner = w
                .into_inner()
                .map_err(|e| AppError::file(&tmp, e.error().to_string()))?;
            let file = inner
                .into_inner()
                .map_err(|e| AppError::file(&tmp, e.error().to_string()))?;
            file.sync_all().map_err(|e| AppError::file(&tmp, e))?;
            Ok(rows)
        })();
        match result {
            Ok(rows) => {
                std::fs::rename(&tmp, &path).map_err(|e| AppError::file(&path, e))?;
                Ok(ExportDone {
                    path: path.display().to_string(),
                    rows,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

fn entry_query(filter: &LedgerFilter, before: Option<i64>, limit: u32) -> AppResult<EntryQuery> {
    if limit == 0 || limit > recoup_store::ENTRY_PAGE_MAX {
        return Err(AppError::input(
            "limit",
            sentence!(
                "error-limit-range",
                "must be between 1 and {max}",
                max = recoup_store::ENTRY_PAGE_MAX
            ),
        ));
    }
    Ok(EntryQuery {
        kind: filter.kind,
        generation_id: filter
            .generation_id
            .as_deref()
            .map(|g| convert::generation_id("generation_id", g))
            .transpose()?,
        before_seq: before,
        limit,
    })
}
