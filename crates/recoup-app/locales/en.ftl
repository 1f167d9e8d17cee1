# Messages the app's core writes (the UI has its own catalogs in ui/src/locales).
# Every id here is in fr.ftl too (a test checks).

## A report's line, before and after the endpoint decides

claim-refunded = Refund granted: { $credits ->
    [one] 1 credit
   *[other] { $credits } credits
}
claim-not-refunded = Thank you for your feedback
claim-in-review = Thank you: your report is being reviewed, we will tell you the outcome
claim-queued-refundable = Report queued: it can be refunded; the decision arrives when the app syncs
claim-queued-feedback = Report queued as feedback: it cannot be refunded (see why above)

## Why a report cannot be refunded

reason-technical-failure = This generation failed for a technical reason, so its credits were never charged: they stayed in your allowance. No refund is needed.
reason-not-finished = This generation is still running. Report it once it has finished.
reason-feature = { $feature } results are not refundable on { $platform }.
reason-surface = AI tools used in { $surface } are not refundable.
reason-window = The time limit for reporting this result ended at { $closes } ({ $window } after the generation finished).
reason-already-claimed = This result was already reported. Only one refund request per generation is accepted.
reason-refunds-max = You have reached the limit of { $max ->
    [one] 1 refund
   *[other] { $max } refunds
} in { $window }.
reason-share = Refunds would exceed { $percent }% of the credits you spent in { $window }.

## Durations in those reasons

duration-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}
duration-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
duration-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}

duration-seconds = { $n ->
    [one] 1 second
   *[other] { $n } seconds
}


## Errors: the sentences of an AppError (`code` stays; recoup-device, recoup-sync, recoup-app and
## the shell build them with `sentence!`; a test checks the English says exactly what the code
## says). Values from outside (paths, ids, what the system or the endpoint said, what the user
## typed) come in as variables and are not translated.

# A refused input: the field as the request names it, then the problem.
error-input = { $field }: { $problem }
error-file = cannot use the file { $path }: { $cause }
error-limit-range = must be between 1 and { $max }
error-rate-range = must be between 0 and 1

# The local database (recoup-store's refusals, worded by recoup-device)
error-store-corrupt = the database at { $path } is damaged or is not a Recoup database ({ $detail }); move it aside to start fresh, or restore it from a backup
error-store-io = cannot use the database file { $path }: { $detail }; check that its disk has free space and is writable, then try again (nothing was written)
error-store-full = the disk holding { $path } is full: free some space on it, then try again (nothing was written)
error-store-too-new = the database schema is version { $found }, newer than this Recoup understands ({ $supported }); update Recoup
error-busy = the local database is busy with another write; try again in a moment
error-store-sqlite = storage error: { $detail }
error-store-migration = could not upgrade the database schema: { $detail }
error-store-decode = stored data is unreadable: { $detail }
error-storage = the local database failed: { $cause }. Your data is unchanged; try again, and if it persists keep the data folder for support
error-not-found = no { $what } with id { $id }
error-op-reused = operation { $op } was already used for a different request; make a new id for a new operation
error-insufficient-credits = not enough credits: this needs { $needed }, { $available } are available
error-invalid-amount = invalid amount { $amount }: { $why }
error-refund-exceeds-charge = a refund of { $requested } credits exceeds the { $charged } credits charged
error-document-malformed = { $document } is not valid JSON (line { $line }, column { $column }): { $detail }
error-document-invalid = { $document } field `{ $field }`: { $problem }
error-details-too-short = the details are too short: { $len } characters, at least { $min } are needed to say what is wrong
error-details-too-long = the details are too long: { $len } characters, at most { $max } are allowed
error-details-control = the details contain a control character (only text, new lines and tabs are allowed)
error-generation-running = generation { $generation } is still running: report it once it has finished
error-generation-failed = generation { $generation } failed for a technical reason, so its credits were never charged and stayed in your allowance: there is nothing to refund
error-already-claimed = generation { $generation } was already reported (claim { $claim }); only one refund request per generation is accepted
error-generation-exists = generation { $generation } already exists with different settings
error-hold-settled = generation { $generation } already finished: its hold was { $outcome }
error-already-refunded = generation { $generation } was already refunded
error-not-charged = generation { $generation } was not charged, so it cannot be refunded
error-store-input = invalid { $field }: { $problem }
error-invariant = ledger invariant broken: { $detail }

# The endpoint and the network (recoup-sync's failures, worded by recoup-device). The
# endpoint's own refusal ($refusal) stays in the endpoint's language.
error-offline = you are offline (the network switch is off); { $queued ->
    [one] { $queued } report waits and goes
   *[other] { $queued } reports wait and go
} out when you are back online
error-token-refused = the endpoint refused this device's token ({ $refusal }); link this device to the endpoint again
error-sync-config = { $problem }
error-transport-connect = cannot connect to the endpoint: { $detail }
error-transport-timeout = the endpoint did not answer in time: { $detail }
error-transport-broken = the connection to the endpoint broke: { $detail }
error-transport-invalid = invalid request: { $detail }
error-endpoint-unreachable = the endpoint could not be reached ({ $cause }); check the connection, your reports are kept and sent later
error-endpoint-unreadable = the endpoint's answer could not be read: the endpoint's answer (HTTP { $status }) could not be read: { $detail }
error-endpoint-refused = the endpoint refused: { $refusal }
error-generation-not-run = generation { $generation } did not run on the endpoint: { $cause }

