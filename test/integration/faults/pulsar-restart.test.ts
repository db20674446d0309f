// Fault test: the shared test Pulsar broker is stopped and started again while
// `pw ingest` publishes and `pw alerts` / `pw archive` consume (store: OpenSearch).
// Ingest rides it out, resending what the broker did not acknowledge (it would
// otherwise fail naming the lines not acknowledged); the consumers reconnect and
// finish; the store keeps each report once even if a resend put it twice in the
// stream. Needs `npm run build` first; the broker is up again when the test ends.
// Run: bash scripts/services/with-services.sh npx vitest run --project integration test/integration/faults
import { afterEach, describe, it } from "vitest";
import { type Backend, distributedBackend, requireFreshBuild } from "./fault-kit.js";
import { restartDuringLoad } from "./restart-scenario.js";

let backend: Backend | undefined;
afterEach(async () => {
  await backend?.cleanup();
  backend = undefined;
});

describe("Pulsar broker restart", () => {
  it("during ingest and consumption: nothing lost, nothing stored twice, consumers reconnect", {
    timeout: 400_000,
  }, async () => {
    requireFreshBuild();
    backend = await distributedBackend("pulsar-restart");
    await restartDuringLoad({
      service: "pulsar",
      backend,
      reports: 20_000,
      perSecond: 500,
      seed: 21,
      outageMs: 5_000,
    });
  });
});
