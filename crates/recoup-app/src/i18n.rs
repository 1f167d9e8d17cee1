//! The app's languages: which one the user sees (chosen in Settings, else the system's), and the
//! messages the core writes in it (Fluent catalogs, `locales/<language>.ftl`; the UI has its own
//! catalogs for what it writes itself).

use recoup_device::sentence;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::{LanguageIdentifier, langid};

use recoup_api::ClaimOutcome;
use recoup_core::{ClaimReason, EntryKind, Feature, Platform, Reason, ReasonCode, Surface};

use recoup_device::{Arg, Text};

use crate::{AppError, AppResult};

/// A language the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English (the default when the system's language is not one the app speaks).
    En,
    /// French.
    Fr,
}

impl Language {
    /// Every language, in the order Settings lists them.
    pub const ALL: [Language; 2] = [Language::En, Language::Fr];

    /// Its tag (`en`, `fr`), as settings, the UI and the catalogs name it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
        }
    }

    /// A language the user chose, by its tag; anything else is refused with the list.
    pub fn parse(tag: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == tag)
            .ok_or_else(|| {
                AppError::input(
                    "language",
                    sentence!(
                        "error-language",
                        "'{value}' is not a language Recoup speaks; choose one of: {choices}",
                        value = tag.chars().take(40).collect::<String>(),
                        choices = Self::ALL.map(Language::as_str).join(", ")
                    ),
                )
            })
    }

    /// The first of `locales` (BCP 47 tags or POSIX names such as `fr_FR.UTF-8`, most preferred
    /// first) whose language the app speaks; English if none.
    pub fn negotiate<S: AsRef<str>>(locales: impl IntoIterator<Item = S>) -> Self {
        locales
            .into_iter()
            .find_map(|l| {
                let primary = l
                    .as_ref()
                    .split(['-', '_', '.', '@'])
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                Self::ALL.into_iter().find(|lang| lang.as_str() == primary)
            })
            .unwrap_or(Language::En)
    }

    /// The system's language (`sys-locale`: `LANG`/`LC_*` on Linux, the user's preferred
    /// languages on macOS, Windows, Android and iOS), when the app speaks it.
    pub fn system() -> Self {
        Self::negotiate(sys_locale::get_locales())
    }

    /// The language in force: the user's choice, else the system's.
    pub fn resolve(choice: Option<&str>) -> Self {
        choice
            .and_then(|c| Self::parse(c).ok())
            .unwrap_or_else(Self::system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_language_is_the_first_the_app_speaks() {
        for (locales, want) in [
            (vec!["fr_FR.UTF-8"], Language::Fr),
            (vec!["fr-CA", "en-US"], Language::Fr),
            (vec!["de-DE", "fr-FR", "en"], Language::Fr),
            (vec!["de-DE", "en-GB"], Language::En),
            (vec!["C"], Language::En),
            (vec![], Language::En),
            (vec!["FR"], Language::Fr),
        ] {
            assert_eq!(Language::negotiate(&locales), want, "{locales:?}");
        }
    }

    #[test]
    fn a_chosen_language_is_one_the_app_speaks() {
        assert_eq!(
            Language::parse("fr").ok(),
            Some(Language::Fr),
            "fr is spoken"
        );
        let e = Language::parse("klingon").expect_err("not a language the app speaks");
        assert_eq!(e.code, crate::ErrorCode::InvalidInput, "bad input: {e:?}");
        assert!(
            e.message.contains("en, fr"),
            "the message lists the choices: {}",
            e.message
        );
        assert_eq!(
            Language::resolve(Some("fr")),
            Language::Fr,
            "a choice wins over the system"
        );
    }
}

/// The language in force, shared with the background sync (which writes the decisions' lines).
#[derive(Debug, Clone)]
pub struct SharedLanguage(Arc<AtomicU8>);

impl SharedLanguage {
    /// Starts at `language`.
    pub fn new(language: Language) -> Self {
        let shared = Self(Arc::new(AtomicU8::new(0)));
        shared.set(language);
        shared
    }

    /// The language now.
    pub fn get(&self) -> Language {
        match self.0.load(Ordering::Relaxed) {
            1 => Language::Fr,
            _ => Language::En,
        }
    }

    /// Changes it.
    pub fn set(&self, language: Language) {
        let n = match language {
            Language::En => 0,
            Language::Fr => 1,
        };
        self.0.store(n, Ordering::Relaxed);
    }

    /// Its messages.
    pub fn messages(&self) -> &'static Messages {
        Messages::of(self.get())
    }
}

