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

## recoup:// links

link-not-here = The link is for generation { $id }, which is not in the account on this device. It may belong to another account, or it has not reached this device yet: sync (Sync → Sync now) and open the link again.

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
