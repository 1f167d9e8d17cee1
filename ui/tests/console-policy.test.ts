// The policy editor's bookkeeping (src/console/policy.ts): the draft against the version in force,
// how a change reads, an uploaded file, the next version label, durations in hours or days.
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_LATE_REPORT_GRACE_SECS, cellPath, changeLine, documentKey, joinDuration, localChanges, parsePolicyFile, pathLabel,
  policyFeatures, policyFileText, splitDuration, suggestVersion, valueWords, wholeNumber, withValue,
} from "../src/console/policy";
import { FEATURES } from "../src/console/labels";
import { setLang } from "../src/lib/i18n.svelte";
import { builtinPolicy } from "./console-fixtures";

afterEach(() => setLang("en"));

describe("console policy: the table", () => {
  it("lists the document's 18 features in the article's order, whatever the JSON's order", () => {
    const doc = builtinPolicy();
    expect(Object.keys(doc.features)[0], "the fixture is sorted by name, as the endpoint writes it").toBe("ai_backgrounds");
    expect(policyFeatures(doc), "the article's order").toEqual(FEATURES);
  });

  it("puts features the console does not know after the others, sorted, so nothing is hidden", () => {
    const doc = builtinPolicy();
    doc.features["zz_new"] = { ios: true, android: true, web: true };
    doc.features["ai_eraser"] = { ios: false, android: false, web: false };
    expect(policyFeatures(doc).slice(-2), "unknown ones last").toEqual(["ai_eraser", "zz_new"]);
  });
});

describe("console policy: the draft against the version in force", () => {
  it("sees no change in a copy, and none in a new version label alone", () => {
    const base = builtinPolicy();
    expect(localChanges(base, builtinPolicy()), "an identical copy").toEqual([]);
    expect(localChanges(base, withValue(base, "version", "2026-12-07.1")), "only the label").toEqual([]);
  });

  it("finds exactly the cell that was ticked, with the values as JSON text", () => {
    const base = builtinPolicy();
    const draft = withValue(base, cellPath("ai_shadows", "ios"), true);
    expect(localChanges(base, draft), "one cell").toEqual([{ path: "features.ai_shadows.ios", before: "false", after: "true" }]);
    expect(base.features["ai_shadows"]!.ios, "the version in force is left as it was").toBe(false);
  });

  it("finds surfaces, durations, safeguards and text bounds, in the document's order", () => {
    const base = builtinPolicy();
    let d = withValue(base, "claim_text.details_len_max", 500);
    d = withValue(d, "excluded_surfaces.editor", true);
    d = withValue(d, "excluded_surfaces.batch_editor", false);
    d = withValue(d, "safeguards.refunds_max", 5);
    d = withValue(d, "refund_window_secs", 2 * 86_400);
    expect(localChanges(base, d).map((c) => c.path), "paths in document order").toEqual([
      "refund_window_secs", "excluded_surfaces.editor", "excluded_surfaces.batch_editor", "safeguards.refunds_max", "claim_text.details_len_max",
    ]);
    expect(d.excluded_surfaces, "surfaces kept in the endpoint's order").toEqual(["editor", "product_catalog"]);
  });

  it("sees the same draft as the same, whatever the order of its keys", () => {
    const a = builtinPolicy();
    const b = JSON.parse(JSON.stringify({ ...a, features: Object.fromEntries(Object.entries(a.features).reverse()) }));
    expect(documentKey(b), "key order does not matter").toBe(documentKey(a));
    expect(documentKey(withValue(a, "safeguards.refunds_max", 21)), "an edit does").not.toBe(documentKey(a));
  });

  it("refuses a value of the wrong kind for a path", () => {
    expect(() => withValue(builtinPolicy(), "features.logo.ios", 3), "a number in a cell").toThrow(/features\.logo\.ios/);
    expect(() => withValue(builtinPolicy(), "safeguards.nope", 3), "an unknown safeguard").toThrow();
  });
});

