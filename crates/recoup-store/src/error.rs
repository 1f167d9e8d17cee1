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
    /// The database file cannot be created or made private.
    #[error(
        "cannot use the database file {path}: {detail}; check that its disk has free space and \
         is writable, then try again (nothing was written)"
    )]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// The disk holding the database is full: nothing was written.
    #[error(
        "the disk holding {path} is full: free some space on it, then try again (nothing was \
         written)"
    )]
    Full {
        /// The database file.
        path: String,
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

/// What kind of refusal or failure a [`StoreError`] is: a closed set, spelled as the stable
/// code a UI or script branches on. Each boundary turns it into its own code with an exhaustive
/// `match` (the endpoint's and the device's `ErrorCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum StoreErrorKind {
    /// The database file is damaged or not a Recoup database.
    CorruptDatabase,
    /// The database was written by a newer Recoup.
    DatabaseTooNew,
    /// Another process holds the database too long.
    Busy,
    /// SQLite, a migration or a stored value failed.
    Storage,
    /// No such record.
    NotFound,
    /// An operation id was reused for a different request.
    IdempotencyConflict,
    /// Not enough credits.
    InsufficientCredits,
    /// A credit amount out of range.
    InvalidAmount,
    /// A refund larger than the charge.
    RefundExceedsCharge,
    /// A policy or price document was refused.
    InvalidDocument,
    /// Claim details outside the policy's bounds.
    InvalidDetails,
    /// A report on a running generation.
    GenerationNotFinished,
    /// A report on a generation that failed technically.
    TechnicalFailureAutoRefunded,
    /// A second report on one generation.
    AlreadyClaimed,
    /// A generation id reused with other settings.
    GenerationExists,
    /// A hold settled twice.
    HoldAlreadySettled,
    /// A second refund.
    AlreadyRefunded,
    /// A refund of something never charged.
    NotCharged,
    /// A value out of range.
    InvalidInput,
    /// An invariant broke (a bug).
    InvariantViolated,
}

impl StoreErrorKind {
    /// The stable spelling: `already_claimed`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl From<StoreErrorKind> for recoup_api::ErrorCode {
    /// A store's refusal as the code every boundary shows: the finer kinds of "the ledger is not
    /// in that state" become [`ErrorCode::InvalidState`], a busy database [`ErrorCode::Unavailable`]
    /// (retry), a broken invariant [`ErrorCode::Internal`].
    fn from(kind: StoreErrorKind) -> Self {
        use StoreErrorKind as K;
        use recoup_api::ErrorCode;
        match kind {
            K::CorruptDatabase => ErrorCode::CorruptDatabase,
            K::DatabaseTooNew => ErrorCode::DatabaseTooNew,
            K::Busy => ErrorCode::Unavailable,
            K::Storage => ErrorCode::Storage,
            K::NotFound => ErrorCode::NotFound,
            K::IdempotencyConflict => ErrorCode::IdempotencyConflict,
            K::InsufficientCredits => ErrorCode::InsufficientCredits,
            K::InvalidAmount | K::InvalidInput => ErrorCode::InvalidInput,
            K::InvalidDocument => ErrorCode::InvalidDocument,
            K::InvalidDetails => ErrorCode::InvalidDetails,
            K::GenerationNotFinished => ErrorCode::GenerationNotFinished,
            K::TechnicalFailureAutoRefunded => ErrorCode::TechnicalFailure,
            K::AlreadyClaimed => ErrorCode::AlreadyClaimed,
            K::GenerationExists => ErrorCode::GenerationExists,
            K::HoldAlreadySettled | K::AlreadyRefunded | K::NotCharged | K::RefundExceedsCharge => {
                ErrorCode::InvalidState
            }
            K::InvariantViolated => ErrorCode::Internal,
        }
    }
}

impl From<&StoreError> for recoup_api::ErrorCode {
    fn from(e: &StoreError) -> Self {
        e.kind().into()
    }
}

impl StoreError {
    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        use StoreErrorKind as K;
        match self {
            StoreError::Corrupt { .. } => K::CorruptDatabase,
            StoreError::TooNew { .. } => K::DatabaseTooNew,
            StoreError::Busy => K::Busy,
            StoreError::Sqlite(_)
            | StoreError::Migration(_)
            | StoreError::Decode(_)
            | StoreError::Io { .. }
            | StoreError::Full { .. } => K::Storage,
            StoreError::NotFound { .. } => K::NotFound,
            StoreError::IdempotencyConflict { .. } => K::IdempotencyConflict,
            StoreError::Ledger(LedgerError::InsufficientCredits { .. }) => K::InsufficientCredits,
            StoreError::Ledger(LedgerError::InvalidAmount { .. }) => K::InvalidAmount,
            StoreError::Ledger(LedgerError::RefundExceedsCharge { .. }) => K::RefundExceedsCharge,
            StoreError::Document(_) => K::InvalidDocument,
            StoreError::Details(_) => K::InvalidDetails,
            StoreError::GenerationNotFinished(_) => K::GenerationNotFinished,
            StoreError::TechnicalFailure(_) => K::TechnicalFailureAutoRefunded,
            StoreError::AlreadyClaimed { .. } => K::AlreadyClaimed,
            StoreError::GenerationExists(_) => K::GenerationExists,
            StoreError::AlreadySettled { .. } => K::HoldAlreadySettled,
            StoreError::AlreadyRefunded(_) => K::AlreadyRefunded,
            StoreError::NotCharged(_) => K::NotCharged,
            StoreError::InvalidInput { .. } => K::InvalidInput,
            StoreError::Invariant(_) => K::InvariantViolated,
        }
    }

    /// The stable error code (closed set) a UI or script can branch on: [`Self::kind`] spelled.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Whether the storage underneath failed (disk full, an I/O error, a read-only or missing
    /// file, no file descriptor left) rather than the request or the data: retrying once the
    /// machine is fixed may succeed, and nothing was written.
    pub fn is_resource_fault(&self) -> bool {
        match self {
            StoreError::Full { .. } | StoreError::Io { .. } | StoreError::Busy => true,
            StoreError::Sqlite(e) => is_disk_fault(e),
            _ => false,
        }
    }

    pub(crate) fn decode(what: impl std::fmt::Display) -> Self {
        StoreError::Decode(what.to_string())
    }
}

/// Whether SQLite failed because of the machine under it (disk full, an I/O error, a read-only
/// or unopenable file, no memory) rather than the request: the one list the store and the
/// endpoint's registry both go by.
pub fn is_disk_fault(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::OutOfMemory
        )
    )
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
        Some(ErrorCode::DiskFull) => StoreError::Full {
            path: path.to_owned(),
        },
        Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen | ErrorCode::ReadOnly) => {
            StoreError::Io {
                path: path.to_owned(),
                detail: e.to_string(),
            }
        }
        _ => StoreError::Sqlite(e),
    }
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
