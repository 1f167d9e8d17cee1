// The accounts screen's rules, kept pure so they can be tested: the grant form's fields as the
// endpoint takes them (ConsoleGrant), with the console's own stricter rule that a grant says why.
import type { ConsoleGrant } from "../lib/bindings/ConsoleGrant";
import type { GrantKind } from "../lib/bindings/GrantKind";
import { t } from "../lib/i18n.svelte";
import { NOTE_MAX } from "./api";

/** recoup_api::console::CONSOLE_GRANT_CREDITS_MAX */
export const GRANT_CREDITS_MAX = 1_000_000;
/** The longest expiry the form offers, in days (ten years). */
export const GRANT_EXPIRES_DAYS_MAX = 3650;
/** The note's bound: recoup_api::console::REVIEW_NOTE_CHARS_MAX characters. */
export const GRANT_NOTE_MAX = NOTE_MAX;

/** The kinds an operator grants; `refund` is the policy's alone. Promotion first: the usual one. */
export const GRANT_KINDS: readonly GrantKind[] = ["promotion", "top_up", "allowance"];

/** The form as typed. */
export interface GrantForm {
  credits: string;
  kind: string;
  /** Days until it expires; empty: never. */
  expires: string;
  note: string;
}

export type GrantField = "credits" | "kind" | "expires" | "note";

export type GrantCheck = { ok: true; grant: ConsoleGrant } | { ok: false; errors: Partial<Record<GrantField, string>> };

/** Characters as the endpoint counts them (Unicode scalar values, not UTF-16 units). */
export const charCount = (s: string): number => [...s].length;

function whole(text: string, min: number, max: number): number | null {
  const s = text.trim();
  if (!/^\d{1,9}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

/** The form as a request, or what is wrong with each field (in words). */
export function checkGrant(f: GrantForm): GrantCheck {
  const errors: Partial<Record<GrantField, string>> = {};
  const credits = whole(f.credits, 1, GRANT_CREDITS_MAX);
  if (credits === null) errors.credits = t("console-grant-credits-invalid", { max: GRANT_CREDITS_MAX });
  const kind = GRANT_KINDS.find((k) => k === f.kind);
  if (!kind) errors.kind = t("console-grant-kind-invalid");
  let expires: number | undefined;
  if (f.expires.trim() !== "") {
    const d = whole(f.expires, 1, GRANT_EXPIRES_DAYS_MAX);
    if (d === null) errors.expires = t("console-grant-expires-invalid", { max: GRANT_EXPIRES_DAYS_MAX });
    else expires = d;
  }
  const note = f.note.trim();
  if (note === "") errors.note = t("console-grant-note-required");
  else if (charCount(note) > GRANT_NOTE_MAX) errors.note = t("console-grant-note-too-long", { max: GRANT_NOTE_MAX });
  if (credits === null || !kind || Object.keys(errors).length > 0) return { ok: false, errors };
  const grant: ConsoleGrant = { credits, kind, note };
  if (expires !== undefined) grant.expires_in_days = expires;
  return { ok: true, grant };
}

/** The form as it opens. */
export const emptyGrantForm = (): GrantForm => ({ credits: "", kind: "promotion", expires: "", note: "" });

/** How an account is named in a sentence: its sign-in subject, else its id. */
export const accountName = (a: { account_id: string; subject: string | null }): string => a.subject ?? a.account_id;
