//! Outputs kept by an endpoint for its generations: the file's media type, size, SHA-256 and
//! name, and what the objective inspection found. The row is written in the same transaction
//! as the capture of the generation's hold, so a capture never exists without its findings.
//! Devices have the table but never fill it: it is not in the change feed.

use recoup_core::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use recoup_core::{GenerationId, OpId};

use crate::Store;
use crate::codec::ms;
use crate::error::{Result, StoreError};
use crate::generations::{capture, debug_same, load};
use crate::ledger::{debug_check, sweep};
use recoup_api::rows::GenerationRecord;

/// Longest media type, file name or findings text kept, in bytes.
pub const OUTPUT_FIELD_LEN_MAX: usize = 4_096;

/// An output as recorded with its generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// `image/png`, `video/mp4`, ...
    pub media_type: String,
    /// The file's size in bytes.
    pub size_bytes: u64,
    /// The SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// The file's name in the account's outputs folder.
    pub file_name: String,
    /// What the inspection found, as JSON (read by the endpoint's judge).
    pub findings: String,
}

/// Capture a running generation's hold and record its output, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureOutput {
    /// Id of this operation (the capture's ledger entry carries it).
    pub op_id: OpId,
    /// The generation.
    pub generation_id: GenerationId,
    /// Its output, already written durably.
    pub output: OutputRecord,
}

impl Store {
    /// Captures the generation's hold (it must be running) and records its output row in the
    /// same transaction. A hold already settled is refused with [`StoreError::AlreadySettled`]
    /// and nothing is written.
    pub fn capture_output(
        &mut self,
        req: &CaptureOutput,
        now: Timestamp,
    ) -> Result<GenerationRecord> {
        let o = &req.output;
        let too_long = [&o.media_type, &o.file_name, &o.findings]
            .iter()
            .any(|f| f.is_empty() || f.len() > OUTPUT_FIELD_LEN_MAX);
        if too_long {
            return Err(StoreError::InvalidInput {
                field: "output",
                problem: format!(
                    "media type, file name and findings are 1 to {OUTPUT_FIELD_LEN_MAX} bytes"
                ),
            });
        }
        if o.sha256.len() != 64 || !o.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::InvalidInput {
                field: "sha256",
                problem: "must be 64 hex digits".to_owned(),
            });
        }
        let id = req.generation_id;
        self.write(|tx| {
            // As in `finish_generation`: a capture after the hold went stale is refused.
            sweep(tx, now)?;
            let g = load(tx, id)?;
            let now_ms = ms(now);
            let captured = capture(tx, req.op_id, g, Some(&o.file_name), now_ms)?;
            tx.prepare_cached(
                "INSERT INTO outputs (generation_id, media_type, size_bytes, sha256, file_name,
                     findings, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id.as_bytes(),
                o.media_type,
                i64::try_from(o.size_bytes).map_err(StoreError::decode)?,
                o.sha256.to_ascii_lowercase(),
                o.file_name,
                o.findings,
                now_ms
            ])?;
            debug_check(tx)?;
            debug_same(tx, &captured)?;
            Ok(captured)
        })
    }

    /// The output recorded for a generation; `None` when it has none.
    pub fn output(&self, id: GenerationId) -> Result<Option<OutputRecord>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT media_type, size_bytes, sha256, file_name, findings FROM outputs
                 WHERE generation_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id.as_bytes()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| self.err(e))?;
        row.map(|(media_type, size, sha256, file_name, findings)| {
            Ok(OutputRecord {
                media_type,
                size_bytes: u64::try_from(size).map_err(StoreError::decode)?,
                sha256,
                file_name,
                findings,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use recoup_core::{Feature, GrantKind, Platform, Surface};

    use super::*;
    use crate::{FinishGeneration, GrantRequest, Outcome, StartGeneration};

    fn started(store: &mut Store, now: Timestamp) -> GenerationId {
        store
            .grant(
                &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 100),
                now,
            )
            .expect("granted");
        let id = GenerationId::new_v7();
        store
            .start_generation(
                &StartGeneration {
                    generation_id: id,
                    feature: Feature::StudioShot,
                    platform: Platform::Web,
                    surface: Surface::Editor,
                },
                now,
            )
            .expect("started");
        id
    }

    fn record() -> OutputRecord {
        OutputRecord {
            media_type: "image/png".to_owned(),
            size_bytes: 10,
            sha256: "ab".repeat(32),
            file_name: "x.png".to_owned(),
            findings: r#"{"verdict":"usable","detail":"fine"}"#.to_owned(),
        }
    }

    #[test]
    fn a_capture_with_its_output_records_both_and_a_second_capture_writes_nothing() {
        let now: Timestamp = "2031-01-01T00:00:00Z".parse().expect("a time");
        let mut store = Store::open_in_memory().expect("store");
        let id = started(&mut store, now);
        let req = CaptureOutput {
            op_id: OpId::new_v7(),
            generation_id: id,
            output: record(),
        };
        let g = store.capture_output(&req, now).expect("captured");
        assert_eq!(g.charged, g.cost, "the capture charged the held cost");
        assert_eq!(
            g.output_ref.as_deref(),
            Some("x.png"),
            "the output is referenced"
        );
        assert_eq!(store.output(id).expect("read"), Some(record()), "row kept");
        let again = CaptureOutput {
            op_id: OpId::new_v7(),
            ..req
        };
        let err = store.capture_output(&again, now).expect_err("settled once");
        assert!(
            matches!(err, StoreError::AlreadySettled { .. }),
            "a second capture is refused as settled: {err:?}"
        );
    }

    #[test]
    fn a_failed_generation_cannot_get_an_output_row() {
        let now: Timestamp = "2031-01-01T00:00:00Z".parse().expect("a time");
        let mut store = Store::open_in_memory().expect("store");
        let id = started(&mut store, now);
        store
            .finish_generation(
                &FinishGeneration {
                    op_id: OpId::new_v7(),
                    generation_id: id,
                    outcome: Outcome::Failed {
                        error: "boom".to_owned(),
                    },
                },
                now,
            )
            .expect("failed");
        let req = CaptureOutput {
            op_id: OpId::new_v7(),
            generation_id: id,
            output: record(),
        };
        assert!(
            store.capture_output(&req, now).is_err(),
            "a voided hold is not captured"
        );
        assert_eq!(store.output(id).expect("read"), None, "no row was written");
    }
}
