# Recoup's UI, in English. How to add a string or a language: docs/i18n.md.
# Every id here is used by the source and exists in fr.ftl (tests/i18n.test.ts checks both).

-app-name = Recoup

## Formatting (lib/format.ts)

duration-days-hours = { $d } d { $h } h
duration-days = { $d } d
duration-hours-minutes = { $h } h { $m } min
duration-hours = { $h } h
duration-minutes = { $m } min
duration-seconds = { $s } s
duration-under-minute = less than a minute
window-closes-in = closes in { $left }
window-closed = closed
when-today = { $today } { $time }
credits = { $count ->
    [one] { $count } credit
   *[other] { $count } credits
}
offset-none = none
percent = { $value } %
generation-count = { $more ->
    [yes] { $count }+ generations
   *[no] { $count ->
        [one] { $count } generation
       *[other] { $count } generations
    }
}

## Errors the UI composes (lib/api.ts)

error-internal = Something went wrong inside the app. Try again; if it keeps happening, restart { -app-name }.
error-internal-detail = Something went wrong inside the app ({ $detail }). Try again; if it keeps happening, restart { -app-name }.

## Generation states (lib/badges.ts)

badge-running = Running
badge-running-hint = Generating now; its credits are held until it finishes.
badge-succeeded = Succeeded
badge-succeeded-hint = Done. If the result is clearly unusable, report it as a Bad result from its menu.
badge-technical-failure = Technical failure · auto-refunded
badge-technical-failure-hint = It failed for a technical reason; its credits were never spent. Nothing to do.
badge-pending = Refund pending
badge-pending-hint = Your report is waiting for a decision; you will be notified.
badge-in-review = In review
badge-in-review-hint = A person is reviewing your report; you will be notified of the outcome.
badge-refunded = Refunded
badge-refunded-hint = Your report was accepted and the credits are back in your balance.
badge-not-refunded = Not refunded
badge-not-refunded-hint = Your report was recorded as feedback; the credits were not refunded.
bad-result-unavailable-running = Still generating: wait until it finishes to report it.
bad-result-unavailable-failed = Failed for a technical reason: its credits were returned automatically.

## Daily flows chart (lib/chart.ts, lib/chartdata.ts, FlowChart.svelte)

chart-spent = Spent
chart-refunded = Refunded
chart-tooltip = { $series }: { $count ->
    [one] { $count } credit
   *[other] { $count } credits
}
chart-summary-empty = No credit movements in the last 30 days.
chart-summary = Over { $days } days, { $spent ->
    [one] { $spent } credit
   *[other] { $spent } credits
} spent and { $refunded } refunded.
chart-summary-busiest = Over { $days } days, { $spent ->
    [one] { $spent } credit
   *[other] { $spent } credits
} spent and { $refunded } refunded; the busiest day was { $busiest } with { $busiestSpent } spent.
chart-title = Last 30 days
chart-totals = spent { $spent } · refunded { $refunded ->
    [one] { $refunded } credit
   *[other] { $refunded } credits
}
chart-show-table = Show as table
chart-hide-table = Hide table
chart-failed = The chart could not be drawn; use “Show as table”.
chart-col-day = Day
chart-col-spent = Spent
chart-col-refunded = Refunded

## Notifications and messages (lib/events.ts, lib/messages.ts, lib/stores.svelte.ts)

policy-in-force = Refund policy { $version } is now in force on this device.
queued-refundable = Report queued: it qualifies for a refund; you will be notified when it is decided.{ $when ->
    [offline] { " " }It will be sent when you are back online.
   *[online] {""}
}
queued-feedback = Report queued: it will be recorded as feedback, without a refund.{ $when ->
    [offline] { " " }It will be sent when you are back online.
   *[online] {""}
}
queued-feedback-why = Report queued: it will be recorded as feedback, without a refund ({ $why }).{ $when ->
    [offline] { " " }It will be sent when you are back online.
   *[online] {""}
}
eligibility-refundable-credits = This report can be refunded: { $count ->
    [one] { $count } credit
   *[other] { $count } credits
} if the result is judged clearly unusable.
eligibility-refundable = This report can be refunded if the result is judged clearly unusable.
eligibility-not-refundable = This report cannot be refunded. You can still send it as feedback.
token-keychain = In the system keychain.
token-none = No token is stored (not linked to an endpoint).
token-file = In a file, { $path }, because { $reason }.
generation-cannot-show = That generation cannot be shown: { $error }
link-cannot-open = A recoup:// link could not be opened: { $error }
link-opened-nothing = The link opened nothing. { $error }

