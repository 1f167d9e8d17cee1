// The review queue's filters (src/console/filters.ts): hash query round trip, untrusted values
// dropped, the API's query string. (Which screen a hash opens: console-routes.test.ts.)
import { describe, expect, it } from "vitest";
import {
  MAX_AGE_HOURS, PAGE_LIMIT, filtersQuery, isFiltered, parseAgeInput, parseFilters, queueHash, reviewsQuery, type Filters,
} from "../src/console/filters";
import { parseRoute } from "../src/console/routes";

const filtersOf = (hash: string) => {
  const r = parseRoute(hash).route;
  return r.screen === "reviews" ? r.filters : null;
};
import { FEATURES, PLATFORMS, REASONS } from "../src/console/labels";

describe("console filters: hash round trip", () => {
  it("keeps every filter through the hash and back", () => {
    const f: Filters = { feature: "flat_lay", platform: "ios", reason: "wrong_subject", min_age_hours: 2, max_age_hours: 48, order: "newest" };
    const h = queueHash(f);
    expect(h).toBe("#/reviews?feature=flat_lay&platform=ios&reason=wrong_subject&min_age_hours=2&max_age_hours=48&order=newest");
    expect(filtersOf(h)).toEqual(f);
  });

  it("writes no query for no filters, and leaves out the default order", () => {
    expect(queueHash({})).toBe("#/reviews");
    expect(queueHash({ order: "oldest" })).toBe("#/reviews");
    expect(filtersOf("#/reviews")).toEqual({});
  });

  it("round-trips every feature, platform and reason the generated types list", () => {
    for (const feature of FEATURES) expect(parseFilters(filtersQuery({ feature })), feature).toEqual({ feature });
    for (const platform of PLATFORMS) expect(parseFilters(filtersQuery({ platform })), platform).toEqual({ platform });
    for (const reason of REASONS) expect(parseFilters(filtersQuery({ reason })), reason).toEqual({ reason });
    expect(FEATURES.length, "features").toBe(18);
    expect(PLATFORMS, "platforms").toEqual(["ios", "android", "web"]);
    expect(REASONS.length, "reasons").toBe(5);
  });

  it("drops values that are not the endpoint's, instead of passing them on", () => {
    expect(parseFilters("feature=nope&platform=windows&reason=%3Cscript%3E&order=random")).toEqual({});
    expect(parseFilters("feature=__proto__&platform=constructor&reason=toString")).toEqual({});
    expect(parseFilters("min_age_hours=-1&max_age_hours=2.5")).toEqual({});
    expect(parseFilters("min_age_hours=abc&max_age_hours=1e3")).toEqual({});
    expect(parseFilters(`min_age_hours=${MAX_AGE_HOURS + 1}`), "beyond the largest age").toEqual({});
    expect(parseFilters("min_age_hours=%2012%20"), "spaces around a number are fine").toEqual({ min_age_hours: 12 });
    expect(parseFilters("feature=flat_lay&feature=logo"), "the first of a repeated one").toEqual({ feature: "flat_lay" });
    expect(parseFilters("unknown=1&after=abc&limit=5"), "paging and unknown keys are not filters").toEqual({});
  });

  it("drops an upper age bound below the lower one", () => {
    expect(parseFilters("min_age_hours=10&max_age_hours=5")).toEqual({ min_age_hours: 10 });
    expect(parseFilters("min_age_hours=5&max_age_hours=5")).toEqual({ min_age_hours: 5, max_age_hours: 5 });
  });

  it("reads any unknown route as the queue, and gives the canonical hash to put back", () => {
    expect(parseRoute("")).toEqual({ route: { screen: "reviews", filters: {} }, canonical: "#/reviews" });
    expect(filtersOf("#/elsewhere?feature=logo"), "filters only on the queue's route").toEqual({});
    expect(parseRoute("#/queue?order=oldest&feature=logo&junk=1").canonical, "the older route").toBe("#/reviews?feature=logo");
    expect(parseRoute("#/reviews?order=oldest&feature=logo&junk=1").canonical).toBe("#/reviews?feature=logo");
  });

  it("knows whether anything narrows the queue (the order does not)", () => {
    expect(isFiltered({})).toBe(false);
    expect(isFiltered({ order: "newest" })).toBe(false);
    expect(isFiltered({ min_age_hours: 0 })).toBe(true);
    expect(isFiltered({ platform: "web" })).toBe(true);
  });
});

describe("console filters: the API's query string", () => {
  it("carries the filters, the order, the cursor and the page size", () => {
    const q = new URLSearchParams(reviewsQuery({ feature: "logo", min_age_hours: 0, order: "newest" }, "opaque/cursor+1=", 50));
    expect(Object.fromEntries(q)).toEqual({ feature: "logo", min_age_hours: "0", order: "newest", after: "opaque/cursor+1=", limit: "50" });
  });

  it("asks for oldest first and the default page size when nothing is chosen, with no cursor on the first page", () => {
    expect(reviewsQuery({}, null)).toBe(`order=oldest&limit=${PAGE_LIMIT}`);
    expect(reviewsQuery({}, undefined)).toBe(`order=oldest&limit=${PAGE_LIMIT}`);
  });

  it("escapes the opaque cursor and keeps the limit within 1 to 200", () => {
    expect(reviewsQuery({}, "a&b=c d")).toBe(`order=oldest&after=a%26b%3Dc+d&limit=${PAGE_LIMIT}`);
    expect(new URLSearchParams(reviewsQuery({}, null, 1000)).get("limit")).toBe("200");
    expect(new URLSearchParams(reviewsQuery({}, null, 0)).get("limit")).toBe("1");
  });
});

it("console filters: an age typed in the filter bar", () => {
  expect(parseAgeInput("")).toEqual({ ok: true, value: undefined });
  expect(parseAgeInput("  ")).toEqual({ ok: true, value: undefined });
  expect(parseAgeInput("24")).toEqual({ ok: true, value: 24 });
  expect(parseAgeInput("-3")).toEqual({ ok: false });
  expect(parseAgeInput("1.5")).toEqual({ ok: false });
});
