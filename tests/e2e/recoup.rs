//! Recoup's screens as a user drives them: navigation, the balance, generating, the history
//! cards, the ⋯ / right-click / Shift+F10 context menu, the "Bad result" dialog, toasts, the
//! network switch. Every step goes through the UI; every wait is bounded (see [`Ui::wait_until`]).

use crate::harness::{Ui, integer_in, strings, tid};
use crate::webdriver::{Element, Session, keys};

/// How the context menu of a card is opened.
#[derive(Debug, Clone, Copy)]
pub enum MenuBy {
    /// The ⋯ button on the card.
    Button,
    /// A right click on the card.
    RightClick,
    /// Focus on the card, then Shift+F10.
    Keyboard,
}

/// What the claim dialog said before Submit.
#[derive(Debug)]
pub struct Verdict {
    /// `data-eligible`.
    pub eligible: bool,
    /// The `data-reason` codes listed.
    pub reasons: Vec<String>,
    /// The visible text of the eligibility panel.
    pub text: String,
}

fn card_css(generation_id: &str) -> String {
    format!(
        "{}[data-generation-id=\"{generation_id}\"]",
        tid("history-item")
    )
}

impl Ui {
    /// Opens a screen from the navigation (`balance`, `history`, `ledger`, `sync`, `qa`,
    /// `settings`) and waits until it is the current one.
    pub fn go(&self, screen: &str) {
        let id = format!("nav-{screen}");
        self.click(&id);
        self.wait_until(&format!("the {screen} screen to be current"), || {
            let nav = self.visible(&id);
            match self.wd.attr(&nav, "aria-current") {
                Ok(Some(v)) if v == "page" => Ok(()),
                other => Err(format!("{id} aria-current = {other:?}")),
            }
        });
    }

    /// Waits for the app's root to say it is ready (`[data-ready="true"]`).
    pub fn wait_ready(&self) {
        self.visible_css(
            "[data-ready=\"true\"]",
            "the app root to be ready (data-ready=\"true\")",
        );
    }

    /// The available balance as the Balance screen shows it (`balance-available`), once it reads
    /// as a number.
    pub fn balance(&self) -> u64 {
        self.go("balance");
        self.wait_until("`balance-available` to show a number", || {
            let text = self.text("balance-available");
            integer_in(&text).ok_or(format!("balance-available reads {text:?}"))
        })
    }

    /// Waits until the Balance screen shows `expected` available credits.
    pub fn wait_balance(&self, expected: u64, why: &str) {
        self.go("balance");
        self.wait_until(
            &format!("the balance to be {expected} credits ({why})"),
            || {
                let text = self.text("balance-available");
                match integer_in(&text) {
                    Some(n) if n == expected => Ok(()),
                    _ => Err(format!("balance-available reads {text:?}")),
                }
            },
        );
    }

    /// Chooses `value` in the `<select>` with test id `id` (clicking its option, as a user
    /// picks from the list) and waits until the select holds it.
    pub fn choose(&self, id: &str, value: &str) {
        let select = self.visible(id);
        let css = format!("option[value=\"{value}\"]");
        let option = self.wait_until(&format!("option {value} in `{id}`"), || {
            self.wd
                .find_all_in(&select, &css)
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .ok_or(format!("`{id}` has no {css}"))
        });
        self.click_element(&option, &format!("option {value} of `{id}`"));
        self.wait_until(&format!("`{id}` to hold {value}"), || {
            let v = self.js("return arguments[0].value;", vec![Session::arg(&select)]);
            if v.as_str() == Some(value) {
                Ok(())
            } else {
                Err(format!("`{id}` holds {v}"))
            }
        });
    }