## QA helpers (lib/qa.ts)

qa-preset-minus-day = −1 day
qa-preset-minus-hour = −1 h
qa-preset-now = Now
qa-preset-plus-hour = +1 h
qa-preset-plus-day = +1 day

## Bad result details (lib/validate.ts)

details-counter = { $length } / { $max }
details-too-short = Describe what is wrong in at least { $min ->
    [one] { $min } character
   *[other] { $min } characters
} ({ $more } more).
details-too-long = Keep the details to { $max ->
    [one] { $max } character
   *[other] { $max } characters
} or fewer ({ $over } too many).

## Ledger kinds (lib/ledger.ts)

ledger-kind-grant = Grant
ledger-kind-hold = Hold
ledger-kind-capture = Capture
ledger-kind-void = Hold released
ledger-kind-hold-expired = Hold expired
ledger-kind-refund = Refund
ledger-kind-expire = Expired

## App shell (App.svelte)

app-name = { -app-name }
document-title = { $screen } · { -app-name }
skip-to-content = Skip to content
nav-main = Main
nav-balance = Balance
nav-history = History
nav-ledger = Ledger
nav-sync = Sync
nav-qa = QA
nav-settings = Settings
header-credits-title = Credits you can spend now
header-offline = Offline
header-online = Online
header-offline-open-sync = Offline: open Sync
header-online-open-sync = Online: open Sync
header-queued = { $count } queued
header-qa-on = QA mode is on
header-qa = QA · { $platform }
core-no-answer = { -app-name }'s core did not answer.
core-no-answer-hint = Restart { -app-name }. If this keeps happening, check the app's data folder is writable.

## Bad result dialog (ClaimDialog.svelte)

claim-title = Report a bad result
claim-view-image = View the image you are reporting full size
claim-view-video = View the video you are reporting full size
claim-checking = Checking whether this report can be refunded…
claim-window-closed-while-open = The refund window has closed while this dialog was open.
claim-refund-window = Refund window
claim-policy-rule = Policy { $version } · rule { $rule }
claim-endpoint-decides = You can still send the report; the endpoint will decide.
claim-reason = Reason
claim-details-label = What is wrong with it?
claim-details-placeholder = e.g. The model has three arms and the garment is cut off.
claim-details-bounds = Between { $min } and { $max } characters.
claim-sending = Sending…
claim-submit = Submit
claim-submit-refund = Submit for refund
claim-send-feedback = Send feedback
cancel = Cancel

## Context menu (ContextMenu.svelte)

menu-bad-result = Bad result
menu-view-full = View full size
menu-view-full-unavailable = There is no output to show: it is still generating, or it failed.
menu-ledger = Show ledger entries
menu-copy-id = Copy generation id
menu-copied = Copied the generation id { $id }.
menu-copy-failed = Could not copy to the clipboard. The id is { $id }.
actions-for = Actions for { $feature }

## History cards (HistoryCard.svelte)

card-label = { $feature }, { $state }, { $when }, { $credits }. Press Shift+F10 for actions.
card-image-alt = Image output of { $feature }
card-video-alt = Video output of { $feature }
card-video = Video
generating = Generating…
card-no-output = No output
card-no-preview = No preview
card-charged = Charged { $credits }
card-not-charged = Price { $credits }, not charged
credits-short = { $count } cr

## Output viewer (OutputViewer.svelte)

viewer-title-video = { $feature } (video)
viewer-missing = This output is not on this device any more, so it cannot be shown. Its record and any report stay as they are.
viewer-image-alt = Image output of { $feature }, full size
viewer-video-alt = Video output of { $feature }, full size
close = Close

## Notifications (Toasts.svelte)

notifications = Notifications
toast-show = Show
toast-dismiss = Dismiss notification

## Balance (Balance.svelte)

try-again = Try again
balance-as-of = As of { $when }
balance-reading = Reading your balance…
balance-available = Available
balance-available-unit = { $count ->
    [one] credit you can spend now
   *[other] credits you can spend now
}
balance-held = Held
balance-held-unit = by generations running
balance-refunded-month = Refunded this month
balance-refunded-unit = { $count ->
    [one] credit back
   *[other] credits back
}
balance-spent-month = Spent this month
balance-spent-unit = { $count ->
    [one] credit charged
   *[other] credits charged
}
grants-title = Grants
grants-empty = No credit grants yet. Credits arrive with your allowance or a top-up.
grants-col-kind = Kind
grants-col-credits = Credits
grants-col-available = Available
grants-col-expires = Expires
grants-col-note = Note
grants-expired = expired
grants-never = Never
grant-kind-allowance = Allowance
grant-kind-top-up = Top-up
grant-kind-promotion = Promotion
grant-kind-refund = Refund

