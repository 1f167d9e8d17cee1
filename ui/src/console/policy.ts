// The policy editor's bookkeeping, kept pure so it can be tested: the document's values by dotted
// path (the endpoint's PolicyChange paths: `features.flat_lay.ios`, `safeguards.refunds_max`,
// `excluded_surfaces.batch_editor`, `refund_window_secs`), which of them a draft changes, how a
// change reads ("Flat Lay · iOS: not refundable → refundable"), reading an uploaded file, the next
// version label, and durations in hours or days (the document keeps seconds).
//
// The endpoint is the judge of a document (`POST /console/api/policy/check` names a bad field);
// the checks here only keep a file the table could not show out of the draft.
import type { PolicyChange } from "../lib/bindings/PolicyChange";
import type { PolicyDocument } from "../lib/bindings/PolicyDocument";
import type { Surface } from "../lib/bindings/Surface";
import { t } from "../lib/i18n.svelte";
import { credits, formatDuration, num } from "../lib/format";
import { FEATURES, PLATFORMS, SURFACES, featureName, platformName, surfaceName } from "./labels";

/** recoup_core::policy::DEFAULT_LATE_REPORT_GRACE_SECS: what a document without the field means. */
export const DEFAULT_LATE_REPORT_GRACE_SECS = 3 * 86_400;

/** Largest policy file the console reads (a document is about 2 kB). */
export const POLICY_FILE_BYTES_MAX = 256 * 1024;

export type SafeguardKey = keyof PolicyDocument["safeguards"];
export type ClaimTextKey = keyof PolicyDocument["claim_text"];
export const SAFEGUARD_KEYS: readonly SafeguardKey[] = ["window_secs", "refunds_max", "refunded_share_max_percent", "share_min_spent_credits"];
export const CLAIM_TEXT_KEYS: readonly ClaimTextKey[] = ["details_len_min", "details_len_max"];

/** The table's rows: the document's features, the article's order first, any others after, sorted. */
export function policyFeatures(doc: PolicyDocument): string[] {
  const present = Object.keys(doc.features);
  const known = FEATURES.filter((f) => present.includes(f));
  const others = present.filter((f) => !(FEATURES as string[]).includes(f)).sort();
  return [...known, ...others];
}

/** The path of one cell of the table. */
export const cellPath = (feature: string, platform: string): string => `features.${feature}.${platform}`;

/** A cell's value (false when the document leaves it out). */
export const cellValue = (doc: PolicyDocument, feature: string, platform: string): boolean => doc.features[feature]?.[platform] === true;

/** Every value of a document but its version label, as JSON text by path, in the document's order. */
export function policyValues(doc: PolicyDocument): Map<string, string> {
  const out = new Map<string, string>();
  out.set("refund_window_secs", JSON.stringify(doc.refund_window_secs));
  out.set("late_report_grace_secs", JSON.stringify(doc.late_report_grace_secs));
  out.set("one_claim_per_generation", JSON.stringify(doc.one_claim_per_generation));
  for (const s of SURFACES) out.set(`excluded_surfaces.${s}`, JSON.stringify(doc.excluded_surfaces.includes(s)));
  for (const f of policyFeatures(doc)) {
    const row = doc.features[f] ?? {};
    const platforms = [...PLATFORMS.filter((p) => p in row), ...Object.keys(row).filter((p) => !(PLATFORMS as string[]).includes(p)).sort()];
    for (const p of platforms) out.set(cellPath(f, p), JSON.stringify(row[p]));
  }
  for (const k of SAFEGUARD_KEYS) out.set(`safeguards.${k}`, JSON.stringify(doc.safeguards[k]));
  for (const k of CLAIM_TEXT_KEYS) out.set(`claim_text.${k}`, JSON.stringify(doc.claim_text[k]));
  return out;
}

/**
 * What `draft` changes against `base`, as the endpoint's check words it (its version label
 * aside): the values that differ, the ones only one of them has, in the draft's order then the
 * base's. The editor highlights these as they are made; the endpoint's answer is the record.
 */