/// The messages the core writes, in one language, from its Fluent catalog.
pub struct Messages {
    language: Language,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// The catalogs, compiled in.
const CATALOGS: [(Language, &str); 2] = [
    (Language::En, include_str!("../locales/en.ftl")),
    (Language::Fr, include_str!("../locales/fr.ftl")),
];

impl Messages {
    /// The messages of `language` (built once per process).
    pub fn of(language: Language) -> &'static Messages {
        static EN: OnceLock<Messages> = OnceLock::new();
        static FR: OnceLock<Messages> = OnceLock::new();
        let cell = match language {
            Language::En => &EN,
            Language::Fr => &FR,
        };
        cell.get_or_init(|| Messages::build(language))
    }

    fn build(language: Language) -> Self {
        let source = CATALOGS
            .iter()
            .find(|(l, _)| *l == language)
            .map_or("", |(_, s)| *s);
        // A catalog with a syntax error still yields the messages that parsed (the tests fail
        // on any error, so this is never reached by a shipped build).
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
        let id: LanguageIdentifier = match language {
            Language::En => langid!("en"),
            Language::Fr => langid!("fr"),
        };
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // The UI shows plain text: no Unicode isolation marks around the arguments.
        bundle.set_use_isolating(false);
        // Every id is unique in a catalog (tested): nothing is overridden.
        let _ = bundle.add_resource(resource);
        Self { language, bundle }
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The message `id` with `args`; English if this catalog lacks it, the id itself if
    /// English lacks it too (the tests make sure neither happens).
    pub fn text(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        match self.format(id, args) {
            Some(s) => s,
            None if self.language != Language::En => Messages::of(Language::En).text(id, args),
            None => id.to_owned(),
        }
    }

    fn format(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> Option<String> {
        let pattern = self.bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// A sentence the code wrote for the catalogs (an error's), in this language; the sentences
    /// inside it too, the verbatim values as they are.
    pub fn sentence(&self, t: &Text) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = t
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Verbatim(s) => FluentValue::from(s.as_str()),
                    Arg::Number(n) => FluentValue::from(*n),
                    Arg::Text(inner) => FluentValue::from(self.sentence(inner)),
                };
                (*name, value)
            })
            .collect();
        self.text(t.id, &args)
    }

    /// `e` as the user reads it: the same code, its sentence in this language. In English, or
    /// for an error with no catalog sentence, `e` as it is (its `message` is the English).
    pub fn error(&self, e: AppError) -> AppError {
        match (&e.text, self.language) {
            (Some(t), Language::Fr) => AppError {
                message: self.sentence(t),
                ..e
            },
            _ => e,
        }
    }

    /// A feature's name.
    pub fn feature(&self, f: Feature) -> String {
        self.text(&format!("feature-{}", f.as_str()), &[])
    }

    /// A platform's name, as a sentence uses it ("the Web App").
    pub fn platform(&self, p: Platform) -> String {
        self.text(&format!("platform-{}", p.as_str()), &[])
    }

    /// A surface's name, as a sentence uses it ("the Batch Editor").
    pub fn surface(&self, s: Surface) -> String {
        self.text(&format!("surface-{}", s.as_str()), &[])
    }

    /// A report reason's label.
    pub fn claim_reason(&self, r: ClaimReason) -> String {
        self.text(&format!("claim-reason-{}", r.as_str()), &[])
    }

    /// A ledger entry kind's name.
    pub fn entry_kind(&self, k: EntryKind) -> String {
        self.text(&format!("entry-{}", k.as_str()), &[])
    }

    /// A length of time in words, in the largest unit it is a whole number of (a single day
    /// reads "24 hours"), as the policy engine writes it.
    pub fn duration(&self, secs: u64) -> String {
        let (id, n) = if secs.is_multiple_of(86_400) && secs >= 2 * 86_400 {
            ("duration-days", secs / 86_400)
        } else if secs.is_multiple_of(3_600) && secs >= 3_600 {
            ("duration-hours", secs / 3_600)
        } else if secs.is_multiple_of(60) && secs >= 60 {
            ("duration-minutes", secs / 60)
        } else {
            ("duration-seconds", secs)
        };
        self.text(id, &[("n", n.into())])
    }

    /// An instant (RFC 3339, UTC) as this language writes it, to the second, in UTC.
    pub fn instant(&self, rfc3339: &str) -> String {
        // `YYYY-MM-DDTHH:MM:SS...Z`, as the app writes every time.
        let (date, time) = match rfc3339.split_once('T') {
            Some((d, t)) if d.len() == 10 && t.len() >= 8 => (d, &t[..8]),
            _ => return rfc3339.to_owned(),
        };
        match self.language {
            Language::En => format!("{date} {time} UTC"),
            Language::Fr => {
                let (y, rest) = date.split_at(4);
                let (m, d) = (&rest[1..3], &rest[4..6]);
                format!("{d}/{m}/{y} à {time} UTC")
            }
        }
    }

    /// A report's line before and after the endpoint decides (the endpoint's own words are
    /// English; the device says the same in its language).
    pub fn claim_line(&self, verdict: Option<(ClaimOutcome, u64)>, eligible: bool) -> String {
        match verdict {
            Some((ClaimOutcome::Refunded, credits)) => {
                self.text("claim-refunded", &[("credits", credits.into())])
            }
            Some((ClaimOutcome::NotRefunded, _)) => self.text("claim-not-refunded", &[]),
            Some((ClaimOutcome::InReview, _)) => self.text("claim-in-review", &[]),
            None if eligible => self.text("claim-queued-refundable", &[]),
            None => self.text("claim-queued-feedback", &[]),
        }
    }

    /// Why a report cannot be refunded, in words, from the reason's code and the facts it is
    /// about.
    pub fn reason(&self, r: &Reason, facts: &ReasonFacts) -> String {
        let window = || self.duration(facts.safeguard_window_secs);
        match r.code {
            ReasonCode::TechnicalFailureAutoRefunded => self.text("reason-technical-failure", &[]),
            ReasonCode::GenerationNotFinished => self.text("reason-not-finished", &[]),
            ReasonCode::FeatureNotRefundable => self.text(
                "reason-feature",
                &[
                    ("feature", self.feature(facts.feature).into()),
                    ("platform", self.platform(facts.platform).into()),
                ],
            ),
            ReasonCode::SurfaceNotRefundable => self.text(
                "reason-surface",
                &[("surface", self.surface(facts.surface).into())],
            ),
            ReasonCode::WindowExpired => self.text(
                "reason-window",
                &[
                    (
                        "closes",
                        facts
                            .window_closes_at
                            .as_deref()
                            .map_or_else(String::new, |t| self.instant(t))
                            .into(),
                    ),
                    ("window", self.duration(facts.refund_window_secs).into()),
                ],
            ),
            ReasonCode::AlreadyClaimed => self.text("reason-already-claimed", &[]),
            ReasonCode::SafeguardLimit if r.rule.ends_with("refunded_share_max_percent") => self
                .text(
                    "reason-share",
                    &[
                        ("percent", facts.share_max_percent.into()),
                        ("window", window().into()),
                    ],
                ),
            ReasonCode::SafeguardLimit => self.text(
                "reason-refunds-max",
                &[
                    ("max", facts.refunds_max.into()),
                    ("window", window().into()),
                ],
            ),
        }
    }
}

