//! Recoup end to end: the built desktop app (`target/debug/recoup-app`) in the real WebKit,
//! driven through `tauri-driver` as a user would drive it. Run it with `bash scripts/e2e.sh`
//! (installs tauri-driver and WebKitWebDriver, runs under Xvfb), or by hand under a display:
//! `cargo test -p recoup-tests --test e2e -- --test-threads=1 --nocapture`.
//!
//! The app runs on a fresh data dir with its embedded sandbox endpoint, whose generator is set
//! to never fail and to make every output deliberately bad: so an eligible report is refunded by
//! the endpoint and an ineligible one is answered "Thank you for your feedback".
// A failed fixture (driver, session, screenshot) should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
mod layout;
mod recoup;
mod webdriver;

use harness::{Fixture, integer_in};
use recoup::MenuBy;

/// Refundable on the web in the built-in policy (docs/policy.default.json: `recolor.web`).
const REFUNDABLE_ON_WEB: &str = "recolor";
/// Refundable on Android only, so never on the desktop (`ai_backgrounds.web` is false).
const NOT_REFUNDABLE_ON_WEB: &str = "ai_backgrounds";

/// The display the app needs; without one GTK cannot start and the session fails obscurely.
fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "the e2e test needs a display (DISPLAY is unset): run it with `bash scripts/e2e.sh`, \
         which starts Xvfb, or under `xvfb-run -a`"
    );
}

#[test]
fn tauri_driver_starts_and_answers_status() {
    require_display();
    let fixture = Fixture::start(&[]);
    let status = fixture.status();
    assert!(
        status.contains("\"ready\":true"),
        "tauri-driver's /status should say ready, got: {status}"
    );
}

