import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { METRICS_DEFINITIONS } from "./metrics.doc.ts";

describe("the metrics' definitions", () => {
  it("README.md's Metrics section holds the text the API documents, verbatim", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.split("\n## Metrics\n")[1]?.split("\n## ")[0] ?? "";
    expect(section).toContain(METRICS_DEFINITIONS);
  });

  it("name every figure of the summary", () => {
    for (const figure of [
      "received",
      "closed",
      "completionRate",
      "onTimeRate",
      "responseRate",
      "satisfactionRate",
      "satisfactionScore",
      "resolutionRate",
      "reopenRate",
      "returnRate",
      "overdueOpen",
      "warnings",
    ])
      expect(METRICS_DEFINITIONS).toContain(`| \`${figure}\` `);
  });
});
