// Tables as CSV files (RFC 4180): a header row, fields separated by commas, records by CRLF, a
// field quoted when it holds a comma, a quote, CR or LF (its quotes doubled). Numbers are written
// plainly (1234.5, never "1 234,5"), days as ISO dates, so any spreadsheet or script reads them;
// the header is the table's column titles in the console's language.

export type CsvValue = string | number | boolean | null | undefined;

/**
 * Characters that make a spreadsheet read a text cell as a formula. Text the console did not
 * write (a sign-in subject, a note) starting with one gets a leading apostrophe, so opening the
 * file never runs it (OWASP's "CSV injection"). Numbers are never touched: -3 stays -3.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "true" : "false";
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The whole file: the header, then the rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((r) => r.map(csvField).join(","));
  return lines.map((l) => `${l}\r\n`).join("");
}

/** A file name part from free text: letters, digits, dots and dashes only. */
export function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 80) || "file";
}