/// What a reason is about: the generation and the policy that decided.
#[derive(Debug, Clone)]
pub struct ReasonFacts {
    /// The generation's feature.
    pub feature: Feature,
    /// Its platform.
    pub platform: Platform,
    /// Its surface.
    pub surface: Surface,
    /// When the refund window closes (RFC 3339), if it applies.
    pub window_closes_at: Option<String>,
    /// The policy's refund window.
    pub refund_window_secs: u64,
    /// The safeguards' window.
    pub safeguard_window_secs: u64,
    /// Refunds allowed in it.
    pub refunds_max: u32,
    /// Share of spending refunds may reach.
    pub share_max_percent: u8,
}

#[cfg(test)]
mod error_tests;

#[cfg(test)]
mod catalog_tests {
    use super::*;
    use recoup_core::Timestamp;
    use recoup_core::{AccountHistory, GenerationFacts, GenerationStatus, Policy};

    fn ids(source: &str) -> Vec<String> {
        let resource = match FluentResource::try_new(source.to_owned()) {
            Ok(r) => r,
            Err((_, errors)) => panic!("the catalog has syntax errors: {errors:?}"),
        };
        let mut ids: Vec<String> = resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn both_catalogs_parse_and_hold_the_same_messages() {
        let en = ids(CATALOGS[0].1);
        let fr = ids(CATALOGS[1].1);
        let mut dedup = en.clone();
        dedup.dedup();
        assert_eq!(dedup, en, "no id twice in en.ftl");
        assert_eq!(en, fr, "en.ftl and fr.ftl hold the same ids");
        for (language, _) in CATALOGS {
            let m = Messages::of(language);
            for id in &en {
                assert!(
                    m.format(id, &[]).is_some() || id_needs_args(id),
                    "{id} formats in {language:?} with no error"
                );
            }
        }
    }

    /// Messages with variables report a missing-argument error when formatted bare.
    fn id_needs_args(id: &str) -> bool {
        [
            "claim-refunded",
            "reason-feature",
            "reason-surface",
            "reason-window",
            "reason-refunds-max",
            "reason-share",
            "duration-days",
            "duration-hours",
            "duration-minutes",
            "duration-seconds",
        ]
        .contains(&id)
            // The errors' and the sync problems' sentences are checked with their values
            // (`error_tests` renders every `sentence!`; `worker::problem_tests`).
            || id.starts_with("error-")
            || id.starts_with("problem-")
    }

    #[test]
    fn every_name_the_core_asks_for_is_in_both_catalogs() {
        for language in Language::ALL {
            let m = Messages::of(language);
            let mut asked: Vec<String> = Vec::new();
            asked.extend(
                Feature::ALL
                    .iter()
                    .map(|f| format!("feature-{}", f.as_str())),
            );
            asked.extend(
                Platform::ALL
                    .iter()
                    .map(|p| format!("platform-{}", p.as_str())),
            );
            asked.extend(
                Surface::ALL
                    .iter()
                    .map(|s| format!("surface-{}", s.as_str())),
            );
            asked.extend(
                ClaimReason::ALL
                    .iter()
                    .map(|r| format!("claim-reason-{}", r.as_str())),
            );
            asked.extend(
                EntryKind::ALL
                    .iter()
                    .map(|k| format!("entry-{}", k.as_str())),
            );
            for id in asked {
                assert!(
                    m.format(&id, &[]).is_some(),
                    "{id} is in the {language:?} catalog itself (no English fallback)"
                );
            }
        }
    }

    #[test]
    fn counts_take_the_plural_rules_of_each_language() {
        let en = Messages::of(Language::En);
        let fr = Messages::of(Language::Fr);
        let refunded = |m: &Messages, n| m.claim_line(Some((ClaimOutcome::Refunded, n)), true);
        assert_eq!(
            refunded(en, 1),
            "Refund granted: 1 credit",
            "English singular"
        );
        assert_eq!(
            refunded(en, 4),
            "Refund granted: 4 credits",
            "English plural"
        );
        assert_eq!(
            refunded(en, 0),
            "Refund granted: 0 credits",
            "English 0 is plural"
        );
        assert_eq!(
            refunded(fr, 1),
            "Remboursement accordé\u{a0}: 1 crédit",
            "French singular"
        );
        assert_eq!(
            refunded(fr, 0),
            "Remboursement accordé\u{a0}: 0 crédit",
            "French 0 is singular"
        );
        assert_eq!(
            refunded(fr, 4),
            "Remboursement accordé\u{a0}: 4 crédits",
            "French plural"
        );
        assert_eq!(en.duration(3 * 86_400), "3 days", "days");
        assert_eq!(
            en.duration(86_400),
            "24 hours",
            "one day reads as hours, as the engine says"
        );
        assert_eq!(
            fr.duration(90),
            "90 secondes",
            "seconds when nothing larger divides it"
        );
    }

    #[test]
    fn the_english_catalog_says_exactly_what_the_endpoint_and_the_policy_engine_say() {
        let en = Messages::of(Language::En);
        for (outcome, credits) in [
            (ClaimOutcome::Refunded, 1),
            (ClaimOutcome::Refunded, 7),
            (ClaimOutcome::NotRefunded, 0),
            (ClaimOutcome::InReview, 0),
        ] {
            let verdict = recoup_api::Verdict {
                outcome,
                code: None,
                refunded_credits: credits,
                decided_at: None,
            };
            assert_eq!(
                en.claim_line(Some((outcome, credits)), true),
                recoup_api::ClaimAnswer::message_for(&verdict),
                "the device's English line for {outcome:?} is the endpoint's"
            );
        }

        let policy = Policy::builtin();
        let finished: Timestamp = "2026-11-25T10:00:00Z".parse().expect("an instant");
        let soon: Timestamp = "2026-11-25T11:00:00Z".parse().expect("an instant");
        let late: Timestamp = "2026-12-20T10:00:00Z".parse().expect("an instant");
        let g = |feature, platform, surface, status| GenerationFacts {
            feature,
            platform,
            surface,
            status,
            finished_at: Some(finished),
            charged_credits: 4,
        };
        let quiet = AccountHistory {
            already_claimed: false,
            refunds_in_window: 0,
            spent_in_window: 0,
            refunded_in_window: 0,
        };
        let heavy = AccountHistory {
            already_claimed: true,
            refunds_in_window: 1_000,
            spent_in_window: 1_000,
            refunded_in_window: 1_000,
        };
        let cases = [
            (
                g(
                    Feature::Logo,
                    Platform::Web,
                    Surface::Editor,
                    GenerationStatus::Failed,
                ),
                quiet,
                soon,
            ),
            (
                g(
                    Feature::Logo,
                    Platform::Web,
                    Surface::Editor,
                    GenerationStatus::Running,
                ),
                quiet,
                soon,
            ),
            (
                g(
                    Feature::AiBackgrounds,
                    Platform::Web,
                    Surface::BatchEditor,
                    GenerationStatus::Succeeded,
                ),
                heavy,
                late,
            ),
        ];
        let mut seen = Vec::new();
        for (facts, history, now) in cases {
            let d = policy.evaluate(&facts, &history, now);
            let reason_facts = ReasonFacts {
                feature: facts.feature,
                platform: facts.platform,
                surface: facts.surface,
                window_closes_at: d.window_closes_at.map(|t| t.to_string()),
                refund_window_secs: u64::try_from(policy.refund_window().num_seconds())
                    .unwrap_or(0),
                safeguard_window_secs: policy.safeguards().window_secs,
                refunds_max: policy.safeguards().refunds_max,
                share_max_percent: policy.safeguards().refunded_share_max_percent,
            };
            for r in &d.reasons {
                assert_eq!(
                    en.reason(r, &reason_facts),
                    r.message,
                    "the app's English for {:?} ({}) is the engine's",
                    r.code,
                    r.rule
                );
                seen.push(r.rule.clone());
            }
        }
        for rule in [
            "technical_failure",
            "generation_status",
            "features.ai_backgrounds.web",
            "excluded_surfaces",
            "refund_window_secs",
            "one_claim_per_generation",
            "safeguards.refunds_max",
            "safeguards.refunded_share_max_percent",
        ] {
            assert!(
                seen.iter().any(|r| r == rule),
                "the cases cover {rule}: {seen:?}"
            );
        }
    }
}
