// The insights' arithmetic (src/console/insights.ts, insightTables.ts): whole UTC days, the
// presets, the bad-result rate (no division by zero), the series and the tables behind the CSVs.
import { describe, expect, it } from "vitest";
import {
  INSIGHT_DAYS_MAX, addDays, clampPercent, daysIncluded, decisionSeries, isIsoDay, periodProblem, presetOf, presetRange,
  rateSeries, ratePercent, round1, utcDay,
} from "../src/console/insights";
import { cellsTable, csvFileName, decisionsTable, nearLimitsTable, rateTable, reasonsTable, refundedTable } from "../src/console/insightTables";
import { counts, insights } from "./console-fixtures";

describe("console insights: the bad-result rate", () => {
  it("is reports over delivered, in percent", () => {
    expect(ratePercent({ reports: 1, delivered: 4 }), "1 of 4").toBe(25);
    expect(ratePercent({ reports: 0, delivered: 10 }), "none reported").toBe(0);
    expect(ratePercent({ reports: 3, delivered: 2 }), "reports of earlier deliveries can pass 100 %").toBe(150);
  });

  it("is no rate at all on a day with nothing delivered (a gap, not infinity or zero)", () => {
    expect(ratePercent({ reports: 2, delivered: 0 }), "reports but no delivery").toBeNull();
    expect(ratePercent({ reports: 0, delivered: 0 }), "an empty day").toBeNull();
    expect(rateSeries(insights().days), "the middle day is a gap").toEqual([5, null, 12.5]);
  });

  it("rounds to one decimal for the tables and the CSV", () => {
    expect(round1(100 / 3), "a third").toBe(33.3);
    expect(round1(2 / 3 * 100), "two thirds").toBe(66.7);
    expect(round1(null), "no rate").toBeNull();
  });
});

describe("console insights: days and periods", () => {
  it("knows real calendar days", () => {
    expect(isIsoDay("2028-02-29"), "a leap day").toBe(true);
    expect(isIsoDay("2026-02-29"), "not a leap year").toBe(false);
    expect(isIsoDay("2026-13-01"), "month 13").toBe(false);
    expect(isIsoDay("2026-1-01"), "not zero-padded").toBe(false);
    expect(isIsoDay("2026-01-01T00:00:00Z"), "a timestamp").toBe(false);
  });

  it("moves and counts days in UTC", () => {
    expect(addDays("2026-03-01", -1), "into February").toBe("2026-02-28");
    expect(addDays("2026-12-31", 1), "into the next year").toBe("2027-01-01");
    expect(addDays("2026-03-29", 1), "across a daylight-saving change in Europe").toBe("2026-03-30");
    expect(daysIncluded("2026-03-01", "2026-03-01"), "one day").toBe(1);
    expect(daysIncluded("2026-01-01", "2026-12-31"), "a year").toBe(365);
    expect(daysIncluded("2026-03-02", "2026-03-01"), "backwards").toBe(0);
    expect(utcDay(Date.UTC(2026, 2, 1, 23, 59)), "the UTC day of an instant").toBe("2026-03-01");
  });

  it("makes the presets end today and span exactly their days, and recognizes them", () => {
    expect(presetRange(7, "2026-03-01"), "7 days").toEqual({ from: "2026-02-23", to: "2026-03-01" });
    expect(presetRange(30, "2026-03-01"), "30 days").toEqual({ from: "2026-01-31", to: "2026-03-01" });
    for (const n of [7, 30, 90, 365] as const) {
      const r = presetRange(n, "2026-03-01");
      expect(presetOf(r.from, r.to, "2026-03-01"), `${n} days read back`).toBe(n);
    }
    expect(presetOf("2026-02-23", "2026-03-01", "2026-03-02"), "not ending today").toBeNull();
    expect(presetOf("2026-02-24", "2026-03-01", "2026-03-01"), "6 days").toBeNull();
  });

  it("says what is wrong with a typed period", () => {
    expect(periodProblem("2026-03-01", "2026-03-31"), "a month").toBeNull();
    expect(periodProblem("", "2026-03-31"), "no first day").toBe("from-invalid");
    expect(periodProblem("2026-03-01", "2026-02-30"), "no such last day").toBe("to-invalid");
    expect(periodProblem("2026-03-02", "2026-03-01"), "backwards").toBe("order");
    expect(periodProblem(addDays("2026-03-01", -INSIGHT_DAYS_MAX), "2026-03-01"), "one day too many").toBe("too-long");
    expect(periodProblem(addDays("2026-03-01", -(INSIGHT_DAYS_MAX - 1)), "2026-03-01"), "exactly the most").toBeNull();
  });

  it("clamps a closeness for its meter", () => {
    expect(clampPercent(130), "over the limit").toBe(100);
    expect(clampPercent(-1), "below").toBe(0);
    expect(clampPercent(Number.NaN), "not a number").toBe(0);
  });
});

describe("console insights: series and tables", () => {
  it("stacks the four decisions per day", () => {
    expect(decisionSeries(insights().days), "per decision").toEqual({
      refunded_auto: [1, 0, 0], refused_auto: [1, 0, 0], refunded_reviewed: [0, 0, 1], refused_reviewed: [0, 0, 0],
    });
  });

  it("gives each day's numbers with ISO days, the rate to one decimal, empty without deliveries", () => {
    const ins = insights();
    expect(rateTable(ins), "rate").toEqual({
      header: ["Day", "Delivered", "Reports", "Bad-result rate (%)"],
      rows: [["2026-03-01", 40, 2, 5], ["2026-03-02", 0, 0, null], ["2026-03-03", 8, 1, 12.5]],
    });
    expect(refundedTable(ins).rows, "refunded credits").toEqual([["2026-03-01", 4], ["2026-03-02", 0], ["2026-03-03", 6]]);
    expect(decisionsTable(ins).header.length, "day and four decisions").toBe(5);
    expect(reasonsTable(ins).rows, "reasons by name").toEqual([["Wrong subject", 2], ["Other", 1]]);
  });

  it("keeps the cells in the endpoint's order, refused counting both kinds", () => {
    const ins = insights();
    ins.cells.push({ feature: "retouch", platform: "android", counts: counts({ delivered: 0, reports: 1, refused_auto: 1, refused_reviewed: 2 }) });
    const rows = cellsTable(ins).rows;
    expect(rows.map((r) => `${r[0]}/${r[1]}`), "order as given").toEqual(["Flat Lay/iOS", "Logo/Web", "Retouch/Android"]);
    expect(rows[0], "flat lay on iOS").toEqual(["Flat Lay", "iOS", 8, 1, 12.5, 0, 1, 0, 6]);
    expect(rows[2]![4], "no rate without deliveries").toBeNull();
    expect(rows[2]![7], "refused at once and after review").toBe(3);
  });

  it("lists the accounts near the limits against the policy's most refunds", () => {
    const ins = insights();
    expect(nearLimitsTable(ins).rows[0], "one account").toEqual(["0b7c3d52-8f0e-4c8e-9d61-2a4f1f6f8e01", "=cmd|' /C calc'!A0", 18, 20, 40, 300, 90]);
    expect(csvFileName("near-limits", ins), "the file's name").toBe("recoup-insights-near-limits-2026-03-01-2026-03-03.csv");
    expect(csvFileName("rate", { from: "../x", to: "y z" }), "a strange period cannot make a path").toBe("recoup-insights-rate-.._x-y_z.csv");
  });
});