/// The whole "Bad result" story on the desktop (platform `web`): an eligible report refunded,
/// an ineligible one answered as feedback, and a report made offline that waits in the outbox
/// and is decided once the network is back. The context menu is opened once each way: the ⋯
/// button, a right click, and Shift+F10 from the keyboard.
#[test]
fn bad_result_reports_are_refunded_or_answered_online_and_offline() {
    require_display();
    let fixture = Fixture::start(&[]);
    let ui = fixture.open("reports");

    ui.wait_ready();
    let start = ui.balance();
    assert!(
        start > 0,
        "a new sandbox account starts with credits, the balance showed {start}"
    );

    // Three refundable generations: their credits are charged.
    let made = ui.generate(REFUNDABLE_ON_WEB, 3);
    for id in &made {
        ui.wait_card_state(id, "succeeded");
    }
    ui.screenshot("history");
    ui.assert_readable("the History screen");
    let after_generating = ui.balance();
    assert!(
        after_generating < start,
        "three generations should be charged: the balance went from {start} to {after_generating}"
    );

    // 1. Eligible, from the ⋯ button: the device says refundable before Submit; the endpoint
    //    refunds the deliberately bad output.
    ui.dismiss_toasts();
    let verdict = ui.open_bad_result(&made[0], MenuBy::Button);
    assert!(
        verdict.eligible,
        "a {REFUNDABLE_ON_WEB} generation on the web, just made, should be eligible before Submit: {verdict:?}"
    );
    let promised = integer_in(&verdict.text);
    ui.fill_claim(
        "blank_or_corrupted",
        "The output is unusable: blank or noise, no garment to be seen.",
    );
    ui.screenshot("claim-eligible");
    ui.assert_readable("the Bad result dialog, eligible");
    ui.submit_claim();
    let toast = ui.wait_toast("Refund granted");
    let refunded = integer_in(&toast)
        .unwrap_or_else(|| panic!("the refund toast names the credits: {toast:?}"));
    assert!(refunded > 0, "a refund returns credits: {toast:?}");
    if let Some(promised) = promised {
        assert_eq!(
            refunded, promised,
            "the refund should be what the dialog promised ({:?}), the toast said {toast:?}",
            verdict.text
        );
    }
    ui.wait_card_state(&made[0], "refunded");
    ui.wait_balance(
        after_generating + refunded,
        "the refund is back in the balance",
    );

    // One report per generation: reporting the refunded one again is answered before Submit.
    let verdict = ui.open_bad_result(&made[0], MenuBy::Button);
    assert!(
        !verdict.eligible && verdict.reasons.iter().any(|r| r == "already_claimed"),
        "a second report of the same generation should be ineligible with already_claimed: {verdict:?}"
    );
    ui.click("claim-cancel");
    ui.gone("claim-dialog");

    // 2. Not refundable on the web, from a right click: the dialog says so, with a reason,
    //    before Submit; sent anyway, it is recorded as feedback.
    let ineligible = ui.generate(NOT_REFUNDABLE_ON_WEB, 1).remove(0);
    ui.wait_card_state(&ineligible, "succeeded");
    let before_feedback = ui.balance();
    ui.dismiss_toasts();
    let verdict = ui.open_bad_result(&ineligible, MenuBy::RightClick);
    assert!(
        !verdict.eligible,
        "{NOT_REFUNDABLE_ON_WEB} is not refundable on the web: the dialog should say so before Submit: {verdict:?}"
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r == "feature_not_refundable"),
        "the dialog should show the reason feature_not_refundable: {verdict:?}"
    );
    assert!(
        verdict.text.to_lowercase().contains("cannot be refunded"),
        "the dialog should say in words that the report cannot be refunded: {:?}",
        verdict.text
    );
    ui.fill_claim(
        "artifacts_or_distortions",
        "smeared background, and the shadow is doubled.",
    );
    ui.screenshot("claim-ineligible");
    ui.assert_readable("the Bad result dialog, not refundable");
    ui.submit_claim();
    ui.wait_toast("Thank you for your feedback");
    ui.wait_card_state(&ineligible, "not_refunded");
    let after_feedback = ui.balance();
    assert_eq!(
        after_feedback, before_feedback,
        "feedback without a refund should not change the balance"
    );

    // 3. Offline, from the keyboard: the report waits in the outbox (queued 1, card pending);
    //    back online it is sent and refunded.
    ui.set_network(false);
    ui.dismiss_toasts();
    let verdict = ui.open_bad_result(&made[1], MenuBy::Keyboard);
    assert!(
        verdict.eligible,
        "offline, the device still judges the report at once, eligible: {verdict:?}"
    );
    ui.fill_claim(
        "blank_or_corrupted",
        "blank output again, reported while offline.",
    );
    ui.submit_claim();
    ui.wait_toast("when you are back online");
    ui.wait_card_state(&made[1], "pending");
    ui.wait_queued(1);
    ui.screenshot("sync");
    ui.assert_readable("the Sync screen, offline with a queued report");
    let before_sync = ui.balance();
    ui.dismiss_toasts();
    ui.set_network(true);
    let toast = ui.wait_toast("Refund granted");
    let refunded = integer_in(&toast)
        .unwrap_or_else(|| panic!("the refund toast names the credits: {toast:?}"));
    ui.wait_queued(0);
    ui.wait_balance(
        before_sync + refunded,
        "the offline report was refunded once back online",
    );
    ui.wait_card_state(&made[1], "refunded");

    ui.go("ledger");
    ui.visible_css(
        "[data-testid=\"ledger-entry\"][data-kind=\"refund\"]",
        "a refund row in the ledger (ledger-entry, data-kind=\"refund\")",
    );
    ui.screenshot("ledger");
    ui.assert_readable("the Ledger screen");
    ui.go("balance");
    ui.screenshot("balance");
    ui.assert_readable("the Balance screen");
    ui.close();
}

