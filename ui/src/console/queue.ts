// The review list's bookkeeping, kept pure so it can be tested: which row is selected after a
// move or a decision, when the page must be read again, how old an item is in words.
import { t } from "../lib/i18n.svelte";

/** The selection after a j/k move: stays inside the page (null: nothing to select). */
export function moveSelection(index: number | null, delta: 1 | -1, length: number): number | null {
  if (length === 0) return null;
  if (index === null) return delta > 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, index + delta));
}

/**
 * After the row at `index` left the list (decided, or decided by someone else): the rows left, the
 * row to select next (the one that took its place), and whether the page must be read again from
 * its own cursor first, which happens when the page ran out but the queue goes on: the decided
 * rows are gone from the queue, so the same `after` now reaches the items that followed.
 */
export function afterRemoval<T>(rows: readonly T[], index: number, hasMore: boolean): { rows: T[]; select: number | null; reload: boolean } {
  const left = rows.filter((_, i) => i !== index);
  if (index < left.length) return { rows: left, select: index, reload: false };
  if (hasMore) return { rows: left, select: index, reload: true };
  return { rows: left, select: left.length > 0 ? left.length - 1 : null, reload: false };
}

/**
 * The cursors of the pages seen so far: `stack[i]` is the `after` that reads page i+1 (null for the
 * first). Going forward pushes the page's `next`, going back drops the last; nothing else is kept,
 * so any page of a long queue is reachable one step at a time while only one page of rows is held.
 */
export type Cursors = readonly (string | null)[];
export const FIRST_PAGE: Cursors = [null];
export const cursorOf = (c: Cursors): string | null => c[c.length - 1] ?? null;
export const forward = (c: Cursors, next: string): Cursors => [...c, next];
export const back = (c: Cursors): Cursors => (c.length > 1 ? c.slice(0, -1) : c);

/** How long an item has waited, in a word or two: "less than a minute", "41 min", "3 h", "5 d". */
export function ageText(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return t("duration-under-minute");
  if (s < 3600) return t("duration-minutes", { m: Math.floor(s / 60) });
  if (s < 48 * 3600) return t("duration-hours", { h: Math.floor(s / 3600) });
  return t("duration-days", { d: Math.floor(s / 86400) });
}

/** Seconds between an ISO timestamp and now (ms), 0 when the timestamp is unreadable or ahead. */
export function secondsSince(iso: string, nowMs: number): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : Math.max(0, Math.floor((nowMs - ms) / 1000));
}