## History (History.svelte)

generate = Generate
generate-feature = AI feature
generate-surface = Surface
generate-surface-qa = QA setting ({ $surface })
generate-progress = Generating { $feature }… its credits are held until it finishes.
generate-technical-failure = { $feature } failed for a technical reason ({ $failure }). Your { $credits } { $count ->
    [one] was
   *[other] were
} not spent.
generate-no-details = no details
open-sync = Open Sync
see-balance = See balance
open-settings = Open Settings
filters = Filters
filter-feature = Feature
filter-all-features = All features
filter-platform = Platform
filter-all-platforms = All platforms
filter-show = Show
show-all = All
show-not-reported = Not reported
show-reported = Reported
show-technical-failures = Technical failures
show-running = Running
history-no-match = No generations match these filters.
clear-filters = Clear filters
history-empty = No generations yet. Pick an AI feature above and press Generate.
history-list = Generations
loading-more = Loading more…
history-all-loaded = That is all: { $count ->
    [one] { $count } generation
   *[other] { $count } generations
}.

## Ledger (Ledger.svelte)

ledger-kind = Kind
ledger-all-kinds = All kinds
ledger-export = Export CSV
ledger-exporting = Exporting…
ledger-entries-of = Entries of generation
ledger-show-all = Show all
ledger-saved = Saved { $count ->
    [one] { $count } entry
   *[other] { $count } entries
} to:
ledger-col-time = Time
ledger-col-kind = Kind
ledger-col-credits = Credits
ledger-col-grant = Grant
ledger-col-generation = Generation
ledger-only-generation = Only entries of generation { $id }
ledger-no-match = No entries match this filter.
ledger-empty = No entries yet.
ledger-loading = Loading entries…
ledger-end = End of the ledger: { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}.

## Sync (Sync.svelte)

sync-offline = Offline: the network switch is off. Reports wait on this device until you turn it on.
sync-not-tried = Not tried yet.
sync-reachable = The endpoint answered.
sync-unreachable = The endpoint did not answer. Reports wait on this device; { -app-name } tries again by itself.
sync-reading = Reading the sync status…
sync-not-linked = This device is not linked to an endpoint, so reports cannot be sent.
sync-connect-in-settings = Connect in Settings
sync-network-on = Network on
sync-network-off = Network off
sync-queued = Queued reports
sync-in-review = In review
sync-quarantined = Quarantined
sync-retry = Retry
sync-retrying = Retrying…
sync-quarantined-hint = Quarantined reports failed to send several times in a row. Press Retry to send them again.
sync-sending = Sending reports…
sync-last-progress = Last sync
sync-progress = { $sent } / { $total }
sync-reports-sent = Reports sent
sync-last = Last sync:
sync-never = never
sync-syncing = Syncing…
sync-now = Sync now

## Settings (Settings.svelte)

settings-reading = Reading the settings…
settings-language = Language
settings-language-label = Language of the app
settings-language-system = System ({ $language })
settings-endpoint = Endpoint
settings-mode = Mode
settings-mode-embedded = Embedded (runs inside the app on this device)
settings-mode-remote = Remote
settings-mode-none = None: this device is not linked; reports stay on it
settings-mode-sandbox = { $mode } · sandbox
settings-address = Address
settings-account = Account
settings-token = Token
settings-token-file-warning = The token is in a file readable by your user account. Anyone with access to it can report on your behalf; keep the data folder private.
settings-connect-title = Connect to a remote endpoint
settings-url-placeholder = https://recoup.example.com
settings-url-invalid = Type the endpoint's address, starting with https:// (or http:// for a local test endpoint).
settings-token-label = Token (leave empty to open a new sandbox account)
settings-connecting = Connecting…
settings-connect = Connect
settings-create-sandbox = Create sandbox account
settings-switching = Switching…
settings-use-embedded = Use the embedded endpoint
settings-connected = Connected to { $url }.
settings-connected-account = Connected to { $url } as account { $account }.
settings-switched-embedded = Switched to the embedded endpoint on this device.
settings-qa-mode = QA mode
settings-qa-simulate = Simulate platforms, surfaces, clocks and network faults (for testers)
settings-open-qa = Open the QA panel
settings-about = About
settings-version = Version
settings-data-folder = Data folder
settings-refund-policy = Refund policy
settings-logs = Logs
settings-logs-hint = The logs say what the app did (starts, syncs, reports sent and their decisions), never your token or the words of a report. Send them with a support request.
settings-open-logs = Open the log folder