/// QA simulations: anything generated in the Batch Editor is not refundable, whatever the
/// feature, and the dialog says so before Submit; a technical failure (generator set to fail
/// every time) is never charged and cannot be reported.
#[test]
fn qa_batch_editor_is_never_refundable_and_technical_failures_cost_nothing() {
    require_display();
    let fixture = Fixture::start(&[]);
    let ui = fixture.open("qa");
    ui.wait_ready();

    ui.go("settings");
    ui.set_checkbox("settings-qa-toggle", true);
    ui.visible("nav-qa");
    ui.screenshot("settings");
    ui.assert_readable("the Settings screen");
    ui.go("qa");
    ui.choose("qa-surface", "batch_editor");
    ui.wait_qa_applied();
    ui.screenshot("qa");
    ui.assert_readable("the QA screen");

    // A good output (the generator set to make no bad ones; a truncated one would not decode):
    // the Bad result dialog shows it, its thumbnail opens it full size above the dialog, and
    // the card menu's "View full size" opens it too.
    ui.enter_number("qa-bad-rate", "0");
    ui.wait_qa_applied();
    let good = ui.generate(REFUNDABLE_ON_WEB, 1).remove(0);
    ui.wait_card_state(&good, "succeeded");
    ui.open_bad_result(&good, MenuBy::Button);
    ui.click("claim-output");
    let (w, h) = ui.view_and_close_output("from the Bad result dialog");
    assert!(
        w >= 320 && h >= 240,
        "the viewer shows the output at its full size (the sandbox's are 320x240), it showed {w}x{h}"
    );
    ui.visible("claim-dialog");
    ui.screenshot("claim-with-output");
    ui.click("claim-cancel");
    ui.gone("claim-dialog");
    ui.open_menu(&good, MenuBy::Button);
    ui.click("menu-view-full");
    let (w, h) = ui.view_and_close_output("from the context menu");
    assert!(
        w >= 320 && h >= 240,
        "\"View full size\" shows the output at its size, it showed {w}x{h}"
    );

    let id = ui.generate(REFUNDABLE_ON_WEB, 1).remove(0);
    ui.wait_card_state(&id, "succeeded");
    let verdict = ui.open_bad_result(&id, MenuBy::Button);
    assert!(
        !verdict.eligible,
        "a generation made in the Batch Editor is never refundable: {verdict:?}"
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r == "surface_not_refundable"),
        "the dialog should show the reason surface_not_refundable: {verdict:?}"
    );
    ui.screenshot("claim-ineligible-batch-editor");
    ui.click("claim-cancel");
    ui.gone("claim-dialog");

    // A technical failure costs nothing: the hold is released by itself and there is nothing to
    // report ("Bad result" is disabled in the menu).
    ui.go("qa");
    ui.enter_number("qa-failure-rate", "100");
    ui.wait_qa_applied();
    let before = ui.balance();
    ui.dismiss_toasts();
    let failed = ui.generate(REFUNDABLE_ON_WEB, 1).remove(0);
    ui.wait_card_state(&failed, "technical_failure");
    ui.wait_toast("technical reason");
    ui.wait_balance(before, "a technical failure is never charged");
    // Its badge ("Technical failure · auto-refunded", the longest) reads whole at the widths
    // where a card is narrowest for its text: four, three and two columns, and a phone.
    ui.go("history");
    for width in [1100, 900, 700, 390] {
        ui.resize(width, 800);
        ui.assert_badges_whole("the history cards");
    }
    ui.resize(1200, 800);
    ui.open_menu(&failed, MenuBy::Button);
    let bad = ui.visible("menu-bad-result");
    assert_eq!(
        ui.wd.attr(&bad, "aria-disabled").ok().flatten().as_deref(),
        Some("true"),
        "\"Bad result\" should be disabled for a technical failure (its credits came back by themselves)"
    );
    ui.close();
}

