//! `recoup://` links: what the system hands the app when a user follows a link the AI editor
//! sent (`recoup://generations/<id>/report` opens that generation's Bad result dialog).
//!
//! A link is untrusted input from any web page or program: it is parsed strictly (one scheme,
//! one form, a real generation id), and one that does not name a generation of the account on
//! this device is answered with a sentence saying so, never acted on.

use recoup_core::GenerationId;
use recoup_device::{Sentence, sentence};

use crate::views::{GenerationItem, LinkView};
use crate::{App, AppError, ErrorCode};

/// The scheme the app registers (the `.deb`'s desktop entry and `tauri.conf.json`).
pub const SCHEME: &str = "recoup";

/// The longest link the app reads: a valid one is under 80 bytes; anything far longer is not one.
const MAX_LEN: usize = 512;

/// What a link asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeepLink {
    /// Open the Bad result dialog of this generation.
    Report(GenerationId),
}

impl DeepLink {
    /// Parses `recoup://generations/<id>/report` (a trailing `/` is accepted; a query or a
    /// fragment is not). The error says what the link should look like.
    pub fn parse(link: &str) -> Result<Self, AppError> {
        let refused = |why: Sentence| {
            AppError::input(
                "link",
                sentence!(
                    "error-link",
                    "{why}. Recoup opens links of the form recoup://generations/<id>/report",
                    why = why
                ),
            )
        };
        if link.len() > MAX_LEN {
            return Err(refused(sentence!(
                "error-link-too-long",
                "the link is {bytes} bytes long, not a Recoup link",
                bytes = link.len()
            )));
        }
        let url = url::Url::parse(link.trim()).map_err(|e| {
            refused(sentence!(
                "error-link-not-a-link",
                "'{link}' is not a link ({cause})",
                link = shown(link),
                cause = e.to_string()
            ))
        })?;
        if url.scheme() != SCHEME {
            return Err(refused(sentence!(
                "error-link-scheme",
                "'{link}' is a {scheme}: link, not a Recoup link",
                link = shown(link),
                scheme = url.scheme()
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(refused(sentence!(
                "error-link-query",
                "'{link}' carries a query or a fragment Recoup does not read",
                link = shown(link)
            )));
        }
        let path = url.path().trim_end_matches('/');
        let mut parts = path.trim_start_matches('/').split('/');
        match (url.host_str(), parts.next(), parts.next(), parts.next()) {
            (Some("generations"), Some(id), Some("report"), None) => id
                .parse::<GenerationId>()
                .map(DeepLink::Report)
                .map_err(|e| {
                    refused(sentence!(
                        "error-not-a-generation-id",
                        "'{value}' is not a generation id ({cause})",
                        value = shown(id),
                        cause = e.to_string()
                    ))
                }),
            _ => Err(refused(sentence!(
                "error-link-unknown",
                "'{link}' is not a link Recoup knows",
                link = shown(link)
            ))),
        }
    }
}

/// A link as the user sees it in a message: at most 100 characters, control characters dropped.
fn shown(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > 100 {
        let cut: String = clean.chars().take(100).collect();
        format!("{cut}…")
    } else {
        clean
    }
}

impl App {
    /// What a link the system handed over opens: the generation to report, or why nothing opens
    /// (not a Recoup link, or a generation that is not in the account on this device).
    pub fn open_link(&self, link: &str) -> LinkView {
        match self.resolve_link(link) {
            Ok(generation) => LinkView::Report {
                generation: Box::new(generation),
            },
            Err(error) => LinkView::Refused {
                link: shown(link),
                error: self.messages().error(error),
            },
        }
    }

    fn resolve_link(&self, link: &str) -> Result<GenerationItem, AppError> {
        let DeepLink::Report(id) = DeepLink::parse(link)?;
        match self.generation(&id.to_string()) {
            Ok(item) => Ok(item),
            Err(e) if e.code == ErrorCode::NotFound => Err(AppError::new(
                ErrorCode::NotFound,
                sentence!(
                    "error-link-not-here",
                    "The link is for generation {id}, which is not in the account on this device. It may belong to another account, or it has not reached this device yet: sync (Sync → Sync now) and open the link again.",
                    id = id.to_string()
                ),
            )),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "01936a6e-8f00-7000-8000-000000000001";

    #[test]
    fn a_report_link_names_its_generation() {
        let id: GenerationId = ID.parse().expect("a valid id");
        for link in [
            format!("recoup://generations/{ID}/report"),
            format!("recoup://generations/{ID}/report/"),
            format!("  recoup://generations/{ID}/report\n"),
        ] {
            assert_eq!(
                DeepLink::parse(&link).ok(),
                Some(DeepLink::Report(id)),
                "{link:?} opens the report of {ID}"
            );
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_form_a_link_takes() {
        let long = format!("recoup://generations/{}/report", "a".repeat(600));
        let cases = [
            ("", "is not a link"),
            ("generations/x/report", "is not a link"),
            (&*format!("https://generations/{ID}/report"), "https: link"),
            (
                &*format!("recoup://generation/{ID}/report"),
                "not a link Recoup knows",
            ),
            (
                &*format!("recoup://generations/{ID}"),
                "not a link Recoup knows",
            ),
            (
                &*format!("recoup://generations/{ID}/delete"),
                "not a link Recoup knows",
            ),
            (
                &*format!("recoup://generations/{ID}/report/x"),
                "not a link Recoup knows",
            ),
            (
                "recoup://generations/not-an-id/report",
                "is not a generation id",
            ),
            (
                &*format!("recoup://generations/{ID}/report?x=1"),
                "query or a fragment",
            ),
            (
                &*format!("recoup://generations/{ID}/report#x"),
                "query or a fragment",
            ),
            (&*long, "bytes long"),
        ];
        for (link, why) in cases {
            let e = DeepLink::parse(link).expect_err(link);
            assert_eq!(e.code, ErrorCode::InvalidInput, "{link:?} is bad input");
            assert!(
                e.message.contains(why) && e.message.contains("recoup://generations/<id>/report"),
                "{link:?}: the message says why ({why}) and what a link looks like: {}",
                e.message
            );
        }
    }

    #[test]
    fn a_link_shown_in_a_message_is_bounded_and_has_no_control_characters() {
        let s = shown(&format!("recoup://x\u{1b}[31m{}", "y".repeat(300)));
        assert!(!s.contains('\u{1b}'), "no escape character: {s:?}");
        assert_eq!(
            s.chars().count(),
            101,
            "100 characters and an ellipsis: {s:?}"
        );
    }
}
