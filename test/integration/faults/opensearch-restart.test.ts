// Fault test: the shared test OpenSearch is stopped and started again while
// `pw archive` writes into it (and `pw alerts` records alerts in it), reports
// streaming in through Pulsar. The consumers back off, saying so on stderr, and
// resume once it is back; nothing is acked before it is stored, so nothing is
// lost, and nothing is stored twice. Needs `npm run build` first; OpenSearch is
// up again when the test ends.
// Run: bash scripts/services/with-services.sh npx vitest run --project integration test/integration/faults
import { afterEach, describe, expect, it } from "vitest";
import { type Backend, distributedBackend, requireFreshBuild } from "./fault-kit.js";
import { restartDuringLoad } from "./restart-scenario.js";

let backend: Backend | undefined;
afterEach(async () => {
  await backend?.cleanup();
  backend = undefined;
});

describe("OpenSearch restart", () => {
  it("during archiving: the archive consumer backs off and resumes, nothing lost or duplicated", {
    timeout: 400_000,
  }, async () => {
    requireFreshBuild();
    backend = await distributedBackend("opensearch-restart");
    const stderr = await restartDuringLoad({
      service: "opensearch",
      backend,
      reports: 15_000,
      perSecond: 500,
      seed: 33,
      outageMs: 5_000,
    });
    // It waited for the store (and said so) instead of exiting.
    expect(stderr.archive).toMatch(/archive: cannot write to the store: .*; trying again in/);
  });
});