    /// The generation ids of the history cards rendered now, newest first.
    pub fn card_ids(&self) -> Vec<String> {
        let v = self.js(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.dataset.generationId);",
            vec![tid("history-item").into()],
        );
        strings(&v)
    }

    /// Generates `count` times with `feature` from the History screen's Generate bar and returns
    /// the new cards' generation ids, newest first.
    pub fn generate(&self, feature: &str, count: usize) -> Vec<String> {
        self.go("history");
        self.choose("generate-feature", feature);
        let mut new_ids = Vec::new();
        for n in 1..=count {
            let before = self.card_ids();
            let button = self.visible("generate-button");
            self.wait_until("`generate-button` to be enabled", || {
                match self.wd.is_enabled(&button) {
                    Ok(true) => Ok(()),
                    other => Err(format!("enabled: {other:?}")),
                }
            });
            self.click_element(&button, "generate-button");
            let id = self.wait_until(
                &format!("a new history card after Generate #{n} of {feature}"),
                || {
                    if let Some(err) = self.displayed(&tid("generate-error"))?.first() {
                        return Err(format!(
                            "generate-error shown: {}",
                            self.wd.text(err).unwrap_or_default()
                        ));
                    }
                    self.card_ids()
                        .into_iter()
                        .find(|id| !before.contains(id))
                        .ok_or(format!("cards: {before:?}"))
                },
            );
            new_ids.insert(0, id);
        }
        new_ids
    }

    /// The displayed card of a generation (on the History screen).
    pub fn card(&self, generation_id: &str) -> Element {
        self.visible_css(
            &card_css(generation_id),
            &format!("the history card of {generation_id}"),
        )
    }

    /// Waits until the card of `generation_id` has `data-state` = `state` (History screen).
    pub fn wait_card_state(&self, generation_id: &str, state: &str) {
        self.go_history_if_elsewhere();
        let css = card_css(generation_id);
        self.wait_until(
            &format!("the card of {generation_id} to have data-state=\"{state}\""),
            || {
                let card = self
                    .displayed(&css)?
                    .into_iter()
                    .next()
                    .ok_or("no such card displayed")?;
                match self.wd.attr(&card, "data-state") {
                    Ok(Some(s)) if s == state => Ok(()),
                    other => Err(format!("data-state = {other:?}")),
                }
            },
        );
    }

    fn go_history_if_elsewhere(&self) {
        let nav = self.visible("nav-history");
        if self.wd.attr(&nav, "aria-current").ok().flatten().as_deref() != Some("page") {
            self.go("history");
        }
    }

    /// Opens the context menu of a card in the given way and waits for it.
    pub fn open_menu(&self, generation_id: &str, by: MenuBy) {
        self.go_history_if_elsewhere();
        let card = self.card(generation_id);
        match by {
            MenuBy::Button => {
                let button = self.wait_until("the card's `item-menu-button`", || {
                    self.wd
                        .find_all_in(&card, &tid("item-menu-button"))
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .next()
                        .ok_or("no item-menu-button in the card".to_owned())
                });
                self.click_element(&button, "the card's ⋯ button");
            }
            MenuBy::RightClick => {
                self.wait_until("a right click on the card", || {
                    self.wd.context_click(&card).map_err(|e| e.to_string())
                });
            }
            MenuBy::Keyboard => {
                // Element Send Keys focuses the card first, as Tab would; then Shift+F10.
                let chord: String = [keys::SHIFT, keys::F10].iter().collect();
                self.wait_until("Shift+F10 on the focused card", || {
                    self.wd.send_keys(&card, &chord).map_err(|e| e.to_string())
                });
                let focused = self.wd.active_element().ok();
                let menu_item = self.displayed(&tid("menu-bad-result")).unwrap_or_default();
                assert!(
                    focused.is_some()
                        && !menu_item.is_empty()
                        && focused == menu_item.first().cloned(),
                    "opening the menu from the keyboard should focus its first item, \
                     `menu-bad-result` (focused: {focused:?}, menu items: {menu_item:?})"
                );
            }
        }
        self.visible("context-menu");
    }

    /// Waits for the full-size output viewer to show a picture that decoded (its natural width
    /// and height in pixels), then closes it with its Close button and waits until it is gone.
    pub fn view_and_close_output(&self, what: &str) -> (u64, u64) {
        self.visible("output-viewer");
        let size = self.wait_until(&format!("{what}: the viewer's picture to load"), || {
            let v = self.js(
                "const i = document.querySelector('[data-testid=\"viewer-image\"]'); \
                 return i && i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0];",
                vec![],
            );
            let n = |i: usize| v.get(i).and_then(serde_json::Value::as_u64).unwrap_or(0);
            if n(0) > 0 && n(1) > 0 {
                Ok((n(0), n(1)))
            } else {
                Err(format!(
                    "{what}: no decoded picture in the viewer yet ({v})"
                ))
            }
        });
        self.click("viewer-close");
        self.gone("output-viewer");
        size
    }

    /// Opens the "Bad result" dialog of a card through its context menu, and returns what the
    /// dialog says about eligibility before Submit.
    pub fn open_bad_result(&self, generation_id: &str, by: MenuBy) -> Verdict {
        self.open_menu(generation_id, by);
        let item = self.visible("menu-bad-result");
        assert_ne!(
            self.wd
                .attr(&item, "aria-disabled")
                .ok()
                .flatten()
                .as_deref(),
            Some("true"),
            "\"Bad result\" should be enabled for the finished generation {generation_id}"
        );
        self.click_element(&item, "menu-bad-result");
        self.visible("claim-dialog");
        let panel = self.visible("claim-eligibility");
        let eligible = self.wd.attr(&panel, "data-eligible").ok().flatten();
        let text = self.wd.text(&panel).unwrap_or_default();
        let reasons = self
            .js(
                "return [...arguments[0].querySelectorAll('[data-reason]')]
                   .filter(e => e.getClientRects().length > 0).map(e => e.dataset.reason);",
                vec![Session::arg(&panel)],
            )
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let eligible = match eligible.as_deref() {
            Some("true") => true,
            Some("false") => false,
            other => {
                panic!("claim-eligibility should say data-eligible true or false, got {other:?}")
            }
        };
        Verdict {
            eligible,
            reasons,
            text,
        }
    }

    /// Fills the open dialog: a reason and the details.
    pub fn fill_claim(&self, reason: &str, details: &str) {
        self.choose("claim-reason", reason);
        let field = self.visible("claim-details");
        self.wd.clear(&field).expect("clear claim-details");
        self.wd
            .send_keys(&field, details)
            .expect("type into claim-details");
        // Case aside: once a session has performed pointer actions (the right click),
        // WebKitWebDriver 2.50 types capitals as small letters ("The" arrives as "the").
        self.wait_until("`claim-details` to hold the typed text", || {
            let v = self.js("return arguments[0].value;", vec![Session::arg(&field)]);
            if v.as_str().is_some_and(|t| t.eq_ignore_ascii_case(details)) {
                Ok(())
            } else {
                Err(format!("claim-details holds {v}"))
            }
        });
    }

    /// Submits the open dialog and waits until it closes.
    pub fn submit_claim(&self) {
        self.click("claim-submit");
        self.gone("claim-dialog");
    }

    /// Closes every toast shown now (so the next one awaited is new).
    pub fn dismiss_toasts(&self) {
        self.wait_until("every toast to be dismissed", || {
            let buttons = self.displayed("[aria-label=\"Dismiss notification\"]")?;
            if buttons.is_empty() {
                return Ok(());
            }
            for b in buttons {
                let _ = self.wd.click(&b);
            }
            Err(format!("{} toasts were still shown", self.toasts().len()))
        });
    }

    /// The texts of the toasts shown now.
    pub fn toasts(&self) -> Vec<String> {
        let Ok(found) = self.displayed(&tid("toast")) else {
            return Vec::new();
        };
        found.iter().filter_map(|t| self.wd.text(t).ok()).collect()
    }

    /// Waits for a toast containing `needle` and returns its text.
    pub fn wait_toast(&self, needle: &str) -> String {
        self.wait_until(&format!("a toast saying \"{needle}\""), || {
            let shown = self.toasts();
            shown
                .iter()
                .find(|t| t.contains(needle))
                .cloned()
                .ok_or(format!("toasts: {shown:?}"))
        })
    }

    /// Turns the network switch (Sync screen) on or off and waits until it says so.
    pub fn set_network(&self, online: bool) {
        self.go("sync");
        self.set_checkbox("network-toggle", online);
    }

    /// Sets the checkbox (or switch) with test id `id` by clicking it if needed, and waits until
    /// it reads `on`.
    pub fn set_checkbox(&self, id: &str, on: bool) {
        let toggle = self.visible(id);
        if self.checked(&toggle) != Some(on) {
            self.click_element(&toggle, id);
        }
        self.wait_checked(id, on);
    }

    /// Waits until the checkbox with test id `id` reads `on`.
    pub fn wait_checked(&self, id: &str, on: bool) {
        self.wait_until(
            &format!("`{id}` to be {}", if on { "on" } else { "off" }),
            || {
                let toggle = self.visible(id);
                match self.checked(&toggle) {
                    Some(v) if v == on => Ok(()),
                    other => Err(format!("checked = {other:?}")),
                }
            },
        );
    }

    /// Whether a checkbox is checked (`None` when it is not a checkbox).
    pub fn checked(&self, toggle: &Element) -> Option<bool> {
        self.js(
            "return typeof arguments[0].checked === 'boolean' ? arguments[0].checked : null;",
            vec![Session::arg(toggle)],
        )
        .as_bool()
    }

    /// Waits until the QA screen has applied its last change (its pickers are enabled again).
    pub fn wait_qa_applied(&self) {
        self.wait_until("the QA change to be applied (`qa-surface` enabled)", || {
            let surface = self.visible("qa-surface");
            match self.wd.is_enabled(&surface) {
                Ok(true) => Ok(()),
                other => Err(format!("qa-surface enabled: {other:?}")),
            }
        });
    }

    /// Types `value` into the number field with test id `id` and leaves it (Tab), which commits
    /// it.
    pub fn enter_number(&self, id: &str, value: &str) {
        let field = self.visible(id);
        self.wd.clear(&field).expect("clear the field");
        let typed: String = value.chars().chain([keys::TAB]).collect();
        self.wd
            .send_keys(&field, &typed)
            .unwrap_or_else(|e| panic!("type {value} into `{id}`: {e}"));
    }

    /// Waits until the Sync screen's `sync-queued` reads `n`.
    pub fn wait_queued(&self, n: u64) {
        self.go("sync");
        self.wait_until(&format!("`sync-queued` to read {n}"), || {
            let text = self.text("sync-queued");
            if integer_in(&text) == Some(n) {
                Ok(())
            } else {
                Err(format!("sync-queued reads {text:?}"))
            }
        });
    }
}
