// Answers of the console's API as the endpoint gives them, for the console's tests.
import type { Feature } from "../src/lib/bindings/Feature";
import type { InsightCounts } from "../src/lib/bindings/InsightCounts";
import type { Insights } from "../src/lib/bindings/Insights";
import type { PolicyDocument } from "../src/lib/bindings/PolicyDocument";

/** The article's table (recoup_core::policy's SEED_TABLE): refundable on iOS, Android, Web. */
const SEED: [Feature, [boolean, boolean, boolean]][] = [
  ["virtual_model", [true, true, true]], ["flat_lay", [true, true, true]], ["ghost_mannequin", [true, true, true]],
  ["edit_with_ai", [true, true, true]], ["recolor", [true, true, true]], ["product_beautifier", [true, true, true]],
  ["ironing", [true, true, true]], ["video_generator", [true, true, true]], ["logo", [true, true, true]],
  ["text", [true, true, true]], ["create_any_image", [true, true, true]], ["instagram_story", [true, true, true]],
  ["ai_backgrounds", [false, true, false]], ["ai_shadows", [false, false, false]], ["image_enhancer", [false, false, false]],
  ["ai_expand", [false, false, false]], ["retouch", [false, false, false]], ["studio_shot", [false, false, false]],
];

/** The built-in policy as the endpoint serializes it (docs/policy.default.json: features sorted by name). */
export function builtinPolicy(): PolicyDocument {
  const features: PolicyDocument["features"] = {};
  for (const [f, [ios, android, web]] of [...SEED].sort(([a], [b]) => a.localeCompare(b))) features[f] = { android, ios, web };
  return {
    version: "builtin-2026-11-25",
    refund_window_secs: 86_400,
    late_report_grace_secs: 259_200,
    one_claim_per_generation: true,
    excluded_surfaces: ["batch_editor", "product_catalog"],
    features,
    safeguards: { window_secs: 2_592_000, refunds_max: 20, refunded_share_max_percent: 25, share_min_spent_credits: 200 },
    claim_text: { details_len_min: 3, details_len_max: 2000 },
  };
}

export function counts(over: Partial<InsightCounts> = {}): InsightCounts {
  return {
    delivered: 0, failed: 0, reports: 0, refunded_auto: 0, refused_auto: 0, sent_to_review: 0,
    refunded_reviewed: 0, refused_reviewed: 0, refunded_credits: 0, ...over,
  };
}

export function insights(): Insights {
  return {
    from: "2026-03-01",
    to: "2026-03-03",
    days: [
      { day: "2026-03-01", counts: counts({ delivered: 40, reports: 2, refunded_auto: 1, refused_auto: 1, refunded_credits: 4 }) },
      { day: "2026-03-02", counts: counts() },
      { day: "2026-03-03", counts: counts({ delivered: 8, reports: 1, sent_to_review: 1, refunded_reviewed: 1, refunded_credits: 6 }) },
    ],
    totals: counts({ delivered: 48, reports: 3, refunded_auto: 1, refused_auto: 1, sent_to_review: 1, refunded_reviewed: 1, refunded_credits: 10 }),
    cells: [
      { feature: "flat_lay", platform: "ios", counts: counts({ delivered: 8, reports: 1, sent_to_review: 1, refunded_reviewed: 1, refunded_credits: 6 }) },
      { feature: "logo", platform: "web", counts: counts({ delivered: 40, reports: 2, refunded_auto: 1, refused_auto: 1, refunded_credits: 4 }) },
    ],
    reasons: [{ reason: "wrong_subject", reports: 2 }, { reason: "other", reports: 1 }],
    near_limits: [
      { account_id: "0b7c3d52-8f0e-4c8e-9d61-2a4f1f6f8e01", subject: "=cmd|' /C calc'!A0", refunds: 18, refunded_credits: 40, spent_credits: 300, closeness_percent: 90 },
    ],
    safeguards: { window_secs: 2_592_000, refunds_max: 20, refunded_share_max_percent: 25, share_min_spent_credits: 200 },
  };
}