/// A phone-sized window (390 x 844, an iPhone's viewport) in the dark theme (GTK's dark variant,
/// which WebKitGTK reports to the page as `prefers-color-scheme: dark`): the navigation becomes a
/// bar below the screen, no screen pushes a control or text out of the window sideways, every
/// text reads (WCAG AA contrast) on every screen, and the Bad result flow works with a dialog
/// that fits the screen.
#[test]
fn a_phone_sized_window_in_the_dark_theme_keeps_every_screen_usable() {
    require_display();
    let fixture = Fixture::start(&[("GTK_THEME", "Adwaita:dark")]);
    let ui = fixture.open("phone");
    ui.wait_ready();
    ui.resize(390, 844);
    assert!(
        ui.prefers_dark(),
        "with GTK_THEME=Adwaita:dark the page should see prefers-color-scheme: dark"
    );

    let made = ui.generate(REFUNDABLE_ON_WEB, 2);
    for id in &made {
        ui.wait_card_state(id, "succeeded");
    }
    let (_, height) = ui.viewport();
    let nav = ui.rect("nav-history");
    assert!(
        nav.bottom <= height as f64 + 1.0 && nav.top > height as f64 / 2.0,
        "on a phone the navigation is a bar at the bottom of the window ({height} px high): \
         nav-history is at {nav:?}"
    );

    for screen in ["history", "balance", "ledger", "sync", "settings"] {
        ui.go(screen);
        ui.screenshot(&format!("phone-dark-{screen}"));
        ui.assert_fits_sideways(&format!("the {screen} screen"));
        ui.assert_readable(&format!("the {screen} screen"));
    }

    ui.dismiss_toasts();
    let verdict = ui.open_bad_result(&made[0], MenuBy::Button);
    assert!(
        verdict.eligible,
        "the phone layout changes nothing about eligibility: {verdict:?}"
    );
    ui.fill_claim(
        "blank_or_corrupted",
        "blank output, seen on a small screen.",
    );
    ui.screenshot("phone-dark-claim");
    let (width, height) = ui.viewport();
    let dialog = ui.rect("claim-dialog");
    assert!(
        dialog.left >= -1.0
            && dialog.right <= width as f64 + 1.0
            && dialog.top >= -1.0
            && dialog.bottom <= height as f64 + 1.0,
        "the Bad result dialog should fit the {width}x{height} window: it is at {dialog:?}"
    );
    ui.assert_readable("the Bad result dialog");
    ui.submit_claim();
    ui.wait_toast("Refund granted");
    ui.wait_card_state(&made[0], "refunded");
    ui.close();
}