describe("console policy: changes in words", () => {
  it("names a cell by its feature and platform, and its values as refundable or not", () => {
    expect(changeLine({ path: "features.flat_lay.ios", before: "false", after: "true" }), "a known feature")
      .toBe("Flat Lay · iOS: not refundable → refundable");
    expect(changeLine({ path: "features.ai_eraser.ios", before: "true", after: "false" }), "a feature the console does not know keeps its id")
      .toBe("ai_eraser · iOS: refundable → not refundable");
  });

  it("words surfaces, durations, percentages, credits, characters and yes/no", () => {
    expect(changeLine({ path: "excluded_surfaces.batch_editor", before: "true", after: "false" }), "a surface")
      .toBe("Excluded surfaces · batch editor: excluded → not excluded");
    expect(changeLine({ path: "refund_window_secs", before: "86400", after: "172800" }), "a window").toBe("Refund window: 1 d → 2 d");
    expect(changeLine({ path: "late_report_grace_secs", before: "259200", after: "0" }), "grace off").toBe("Late-report grace: 3 d → off");
    expect(changeLine({ path: "safeguards.refunded_share_max_percent", before: "25", after: "30" }), "a share")
      .toBe("Safeguards · Most refunded share of the credits spent (%): 25 % → 30 %");
    expect(valueWords("safeguards.share_min_spent_credits", "200"), "credits").toBe("200 credits");
    expect(valueWords("claim_text.details_len_min", "1"), "one character").toBe("1 character");
    expect(valueWords("one_claim_per_generation", "false"), "a flag").toBe("No");
    expect(changeLine({ path: "excluded_surfaces", before: '["batch_editor"]', after: "[]" }), "the whole list of surfaces")
      .toBe("Excluded surfaces: batch editor → none");
    expect(changeLine({ path: "features.logo.web", before: null, after: "true" }), "a value the version in force lacks")
      .toBe("Logo · Web: absent → refundable");
  });

  it("shows what it cannot word as it came, rather than nothing", () => {
    expect(pathLabel("something.new"), "an unknown path").toBe("something.new");
    expect(valueWords("something.new", "{\"a\":1}"), "an unknown value").toBe("{\"a\":1}");
    expect(valueWords("version", "not json"), "text that is not JSON").toBe("not json");
  });

  it("writes French with its typography", () => {
    setLang("fr");
    expect(changeLine({ path: "features.flat_lay.ios", before: "false", after: "true" }), "no-break space before the colon")
      .toBe("Vue à plat · iOS\u00a0: non remboursable → remboursable");
  });
});

