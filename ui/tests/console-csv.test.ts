// CSV files (src/console/csv.ts): RFC 4180 quoting, CRLF, a header row, numbers plain, and text
// that a spreadsheet would run as a formula neutralized.
import { describe, expect, it } from "vitest";
import { csvField, fileSafe, toCsv } from "../src/console/csv";
import { nearLimitsTable } from "../src/console/insightTables";
import { insights } from "./console-fixtures";

describe("console csv", () => {
  it("writes a header row, then the rows, each line ended by CRLF", () => {
    expect(toCsv(["Day", "Reports"], [["2026-03-01", 2], ["2026-03-02", 0]]), "two rows")
      .toBe("Day,Reports\r\n2026-03-01,2\r\n2026-03-02,0\r\n");
    expect(toCsv(["Day"], []), "no rows: the header alone").toBe("Day\r\n");
  });

  it("quotes a field holding a comma, a quote, CR or LF, doubling its quotes", () => {
    expect(csvField("a,b"), "comma").toBe('"a,b"');
    expect(csvField('say "hi"'), "quotes").toBe('"say ""hi"""');
    expect(csvField("two\nlines"), "LF").toBe('"two\nlines"');
    expect(csvField("a\r\nb"), "CRLF").toBe('"a\r\nb"');
    expect(csvField("plain text"), "nothing to quote").toBe("plain text");
    expect(csvField("Taux de mauvais résultats (%)"), "accents and parentheses need no quotes").toBe("Taux de mauvais résultats (%)");
  });

  it("writes numbers plainly and leaves missing values empty", () => {
    expect(csvField(1234.5), "no grouping, a dot").toBe("1234.5");
    expect(csvField(-3), "a negative number is a number").toBe("-3");
    expect(csvField(null), "null").toBe("");
    expect(csvField(undefined), "undefined").toBe("");
    expect(csvField(Number.NaN), "not a number").toBe("");
    expect(csvField(true), "a flag").toBe("true");
  });

  it("neutralizes text that a spreadsheet would read as a formula", () => {
    expect(csvField("=1+1"), "=").toBe("'=1+1");
    expect(csvField("+33 6"), "+").toBe("'+33 6");
    expect(csvField("-x"), "-").toBe("'-x");
    expect(csvField("@SUM(A1)"), "@").toBe("'@SUM(A1)");
    const row = toCsv(nearLimitsTable(insights()).header, nearLimitsTable(insights()).rows).split("\r\n")[1];
    expect(row, "a subject from the product, neutralized and quoted")
      .toBe(`0b7c3d52-8f0e-4c8e-9d61-2a4f1f6f8e01,'=cmd|' /C calc'!A0,18,20,40,300,90`);
  });

  it("makes safe file name parts", () => {
    expect(fileSafe("2026-12-07.1"), "a version label").toBe("2026-12-07.1");
    expect(fileSafe("../../etc/passwd"), "a path").toBe(".._.._etc_passwd");
    expect(fileSafe("  "), "nothing left").toBe("file");
  });
});
