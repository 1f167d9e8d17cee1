// Sentences the UI composes itself (the Rust side's AppError.message and ReasonView.message are
// shown as they are).
import type { AppError } from "./bindings/AppError";
import type { ClaimView } from "./bindings/ClaimView";
import type { Eligibility } from "./bindings/Eligibility";
import type { TokenStorage } from "./bindings/TokenStorage";
import { t } from "./i18n.svelte";

/** The toast after Submit. */
export function queuedMessage(claim: ClaimView, online: boolean): string {
  const when = online ? "online" : "offline";
  if (claim.local_eligible) return t("queued-refundable", { when });
  const why = claim.local_reasons[0]?.message;
  return why
    ? t("queued-feedback-why", { why: lowerFirst(stripDot(why)), when })
    : t("queued-feedback", { when });
}

/** The eligibility summary line above the reasons. */
export function eligibilityHeadline(e: Eligibility): string {
  if (e.eligible) {
    return e.refundable_credits > 0
      ? t("eligibility-refundable-credits", { count: e.refundable_credits })
      : t("eligibility-refundable");
  }
  return t("eligibility-not-refundable");
}

/** What the Generate bar says for a failed generate, with a next step. */
export function generateErrorHint(e: AppError): { text: string; action: "sync" | "balance" | "settings" | null } {
  switch (e.code) {
    case "offline":
    case "network":
    case "bad_answer":
    case "unavailable":
    case "rate_limited":
      return { text: e.message, action: "sync" };
    case "insufficient_credits":
      return { text: e.message, action: "balance" };
    case "not_linked":
    case "unauthorized":
      return { text: e.message, action: "settings" };
    default:
      return { text: e.message, action: null };
  }
}

/** Where the endpoint token is kept, in words. */
export function tokenStorageText(storage: TokenStorage): string {
  if (storage === "keychain") return t("token-keychain");
  if (storage === "none") return t("token-none");
  return t("token-file", { path: storage.file.path, reason: lowerFirst(stripDot(storage.file.reason)) });
}

function stripDot(s: string): string {
  return s.replace(/[.\s]+$/, "");
}
function lowerFirst(s: string): string {
  return s.length > 1 && s[1] === s[1]!.toLowerCase() ? s[0]!.toLowerCase() + s.slice(1) : s;
}