## QA panel (Qa.svelte)

qa-clock-moved = Test clock moved forward by { $by }.
qa-off = QA mode is off: these settings apply once it is on (Settings)
qa-reading = Reading the QA settings…
qa-new-generations = New generations
qa-platform = Platform
qa-surface = Surface
qa-network-clock = Network and device clock
qa-force-offline = Force offline
qa-clock-offset = Device clock offset, seconds ({ $offset })
qa-offset-invalid = Type the offset as a whole number of seconds, e.g. -86400 for one day behind.
qa-presets = Clock offset presets
qa-faults = Injected endpoint faults
qa-drop-rate = Dropped requests, % ({ $value } %)
qa-error-rate = 503 answers, % ({ $value } %)
qa-delay = Delay per request, ms
qa-generator = Sandbox generator and test clock
qa-not-sandbox = The endpoint is not a sandbox: the generator's rates and the test clock are only on sandbox endpoints (Settings → connect, or the embedded endpoint).
qa-failure-rate = Technical failures, %
qa-bad-rate = Bad outputs, %
qa-test-clock = Test clock:
qa-advance-hour = +1 hour
qa-advance-day = +1 day
qa-advance-invalid = Type a positive number of seconds to advance the test clock.
qa-advance-by = Advance by, seconds
qa-advance = Advance
qa-policy-in-force = In force on this device:
qa-policy-load = Load a policy file (JSON); it is published to the sandbox endpoint, then synced here
qa-publishing = Publishing…
qa-policy-published = Policy { $version } published; this device now uses { $device }.

## Operator console (src/console: console.html, served by recoup-server at /console/)

