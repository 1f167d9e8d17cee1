// The insights screen's tables as data: the header (the columns' titles, in the console's language)
// and the rows as plain values, which the CSV files are made of (csv.ts: ISO days, plain numbers,
// the rate to one decimal, empty when nothing was delivered). The screen shows the same numbers.
import type { Insights } from "../lib/bindings/Insights";
import { fileSafe, type CsvValue } from "./csv";
import { t } from "../lib/i18n.svelte";
import { featureName, platformName, reasonName } from "./labels";
import { ratePercent, refused, round1 } from "./insights";

export interface TableData {
  header: string[];
  rows: CsvValue[][];
}

/** The tables a CSV can be made of (the `csv-<name>` buttons). */
export const TABLES = ["rate", "refunded", "decisions", "reasons", "cells", "near-limits"] as const;
export type TableName = (typeof TABLES)[number];

export function rateTable(ins: Pick<Insights, "days">): TableData {
  return {
    header: [t("console-insights-col-day"), t("console-insights-col-delivered"), t("console-insights-col-reports"), t("console-insights-col-rate")],
    rows: ins.days.map((d) => [d.day, d.counts.delivered, d.counts.reports, round1(ratePercent(d.counts))]),
  };
}

export function refundedTable(ins: Pick<Insights, "days">): TableData {
  return {
    header: [t("console-insights-col-day"), t("console-insights-col-refunded-credits")],
    rows: ins.days.map((d) => [d.day, d.counts.refunded_credits]),
  };
}

export function decisionsTable(ins: Pick<Insights, "days">): TableData {
  return {
    header: [
      t("console-insights-col-day"),
      t("console-insights-refunded-auto"),
      t("console-insights-refused-auto"),
      t("console-insights-refunded-reviewed"),
      t("console-insights-refused-reviewed"),
    ],
    rows: ins.days.map((d) => [d.day, d.counts.refunded_auto, d.counts.refused_auto, d.counts.refunded_reviewed, d.counts.refused_reviewed]),
  };
}

export function reasonsTable(ins: Pick<Insights, "reasons">): TableData {
  return {
    header: [t("console-insights-col-reason"), t("console-insights-col-reports")],
    rows: ins.reasons.map((r) => [reasonName(r.reason), r.reports]),
  };
}

export function cellsTable(ins: Pick<Insights, "cells">): TableData {
  return {
    header: [
      t("console-insights-col-feature"),
      t("console-insights-col-platform"),
      t("console-insights-col-delivered"),
      t("console-insights-col-reports"),
      t("console-insights-col-rate"),
      t("console-insights-refunded-auto"),
      t("console-insights-col-sent-to-review"),
      t("console-insights-col-refused"),
      t("console-insights-col-refunded-credits"),
    ],
    rows: ins.cells.map((c) => [
      featureName(c.feature),
      platformName(c.platform),
      c.counts.delivered,
      c.counts.reports,
      round1(ratePercent(c.counts)),
      c.counts.refunded_auto,
      c.counts.sent_to_review,
      refused(c.counts),
      c.counts.refunded_credits,
    ]),
  };
}

export function nearLimitsTable(ins: Pick<Insights, "near_limits" | "safeguards">): TableData {
  return {
    header: [
      t("console-insights-col-account"),
      t("console-insights-col-subject"),
      t("console-insights-col-refunds"),
      t("console-insights-col-refunds-max"),
      t("console-insights-col-refunded-credits"),
      t("console-insights-col-spent-credits"),
      t("console-insights-col-closeness"),
    ],
    rows: ins.near_limits.map((a) => [
      a.account_id, a.subject, a.refunds, ins.safeguards.refunds_max, a.refunded_credits, a.spent_credits, a.closeness_percent,
    ]),
  };
}

export function tableOf(name: TableName, ins: Insights): TableData {
  switch (name) {
    case "rate": return rateTable(ins);
    case "refunded": return refundedTable(ins);
    case "decisions": return decisionsTable(ins);
    case "reasons": return reasonsTable(ins);
    case "cells": return cellsTable(ins);
    case "near-limits": return nearLimitsTable(ins);
  }
}

/** The CSV's file name: `recoup-insights-<table>-<from>-<to>.csv`. */
export const csvFileName = (name: TableName, ins: Pick<Insights, "from" | "to">): string => `recoup-insights-${name}-${fileSafe(ins.from)}-${fileSafe(ins.to)}.csv`;
