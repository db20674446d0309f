import type { PruneResult } from "../types.js";
import type { OpenSearchHttp } from "./http.js";
import { type IndexLayout, utcDay } from "./index-layout.js";

interface CatIndex {
  index: string;
  "docs.count": string | null;
}

/**
 * Retention without ISM: whole daily report and sighting indices whose UTC day
 * ends at or before `beforeMs` are deleted in one request. Deleting an index is
 * immediate and frees its disk, unlike deleting documents.
 */
export async function pruneDailyIndices(
  http: OpenSearchHttp,
  layout: IndexLayout,
  beforeMs: number,
  dryRun: boolean,
): Promise<PruneResult> {
  const cutoff = utcDay(beforeMs);
  const { body } = await http.request<CatIndex[]>(
    {
      method: "GET",
      path: `/_cat/indices/${layout.reportsPattern},${layout.sightingsPattern}`,
      query: { format: "json", h: "index,docs.count", expand_wildcards: "open,closed" },
      ignore: [404],
    },
    "listing daily indices",
  );
  const reportsPrefix = `${layout.prefix}reports-`;
  const sightingsPrefix = `${layout.prefix}sightings-`;
  const old = (Array.isArray(body) ? body : []).filter((i) => {
    const day = dayOf(i.index, reportsPrefix) ?? dayOf(i.index, sightingsPrefix);
    return day !== undefined && day < cutoff;
  });
  const days = [
    ...new Set(old.map((i) => (dayOf(i.index, reportsPrefix) ?? dayOf(i.index, sightingsPrefix))!)),
  ]
    .sort()
    .map((d) => d.replaceAll(".", "-"));
  const reports = old
    .filter((i) => i.index.startsWith(reportsPrefix))
    .reduce((n, i) => n + Number(i["docs.count"] ?? 0), 0);
  if (!dryRun && old.length > 0) {
    await http.request(
      { method: "DELETE", path: `/${old.map((i) => i.index).join(",")}` },
      "deleting old daily indices",
    );
  }
  return { days, reports };
}

/** `YYYY.MM.DD` when `index` is exactly `<prefix>YYYY.MM.DD`. */
function dayOf(index: string, prefix: string): string | undefined {
  if (!index.startsWith(prefix)) return undefined;
  const day = index.slice(prefix.length);
  return /^\d{4}\.\d{2}\.\d{2}$/.test(day) ? day : undefined;
}
