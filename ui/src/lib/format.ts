// Formatting that the screens share. Pure functions: tested in tests/format.test.ts.

/**
 * How long is left, in words a person reads at a glance:
 * "2 d 4 h", "23 h 41 min", "41 min", "less than a minute", or "" when nothing is left.
 */
export function formatDuration(totalSecs: number): string {
  const secs = Math.max(0, Math.floor(totalSecs));
  if (secs <= 0) return "";
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return "less than a minute";
}

/** The refund window's countdown line: "closes in 23 h 41 min" or "closed". */
export function formatTimeLeft(secsLeft: number | null): string | null {
  if (secsLeft === null) return null;
  const left = formatDuration(secsLeft);
  return left ? `closes in ${left}` : "closed";
}

/** Seconds left now, given what check_claim said and how long ago (ms) it said it. */
export function secsLeftNow(secsAtAnswer: number, answeredAtMs: number, nowMs: number): number {
  return Math.max(0, secsAtAnswer - Math.floor((nowMs - answeredAtMs) / 1000));
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** A timestamp for lists: time only when it is today, otherwise date and time. */
export function formatWhen(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay =
    d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? `today ${timeOnly.format(d)}` : dateTime.format(d);
}

/** A full timestamp. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** "1 credit", "4 credits". */
export function credits(n: number): string {
  return `${n} ${Math.abs(n) === 1 ? "credit" : "credits"}`;
}

/** A clock offset for the QA panel: "+1 d", "−2 h 30 min", "none". */
export function formatOffset(secs: number): string {
  if (secs === 0) return "none";
  const sign = secs < 0 ? "−" : "+";
  return `${sign}${formatDuration(Math.abs(secs)) || `${Math.abs(secs)} s`}`;
}

/** "3 %" from a 0..1 rate. */
export function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

/** Short form of a long id for narrow columns. */
export function shortId(id: string | null | undefined): string {
  if (!id) return "—";
  return id.length > 10 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

/** "1 generation", "2 generations": `noun` is the singular, plurals add an s. */
export function count(n: number, noun: string, more = false): string {
  return `${n}${more ? "+" : ""} ${n === 1 && !more ? noun : `${noun}s`}`;
}
