// The console's one door to the endpoint: `fetch` to /console/api/…, same-origin cookie, JSON in
// and out, the session's CSRF token on every call that changes something. Every failure is a
// ConsoleError (errors.ts); a 401 that ends the session also reaches `onSessionEnded`.
import type { ConsoleDecided } from "../lib/bindings/ConsoleDecided";
import type { ConsoleDecision } from "../lib/bindings/ConsoleDecision";
import type { ConsoleSession } from "../lib/bindings/ConsoleSession";
import type { ConsoleSignIn } from "../lib/bindings/ConsoleSignIn";
import type { ReviewDetail } from "../lib/bindings/ReviewDetail";
import type { ReviewPage } from "../lib/bindings/ReviewPage";
import type { ConsolePolicy } from "../lib/bindings/ConsolePolicy";
import type { PolicyVersionDetail } from "../lib/bindings/PolicyVersionDetail";
import type { PolicyDocument } from "../lib/bindings/PolicyDocument";
import type { PolicyCheck } from "../lib/bindings/PolicyCheck";
import type { PolicyPublish } from "../lib/bindings/PolicyPublish";
import type { PolicyPublished } from "../lib/bindings/PolicyPublished";
import type { InsightQuery } from "../lib/bindings/InsightQuery";
import type { Insights } from "../lib/bindings/Insights";
import type { AccountMatches } from "../lib/bindings/AccountMatches";
import type { ConsoleAccount } from "../lib/bindings/ConsoleAccount";
import type { ConsoleGrant } from "../lib/bindings/ConsoleGrant";
import type { ConsoleGrantRow } from "../lib/bindings/ConsoleGrantRow";
import { ConsoleError, endsSession } from "./errors";
import { reviewsQuery, type Filters } from "./filters";
import { insightQueryString } from "./insights";

export const API_BASE = "/console/api";
/** recoup_api::console::CSRF_HEADER */
export const CSRF_HEADER = "X-Recoup-CSRF";
/**
 * The longest note a decision takes: recoup_api::console::REVIEW_NOTE_CHARS_MAX characters. The
 * text area counts UTF-16 units, never more than characters, so a note it accepts always fits.
 */
export const NOTE_MAX = 1000;

export interface ApiOptions {
  /** `fetch` (tests pass their own). */
  fetch: typeof fetch;
  /** The session's CSRF token, once signed in. */
  csrf: () => string | null;
  /** Called when an answer says the session is over (401 session_expired / unauthorized). */
  onSessionEnded: (e: ConsoleError) => void;
}

type Method = "GET" | "POST" | "DELETE";

/** Reads an answer: the JSON body of a 2xx (null for 204), else the endpoint's `{code, message}` as a ConsoleError. */
export async function readAnswer<T>(res: Response): Promise<T> {
  const text = await res.text().catch(() => "");
  let body: unknown = null;
  let json = false;
  if (text !== "") {
    try {
      body = JSON.parse(text);
      json = true;
    } catch {
      json = false;
    }
  }
  if (res.ok) {
    if (res.status === 204 || text === "") return null as T;
    if (!json) throw new ConsoleError(res.status, "bad_answer", "");
    return body as T;
  }
  const err = body as { code?: unknown; message?: unknown } | null;
  if (json && err && typeof err.code === "string") {
    throw new ConsoleError(res.status, err.code, typeof err.message === "string" ? err.message : "");
  }
  throw new ConsoleError(res.status, "bad_answer", "");
}

/** The path of one review item. */
export function reviewPath(accountId: string, claimId: string): string {
  return `${API_BASE}/reviews/${encodeURIComponent(accountId)}/${encodeURIComponent(claimId)}`;
}

/** The path of one account. */
export function accountPath(accountId: string): string {
  return `${API_BASE}/accounts/${encodeURIComponent(accountId)}`;
}

export function createApi(opts: ApiOptions) {
  async function call<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") {
      const csrf = opts.csrf();
      if (csrf) headers[CSRF_HEADER] = csrf;
    }
    let res: Response;
    try {
      res = await opts.fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ConsoleError(0, "network", "");
    }
    try {
      return await readAnswer<T>(res);
    } catch (e) {
      if (endsSession(e)) opts.onSessionEnded(e as ConsoleError);
      throw e;
    }
  }

  return {
    /** The session in force; 401 unauthorized without one (does not call onSessionEnded: nobody was signed in). */
    session: async (): Promise<ConsoleSession> => {
      const res = await opts.fetch(`${API_BASE}/session`, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .catch(() => { throw new ConsoleError(0, "network", ""); });
      return readAnswer<ConsoleSession>(res);
    },
    signIn: (req: ConsoleSignIn) => call<ConsoleSession>("POST", `${API_BASE}/session`, req),
    signOut: () => call<null>("DELETE", `${API_BASE}/session`),
    reviews: (f: Filters, after: string | null, limit?: number, signal?: AbortSignal) =>
      call<ReviewPage>("GET", `${API_BASE}/reviews?${reviewsQuery(f, after, limit)}`, undefined, signal),
    review: (accountId: string, claimId: string, signal?: AbortSignal) =>
      call<ReviewDetail>("GET", reviewPath(accountId, claimId), undefined, signal),
    decide: (accountId: string, claimId: string, d: ConsoleDecision) =>
      call<ConsoleDecided>("POST", reviewPath(accountId, claimId), d),

    /** The version in force, its document and the history. */
    policy: (signal?: AbortSignal) => call<ConsolePolicy>("GET", `${API_BASE}/policy`, undefined, signal),
    /** One published version in full. */
    policyVersion: (seq: number, signal?: AbortSignal) =>
      call<PolicyVersionDetail>("GET", `${API_BASE}/policy/versions/${encodeURIComponent(String(seq))}`, undefined, signal),
    /** A draft checked against the version in force (`invalid_document` names a bad field). */
    checkPolicy: (doc: PolicyDocument) => call<PolicyCheck>("POST", `${API_BASE}/policy/check`, doc),
    /** Publishes a checked draft (`invalid_state` when another version was published since the check). */
    publishPolicy: (p: PolicyPublish) => call<PolicyPublished>("POST", `${API_BASE}/policy`, p),

    /** The insights over a period (the endpoint's defaults for what the query leaves out). */
    insights: (q: InsightQuery, signal?: AbortSignal) => {
      const s = insightQueryString(q);
      return call<Insights>("GET", s ? `${API_BASE}/insights?${s}` : `${API_BASE}/insights`, undefined, signal);
    },

    /** The accounts whose id is `q`, or whose sign-in subject starts with it. */
    findAccounts: (q: string, signal?: AbortSignal) =>
      call<AccountMatches>("GET", `${API_BASE}/accounts?${new URLSearchParams({ q })}`, undefined, signal),
    /** One account in full. */
    account: (accountId: string, signal?: AbortSignal) => call<ConsoleAccount>("GET", accountPath(accountId), undefined, signal),
    /** Grants credits to an account. */
    grant: (accountId: string, g: ConsoleGrant) => call<ConsoleGrantRow>("POST", `${accountPath(accountId)}/grants`, g),
  };
}

export type ConsoleApi = ReturnType<typeof createApi>;