console-name = Recoup console
console-document-title = Sign in · Recoup console
console-document-title-queue = Review queue · Recoup console
console-sandbox = Sandbox
console-signed-in-as = Signed in as { $actor }
console-sign-out = Sign out
console-starting = Connecting to the endpoint…
console-sign-in-title = Sign in to the review console
console-sign-in-intro = Paste an admin credential, or the endpoint’s admin token.
console-credential = Admin credential
console-sign-in = Sign in
console-signing-in = Signing in…
console-sign-in-empty = Paste your admin credential to sign in.
console-error-network = The endpoint could not be reached. Check that it is running and that you are online, then try again.
console-error-gateway = The endpoint could not be reached (HTTP { $status } from the server in front of it). Try again in a moment.
console-error-bad-answer = The endpoint answered something the console cannot read (HTTP { $status }).
console-error-wrong-credential = This credential was not accepted: it is wrong, or it was revoked.
console-error-session-ended = Your session ended; sign in again.
console-error-csrf = The endpoint refused the request because it could not verify where it came from. Reload the page and try again.
console-error-rate-limited = Too many attempts. Wait a minute, then try again.
console-error-unavailable = The endpoint is unavailable right now. Try again in a moment.
console-error-status = The endpoint refused the request ({ $code }, HTTP { $status }).
console-error-internal = Something went wrong in the console. Reload the page.
console-error-internal-detail = Something went wrong in the console ({ $detail }). Reload the page.
console-filters = Filters
console-filters-on = Filters (on)
console-filter-feature = Feature
console-filter-any-feature = All features
console-filter-platform = Platform
console-filter-any-platform = All platforms
console-filter-reason = Reason
console-filter-any-reason = All reasons
console-filter-min-age = Waiting at least, hours
console-filter-max-age = Waiting at most, hours
console-filter-age-any = any
console-filter-age-invalid = Type the ages as whole numbers of hours, from 0 to { $max }.
console-filter-age-order = The longest wait must not be shorter than the shortest.
console-filter-order = Order
console-order-oldest = Oldest first
console-order-newest = Newest first
console-filter-clear = Clear filters
console-queue-title = Review queue
console-waiting = { $count ->
    [one] { $count } item waiting
   *[other] { $count } items waiting
}
console-queue-list = Items waiting for a decision
console-queue-empty = Nothing is waiting for review.
console-queue-empty-filtered = Nothing waiting matches these filters.
console-loading = Loading…
console-retry = Try again
console-row-waiting = waiting { $age }
console-row-submitted = reported { $when }
console-pages = Pages
console-page = Page { $page }
console-page-previous = Previous page
console-page-next = Next page
console-item = The selected item
console-back = Back to the list
console-loading-item = Loading the item…
console-nothing-selected = Select an item in the list to review it.
console-nothing-selected-empty = The queue is clear.
console-item-meta = { $platform } · { $surface } · { $media } · { $credits }
console-item-times = Reported { $submitted }, waiting for { $age }
console-item-finished = Generation finished { $when }
console-output = The output
console-output-gone = The output is gone: it was not kept, or it has been deleted.
console-output-failed = The output could not be loaded.
console-output-open = Open the output
console-output-alt = The { $feature } output the user reported
console-output-type = { $type }, { $size }
console-user-words = What the user said
console-user-reason = Reason: { $reason }
console-user-words-none = The user wrote nothing more.
console-findings = The inspection’s findings
console-findings-none = No findings were recorded for this output.
console-policy = The policy’s decision
console-policy-eligible = Eligible for a refund
console-policy-rule = Rule
console-policy-version = Policy version
console-policy-window = Refund window closes
console-policy-window-none = No time limit
console-yes = Yes
console-no = No
console-account = The account
console-account-id = Account
console-account-available = Available now
console-account-reports = Reports in all
console-account-refunds = Refunded in all
console-recent-caption = The account’s latest reports, newest first
console-recent-submitted = Reported
console-recent-feature = Feature
console-recent-reason = Reason
console-recent-outcome = Outcome
console-recent-refunded = Credits refunded
console-recent-none = No other reports from this account.
console-outcome-refunded = Refunded
console-outcome-not-refunded = Not refunded
console-outcome-in-review = In review
console-outcome-unknown = Not known yet
console-decision = Decision
console-note = Note for the audit log (optional)
console-note-count = { $used } / { $max }
console-note-placeholder = Why you decided this way
console-note-hint = At most { $max } characters.
console-approve = { $count ->
    [one] Approve (refund { $count } credit)
   *[other] Approve (refund { $count } credits)
}
console-reject = Reject
console-deciding = Recording the decision…
console-decided-refunded = { $count ->
    [one] Refunded { $count } credit
   *[other] Refunded { $count } credits
}
console-decided-rejected = Rejected
console-keys-title = Keyboard keys
console-keys-typing = Keys do nothing while you type in a field, except Escape, which leaves it.
console-key-next = next item
console-key-previous = previous item
console-key-approve = approve
console-key-reject = reject
console-key-note = write a note
console-key-leave = leave the note
console-key-help = all keys
console-key-or = or
console-key-escape = Esc
console-close = Close
console-feature-virtual-model = Virtual Model
console-feature-flat-lay = Flat Lay
console-feature-ghost-mannequin = Ghost Mannequin
console-feature-edit-with-ai = Edit with AI
console-feature-recolor = Recolor
console-feature-product-beautifier = Product Beautifier
console-feature-ironing = Ironing
console-feature-video-generator = Video Generator
console-feature-logo = Logo
console-feature-text = Text
console-feature-create-any-image = Create any image
console-feature-instagram-story = Instagram Story
console-feature-ai-backgrounds = AI Backgrounds
console-feature-ai-shadows = AI Shadows
console-feature-image-enhancer = Image Enhancer
console-feature-ai-expand = AI Expand
console-feature-retouch = Retouch
console-feature-studio-shot = Studio Shot
console-platform-ios = iOS
console-platform-android = Android
console-platform-web = Web
console-surface-editor = editor
console-surface-batch-editor = batch editor
console-surface-product-catalog = product catalog
console-media-image = image
console-media-video = video
console-reason-artifacts-or-distortions = Artifacts or distortions
console-reason-wrong-subject = Wrong subject
console-reason-ignored-prompt = Ignored the prompt
console-reason-blank-or-corrupted = Blank or corrupted
console-reason-other = Other
console-verdict-usable = usable
console-verdict-blank = blank
console-verdict-corrupt = corrupt
console-verdict-truncated = truncated
console-verdict-noise = noise
console-verdict-uninspectable = could not be inspected