describe("console policy: an uploaded file", () => {
  it("reads a document as the endpoint writes it, and the console's own download", () => {
    const doc = builtinPolicy();
    const r = parsePolicyFile(JSON.stringify(doc));
    expect(r, "the endpoint's JSON").toEqual({ ok: true, doc });
    expect(parsePolicyFile(policyFileText(doc)), "the console's download").toEqual({ ok: true, doc });
    expect(parsePolicyFile(`\uFEFF${JSON.stringify(doc)}`).ok, "with a byte order mark").toBe(true);
  });

  it("reads a document wrapped in an answer ({document: …})", () => {
    const doc = builtinPolicy();
    expect(parsePolicyFile(JSON.stringify({ row: { seq: 3 }, document: doc })), "a PolicyVersionDetail").toEqual({ ok: true, doc });
  });

  it("gives a document without the late-report grace the endpoint's default", () => {
    const { late_report_grace_secs: _, ...older } = builtinPolicy();
    const r = parsePolicyFile(JSON.stringify(older));
    expect(r.ok && r.doc.late_report_grace_secs, "the default grace").toBe(DEFAULT_LATE_REPORT_GRACE_SECS);
  });

  it("says plainly why a file is not a document, naming the field", () => {
    const fail = (text: string) => {
      const r = parsePolicyFile(text);
      return r.ok ? "(read)" : r.error;
    };
    expect(fail("{ not json"), "not JSON").toMatch(/^The file is not JSON: /);
    expect(fail("[1,2]"), "not an object").toBe("The file is not a policy document: it should hold a JSON object.");
    const doc = builtinPolicy() as unknown as Record<string, unknown>;
    expect(fail(JSON.stringify({ ...doc, refund_window_secs: "1 day" })), "a string for a number")
      .toBe("The file is not a policy document: refund_window_secs must be a whole number, 0 or more.");
    expect(fail(JSON.stringify({ ...doc, refund_window_secs: -5 })), "a negative number").toMatch(/refund_window_secs must be a whole number/);
    expect(fail(JSON.stringify({ ...doc, features: { logo: { ios: "yes" } } })), "a cell that is not true or false")
      .toBe("The file is not a policy document: features.logo.ios must be true or false.");
    const { safeguards: _s, ...noSafeguards } = doc;
    expect(fail(JSON.stringify(noSafeguards)), "a missing field").toBe("The file is not a policy document: safeguards is missing.");
    expect(fail(JSON.stringify({ ...doc, refund_window: 3 })), "an unknown field")
      .toBe("The file is not a policy document: refund_window is not one of its fields.");
    expect(fail(JSON.stringify({ ...doc, safeguards: { ...(doc.safeguards as object), extra: 1 } })), "an unknown nested field")
      .toMatch(/safeguards\.extra is not one of its fields/);
    expect(fail(JSON.stringify({ ...doc, excluded_surfaces: "editor" })), "surfaces not a list").toMatch(/excluded_surfaces must be a list/);
  });
});

describe("console policy: the next version label", () => {
  it("is today's date and 1 when nothing was published today", () => {
    expect(suggestVersion("2026-12-07", []), "nothing at all").toBe("2026-12-07.1");
    expect(suggestVersion("2026-12-07", ["2026-12-06.4", "builtin-2026-11-25"]), "other days only").toBe("2026-12-07.1");
  });

  it("is one past the highest of today's labels", () => {
    expect(suggestVersion("2026-12-07", ["2026-12-07.1", "2026-12-07.3", "2026-12-07.2"]), "after .3").toBe("2026-12-07.4");
    expect(suggestVersion("2026-12-07", ["2026-12-07.beta", "2026-12-07.1.1"]), "labels that do not end in a number").toBe("2026-12-07.1");
  });
});

describe("console policy: durations and numbers as typed", () => {
  it("shows whole days in days, anything else in hours", () => {
    expect(splitDuration(86_400), "a day").toEqual({ value: 1, unit: "days" });
    expect(splitDuration(2_592_000), "30 days").toEqual({ value: 30, unit: "days" });
    expect(splitDuration(5400), "an hour and a half").toEqual({ value: 1.5, unit: "hours" });
    expect(splitDuration(0), "nothing").toEqual({ value: 0, unit: "hours" });
  });

  it("turns what is typed into whole seconds, or null", () => {
    expect(joinDuration("36", "hours"), "36 hours").toBe(129_600);
    expect(joinDuration("1,5", "days"), "a decimal comma").toBe(129_600);
    expect(joinDuration(" 2 ", "days"), "spaces").toBe(172_800);
    expect(joinDuration("", "days"), "empty").toBeNull();
    expect(joinDuration("-1", "hours"), "negative").toBeNull();
    expect(joinDuration("1e3", "hours"), "an exponent").toBeNull();
  });

  it("takes whole numbers within their bound only", () => {
    expect(wholeNumber("20"), "20").toBe(20);
    expect(wholeNumber("101", 100), "above the bound").toBeNull();
    expect(wholeNumber("2.5"), "a fraction").toBeNull();
    expect(wholeNumber(""), "empty").toBeNull();
  });
});
