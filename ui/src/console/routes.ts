// The console's screens in the location hash, so a reload or a shared link opens the same one:
//   #/reviews?<filters>     the review queue (filters.ts); `#/queue?…` and a bare `#feature=…`
//                           from before the tabs still open it
//   #/policy                the policy in force, its history, a draft
//   #/insights?<period>     bad-result rates, refunds, reasons (insights.ts)
//   #/accounts?q=<text>     finding an account
//   #/accounts/<uuid>       one account
// The hash is untrusted input: what is not one of these is the review queue unfiltered, and every
// value is checked before it reaches a request. `canonical` is the hash to put back in its place.
import type { Filters } from "./filters";
import type { InsightQuery } from "../lib/bindings/InsightQuery";
import { parseFilters, queueHash } from "./filters";
import { insightsHash, parseInsightQuery } from "./insights";

export const SCREENS = ["reviews", "policy", "insights", "accounts"] as const;
export type Screen = (typeof SCREENS)[number];

export type Route =
  | { screen: "reviews"; filters: Filters }
  | { screen: "policy" }
  | { screen: "insights"; query: InsightQuery }
  /** `account`: the account shown, or null for the search (with what was typed, `q`). */
  | { screen: "accounts"; account: string | null; q: string };

/** Longest search kept in the hash (a subject prefix or an id; the endpoint bounds it too). */
export const ACCOUNT_QUERY_MAX = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is an account id (a UUID, any case). */
export function isAccountId(s: string): boolean {
  return UUID.test(s.trim());
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return "";
  }
}

/** The screen a hash names, and its canonical hash. */
export function parseRoute(hash: string): { route: Route; canonical: string } {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? "" : raw.slice(q + 1);
  let route: Route;
  if (path === "/reviews" || path === "/queue" || path === "" || path === "/") {
    route = { screen: "reviews", filters: parseFilters(query) };
  } else if (!path.startsWith("/") && path.includes("=")) {
    // A bare `#feature=logo&order=newest` (filters without a route).
    route = { screen: "reviews", filters: parseFilters(path) };
  } else if (path === "/policy") {
    route = { screen: "policy" };
  } else if (path === "/insights") {
    route = { screen: "insights", query: parseInsightQuery(query) };
  } else if (path === "/accounts") {
    route = { screen: "accounts", account: null, q: (new URLSearchParams(query).get("q") ?? "").trim().slice(0, ACCOUNT_QUERY_MAX) };
  } else if (path.startsWith("/accounts/")) {
    const id = decoded(path.slice("/accounts/".length)).trim();
    route = isAccountId(id)
      ? { screen: "accounts", account: id.toLowerCase(), q: "" }
      : // Not an id: the search, with what was there to look for.
        { screen: "accounts", account: null, q: id.slice(0, ACCOUNT_QUERY_MAX) };
  } else {
    route = { screen: "reviews", filters: {} };
  }
  return { route, canonical: routeHash(route) };
}

/** The hash of a route. */
export function routeHash(r: Route): string {
  switch (r.screen) {
    case "reviews":
      return queueHash(r.filters);
    case "policy":
      return "#/policy";
    case "insights":
      return insightsHash(r.query);
    case "accounts":
      return accountsHash(r.account, r.q);
  }
}

/** `#/accounts/<id>`, or the search `#/accounts?q=…`. */
export function accountsHash(account: string | null, q = ""): string {
  if (account) return `#/accounts/${encodeURIComponent(account)}`;
  const s = q.trim();
  return s ? `#/accounts?${new URLSearchParams({ q: s })}` : "#/accounts";
}

/** The link to one account. */
export const accountHash = (id: string): string => accountsHash(id);