console-tabs = Console sections
console-tab-reviews = Reviews
console-tab-policy = Policy
console-tab-insights = Insights
console-tab-accounts = Accounts
console-document-title-policy = Policy · Recoup console
console-document-title-insights = Insights · Recoup console
console-document-title-accounts = Accounts · Recoup console
console-chart-tooltip = { $series }: { $value }

## Console: the policy (screens/Policy.svelte, components/PolicyTable.svelte, policy.ts)

console-policy-title = Refund policy
console-policy-in-force = In force: version { $version }, published { $when } by { $who }.
console-policy-in-force-unsigned = In force: version { $version }, published { $when } (the audit log does not name who: the endpoint publishes its built-in policy at its first start).
console-policy-in-force-builtin = In force: the built-in policy ({ $version }); nothing has been published yet.
console-policy-by-unknown = not recorded
console-policy-published = Published version { $version }, signed. It is in force now; devices receive it at their next sync.
console-policy-signature = Signature (Ed25519, base64)
console-policy-draft-title = Draft
console-policy-draft-hint = Edit the draft below, then review its changes against the version in force; publishing comes after the review.
console-policy-viewing-title = Version { $version } (read only)
console-policy-viewing-meta-unsigned = Published { $when } (the audit log does not name who). Your draft is kept.
console-policy-viewing-meta = Published { $when } by { $who }. Your draft is kept.
console-policy-use-draft = Use as draft
console-policy-back-to-draft = Back to the draft
console-policy-version-label = Version label
console-policy-version-hint = Each publication needs a label of its own.
console-policy-version-empty = Give the draft a version label.
console-policy-version-taken = { $version } is the label of a published version; publishing needs a new one.
console-policy-version-use = Use { $version }
console-policy-check = Review changes
console-policy-checking = Checking…
console-policy-upload = Upload a document
console-policy-download = Download
console-policy-reset = Reset to the version in force
console-policy-no-changes = No changes yet
console-policy-change-count = { $count ->
    [one] { $count } change
   *[other] { $count } changes
}
console-policy-invalid-fields = Correct the fields that show an error before the review.
console-policy-stale = Someone published another version while you were reviewing this draft. Your draft is kept: review it again against the version now in force.
console-policy-review-again = Review again
console-policy-diff-title = Changes against version { $version } (in force)
console-policy-diff-title-builtin = Changes against the built-in policy (in force)
console-policy-diff-empty = This draft changes nothing but its version label.
console-policy-publish = Publish version { $version }
console-policy-publishing = Publishing and signing…
console-policy-publish-needs-version = Give the draft a new version label to publish it.
console-policy-check-outdated = The draft changed since its review: review the changes again to publish it.
console-policy-history-title = History
console-policy-history-empty = No version has been published yet: the built-in policy is in force.
console-policy-col-version = Version
console-policy-col-published = Published
console-policy-col-by = By
console-policy-col-actions = Actions
console-policy-in-force-badge = In force
console-policy-view = View
console-policy-view-version = View version { $version }
console-policy-upload-too-big = { $name } is too large for a policy document (at most { $max } kB).
console-policy-upload-unreadable = { $name } could not be read ({ $detail }).
console-policy-upload-failed = { $name } was not loaded; the draft is unchanged. { $detail }
console-policy-upload-field = The file is not a policy document: { $field } must be { $expected }.
console-policy-upload-unknown = The file is not a policy document: { $field } is not one of its fields.
console-policy-upload-missing = The file is not a policy document: { $field } is missing.
console-policy-upload-not-json = The file is not JSON: { $detail }
console-policy-upload-not-object = The file is not a policy document: it should hold a JSON object.
console-policy-expect-text = text
console-policy-expect-whole = a whole number, 0 or more
console-policy-expect-flag = true or false
console-policy-expect-object = a JSON object
console-policy-expect-surfaces = a list of surface names
console-policy-path-surface = Excluded surfaces · { $surface }
console-policy-path-safeguards = Safeguards · { $what }
console-policy-path-claim-text = Claim text · { $what }
console-policy-refund-window = Refund window
console-policy-late-grace = Late-report grace
console-policy-late-grace-hint = How long after the window closes a report made in time but delivered late (the device was offline) is still honoured; 0 turns it off.
console-policy-one-claim = One claim per generation
console-policy-safeguard-window = Safeguard window
console-policy-refunds-max = Most refunds per account in the window
console-policy-share-max = Most refunded share of the credits spent (%)
console-policy-share-min-spent = Credits spent before the share counts
console-policy-details-min = Fewest characters of details
console-policy-details-max = Most characters of details
console-policy-duration-off = off
console-policy-value-absent = absent
console-policy-refundable = refundable
console-policy-not-refundable = not refundable
console-policy-excluded = excluded
console-policy-not-excluded = not excluded
console-policy-chars = { $count ->
    [one] { $count } character
   *[other] { $count } characters
}
console-policy-change = { $where }: { $before } → { $after }
console-policy-features-title = Refundable features
console-policy-features-hint = Tick a cell to make the feature refundable on that platform.
console-policy-features-hint-readonly = ✓ refundable, – not refundable.
console-policy-col-feature = Feature
console-policy-cell-label = { $feature } on { $platform }: refundable
console-policy-cell-state = { $feature } · { $platform }: { $state }
console-policy-was = Changed; in force: { $value }
console-policy-legend = changed from the version in force
console-policy-rules-title = Rules and limits
console-policy-excluded-title = Excluded surfaces
console-policy-excluded-hint = No AI tool used in these is refundable.
console-policy-excluded-none = none
console-policy-safeguards-title = Safeguards
console-policy-safeguards-hint = Limits against misuse, counted per account over the window.
console-policy-claim-text-title = Claim text
console-policy-unit = Unit of { $field }
console-policy-unit-hours = hours
console-policy-unit-days = days
console-policy-duration-invalid = Type a number of hours or days, 0 or more.
console-policy-number-invalid = Type a whole number, 0 or more.
console-policy-number-invalid-max = Type a whole number from 0 to { $max }.

