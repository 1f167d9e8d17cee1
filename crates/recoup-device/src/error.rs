//! The device's one error: a code from the product's closed vocabulary
//! ([`recoup_api::ErrorCode`]) and a sentence that says what happened and what to do next. The
//! app rejects IPC calls with it (serialized as `{code, message}`), the CLI prints it and exits
//! with [`ErrorCode::exit_code`]. Every conversion into it names its code exhaustively.
//!
//! The sentence exists twice: `message`, in English (what the CLI prints, the logs and tests
//! read), and [`DeviceError::text`], the same sentence as the app's message catalogs hold it (a
//! message id and its named arguments), which the app renders in the user's language at its
//! boundary. [`sentence!`](crate::sentence) builds both from one place; the app's tests check
//! that its English catalog says exactly what `message` says.

use std::fmt;

use serde::{Deserialize, Serialize};

use recoup_api::ErrorCode;
use recoup_core::{DetailsError, DocumentError, LedgerError};
use recoup_store::{StoreError, StoreErrorKind};
use recoup_sync::{ClientError, SyncError, TransportError};

/// A device flow's failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
// The UI has always called it AppError; the name on the TypeScript side stays.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AppError"))]
pub struct DeviceError {
    /// What kind of failure (scripts and the UI branch on it, never on the message).
    pub code: ErrorCode,
    /// What happened and what to do next.
    // In English as built (the CLI prints it, tests and logs read it); the app sends it in the
    // user's language, rendered from `text` (`recoup_app::App::answer`).
    pub message: String,
    /// The same sentence as the message catalogs hold it; not sent: the app sends `message`
    /// rendered from it in the user's language. `None` only for an error read back from JSON or
    /// built by [`DeviceError::english`].
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub text: Option<Text>,
}

/// A device flow's result.
pub type DeviceResult<T> = Result<T, DeviceError>;

/// A sentence as the message catalogs hold it: the id of a message (`error-offline`) and the
/// values of its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The message's id in the catalogs.
    pub id: &'static str,
    /// Its variables, by name.
    pub args: Vec<(&'static str, Arg)>,
}

/// The value of a variable in a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Words that come from outside and are shown as they are, in every language: a path, a
    /// URL, an id, what the system or the endpoint said, what the user typed.
    Verbatim(String),
    /// A number (a message selects its plural form on it).
    Number(i128),
    /// A sentence of its own, rendered in the same language.
    Text(Box<Text>),
}

/// A value that can fill a variable of a [`Text`].
pub trait ToArg {
    /// The value.
    fn to_arg(&self) -> Arg;
}

impl ToArg for str {
    fn to_arg(&self) -> Arg {
        Arg::Verbatim(self.to_owned())
    }
}

impl ToArg for String {
    fn to_arg(&self) -> Arg {
        Arg::Verbatim(self.clone())
    }
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Arg {
        (**self).to_arg()
    }
}

macro_rules! number_arg {
    ($($t:ty)*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg {
                Arg::Number(i128::from(*self))
            }
        }
    )*};
}
number_arg!(u8 u16 u32 u64 i32 i64);

impl ToArg for usize {
    fn to_arg(&self) -> Arg {
        Arg::Number(i128::try_from(*self).unwrap_or(i128::MAX))
    }
}

impl ToArg for Sentence {
    fn to_arg(&self) -> Arg {
        Arg::Text(Box::new(self.text.clone()))
    }
}

impl ToArg for DeviceError {
    /// Its sentence, rendered in the same language (its English words when it has none).
    fn to_arg(&self) -> Arg {
        match &self.text {
            Some(t) => Arg::Text(Box::new(t.clone())),
            None => Arg::Verbatim(self.message.clone()),
        }
    }
}

/// A sentence in English and as the catalogs hold it. Built with [`sentence!`](crate::sentence),
/// or with [`Sentence::new`] when the English is not one `format!` string (a plural, another
/// error's own words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The catalogs' id and variables.
    pub text: Text,
    /// The English words.
    pub english: String,
}

impl Sentence {
    /// The sentence `id` with `args`, which says `english` in English.
    pub fn new(
        id: &'static str,
        args: Vec<(&'static str, Arg)>,
        english: impl Into<String>,
    ) -> Self {
        Self {
            text: Text { id, args },
            english: english.into(),
        }
    }
}

impl fmt::Display for Sentence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english)
    }
}

