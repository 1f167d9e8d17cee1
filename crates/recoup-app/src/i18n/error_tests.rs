//! The errors' sentences against the catalogs: the English catalog says word for word what the
//! code says (`message`), every id the code names is in both catalogs, every error id in them
//! is used, and French renders with the same code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use recoup_api::ApiError;
use recoup_core::{
    ClaimId, DetailsError, DocumentError, GenerationId, InvariantViolation, LedgerError, OpId,
};
use recoup_device::{Arg, DeviceError, Text};
use recoup_store::StoreError;
use recoup_sync::{ClientError, SyncError, TransportError};

use super::{CATALOGS, Language, Messages};
use crate::{AppError, ErrorCode};

/// The prefix of every error id.
const PREFIX: &str = "error-";

/// Where the sentences are written: the device layer, the sync engine, the app, the shell.
fn source_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        "../recoup-device/src",
        "../recoup-sync/src",
        "src",
        "../../src-tauri/src",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect()
}

/// Every `.rs` file under `dir`, with its text.
fn rust_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            out.push((path, text));
        }
    }
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in source_dirs() {
        rust_files(&dir, &mut out);
    }
    // This file names no sentence of its own: it reads the others.
    out.retain(|(p, _)| !p.ends_with("i18n/error_tests.rs"));
    assert!(
        out.iter()
            .any(|(p, _)| p.ends_with("recoup-device/src/error.rs")),
        "the scan reads the device layer"
    );
    assert!(
        out.iter()
            .any(|(p, _)| p.ends_with("src-tauri/src/commands.rs")),
        "the scan reads the shell"
    );
    out
}

/// The body of the Rust string literal that starts at `s[0] == '"'`, unescaped (`\"`, `\\`,
/// `\n`, and a `\` at the end of a line, which drops the line break and the next line's
/// indentation), and the rest after its closing quote.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let mut chars = s.strip_prefix('"')?.char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 2..])),
            '\\' => match chars.next()?.1 {
                '\n' => {
                    let rest = chars.as_str();
                    let trimmed = rest.trim_start();
                    for _ in 0..rest.len() - trimmed.len() {
                        chars.next();
                    }
                }
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// Every id an error-id-shaped string literal names in `text` (`"error-offline"`).
fn ids_in(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&format!("\"{PREFIX}")) {
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(after.len());
        if after[len..].starts_with('"') && len > PREFIX.len() {
            ids.push(after[..len].to_owned());
        }
        rest = &after[len..];
    }
    ids
}

/// Every `sentence!("error-…", "English {name}…", …)` in the sources: its id and its English
/// `format!` string.
fn sentence_sites() -> Vec<(String, String, PathBuf)> {
    let mut sites = Vec::new();
    for (path, text) in sources() {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("sentence!(") {
            rest = &rest[at + "sentence!(".len()..];
            let Some((id, after)) = string_literal(rest.trim_start()) else {
                continue;
            };
            let Some(after) = after.trim_start().strip_prefix(',') else {
                continue;
            };
            let Some((english, _)) = string_literal(after.trim_start()) else {
                continue;
            };
            sites.push((id, english, path.clone()));
        }
    }
    sites
}

/// The error ids a catalog holds.
fn catalog_error_ids(language: Language) -> BTreeSet<String> {
    let source = CATALOGS
        .iter()
        .find(|(l, _)| *l == language)
        .map(|(_, s)| *s)
        .expect("a catalog");
    source
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(id, _)| id))
        .filter(|id| id.starts_with(PREFIX))
        .map(str::to_owned)
        .collect()
}