## Console: insights (screens/Insights.svelte, components/ChartPanel.svelte, insightTables.ts)

console-insights-title = Insights
console-insights-period = { $from } – { $to }
console-insights-picker = Period and narrowing
console-insights-presets = Period presets
console-insights-preset = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
console-insights-from = From
console-insights-to = To
console-insights-apply = Show this period
console-insights-from-invalid = Pick a first day (a date).
console-insights-to-invalid = Pick a last day (a date).
console-insights-period-order = The first day must not be after the last one.
console-insights-period-too-long = A period covers at most { $max } days: pick a shorter one.
console-insights-loading = Loading the insights…
console-insights-totals = Totals over the period
console-insights-summary = { $period }: reports { $reports }, generations delivered { $delivered }, bad-result rate { $rate }.
console-insights-rate = Bad-result rate
console-insights-rate-none = no generation delivered
console-insights-empty = No reports in this period.
console-insights-empty-narrowed = No reports in this period for the chosen feature and platform.
console-insights-chart-rate = Bad-result rate per day
console-insights-chart-rate-summary = Bad-result rate per day, { $period }; over the whole period: { $rate }.
console-insights-chart-refunded = Credits refunded per day
console-insights-chart-refunded-summary = Credits refunded per day, { $period }; { $credits } in all.
console-insights-chart-decisions = Decisions per day
console-insights-chart-decisions-summary = Decisions per day, { $period }: { $auto } refunded at once, { $autoRefused } refused at once, { $reviewed } refunded after review, { $reviewedRefused } refused after review.
console-insights-chart-reasons = Reasons given
console-insights-chart-reasons-summary = Reports per reason, { $period }; { $count ->
    [one] { $count } reason given
   *[other] { $count } reasons given
}.
console-insights-show-table = Show as table
console-insights-hide-table = Show as chart
console-insights-csv = CSV
console-insights-csv-label = Download “{ $table }” as CSV
console-insights-chart-failed = The chart could not be drawn; its numbers are in the table.
console-insights-col-day = Day
console-insights-col-delivered = Delivered
console-insights-col-reports = Reports
console-insights-col-rate = Bad-result rate (%)
console-insights-col-refunded-credits = Credits refunded
console-insights-refunded-auto = Refunded at once
console-insights-refused-auto = Refused at once
console-insights-refunded-reviewed = Refunded after review
console-insights-refused-reviewed = Refused after review
console-insights-col-sent-to-review = Sent to review
console-insights-col-refused = Refused
console-insights-col-feature = Feature
console-insights-col-platform = Platform
console-insights-col-reason = Reason
console-insights-cells-title = Features and platforms
console-insights-cells-hint = Every feature and platform with anything in the period, the highest bad-result rate first; the feature and platform chosen above do not narrow this table.
console-insights-cells-empty = Nothing was delivered or reported in this period.
console-insights-near-title = Accounts near the safeguard limits
console-insights-near-hint = Over the policy’s safeguard window ending now: at most { $refunds ->
    [one] { $refunds } refund
   *[other] { $refunds } refunds
}, and refunds of at most { $share }% of the credits spent once an account has spent { $spent }.
console-insights-near-empty = No account is near the limits.
console-insights-col-account = Account
console-insights-col-subject = Sign-in subject
console-insights-col-refunds = Refunds in the window
console-insights-col-refunds-max = Most refunds
console-insights-col-spent-credits = Credits spent
console-insights-col-closeness = Closeness to the limit (%)
console-insights-of = { $value } of { $max }
console-insights-refunded-of-spent = { $refunded } of { $spent } spent
console-insights-closeness-label = How close { $account } is to a limit