# Linking to an endpoint
error-url-https = must start with https:// (or http:// for an endpoint on this machine)
error-url-insecure = { $url } is not https://: a remote host must be reached over https:// (plain http:// only for 127.0.0.1, ::1 or localhost)
error-already-linked = this data dir cannot be linked as asked: { $detail }
error-linked-elsewhere = it is linked to { $url }
error-linked-account = it is linked to account { $account }; log in with that account's token, or use a new data dir for a new account
error-linked-other-account = it is linked to account { $linked }, and this token is account { $account }
error-local-ledger = this data dir already has a local ledger (made with `recoup grant`/`recoup generate` before linking); a linked data dir mirrors the endpoint's ledger and must start empty, so it was not linked
error-key-mismatch = the endpoint's policy-signing key is not the one expected; nothing was linked or changed

# The app
error-not-linked = this device is not connected to an endpoint; connect in Settings (everything on this device keeps working meanwhile)
error-no-account = this profile has no account; connect to the endpoint again in Settings
error-token-missing = this device's token is missing (neither in the keychain nor in the profile folder); connect to the endpoint again in Settings
error-switching = the app is switching endpoints; try again in a moment
error-no-embedded-endpoint = this build has no embedded endpoint (mobile builds connect to a remote one); connect in Settings
error-embedded-not-started = the embedded endpoint did not start
error-embedded-data = the embedded endpoint could not open its data in { $dir }: { $cause }
error-embedded-runtime = cannot start the embedded endpoint's runtime: { $cause }
error-embedded-listen = the embedded endpoint cannot listen on loopback: { $cause }
error-embedded-thread = cannot start the embedded endpoint's thread: { $cause }
error-embedded-admin-token = the embedded endpoint's admin token: { $cause }
error-sync-thread = cannot start the sync thread: { $cause }
error-not-an-account-id = '{ $value }' is not an account id
error-unusable-url = '{ $url }' is not a usable endpoint address ({ $cause })
error-not-a-generation-id = '{ $value }' is not a generation id ({ $cause })
error-language = '{ $value }' is not a language Recoup speaks; choose one of: { $choices }
error-no-output = this generation has no output (it failed or is still running)
error-output-offline = the output is not on this device yet and you are offline
error-data-folder = cannot create the data folder: { $cause }
error-settings-invalid = it is not valid settings ({ $cause }); fix or delete it to start over
error-settings-json = { $detail }
error-clock-offset-range = must be within ±{ $max } seconds (one year)
error-delay-range = must be at most { $max } ms
error-advance-range = must be between 1 and { $max } (one year)
error-sandbox-only = only the sandbox endpoint inside the app takes QA controls (generator rates, test clock, policy files); switch to it in Settings
error-qa-mode-off = QA mode is off: turn it on in Settings to use the QA controls; nothing was changed
error-policy-refused = the policy file was refused, nothing changed: { $cause }
error-chart-out-of-range = a day of the balance chart is outside the years 0000 to 9999
error-time = { $detail }

# recoup:// links
error-link = { $why }. Recoup opens links of the form recoup://generations/<id>/report
error-link-too-long = the link is { $bytes } bytes long, not a Recoup link
error-link-not-a-link = '{ $link }' is not a link ({ $cause })
error-link-scheme = '{ $link }' is a { $scheme }: link, not a Recoup link
error-link-query = '{ $link }' carries a query or a fragment Recoup does not read
error-link-unknown = '{ $link }' is not a link Recoup knows
error-link-not-here = The link is for generation { $id }, which is not in the account on this device. It may belong to another account, or it has not reached this device yet: sync (Sync → Sync now) and open the link again.

# The desktop shell
error-command-stopped = the command stopped: { $cause }
error-no-log-folder = Recoup writes no log files here (the platform gave it no log folder)
error-open-folder = the file manager did not open { $folder } ({ $cause }); open that folder yourself
error-no-file-manager = a phone has no file manager to open { $folder }; the logs are read with the platform's tools
error-env-rate = '{ $value }' is not a rate between 0 and 1
error-no-data-folder = the platform gave no app data folder ({ $cause }); set RECOUP_DATA_DIR

## The sync screen's last problem (recoup-app's worker; `sentence!` like the errors)

problem-error = { $error }
problem-policy-refused = the endpoint offered a refund policy this device refused ({ $reason }); policy { $kept } stays in force
problem-unreachable = the endpoint could not be reached ({ $detail }); reports wait on this device and go out automatically when it answers
problem-trouble = the endpoint is having trouble ({ $detail }); the app tries again on its own
problem-refused = the endpoint refused part of the sync: { $detail }

## Names

platform-ios = iOS
platform-android = Android
platform-web = the Web App
surface-editor = the editor
surface-batch_editor = the Batch Editor
surface-product_catalog = the Product Catalog Editor
feature-virtual_model = Virtual Model
feature-flat_lay = Flat Lay
feature-ghost_mannequin = Ghost Mannequin
feature-edit_with_ai = Edit with AI
feature-recolor = Recolor
feature-product_beautifier = Product Beautifier
feature-ironing = Ironing
feature-video_generator = Video Generator
feature-logo = Logo
feature-text = Text
feature-create_any_image = Create any image
feature-instagram_story = Instagram Story
feature-ai_backgrounds = AI Backgrounds
feature-ai_shadows = AI Shadows
feature-image_enhancer = Image Enhancer
feature-ai_expand = AI Expand
feature-retouch = Retouch
feature-studio_shot = Studio Shot
claim-reason-artifacts_or_distortions = Artifacts or distortions
claim-reason-wrong_subject = Wrong subject
claim-reason-ignored_prompt = Ignored my prompt
claim-reason-blank_or_corrupted = Blank or corrupted output
claim-reason-other = Other
entry-grant = grant
entry-hold = hold
entry-capture = capture
entry-void = void
entry-hold_expired = stale hold released
entry-refund = refund
entry-expire = expiry
