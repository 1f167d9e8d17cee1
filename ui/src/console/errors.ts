// What went wrong with a call to the console's API, and how the console says it.
import { t } from "../lib/i18n.svelte";

/**
 * A failed call: the endpoint's `{code, message}` with the HTTP status, or one of the console's own
 * codes: `network` (no answer at all: the endpoint is down or unreachable) and `bad_answer` (an
 * answer that is not the endpoint's JSON, e.g. a proxy's error page).
 */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ConsoleError";
  }
}

/** The endpoint's codes that mean "sign in (again)". */
export function endsSession(e: unknown): boolean {
  return e instanceof ConsoleError && e.status === 401 && (e.code === "session_expired" || e.code === "unauthorized");
}

/** Statuses a gateway answers with when the endpoint behind it does not. */
const GATEWAY = new Set([502, 503, 504]);

/**
 * The sentence to show for a failure. The console words what it can act on (unreachable, signed
 * out, refused); the endpoint's own message is shown plainly for the rest (a 409 already_decided
 * says who decided and how; a 400 names the bad parameter).
 */
export function errorText(e: unknown): string {
  if (!(e instanceof ConsoleError)) {
    const detail = e instanceof Error ? e.message : typeof e === "string" ? e : "";
    return detail ? t("console-error-internal-detail", { detail }) : t("console-error-internal");
  }
  switch (e.code) {
    case "network":
      return t("console-error-network");
    case "bad_answer":
      return GATEWAY.has(e.status) ? t("console-error-gateway", { status: e.status }) : t("console-error-bad-answer", { status: e.status });
    case "wrong_credential":
      return t("console-error-wrong-credential");
    case "session_expired":
    case "unauthorized":
      return t("console-error-session-ended");
    case "csrf_rejected":
      return t("console-error-csrf");
    case "rate_limited":
      return t("console-error-rate-limited");
    case "unavailable":
      return e.message || t("console-error-unavailable");
    default:
      return e.message || t("console-error-status", { status: e.status, code: e.code });
  }
}
