// The console's screens in the location hash (src/console/routes.ts): every route round-trips,
// the hashes from before the tabs still open the queue, untrusted values never reach a request.
import { describe, expect, it } from "vitest";
import { accountHash, accountsHash, isAccountId, parseRoute, routeHash, type Route } from "../src/console/routes";

const ID = "0b7c3d52-8f0e-4c8e-9d61-2a4f1f6f8e01";

describe("console routes: round trip", () => {
  const routes: [Route, string][] = [
    [{ screen: "reviews", filters: {} }, "#/reviews"],
    [{ screen: "reviews", filters: { feature: "logo", platform: "ios", order: "newest" } }, "#/reviews?feature=logo&platform=ios&order=newest"],
    [{ screen: "policy" }, "#/policy"],
    [{ screen: "insights", query: {} }, "#/insights"],
    [{ screen: "insights", query: { from: "2026-01-01", to: "2026-01-31", feature: "flat_lay", platform: "web" } },
      "#/insights?from=2026-01-01&to=2026-01-31&feature=flat_lay&platform=web"],
    [{ screen: "accounts", account: null, q: "" }, "#/accounts"],
    [{ screen: "accounts", account: null, q: "user 42&x" }, "#/accounts?q=user+42%26x"],
    [{ screen: "accounts", account: ID, q: "" }, `#/accounts/${ID}`],
  ];
  for (const [route, hash] of routes) {
    it(`${hash} ⇄ ${route.screen}`, () => {
      expect(routeHash(route), `the hash of ${JSON.stringify(route)}`).toBe(hash);
      const back = parseRoute(hash);
      expect(back.route, `${hash} read back`).toEqual(route);
      expect(back.canonical, `${hash} is already canonical`).toBe(hash);
    });
  }
});

describe("console routes: older and untrusted hashes", () => {
  it("opens the queue for the hashes from before the tabs, with their filters", () => {
    expect(parseRoute("#/queue?feature=logo&order=newest"), "#/queue?…")
      .toEqual({ route: { screen: "reviews", filters: { feature: "logo", order: "newest" } }, canonical: "#/reviews?feature=logo&order=newest" });
    expect(parseRoute("#/queue").canonical, "#/queue").toBe("#/reviews");
    expect(parseRoute("#feature=flat_lay&platform=web").route, "a bare filter hash")
      .toEqual({ screen: "reviews", filters: { feature: "flat_lay", platform: "web" } });
    expect(parseRoute("#?reason=other").route, "#?filters").toEqual({ screen: "reviews", filters: { reason: "other" } });
    expect(parseRoute("").canonical, "no hash at all").toBe("#/reviews");
    expect(parseRoute("#/").canonical, "#/").toBe("#/reviews");
  });

  it("reads an unknown route as the queue unfiltered, and drops unknown values", () => {
    expect(parseRoute("#/elsewhere?feature=logo").route, "unknown route").toEqual({ screen: "reviews", filters: {} });
    expect(parseRoute("#/reviews?feature=nope&junk=1").canonical, "unknown filter values").toBe("#/reviews");
    expect(parseRoute("#/policy?x=1").canonical, "the policy takes no query").toBe("#/policy");
  });

  it("keeps only real days, in order and within the endpoint's 800 days, and known narrowing", () => {
    expect(parseRoute("#/insights?from=2026-02-30&to=2026-13-01").canonical, "not calendar days").toBe("#/insights");
    expect(parseRoute("#/insights?from=2026-03-10&to=2026-03-01").canonical, "from after to: from dropped").toBe("#/insights?to=2026-03-01");
    expect(parseRoute("#/insights?from=2020-01-01&to=2026-03-01").canonical, "longer than 800 days: from dropped").toBe("#/insights?to=2026-03-01");
    expect(parseRoute("#/insights?from=2026-03-01").canonical, "from alone (the endpoint's to: today)").toBe("#/insights?from=2026-03-01");
    expect(parseRoute("#/insights?feature=__proto__&platform=windows").canonical, "unknown feature and platform").toBe("#/insights");
    expect(parseRoute("#/insights?to=2026-03-01&from=2026-02-01&platform=ios").canonical, "fixed order")
      .toBe("#/insights?from=2026-02-01&to=2026-03-01&platform=ios");
  });

  it("opens an account only for an id, lower-cased; anything else is searched for", () => {
    expect(parseRoute(`#/accounts/${ID.toUpperCase()}`).route, "upper case id").toEqual({ screen: "accounts", account: ID, q: "" });
    expect(parseRoute("#/accounts/alice%40example.com").route, "not an id: searched")
      .toEqual({ screen: "accounts", account: null, q: "alice@example.com" });
    expect(parseRoute("#/accounts/%E0%A4%A").route, "a broken escape").toEqual({ screen: "accounts", account: null, q: "" });
    expect(parseRoute("#/accounts/../policy").route.screen, "no way out of the accounts").toBe("accounts");
    expect(parseRoute(`#/accounts?q=${"x".repeat(500)}`).route, "a long search is cut")
      .toEqual({ screen: "accounts", account: null, q: "x".repeat(200) });
    expect(parseRoute("#/accounts?q=%20%20").canonical, "a blank search").toBe("#/accounts");
  });

  it("knows an account id", () => {
    expect(isAccountId(ID), "a uuid").toBe(true);
    expect(isAccountId(` ${ID.toUpperCase()} `), "upper case, spaces around").toBe(true);
    expect(isAccountId(ID.slice(1)), "one character short").toBe(false);
    expect(isAccountId("alice"), "a subject").toBe(false);
  });

  it("links to an account and to a search", () => {
    expect(accountHash(ID), "an account").toBe(`#/accounts/${ID}`);
    expect(accountsHash(null, "  bob  "), "a search, trimmed").toBe("#/accounts?q=bob");
  });
});