export function localChanges(base: PolicyDocument, draft: PolicyDocument): PolicyChange[] {
  const b = policyValues(base);
  const d = policyValues(draft);
  const out: PolicyChange[] = [];
  for (const [path, after] of d) {
    const before = b.get(path) ?? null;
    if (before !== after) out.push({ path, before, after });
  }
  for (const [path, before] of b) if (!d.has(path)) out.push({ path, before, after: null });
  return out;
}

/** The draft with one value set (a new document; the old one is left as it was). */
export function withValue(doc: PolicyDocument, path: string, value: boolean | number | string): PolicyDocument {
  const next: PolicyDocument = { ...doc, safeguards: { ...doc.safeguards }, claim_text: { ...doc.claim_text } };
  const [head, a, b] = path.split(".");
  if (head === "features" && a && b && typeof value === "boolean") {
    next.features = { ...doc.features, [a]: { ...(doc.features[a] ?? {}), [b]: value } };
  } else if (head === "excluded_surfaces" && a && typeof value === "boolean") {
    const set = new Set<string>(doc.excluded_surfaces);
    if (value) set.add(a);
    else set.delete(a);
    // The endpoint's order (editor, batch editor, product catalog), whatever the clicks' order.
    next.excluded_surfaces = SURFACES.filter((s) => set.has(s));
  } else if (head === "safeguards" && a && (SAFEGUARD_KEYS as string[]).includes(a) && typeof value === "number") {
    next.safeguards[a as SafeguardKey] = value;
  } else if (head === "claim_text" && a && (CLAIM_TEXT_KEYS as string[]).includes(a) && typeof value === "number") {
    next.claim_text[a as ClaimTextKey] = value;
  } else if ((path === "refund_window_secs" || path === "late_report_grace_secs") && typeof value === "number") {
    next[path] = value;
  } else if (path === "one_claim_per_generation" && typeof value === "boolean") {
    next.one_claim_per_generation = value;
  } else if (path === "version" && typeof value === "string") {
    next.version = value;
  } else {
    throw new Error(`withValue: ${path} cannot take ${JSON.stringify(value)}`);
  }
  return next;
}

/** A key for "the same draft": JSON with the keys sorted, so two equal documents have one key. */
export function documentKey(doc: PolicyDocument): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
    : v;
  return JSON.stringify(sort(doc));
}

// ---- words --------------------------------------------------------------------------------------

/** What a path is, in words: "Flat Lay · iOS", "Safeguards · most refunds", "Refund window". */
export function pathLabel(path: string): string {
  const [head, a, b] = path.split(".");
  if (head === "features" && a && b) return `${featureName(a)} · ${platformName(b)}`;
  if (head === "excluded_surfaces" && a) return t("console-policy-path-surface", { surface: surfaceName(a) });
  if (path === "excluded_surfaces") return t("console-policy-excluded-title");
  switch (path) {
    case "version": return t("console-policy-version-label");
    case "refund_window_secs": return t("console-policy-refund-window");
    case "late_report_grace_secs": return t("console-policy-late-grace");
    case "one_claim_per_generation": return t("console-policy-one-claim");
    case "safeguards.window_secs": return t("console-policy-path-safeguards", { what: t("console-policy-safeguard-window") });
    case "safeguards.refunds_max": return t("console-policy-path-safeguards", { what: t("console-policy-refunds-max") });
    case "safeguards.refunded_share_max_percent": return t("console-policy-path-safeguards", { what: t("console-policy-share-max") });
    case "safeguards.share_min_spent_credits": return t("console-policy-path-safeguards", { what: t("console-policy-share-min-spent") });
    case "claim_text.details_len_min": return t("console-policy-path-claim-text", { what: t("console-policy-details-min") });
    case "claim_text.details_len_max": return t("console-policy-path-claim-text", { what: t("console-policy-details-max") });
    default: return path;
  }
}

/** A duration in words ("1 d", "36 h", "off" for 0). */
export function durationWords(secs: number): string {
  return secs === 0 ? t("console-policy-duration-off") : formatDuration(secs) || t("duration-seconds", { s: secs });
}

