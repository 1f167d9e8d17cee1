//! Everything the store can refuse, each with a stable code for the CLI, the IPC and the API.

use recoup_core::{
    ClaimId, DetailsError, DocumentError, GenerationId, InvariantViolation, LedgerError, OpId,
};

/// Why a store operation did not happen. When one of these is returned, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file cannot be read as a Recoup database.
    #[error(
        "the database at {path} is damaged or is not a Recoup database ({detail}); move it aside \
         to start fresh, or restore it from a backup"
    )]
    Corrupt {
        /// The file.
        path: String,
        /// What SQLite said.
        detail: String,
    },
    /// The database was written by a newer Recoup.
    #[error(
        "the database schema is version {found}, newer than this Recoup understands ({supported}); update Recoup"
    )]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Another process holds the database for too long.
    #[error("the database is busy (another Recoup process is writing); try again in a moment")]
    Busy,
    /// A lower-level SQLite failure (disk full, I/O error, ...).
    #[error("storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A migration failed.
    #[error("could not upgrade the database schema: {0}")]
    Migration(String),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("stored data is unreadable: {0}")]
    Decode(String),
    /// No such record.
    #[error("no {what} with id {id}")]
    NotFound {
        /// `generation`, `claim`, `grant`.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// An operation id was reused for a different request.
    #[error(
        "operation {op_id} was already used for a different request; make a new id for a new operation"
    )]
    IdempotencyConflict {
        /// The reused id.
        op_id: OpId,
    },
    /// The ledger rules refused the operation.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A policy or price document was refused.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// Claim details were refused.
    #[error(transparent)]
    Details(#[from] DetailsError),
    /// A report on a generation that has not finished.
    #[error("generation {0} is still running: report it once it has finished")]
    GenerationNotFinished(GenerationId),
    /// A report on a generation that failed technically (its credits were never charged).
    #[error(
        "generation {0} failed for a technical reason, so its credits were never charged and \
         stayed in your allowance: there is nothing to refund"
    )]
    TechnicalFailure(GenerationId),
    /// A second report on the same generation.
    #[error(
        "generation {generation} was already reported (claim {claim}); only one refund request per generation is accepted"
    )]
    AlreadyClaimed {
        /// The generation.
        generation: GenerationId,
        /// The existing claim.
        claim: ClaimId,
    },
    /// A generation id was reused.
    #[error("generation {0} already exists with different settings")]
    GenerationExists(GenerationId),
    /// The hold of this generation was already settled.
    #[error("generation {generation} already finished: its hold was {outcome}")]
    AlreadySettled {
        /// The generation.
        generation: GenerationId,
        /// `captured`, `voided` or `expired`.
        outcome: String,
    },
    /// A second refund for the same generation.
    #[error("generation {0} was already refunded")]
    AlreadyRefunded(GenerationId),
    /// Only a charged generation can be refunded.
    #[error("generation {0} was not charged, so it cannot be refunded")]
    NotCharged(GenerationId),
    /// A value is out of range.
    #[error("invalid {field}: {problem}")]
    InvalidInput {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// An invariant broke: a bug. The transaction was rolled back.
    #[error(transparent)]
    Invariant(#[from] InvariantViolation),
}

impl StoreError {
    /// The stable error code (closed set) a UI or script can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Corrupt { .. } => "corrupt_database",
            StoreError::TooNew { .. } => "database_too_new",
            StoreError::Busy => "busy",
            StoreError::Sqlite(_) | StoreError::Migration(_) | StoreError::Decode(_) => "storage",
            StoreError::NotFound { .. } => "not_found",
            StoreError::IdempotencyConflict { .. } => "idempotency_conflict",
            StoreError::Ledger(LedgerError::InsufficientCredits { .. }) => "insufficient_credits",
            StoreError::Ledger(LedgerError::InvalidAmount { .. }) => "invalid_amount",
            StoreError::Ledger(LedgerError::RefundExceedsCharge { .. }) => "refund_exceeds_charge",
            StoreError::Document(_) => "invalid_document",
            StoreError::Details(_) => "invalid_details",
            StoreError::GenerationNotFinished(_) => "generation_not_finished",
            StoreError::TechnicalFailure(_) => "technical_failure_auto_refunded",
            StoreError::AlreadyClaimed { .. } => "already_claimed",
            StoreError::GenerationExists(_) => "generation_exists",
            StoreError::AlreadySettled { .. } => "hold_already_settled",
            StoreError::AlreadyRefunded(_) => "already_refunded",
            StoreError::NotCharged(_) => "not_charged",
            StoreError::InvalidInput { .. } => "invalid_input",
            StoreError::Invariant(_) => "invariant_violated",
        }
    }

    pub(crate) fn decode(what: impl std::fmt::Display) -> Self {
        StoreError::Decode(what.to_string())
    }
}

/// Maps SQLite's "busy" and "not a database" to their own variants.
pub(crate) fn classify(e: rusqlite::Error, path: &str) -> StoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_owned(),
            detail: e.to_string(),
        },
        _ => StoreError::Sqlite(e),
    }
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