/// The variables of a `format!` string: `{name}`.
fn format_names(english: &str) -> Vec<String> {
    english
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// Every id in `t`, nested sentences included.
fn ids_of(t: &Text, out: &mut BTreeSet<String>) {
    out.insert(t.id.to_owned());
    for (_, arg) in &t.args {
        if let Arg::Text(inner) = arg {
            ids_of(inner, out);
        }
    }
}

#[test]
fn every_sentence_written_with_the_macro_reads_the_same_in_the_english_catalog() {
    let en = Messages::of(Language::En);
    let sites = sentence_sites();
    assert!(
        sites.len() >= 50,
        "the scan finds the sites: {}",
        sites.len()
    );
    for (id, english, path) in sites {
        // Each variable rendered as its own `{name}` gives back the format string itself.
        let names = format_names(&english);
        let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> = names
            .iter()
            .map(|n| (n.as_str(), format!("{{{n}}}").into()))
            .collect();
        assert_eq!(
            en.format(&id, &args).as_deref(),
            Some(english.as_str()),
            "{id} ({}): the English catalog says what the code says",
            path.display()
        );
    }
}

/// An error of each kind the device layer words from another crate's error (its English is
/// that error's own words, so only rendering it shows the catalog agrees).
fn device_errors() -> Vec<DeviceError> {
    let g = GenerationId::new_v7();
    let mut store = vec![
        StoreError::Corrupt {
            path: "/d/ledger.db".into(),
            detail: "file is not a database".into(),
        },
        StoreError::Io {
            path: "/d/ledger.db".into(),
            detail: "permission denied".into(),
        },
        StoreError::Full {
            path: "/d/ledger.db".into(),
        },
        StoreError::TooNew {
            found: 9,
            supported: 4,
        },
        StoreError::Busy,
        StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows),
        StoreError::Migration("step 3".into()),
        StoreError::Decode("bad json".into()),
        StoreError::IdempotencyConflict {
            op_id: OpId::new_v7(),
        },
        StoreError::Ledger(LedgerError::InvalidAmount {
            amount: 0,
            why: "a hold must be at least 1 credit",
        }),
        StoreError::Document(DocumentError::Malformed {
            document: "policy",
            line: 3,
            column: 7,
            message: "expected `,`".into(),
        }),
        StoreError::Document(DocumentError::Invalid {
            document: "policy",
            field: "refund_window_secs".into(),
            problem: "must be positive".into(),
        }),
        StoreError::Details(DetailsError::ControlCharacter),
        StoreError::GenerationNotFinished(g),
        StoreError::TechnicalFailure(g),
        StoreError::AlreadyClaimed {
            generation: g,
            claim: ClaimId::new_v7(),
        },
        StoreError::GenerationExists(g),
        StoreError::AlreadyRefunded(g),
        StoreError::NotCharged(g),
        StoreError::InvalidInput {
            field: "limit",
            problem: "too large".into(),
        },
        StoreError::Invariant(InvariantViolation("refunded 5 exceeds spent 4".into())),
    ];
    for what in ["generation", "claim", "grant"] {
        store.push(StoreError::NotFound {
            what,
            id: g.to_string(),
        });
    }
    for outcome in ["captured", "voided", "expired"] {
        store.push(StoreError::AlreadySettled {
            generation: g,
            outcome: outcome.into(),
        });
    }
    for (needed, available) in [(1, 0), (5, 1), (5, 3)] {
        store.push(StoreError::Ledger(LedgerError::InsufficientCredits {
            needed,
            available,
        }));
    }
    for (requested, charged) in [(1, 1), (5, 4)] {
        store.push(StoreError::Ledger(LedgerError::RefundExceedsCharge {
            requested,
            charged,
        }));
    }
    for (len, bound) in [(1, 10), (3, 10)] {
        store.push(StoreError::Details(DetailsError::TooShort {
            len,
            min: bound,
        }));
        store.push(StoreError::Details(DetailsError::TooLong {
            len,
            max: bound,
        }));
    }
    let mut errors: Vec<DeviceError> = store.into_iter().map(DeviceError::from).collect();
    for queued in [0, 1, 2, 12] {
        errors.push(DeviceError::offline(queued));
    }
    errors.push(
        SyncError::Unauthorized(ApiError::new(ErrorCode::TokenExpired, "token expired")).into(),
    );
    errors.push(SyncError::Config("batch_max must be between 1 and 100".into()).into());
    errors.push(SyncError::Store(StoreError::Busy).into());
    for t in [
        TransportError::Connect("connection refused".into()),
        TransportError::Timeout("read timed out".into()),
        TransportError::Io("reset by peer".into()),
        TransportError::Invalid("bad URL".into()),
    ] {
        errors.push(ClientError::Transport(t).into());
    }
    errors.push(
        ClientError::Decode {
            status: 200,
            detail: "EOF while parsing".into(),
        }
        .into(),
    );
    errors.push(
        ClientError::Api {
            status: 409,
            error: ApiError::new(
                ErrorCode::AlreadyClaimed,
                "this generation was already reported",
            ),
        }
        .into(),
    );
    for url in ["http://e.example", "ftp://e.example", "not a url"] {
        errors.push(
            recoup_device::link::endpoint_url(url).expect_err("an address the device refuses"),
        );
    }
    errors.push(DeviceError::file(
        Path::new("/d/x.csv"),
        "permission denied",
    ));
    errors
}