/** A value of a change (JSON text, or null when that side lacks it), in words for its path. */
export function valueWords(path: string, json: string | null): string {
  if (json === null) return t("console-policy-value-absent");
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return json;
  }
  const [head] = path.split(".");
  if (head === "features" && typeof v === "boolean") return v ? t("console-policy-refundable") : t("console-policy-not-refundable");
  // The whole list (when a change names the list itself), or one surface's flag (a surface's own
  // name as the value means it is listed, so excluded).
  if (path === "excluded_surfaces" && Array.isArray(v)) {
    return v.length > 0 ? v.map((x) => surfaceName(String(x))).join(", ") : t("console-policy-excluded-none");
  }
  if (head === "excluded_surfaces") return v === false || v === null ? t("console-policy-not-excluded") : t("console-policy-excluded");
  if (typeof v === "boolean") return v ? t("console-yes") : t("console-no");
  if (typeof v === "number") {
    if (path.endsWith("_secs")) return durationWords(v);
    if (path === "safeguards.refunded_share_max_percent") return t("percent", { value: v });
    if (path === "safeguards.share_min_spent_credits") return credits(v);
    if (head === "claim_text") return t("console-policy-chars", { count: v });
    return num(v);
  }
  if (typeof v === "string") return v;
  return json;
}

/** One change as a line: "Flat Lay · iOS: not refundable → refundable". */
export function changeLine(c: PolicyChange): string {
  return t("console-policy-change", { where: pathLabel(c.path), before: valueWords(c.path, c.before), after: valueWords(c.path, c.after) });
}

// ---- version labels -----------------------------------------------------------------------------

/** The next label for `today` (YYYY-MM-DD): `today.N`, N one past the highest of that day's labels. */
export function suggestVersion(today: string, labels: readonly string[]): string {
  let n = 0;
  for (const l of labels) {
    if (!l.startsWith(`${today}.`)) continue;
    const k = l.slice(today.length + 1);
    if (/^\d{1,6}$/.test(k)) n = Math.max(n, Number(k));
  }
  return `${today}.${n + 1}`;
}

// ---- durations ----------------------------------------------------------------------------------

export type DurationUnit = "hours" | "days";
export const UNIT_SECS: Record<DurationUnit, number> = { hours: 3600, days: 86_400 };

/** Seconds as a number in days when whole days, else in hours (1.5 h for 5400 s). */
export function splitDuration(secs: number): { value: number; unit: DurationUnit } {
  if (secs > 0 && secs % UNIT_SECS.days === 0) return { value: secs / UNIT_SECS.days, unit: "days" };
  return { value: Math.round((secs / UNIT_SECS.hours) * 1000) / 1000, unit: "hours" };
}

/** A typed number of hours or days as whole seconds, or null when it is not a number ≥ 0. */
export function joinDuration(text: string, unit: DurationUnit): number | null {
  const s = text.trim().replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const secs = Math.round(Number(s) * UNIT_SECS[unit]);
  return Number.isSafeInteger(secs) ? secs : null;
}

