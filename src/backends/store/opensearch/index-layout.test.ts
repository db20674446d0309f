import { describe, expect, it } from "vitest";
import { indexLayout, indexTemplates, templateNames, utcDay } from "./index-layout.js";

describe("index layout", () => {
  const layout = indexLayout("pw-");

  it("names daily indices by the UTC day of the event time", () => {
    expect(layout.reportsIndex(Date.parse("2026-11-26T23:59:59.999Z"))).toBe(
      "pw-reports-2026.11.26",
    );
    expect(layout.sightingsIndex(Date.parse("2026-11-27T00:30:00+01:00"))).toBe(
      "pw-sightings-2026.11.26",
    );
    expect(utcDay(Date.parse("1969-12-31T23:00:00Z"))).toBe("1969.12.31");
  });

  it("has one template per kind of index, matching only that prefix", () => {
    const templates = indexTemplates(indexLayout("pwt1-"));
    expect(Object.keys(templates)).toEqual(templateNames("pwt1-"));
    expect(Object.values(templates).map((t) => t.index_patterns)).toEqual([
      ["pwt1-reports-*"],
      ["pwt1-sightings-*"],
      ["pwt1-alerts"],
      ["pwt1-alert-reports"],
    ]);
    const reports = templates["pwt1-reports"]!.template.mappings as {
      _source: unknown;
      properties: Record<string, unknown>;
    };
    expect(reports._source).toEqual({ excludes: ["raw"] });
    expect(reports.properties.raw).toEqual({
      type: "keyword",
      index: false,
      doc_values: false,
      store: true,
    });
  });
});
