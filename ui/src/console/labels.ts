// The console's names for the values of the generated unions (Feature, Platform, ClaimReason,
// ClaimOutcome, ReviewOrder, Surface, GrantKind, EntryKind, ...), in words from the catalogs. Each table is a Record over the union, so
// a value added on the Rust side fails `npm run check` until it has a name here; the filter
// selects list exactly these keys.
import type { ClaimOutcome } from "../lib/bindings/ClaimOutcome";
import type { ClaimReason } from "../lib/bindings/ClaimReason";
import type { Feature } from "../lib/bindings/Feature";
import type { Platform } from "../lib/bindings/Platform";
import type { ReviewOrder } from "../lib/bindings/ReviewOrder";
import type { Surface } from "../lib/bindings/Surface";
import type { MediaKind } from "../lib/bindings/MediaKind";
import type { GrantKind } from "../lib/bindings/GrantKind";
import type { EntryKind } from "../lib/bindings/EntryKind";
import { t } from "../lib/i18n.svelte";

const FEATURE_NAMES: Record<Feature, () => string> = {
  virtual_model: () => t("console-feature-virtual-model"),
  flat_lay: () => t("console-feature-flat-lay"),
  ghost_mannequin: () => t("console-feature-ghost-mannequin"),
  edit_with_ai: () => t("console-feature-edit-with-ai"),
  recolor: () => t("console-feature-recolor"),
  product_beautifier: () => t("console-feature-product-beautifier"),
  ironing: () => t("console-feature-ironing"),
  video_generator: () => t("console-feature-video-generator"),
  logo: () => t("console-feature-logo"),
  text: () => t("console-feature-text"),
  create_any_image: () => t("console-feature-create-any-image"),
  instagram_story: () => t("console-feature-instagram-story"),
  ai_backgrounds: () => t("console-feature-ai-backgrounds"),
  ai_shadows: () => t("console-feature-ai-shadows"),
  image_enhancer: () => t("console-feature-image-enhancer"),
  ai_expand: () => t("console-feature-ai-expand"),
  retouch: () => t("console-feature-retouch"),
  studio_shot: () => t("console-feature-studio-shot"),
};

const PLATFORM_NAMES: Record<Platform, () => string> = {
  ios: () => t("console-platform-ios"),
  android: () => t("console-platform-android"),
  web: () => t("console-platform-web"),
};

const REASON_NAMES: Record<ClaimReason, () => string> = {
  artifacts_or_distortions: () => t("console-reason-artifacts-or-distortions"),
  wrong_subject: () => t("console-reason-wrong-subject"),
  ignored_prompt: () => t("console-reason-ignored-prompt"),
  blank_or_corrupted: () => t("console-reason-blank-or-corrupted"),
  other: () => t("console-reason-other"),
};

const OUTCOME_NAMES: Record<ClaimOutcome, () => string> = {
  refunded: () => t("console-outcome-refunded"),
  not_refunded: () => t("console-outcome-not-refunded"),
  in_review: () => t("console-outcome-in-review"),
};

const ORDER_NAMES: Record<ReviewOrder, () => string> = {
  oldest: () => t("console-order-oldest"),
  newest: () => t("console-order-newest"),
};

const SURFACE_NAMES: Record<Surface, () => string> = {
  editor: () => t("console-surface-editor"),
  batch_editor: () => t("console-surface-batch-editor"),
  product_catalog: () => t("console-surface-product-catalog"),
};

const MEDIA_NAMES: Record<MediaKind, () => string> = {
  image: () => t("console-media-image"),
  video: () => t("console-media-video"),
};

// The app's own words for these (the Balance and Ledger screens use the same ids).
const GRANT_KIND_NAMES: Record<GrantKind, () => string> = {
  allowance: () => t("grant-kind-allowance"),
  top_up: () => t("grant-kind-top-up"),
  promotion: () => t("grant-kind-promotion"),
  refund: () => t("grant-kind-refund"),
};

const ENTRY_KIND_NAMES: Record<EntryKind, () => string> = {
  grant: () => t("ledger-kind-grant"),
  hold: () => t("ledger-kind-hold"),
  capture: () => t("ledger-kind-capture"),
  void: () => t("ledger-kind-void"),
  hold_expired: () => t("ledger-kind-hold-expired"),
  refund: () => t("ledger-kind-refund"),
  expire: () => t("ledger-kind-expire"),
};

/** The inspection's verdicts (ReviewFindings.verdict is a string; unknown ones show as they come). */
const VERDICT_NAMES: Record<string, () => string> = {
  usable: () => t("console-verdict-usable"),
  blank: () => t("console-verdict-blank"),
  corrupt: () => t("console-verdict-corrupt"),
  truncated: () => t("console-verdict-truncated"),
  noise: () => t("console-verdict-noise"),
  uninspectable: () => t("console-verdict-uninspectable"),
};

export const FEATURES = Object.keys(FEATURE_NAMES) as Feature[];
export const PLATFORMS = Object.keys(PLATFORM_NAMES) as Platform[];
export const REASONS = Object.keys(REASON_NAMES) as ClaimReason[];
export const ORDERS = Object.keys(ORDER_NAMES) as ReviewOrder[];
export const SURFACES = Object.keys(SURFACE_NAMES) as Surface[];

const own = <T extends string>(table: Record<T, () => string>, v: string): v is T => Object.hasOwn(table, v);

export const featureName = (f: Feature | string): string => (own(FEATURE_NAMES, f) ? FEATURE_NAMES[f]() : f);
export const platformName = (p: Platform | string): string => (own(PLATFORM_NAMES, p) ? PLATFORM_NAMES[p]() : p);
export const reasonName = (r: ClaimReason | string): string => (own(REASON_NAMES, r) ? REASON_NAMES[r]() : r);
export const outcomeName = (o: ClaimOutcome | string): string => (own(OUTCOME_NAMES, o) ? OUTCOME_NAMES[o]() : o);
export const orderName = (o: ReviewOrder): string => ORDER_NAMES[o]();
export const surfaceName = (s: Surface | string): string => (own(SURFACE_NAMES, s) ? SURFACE_NAMES[s]() : s);
export const mediaName = (m: MediaKind | string): string => (own(MEDIA_NAMES, m) ? MEDIA_NAMES[m]() : m);
export const grantKindName = (k: GrantKind | string): string => (own(GRANT_KIND_NAMES, k) ? GRANT_KIND_NAMES[k]() : k);
export const entryKindName = (k: EntryKind | string): string => (own(ENTRY_KIND_NAMES, k) ? ENTRY_KIND_NAMES[k]() : k);
export const verdictName = (v: string): string => (own(VERDICT_NAMES, v) ? VERDICT_NAMES[v]() : v);

export const isFeature = (v: string): v is Feature => own(FEATURE_NAMES, v);
export const isPlatform = (v: string): v is Platform => own(PLATFORM_NAMES, v);
export const isReason = (v: string): v is ClaimReason => own(REASON_NAMES, v);
export const isOrder = (v: string): v is ReviewOrder => own(ORDER_NAMES, v);
