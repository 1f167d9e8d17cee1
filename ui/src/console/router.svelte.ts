// The screen in force, read from the location hash (routes.ts) whenever it changes: links and the
// Back button move between screens, a reload keeps the screen, and a screen changes its own part
// of the hash (the queue's filters, the insights' period, the account search) through `navigate`.
import { parseRoute, type Route, type Screen } from "./routes";

const initial = parseRoute(typeof location === "undefined" ? "" : location.hash);

export const router = $state({ route: initial.route as Route });

/**
 * Where each tab leads: the screen as it was last left (the queue with its filters, the insights
 * with their period), the account search for Accounts (an account page is reached from a search
 * or a link, and the tab is the way back to the search).
 */
export const tabHash: Record<Screen, string> = $state({
  reviews: "#/reviews",
  policy: "#/policy",
  insights: "#/insights",
  accounts: "#/accounts",
});

function remember(route: Route, canonical: string) {
  if (route.screen !== "accounts" || route.account === null) tabHash[route.screen] = canonical;
}
remember(initial.route, initial.canonical);

/** Reads the hash again (after a `hashchange`), putting back its canonical form in place. */
export function syncRoute(): void {
  const p = parseRoute(location.hash);
  if (location.hash !== p.canonical) history.replaceState(history.state, "", `${location.pathname}${location.search}${p.canonical}`);
  router.route = p.route;
  remember(p.route, p.canonical);
}

/**
 * Goes to `hash`: a new history entry (Back returns), or with `replace` the same entry rewritten
 * (a search as it is typed, which should not take one Back per letter).
 */
export function navigate(hash: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) {
    history.replaceState(history.state, "", `${location.pathname}${location.search}${hash}`);
    syncRoute();
  } else if (location.hash === hash) {
    syncRoute();
  } else {
    location.hash = hash;
  }
}