/// What a desktop app does beyond its window: a second launch with a `recoup://` link hands it
/// to the running app (which opens that generation's Bad result dialog, or says plainly why
/// nothing opens) and exits; the window's size comes back after a restart; the log file says
/// what happened and holds neither the token nor the words of a report.
#[test]
fn a_second_launch_hands_its_link_over_the_window_size_is_kept_and_the_log_keeps_no_secrets() {
    require_display();
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "one instance per data folder is kept through the D-Bus session bus, and none is set: \
         run the test with `bash scripts/e2e.sh` (it uses dbus-run-session)"
    );
    let fixture = Fixture::start(&[]);
    // A real notification server on this test's session bus and display: the app's native
    // notifications go to it, and `dunstctl action` clicks one as a user would.
    let _dunst = Dunst::start();
    let ui = fixture.open("desktop");
    ui.wait_ready();

    // A report whose words must never reach the log.
    let words = "zebra-quartz-7731: the garment is missing from the output entirely.";
    let made = ui.generate(REFUNDABLE_ON_WEB, 2);
    for id in &made {
        ui.wait_card_state(id, "succeeded");
    }
    ui.dismiss_toasts();
    ui.open_bad_result(&made[1], MenuBy::Button);
    ui.fill_claim("blank_or_corrupted", words);
    ui.submit_claim();
    ui.wait_toast("Refund granted");
    ui.wait_card_state(&made[1], "refunded");
    // A click on the decision's native notification brings the window forward and shows that
    // generation, from any screen.
    ui.go("ledger");
    Dunst::click_newest();
    let viewer = ui.visible("output-viewer");
    assert_eq!(
        ui.wd
            .attr(&viewer, "data-generation")
            .ok()
            .flatten()
            .as_deref(),
        Some(made[1].as_str()),
        "the native notification opened the generation it is about"
    );
    ui.view_and_close_output("the generation the native notification is about");
    // So does the in-app notification's Show.
    ui.go("ledger");
    ui.click("toast-open");
    let (w, h) = ui.view_and_close_output("the generation the notification is about");
    assert!(w > 0 && h > 0, "its output is shown full size ({w}x{h})");
    assert_eq!(
        ui.js("return document.title;", vec![]).as_str(),
        Some("History · Recoup"),
        "the History screen is behind it"
    );

    // 1. A link from a second launch, while the user is elsewhere: the first instance opens the
    //    report of that generation on the History screen; the second one exits at once.
    ui.go("settings");
    ui.dismiss_toasts();
    let link = format!("recoup://generations/{}/report", made[0]);
    let (status, printed) = fixture.launch_again(&[&link]);
    assert!(
        status.success(),
        "the second launch hands over and exits successfully ({status}); it printed:\n{printed}"
    );
    let dialog = ui.visible("claim-dialog");
    assert_eq!(
        ui.wd
            .attr(&dialog, "data-generation")
            .ok()
            .flatten()
            .as_deref(),
        Some(made[0].as_str()),
        "the Bad result dialog opened for the generation the link names"
    );
    let panel = ui.visible("claim-eligibility");
    assert_eq!(
        ui.wd
            .attr(&panel, "data-eligible")
            .ok()
            .flatten()
            .as_deref(),
        Some("true"),
        "and says before Submit that it can be refunded"
    );
    assert_eq!(
        ui.js("return document.hasFocus();", vec![]),
        serde_json::Value::Bool(true),
        "the first instance's window has the focus"
    );
    ui.screenshot("deep-link-report");
    ui.click("claim-cancel");
    ui.gone("claim-dialog");

    // 2. A link to a generation this account does not have: nothing opens, and the app says so.
    let other = "01936a6e-8f00-7000-8000-0000000000aa";
    let (status, _) = fixture.launch_again(&[&format!("recoup://generations/{other}/report")]);
    assert!(status.success(), "the second launch exits ({status})");
    let told = ui.wait_toast("The link opened nothing");
    assert!(
        told.contains(other) && told.contains("not in the account on this device"),
        "the toast names the generation and says it is not in this account: {told:?}"
    );
    ui.gone("claim-dialog");

    // 3. The window's size, changed by the user, is saved shortly after...
    ui.resize(1000, 720);
    let state = fixture.window_state_file();
    ui.wait_until("the window state to be saved at 1000 px wide", || {
        let text =
            std::fs::read_to_string(&state).map_err(|e| format!("{}: {e}", state.display()))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        match v["main"]["width"].as_u64() {
            Some(1000) => Ok(()),
            _ => Err(text),
        }
    });
    ui.close();
    fixture.wait_app_gone();

    // ...and comes back when Recoup starts again (the configured size is 1200x800).
    let ui = fixture.open("desktop-restart");
    ui.wait_ready();
    let rect = ui.wd.window_rect().expect("read the window rect");
    assert_eq!(
        (rect["width"].as_u64(), rect["height"].as_u64()),
        (Some(1000), Some(720)),
        "the window reopens at the size it was left at: {rect}"
    );
    ui.close();
    fixture.wait_app_gone();

    // 4. The log file tells what happened, never a secret.
    let log = std::fs::read_to_string(fixture.app_log()).unwrap_or_else(|e| {
        panic!(
            "the log file {} is written: {e}",
            fixture.app_log().display()
        )
    });
    for line in [
        "Recoup 0.1.0 started",
        "report recorded and queued",
        "report decided by the endpoint",
        &format!("link opened the report of generation {}", made[0]),
        "link refused",
        "a second launch handed over",
        &format!("the notification of generation {} was clicked", made[1]),
    ] {
        assert!(
            log.contains(line),
            "the log says {line:?}; it holds:\n{log}"
        );
    }
    let token_file = walk(&fixture.app_data_dir())
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "token"))
        .expect("the device's token file (RECOUP_NO_KEYCHAIN=1)");
    let token = std::fs::read_to_string(&token_file).expect("read the token");
    let admin = std::fs::read_to_string(fixture.app_data_dir().join("endpoint/admin-token"))
        .expect("read the embedded endpoint's admin token");
    for (secret, what) in [
        (token.trim(), "the device's token"),
        (admin.trim(), "the endpoint's admin token"),
        ("zebra-quartz-7731", "the words of the report"),
    ] {
        assert!(secret.len() >= 8, "{what} is long enough to look for");
        assert!(
            !log.contains(secret),
            "the log must not hold {what}:\n{log}"
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The app in French, as a French system starts it (`LANG=fr_FR.UTF-8`): the UI's words and the
/// core's (the eligibility reasons, the refund line) are French, the refund flow works, and
/// Settings switches to English and back at once.
#[test]
fn on_a_french_system_the_app_speaks_french_and_settings_switches_language() {
    require_display();
    let fixture = Fixture::start(&[
        ("LANG", "fr_FR.UTF-8"),
        ("LC_ALL", "fr_FR.UTF-8"),
        ("LANGUAGE", "fr"),
    ]);
    let ui = fixture.open("fr");
    ui.wait_ready();
    assert_eq!(
        ui.js("return document.documentElement.lang;", vec![])
            .as_str(),
        Some("fr"),
        "the page is in French"
    );
    assert_eq!(
        ui.text("nav-history").trim(),
        "Historique",
        "the navigation is French"
    );

    let made = ui.generate(REFUNDABLE_ON_WEB, 1);
    ui.wait_card_state(&made[0], "succeeded");
    let other = ui.generate(NOT_REFUNDABLE_ON_WEB, 1);
    ui.wait_card_state(&other[0], "succeeded");
    ui.screenshot("fr-history");
    ui.assert_readable("the History screen in French");

    ui.dismiss_toasts();
    let verdict = ui.open_bad_result(&other[0], MenuBy::Button);
    assert!(!verdict.eligible, "not refundable on the web: {verdict:?}");
    assert!(
        verdict
            .text
            .contains("ne sont pas remboursables sur l’application Web")
            || verdict
                .text
                .contains("ne sont pas remboursables sur l'application Web"),
        "the core's reason is French: {:?}",
        verdict.text
    );
    ui.click("claim-cancel");
    ui.gone("claim-dialog");

    let verdict = ui.open_bad_result(&made[0], MenuBy::Button);
    assert!(verdict.eligible, "refundable: {verdict:?}");
    ui.fill_claim("blank_or_corrupted", "L’image est entièrement grise.");
    ui.screenshot("fr-claim");
    ui.assert_readable("the Bad result dialog in French");
    ui.submit_claim();
    let toast = ui.wait_toast("Remboursement accordé");
    assert!(
        integer_in(&toast).is_some_and(|n| n > 0),
        "the French refund line names the credits: {toast:?}"
    );
    ui.wait_card_state(&made[0], "refunded");

    ui.go("settings");
    ui.screenshot("fr-settings");
    ui.choose("settings-language", "en");
    ui.wait_until("the navigation to read History", || {
        let t = ui.text("nav-history");
        if t.trim() == "History" {
            Ok(())
        } else {
            Err(t)
        }
    });
    ui.choose("settings-language", "");
    ui.wait_until(
        "the navigation to read Historique again (the system's language)",
        || {
            let t = ui.text("nav-history");
            if t.trim() == "Historique" {
                Ok(())
            } else {
                Err(t)
            }
        },
    );
    ui.close();
}

/// dunst, a real notification server, on the test's display and D-Bus session; stopped on drop.
struct Dunst(std::process::Child);

impl Dunst {
    fn start() -> Self {
        let child = std::process::Command::new("dunst")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start dunst ({e}): install it (`apt-get install dunst`; scripts/e2e.sh does)")
            });
        let deadline = std::time::Instant::now() + harness::WAIT;
        while !std::process::Command::new("dunstctl")
            .arg("is-paused")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            assert!(
                std::time::Instant::now() < deadline,
                "dunst did not answer on the session bus within {:?}",
                harness::WAIT
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Self(child)
    }

    /// Clicks the newest notification on screen (its default action), once there is one.
    fn click_newest() {
        let deadline = std::time::Instant::now() + harness::WAIT;
        loop {
            let shown = std::process::Command::new("dunstctl")
                .args(["count", "displayed"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default();
            if shown != "0" && !shown.is_empty() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no native notification on screen within {:?} (dunstctl count displayed: {shown:?})",
                harness::WAIT
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let status = std::process::Command::new("dunstctl")
            .args(["action", "0"])
            .status()
            .expect("run dunstctl action");
        assert!(
            status.success(),
            "dunstctl action 0 clicks the notification ({status})"
        );
    }
}

impl Drop for Dunst {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