/// A [`Sentence`]: its catalog id, its English as a `format!` string, and its variables, named
/// alike in the English and in the catalogs. Strings are shown verbatim, numbers select plurals,
/// a [`DeviceError`] or a [`Sentence`] is rendered in the same language.
///
/// ```
/// use recoup_device::{sentence, Arg};
/// let s = sentence!("error-file", "cannot use the file {path}: {cause}", path = "a.csv", cause = "denied");
/// assert_eq!(s.english, "cannot use the file a.csv: denied");
/// assert_eq!(s.text.id, "error-file");
/// assert_eq!(s.text.args[0], ("path", Arg::Verbatim("a.csv".into())));
/// ```
#[macro_export]
macro_rules! sentence {
    ($id:literal, $english:literal $(,)?) => {
        $crate::Sentence::new($id, ::std::vec::Vec::new(), $english)
    };
    ($id:literal, $english:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        // Each value is computed once, for the English and for the catalogs (`x = x` is fine).
        $(#[allow(clippy::redundant_locals)] let $name = $value;)+
        $crate::Sentence::new(
            $id,
            ::std::vec![$((::std::stringify!($name), $crate::ToArg::to_arg(&$name))),+],
            ::std::format!($english, $($name = $name),+),
        )
    }};
}

impl DeviceError {
    /// An error with this code and sentence.
    pub fn new(code: ErrorCode, sentence: Sentence) -> Self {
        Self {
            code,
            message: sentence.english,
            text: Some(sentence.text),
        }
    }

    /// An error in English only, with no catalog sentence: for the CLI, which speaks English,
    /// and for tests. The app never builds one.
    pub fn english(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            text: None,
        }
    }

    /// A refused input, naming the field (as the request names it: not translated).
    ///
    /// ```
    /// use recoup_device::{sentence, DeviceError, ErrorCode};
    /// let e = DeviceError::input("limit", sentence!("error-limit-range", "must be between 1 and {max}", max = 100_u32));
    /// assert_eq!(e.code, ErrorCode::InvalidInput);
    /// assert_eq!(e.to_string(), "limit: must be between 1 and 100");
    /// ```
    pub fn input(field: &str, problem: Sentence) -> Self {
        Self::new(
            ErrorCode::InvalidInput,
            sentence!(
                "error-input",
                "{field}: {problem}",
                field = field,
                problem = problem
            ),
        )
    }

    /// A file that could not be used, and what the system said.
    pub fn file(path: &std::path::Path, e: impl fmt::Display) -> Self {
        Self::new(
            ErrorCode::File,
            sentence!(
                "error-file",
                "cannot use the file {path}: {cause}",
                path = path.display().to_string(),
                cause = e.to_string()
            ),
        )
    }

    /// A file that could not be used, and why in the device's words.
    pub fn file_because(path: &std::path::Path, why: Sentence) -> Self {
        Self::new(
            ErrorCode::File,
            sentence!(
                "error-file",
                "cannot use the file {path}: {cause}",
                path = path.display().to_string(),
                cause = why
            ),
        )
    }

    /// The refusal of a flow that needs the endpoint while the network switch is off.
    pub fn offline(queued: u64) -> Self {
        SyncError::Offline { queued }.into()
    }
}