## Console: accounts (screens/Accounts.svelte, components/AccountView.svelte, components/GrantForm.svelte, accounts.ts)

console-accounts-title = Accounts
console-accounts-search-label = Account id or sign-in subject
console-accounts-search-placeholder = e.g. user-1234, or an account id
console-accounts-search = Search
console-accounts-search-hint = A whole account id, or the start of a sign-in subject. Enter opens the account when only one matches.
console-accounts-searching = Searching…
console-accounts-found = { $more ->
    [yes] More than { $count } accounts match
   *[no] { $count ->
        [one] { $count } account matches
       *[other] { $count } accounts match
    }
}
console-accounts-none = No account matches “{ $q }”.
console-accounts-more = More accounts match: type more of the subject.
console-accounts-start = Type an account id or the start of a sign-in subject to find an account.
console-accounts-no-subject = no sign-in subject
console-accounts-disabled = Disabled
console-accounts-created = created { $when }
console-accounts-back = ← Back to the search
console-account-missing = No account has the id { $id }. Check the id, or search for the account by its sign-in subject.
console-account-created = Created
console-account-disabled-at = Disabled on
console-account-shown = Account { $name } shown.
console-account-balances = Balances
console-account-balance-available = Available
console-account-balance-held = Held
console-account-balance-granted = Granted
console-account-balance-spent = Spent
console-account-balance-refunded = Refunded
console-account-balance-expired = Expired
console-account-grants = Grants
console-account-grants-none = No grants.
console-account-col-kind = Kind
console-account-col-credits = Credits
console-account-col-available = Available
console-account-col-granted = Granted
console-account-col-expires = Expires
console-account-col-live = State
console-account-col-note = Note
console-account-col-seq = Entry
console-account-col-generation = Generation
console-account-col-when = When
console-account-never = never
console-account-live = Spendable
console-account-spent-or-expired = Used up or expired
console-account-ledger = Ledger
console-account-ledger-none = No ledger entries.
console-account-latest = { $count ->
    [one] The latest entry.
   *[other] The latest { $count } entries, newest first.
}
console-account-reports-title = Reports
console-account-reports-none = No reports from this account.
console-grant-title = Grant credits
console-grant-credits = Credits
console-grant-credits-hint = From 1 to { $max }.
console-grant-kind = Kind
console-grant-expires = Expires in, days (optional)
console-grant-expires-hint = Empty: never. At most { $max } days.
console-grant-expires-never = never
console-grant-note = Note for the grant and the audit log
console-grant-note-placeholder = Why these credits are granted
console-grant-submit = Grant…
console-grant-confirm-question = { $count ->
    [one] Grant { $count } credit to { $name } ({ $kind })?
   *[other] Grant { $count } credits to { $name } ({ $kind })?
}
console-grant-never-expires = Never expires
console-grant-expires-in = { $days ->
    [one] Expires in { $days } day
   *[other] Expires in { $days } days
}
console-grant-confirm = { $count ->
    [one] Grant { $count } credit
   *[other] Grant { $count } credits
}
console-grant-cancel = Cancel
console-grant-granting = Granting…
console-grant-done = { $count ->
    [one] Granted { $count } credit to { $name }.
   *[other] Granted { $count } credits to { $name }.
}
console-grant-credits-invalid = Type a whole number of credits from 1 to { $max }.
console-grant-kind-invalid = Choose a kind of grant.
console-grant-expires-invalid = Type a whole number of days from 1 to { $max }, or leave it empty for no expiry.
console-grant-note-required = Write why you grant these credits; the note goes with the grant and into the audit log.
console-grant-note-too-long = The note is too long: at most { $max } characters.
