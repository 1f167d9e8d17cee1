// The review queue's filters: to and from the location hash (`#/reviews?feature=…&order=newest`, so
// a reload or a shared link keeps them; routes.ts reads the hash) and to the API's query string.
// What comes from the hash is untrusted: a value that is not one the endpoint knows is dropped,
// not passed on.
import type { ReviewFilter } from "../lib/bindings/ReviewFilter";
import { isFeature, isOrder, isPlatform, isReason } from "./labels";

/** The filters a person chooses (ReviewFilter without the paging fields). */
export type Filters = Omit<ReviewFilter, "after" | "limit">;

/** The review queue's route (routes.ts also reads the older `#/queue?…` and bare `#feature=…`). */
export const REVIEWS_ROUTE = "#/reviews";

/** Items per page (the endpoint allows 1 to 200). */
export const PAGE_LIMIT = 50;

/** The largest age filter the console passes on (hours; about 100 years). */
export const MAX_AGE_HOURS = 876_000;

/** A whole number of hours written plainly ("12"), else null. */
function hours(v: string | null): number | null {
  if (v === null || !/^\d{1,7}$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return n <= MAX_AGE_HOURS ? n : null;
}

/** The filters in a query string (`feature=flat_lay&min_age_hours=2`), keeping only valid values. */
export function parseFilters(query: string): Filters {
  const p = new URLSearchParams(query);
  const out: Filters = {};
  const feature = p.get("feature");
  if (feature !== null && isFeature(feature)) out.feature = feature;
  const platform = p.get("platform");
  if (platform !== null && isPlatform(platform)) out.platform = platform;
  const reason = p.get("reason");
  if (reason !== null && isReason(reason)) out.reason = reason;
  const min = hours(p.get("min_age_hours"));
  if (min !== null) out.min_age_hours = min;
  const max = hours(p.get("max_age_hours"));
  // An upper bound below the lower one would match nothing: the lower one wins.
  if (max !== null && (min === null || max >= min)) out.max_age_hours = max;
  const order = p.get("order");
  if (order !== null && isOrder(order) && order !== "oldest") out.order = order;
  return out;
}

/** The filters as a query string, in a fixed order; the defaults (oldest first) are left out. */
export function filtersQuery(f: Filters): string {
  const p = new URLSearchParams();
  if (f.feature) p.set("feature", f.feature);
  if (f.platform) p.set("platform", f.platform);
  if (f.reason) p.set("reason", f.reason);
  if (f.min_age_hours !== undefined) p.set("min_age_hours", String(f.min_age_hours));
  if (f.max_age_hours !== undefined) p.set("max_age_hours", String(f.max_age_hours));
  if (f.order && f.order !== "oldest") p.set("order", f.order);
  return p.toString();
}

/** `#/reviews` with the filters. */
export function queueHash(f: Filters): string {
  const q = filtersQuery(f);
  return q ? `${REVIEWS_ROUTE}?${q}` : REVIEWS_ROUTE;
}

/** Whether any filter narrows the queue (the order is not a filter). */
export function isFiltered(f: Filters): boolean {
  return !!(f.feature || f.platform || f.reason || f.min_age_hours !== undefined || f.max_age_hours !== undefined);
}

/** The query string of `GET /console/api/reviews` for a page: the filters, the order, `after` and `limit`. */
export function reviewsQuery(f: Filters, after: string | null | undefined, limit: number = PAGE_LIMIT): string {
  const p = new URLSearchParams(filtersQuery(f));
  p.set("order", f.order ?? "oldest");
  if (after) p.set("after", after);
  p.set("limit", String(Math.min(200, Math.max(1, Math.floor(limit)))));
  return p.toString();
}

/** One age bound as typed in the filter bar: "" clears it, a whole number of hours sets it, anything else is invalid. */
export function parseAgeInput(v: string): { ok: true; value: number | undefined } | { ok: false } {
  if (v.trim() === "") return { ok: true, value: undefined };
  const n = hours(v);
  return n === null ? { ok: false } : { ok: true, value: n };
}