/// A store's refusal or failure in words: its own English (`Display`), and the catalog's id
/// with the values it names.
fn store_sentence(e: &StoreError) -> Sentence {
    let english = e.to_string();
    let v = |s: &dyn fmt::Display| Arg::Verbatim(s.to_string());
    let n = |x: &dyn ToArg| x.to_arg();
    let (id, args): (&'static str, Vec<(&'static str, Arg)>) = match e {
        StoreError::Corrupt { path, detail } => (
            "error-store-corrupt",
            vec![("path", v(path)), ("detail", v(detail))],
        ),
        StoreError::Io { path, detail } => (
            "error-store-io",
            vec![("path", v(path)), ("detail", v(detail))],
        ),
        StoreError::Full { path } => ("error-store-full", vec![("path", v(path))]),
        StoreError::TooNew { found, supported } => (
            "error-store-too-new",
            vec![("found", n(found)), ("supported", n(supported))],
        ),
        // The device's own words: another write of this app, not another process.
        StoreError::Busy => {
            return sentence!(
                "error-busy",
                "the local database is busy with another write; try again in a moment"
            );
        }
        StoreError::Sqlite(detail) => ("error-store-sqlite", vec![("detail", v(detail))]),
        StoreError::Migration(detail) => ("error-store-migration", vec![("detail", v(detail))]),
        StoreError::Decode(detail) => ("error-store-decode", vec![("detail", v(detail))]),
        StoreError::NotFound { what, id } => {
            ("error-not-found", vec![("what", v(what)), ("id", v(id))])
        }
        StoreError::IdempotencyConflict { op_id } => ("error-op-reused", vec![("op", v(op_id))]),
        StoreError::Ledger(LedgerError::InsufficientCredits { needed, available }) => (
            "error-insufficient-credits",
            vec![("needed", n(needed)), ("available", n(available))],
        ),
        StoreError::Ledger(LedgerError::InvalidAmount { amount, why }) => (
            "error-invalid-amount",
            vec![("amount", n(amount)), ("why", v(why))],
        ),
        StoreError::Ledger(LedgerError::RefundExceedsCharge { requested, charged }) => (
            "error-refund-exceeds-charge",
            vec![("requested", n(requested)), ("charged", n(charged))],
        ),
        StoreError::Document(DocumentError::Malformed {
            document,
            line,
            column,
            message,
        }) => (
            "error-document-malformed",
            vec![
                ("document", v(document)),
                ("line", n(line)),
                ("column", n(column)),
                ("detail", v(message)),
            ],
        ),
        StoreError::Document(DocumentError::Invalid {
            document,
            field,
            problem,
        }) => (
            "error-document-invalid",
            vec![
                ("document", v(document)),
                ("field", v(field)),
                ("problem", v(problem)),
            ],
        ),
        StoreError::Details(DetailsError::TooShort { len, min }) => (
            "error-details-too-short",
            vec![("len", n(len)), ("min", n(min))],
        ),
        StoreError::Details(DetailsError::TooLong { len, max }) => (
            "error-details-too-long",
            vec![("len", n(len)), ("max", n(max))],
        ),
        StoreError::Details(DetailsError::ControlCharacter) => ("error-details-control", vec![]),
        StoreError::GenerationNotFinished(g) => {
            ("error-generation-running", vec![("generation", v(g))])
        }
        StoreError::TechnicalFailure(g) => ("error-generation-failed", vec![("generation", v(g))]),
        StoreError::AlreadyClaimed { generation, claim } => (
            "error-already-claimed",
            vec![("generation", v(generation)), ("claim", v(claim))],
        ),
        StoreError::GenerationExists(g) => ("error-generation-exists", vec![("generation", v(g))]),
        StoreError::AlreadySettled {
            generation,
            outcome,
        } => (
            "error-hold-settled",
            vec![("generation", v(generation)), ("outcome", v(outcome))],
        ),
        StoreError::AlreadyRefunded(g) => ("error-already-refunded", vec![("generation", v(g))]),
        StoreError::NotCharged(g) => ("error-not-charged", vec![("generation", v(g))]),
        StoreError::InvalidInput { field, problem } => (
            "error-store-input",
            vec![("field", v(field)), ("problem", v(problem))],
        ),
        StoreError::Invariant(broken) => ("error-invariant", vec![("detail", v(&broken.0))]),
    };
    Sentence::new(id, args, english)
}

impl From<StoreError> for DeviceError {
    fn from(e: StoreError) -> Self {
        let kind = e.kind();
        let sentence = match kind {
            StoreErrorKind::Storage => sentence!(
                "error-storage",
                "the local database failed: {cause}. Your data is unchanged; try again, and if it persists keep the data folder for support",
                cause = store_sentence(&e)
            ),
            _ => store_sentence(&e),
        };
        Self::new(kind.into(), sentence)
    }
}

impl From<SyncError> for DeviceError {
    fn from(e: SyncError) -> Self {
        let code = e.code();
        let sentence = match e {
            SyncError::Store(s) => return s.into(),
            SyncError::Offline { queued } => Sentence::new(
                "error-offline",
                vec![("queued", queued.to_arg())],
                if queued == 1 {
                    "you are offline (the network switch is off); 1 report waits and goes out when you are back online".to_owned()
                } else {
                    format!(
                        "you are offline (the network switch is off); {queued} reports wait and go out when you are back online"
                    )
                },
            ),
            SyncError::Unauthorized(a) => sentence!(
                "error-token-refused",
                "the endpoint refused this device's token ({refusal}); link this device to the endpoint again",
                refusal = a.message
            ),
            // A bound the app itself sets: a bug, worded by the sync engine.
            SyncError::Config(m) => sentence!("error-sync-config", "{problem}", problem = m),
        };
        Self::new(code, sentence)
    }
}