#[test]
fn every_error_the_device_layer_words_from_another_crate_reads_the_same_in_english() {
    let en = Messages::of(Language::En);
    for e in device_errors() {
        let t = e
            .text
            .as_ref()
            .unwrap_or_else(|| panic!("a catalog sentence: {e:?}"));
        assert_eq!(
            en.sentence(t),
            e.message,
            "{} ({:?}): the English catalog says what the code says",
            t.id,
            e.code
        );
    }
}

#[test]
fn every_error_id_in_the_code_is_in_both_catalogs_and_every_one_there_is_used() {
    let mut used = BTreeSet::new();
    for (_, text) in sources() {
        used.extend(ids_in(&text));
    }
    assert!(
        used.contains("error-offline"),
        "the scan finds the ids: {used:?}"
    );
    for language in Language::ALL {
        let catalog = catalog_error_ids(language);
        let missing: Vec<_> = used.difference(&catalog).collect();
        assert!(
            missing.is_empty(),
            "ids the code names that the {language:?} catalog lacks: {missing:?}"
        );
        let unused: Vec<_> = catalog.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "error ids in the {language:?} catalog no code names: {unused:?}"
        );
    }
}

#[test]
fn the_english_of_every_error_id_is_checked_by_one_of_the_tests_above() {
    let mut checked: BTreeSet<String> = sentence_sites().into_iter().map(|(id, ..)| id).collect();
    for e in device_errors() {
        if let Some(t) = &e.text {
            ids_of(t, &mut checked);
        }
    }
    let unchecked: Vec<_> = catalog_error_ids(Language::En)
        .into_iter()
        .filter(|id| !checked.contains(id))
        .collect();
    assert!(
        unchecked.is_empty(),
        "error ids whose English no test compares with the code: {unchecked:?}"
    );
}

#[test]
fn french_renders_every_error_with_its_code_and_its_values_untranslated() {
    let fr = Messages::of(Language::Fr);
    for e in device_errors() {
        let code = e.code;
        let english = e.message.clone();
        let t = e.text.clone().expect("a catalog sentence");
        let french = fr.error(e);
        assert_eq!(french.code, code, "{}: the code stays", t.id);
        assert_ne!(
            french.message, english,
            "{}: French differs from English",
            t.id
        );
        assert!(
            !french.message.contains('{') && !french.message.contains(PREFIX),
            "{}: every variable and id is filled: {}",
            t.id,
            french.message
        );
        for (name, arg) in &t.args {
            // Keys the catalogs choose a word by (`what`: `generation`; a hold's `outcome`).
            if ["what", "outcome"].contains(name) {
                continue;
            }
            if let Arg::Verbatim(v) = arg {
                assert!(
                    french.message.contains(v.as_str()),
                    "{}: '{v}' comes through as it is: {}",
                    t.id,
                    french.message
                );
            }
        }
    }
    let as_fr = |e: DeviceError| fr.error(e).message;
    assert_eq!(
        as_fr(DeviceError::offline(0)),
        "vous êtes hors ligne (le réseau est coupé)\u{202f}; 0 signalement attend et partira à votre retour en ligne",
        "French 0 is singular"
    );
    assert!(
        as_fr(DeviceError::offline(3)).contains("3 signalements attendent"),
        "French plural"
    );
    let refused: AppError = ClientError::Api {
        status: 409,
        error: ApiError::new(
            ErrorCode::AlreadyClaimed,
            "this generation was already reported",
        ),
    }
    .into();
    assert_eq!(
        as_fr(refused),
        "le serveur a refusé\u{a0}: this generation was already reported",
        "the endpoint's own sentence stays in its language, inside a French one"
    );
    let english = DeviceError::offline(2);
    assert_eq!(
        Messages::of(Language::En).error(english.clone()),
        english,
        "in English an error is left as it is"
    );
}

#[test]
fn the_french_error_sentences_keep_french_typography() {
    let source = CATALOGS[1].1;
    for line in source.lines().filter(|l| l.starts_with(PREFIX)) {
        let (id, text) = line.split_once(" = ").expect("id = text");
        // `::1` is an address, not punctuation.
        let text = text.replace(" ::1", "");
        for (bad, why) in [
            (" :", "a no-break space (U+00A0) before ':'"),
            (" ;", "a narrow no-break space (U+202F) before ';'"),
            (" ?", "a narrow no-break space before '?'"),
            (" !", "a narrow no-break space before '!'"),
            ("'", "a typographic apostrophe"),
        ] {
            assert!(!text.contains(bad), "{id}: {why}: {text}");
        }
    }
}
