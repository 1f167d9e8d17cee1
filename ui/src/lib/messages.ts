// Sentences the UI composes itself (the Rust side's AppError.message and ReasonView.message are
// shown as they are).
import type { AppError } from "./bindings/AppError";
import type { ClaimView } from "./bindings/ClaimView";
import type { Eligibility } from "./bindings/Eligibility";
import type { TokenStorage } from "./bindings/TokenStorage";
import { credits } from "./format";

/** The toast after Submit. */
export function queuedMessage(claim: ClaimView, online: boolean): string {
  const later = online ? "" : " It will be sent when you are back online.";
  if (claim.local_eligible) {
    return `Report queued: it qualifies for a refund; you will be notified when it is decided.${later}`;
  }
  const why = claim.local_reasons[0]?.message;
  return `Report queued: it will be recorded as feedback, without a refund${why ? ` (${lowerFirst(stripDot(why))})` : ""}.${later}`;
}

/** The eligibility summary line above the reasons. */
export function eligibilityHeadline(e: Eligibility): string {
  if (e.eligible) {
    return e.refundable_credits > 0
      ? `This report can be refunded: ${credits(e.refundable_credits)} if the result is judged clearly unusable.`
      : "This report can be refunded if the result is judged clearly unusable.";
  }
  return "This report cannot be refunded. You can still send it as feedback.";
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
export function tokenStorageText(t: TokenStorage): string {
  if (t === "keychain") return "In the system keychain.";
  if (t === "none") return "No token is stored (not linked to an endpoint).";
  return `In a file, ${t.file.path}, because ${lowerFirst(stripDot(t.file.reason))}.`;
}

function stripDot(s: string): string {
  return s.replace(/[.\s]+$/, "");
}
function lowerFirst(s: string): string {
  return s.length > 1 && s[1] === s[1]!.toLowerCase() ? s[0]!.toLowerCase() + s.slice(1) : s;
}
