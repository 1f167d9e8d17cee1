//! The app's languages: which one the user sees (chosen in Settings, else the system's), and the
//! messages the core writes in it (Fluent catalogs, `locales/<language>.ftl`; the UI has its own
//! catalogs for what it writes itself).

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
                    format!(
                        "'{}' is not a language Recoup speaks; choose one of: {}",
                        tag.chars().take(40).collect::<String>(),
                        Self::ALL.map(Language::as_str).join(", ")
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