/** A typed whole number ≥ 0 (at most `max`), or null. */
export function wholeNumber(text: string, max = Number.MAX_SAFE_INTEGER): number | null {
  const s = text.trim();
  if (!/^\d{1,16}$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
}

// ---- an uploaded file ---------------------------------------------------------------------------

export type Parsed = { ok: true; doc: PolicyDocument } | { ok: false; error: string };

const TOP_KEYS = ["version", "refund_window_secs", "late_report_grace_secs", "one_claim_per_generation", "excluded_surfaces", "features", "safeguards", "claim_text"];

type Expect = "text" | "whole" | "flag" | "object" | "surfaces";
const expected = (e: Expect): string => {
  switch (e) {
    case "text": return t("console-policy-expect-text");
    case "whole": return t("console-policy-expect-whole");
    case "flag": return t("console-policy-expect-flag");
    case "object": return t("console-policy-expect-object");
    case "surfaces": return t("console-policy-expect-surfaces");
  }
};

class Shape extends Error {}
const bad = (field: string, e: Expect): never => {
  throw new Shape(t("console-policy-upload-field", { field, expected: expected(e) }));
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const whole = (v: unknown, field: string): number => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : bad(field, "whole"));
const flag = (v: unknown, field: string): boolean => (typeof v === "boolean" ? v : bad(field, "flag"));
function only(o: Record<string, unknown>, keys: readonly string[], where: string) {
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw new Shape(t("console-policy-upload-unknown", { field: where ? `${where}.${extra[0]}` : extra[0]! }));
}

/**
 * A policy file's text as a document, or why it cannot be one (in words, naming the field). Also
 * reads a file that wraps the document (`{"document": {…}}`, as the endpoint's answers do). The
 * values are not judged here (the endpoint's check does), only their shape.
 */
export function parsePolicyFile(text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    return { ok: false, error: t("console-policy-upload-not-json", { detail: e instanceof Error ? e.message : String(e) }) };
  }
  try {
    if (isObj(v) && !("features" in v) && isObj(v.document)) v = v.document;
    if (!isObj(v)) throw new Shape(t("console-policy-upload-not-object"));
    only(v, TOP_KEYS, "");
    for (const k of ["version", "refund_window_secs", "one_claim_per_generation", "excluded_surfaces", "features", "safeguards", "claim_text"]) {
      if (!(k in v)) throw new Shape(t("console-policy-upload-missing", { field: k }));
    }
    const version = typeof v.version === "string" ? v.version : bad("version", "text");
    const surfaces = Array.isArray(v.excluded_surfaces) && v.excluded_surfaces.every((s) => typeof s === "string")
      ? (v.excluded_surfaces as Surface[]) : bad("excluded_surfaces", "surfaces");
    if (!isObj(v.features)) bad("features", "object");
    const features: PolicyDocument["features"] = {};
    for (const [f, row] of Object.entries(v.features as Record<string, unknown>)) {
      if (!isObj(row)) bad(`features.${f}`, "object");
      features[f] = {};
      for (const [p, on] of Object.entries(row as Record<string, unknown>)) features[f]![p] = flag(on, `features.${f}.${p}`);
    }
    const sg = isObj(v.safeguards) ? v.safeguards : bad("safeguards", "object");
    only(sg, SAFEGUARD_KEYS, "safeguards");
    const ct = isObj(v.claim_text) ? v.claim_text : bad("claim_text", "object");
    only(ct, CLAIM_TEXT_KEYS, "claim_text");
    for (const k of SAFEGUARD_KEYS) if (!(k in sg)) throw new Shape(t("console-policy-upload-missing", { field: `safeguards.${k}` }));
    for (const k of CLAIM_TEXT_KEYS) if (!(k in ct)) throw new Shape(t("console-policy-upload-missing", { field: `claim_text.${k}` }));
    const doc: PolicyDocument = {
      version,
      refund_window_secs: whole(v.refund_window_secs, "refund_window_secs"),
      late_report_grace_secs: "late_report_grace_secs" in v ? whole(v.late_report_grace_secs, "late_report_grace_secs") : DEFAULT_LATE_REPORT_GRACE_SECS,
      one_claim_per_generation: flag(v.one_claim_per_generation, "one_claim_per_generation"),
      excluded_surfaces: surfaces,
      features,
      safeguards: {
        window_secs: whole(sg.window_secs, "safeguards.window_secs"),
        refunds_max: whole(sg.refunds_max, "safeguards.refunds_max"),
        refunded_share_max_percent: whole(sg.refunded_share_max_percent, "safeguards.refunded_share_max_percent"),
        share_min_spent_credits: whole(sg.share_min_spent_credits, "safeguards.share_min_spent_credits"),
      },
      claim_text: {
        details_len_min: whole(ct.details_len_min, "claim_text.details_len_min"),
        details_len_max: whole(ct.details_len_max, "claim_text.details_len_max"),
      },
    };
    return { ok: true, doc };
  } catch (e) {
    if (e instanceof Shape) return { ok: false, error: e.message };
    throw e;
  }
}

/** The draft as a file: what "Upload a document" reads back, and what the admin CLI's publish-policy takes. */
export function policyFileText(doc: PolicyDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