/// Why no answer arrived, in words; what the system said stays as it is.
fn transport_sentence(t: &TransportError) -> Sentence {
    let (id, detail) = match t {
        TransportError::Connect(d) => ("error-transport-connect", d),
        TransportError::Timeout(d) => ("error-transport-timeout", d),
        TransportError::Io(d) => ("error-transport-broken", d),
        TransportError::Invalid(d) => ("error-transport-invalid", d),
    };
    Sentence::new(id, vec![("detail", detail.to_arg())], t.to_string())
}

impl From<ClientError> for DeviceError {
    fn from(e: ClientError) -> Self {
        let code = e.error_code();
        let sentence = match &e {
            ClientError::Transport(t) => sentence!(
                "error-endpoint-unreachable",
                "the endpoint could not be reached ({cause}); check the connection, your reports are kept and sent later",
                cause = transport_sentence(t)
            ),
            ClientError::Decode { status, detail } => Sentence::new(
                "error-endpoint-unreadable",
                vec![("status", status.to_arg()), ("detail", detail.to_arg())],
                format!("the endpoint's answer could not be read: {e}"),
            ),
            // The endpoint's own sentence, in its language, inside the device's.
            ClientError::Api { error, .. } => sentence!(
                "error-endpoint-refused",
                "the endpoint refused: {refusal}",
                refusal = error.message.as_str()
            ),
        };
        Self::new(code, sentence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_boundary_as_code_and_message() {
        let e = DeviceError::input(
            "limit",
            sentence!(
                "error-limit-range",
                "must be between 1 and {max}",
                max = 100_u32
            ),
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "invalid_input", "message": "limit: must be between 1 and 100"}),
            "the UI branches on `code` and shows `message`; the catalog sentence is not sent"
        );
    }

    #[test]
    fn offline_says_what_waits_with_a_real_plural() {
        let e: DeviceError = SyncError::Offline { queued: 3 }.into();
        assert_eq!(e.code, ErrorCode::Offline, "the offline code");
        assert!(e.message.contains("3 reports wait"), "{}", e.message);
        let one = DeviceError::offline(1);
        assert!(one.message.contains("1 report waits"), "{}", one.message);
        assert_eq!(
            one.text.map(|t| t.args),
            Some(vec![("queued", Arg::Number(1))]),
            "the catalogs get the count"
        );
    }

    #[test]
    fn every_code_survives_the_round_trip_through_the_error_body() {
        for code in ErrorCode::all() {
            let e = DeviceError::english(code, "m");
            let back: DeviceError =
                serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
            assert_eq!(back, e, "{code:?} crosses the IPC boundary unchanged");
        }
    }

    #[test]
    fn a_store_refusal_keeps_the_code_of_its_kind() {
        let e: DeviceError = StoreError::Busy.into();
        assert_eq!(
            e.code,
            ErrorCode::Unavailable,
            "busy is retried later: {e:?}"
        );
        assert!(e.message.contains("try again"), "{}", e.message);
    }

    #[test]
    fn an_endpoint_refusal_keeps_the_endpoints_code_and_words() {
        let e: DeviceError = ClientError::Api {
            status: 409,
            error: recoup_api::ApiError {
                code: ErrorCode::IdempotencyConflict,
                message: "reused".into(),
            },
        }
        .into();
        assert_eq!(
            e.code,
            ErrorCode::IdempotencyConflict,
            "the endpoint's code passes through: {e:?}"
        );
        assert_eq!(
            e.text.map(|t| t.args),
            Some(vec![("refusal", Arg::Verbatim("reused".into()))]),
            "the endpoint's own sentence goes in as it is"
        );
    }

    #[test]
    fn a_wrapped_sentence_keeps_the_inner_one_for_the_catalogs() {
        let inner: DeviceError = StoreError::Full {
            path: "/d/l.db".into(),
        }
        .into();
        assert_eq!(inner.code, ErrorCode::Storage, "a full disk is storage");
        let t = inner.text.clone().expect("a catalog sentence");
        assert_eq!(t.id, "error-storage", "the device's wrapper");
        match &t.args[0] {
            ("cause", Arg::Text(cause)) => {
                assert_eq!(cause.id, "error-store-full", "the store's sentence inside")
            }
            other => panic!("the cause is a sentence: {other:?}"),
        }
        assert!(
            inner
                .message
                .starts_with("the local database failed: the disk holding /d/l.db is full"),
            "the English is unchanged: {}",
            inner.message
        );
    }
}
