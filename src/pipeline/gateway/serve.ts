import { once } from "node:events";
import { type Stream, Topics } from "../../backends/stream/types.js";
import { DroneCredentialSource, readCredentials } from "../drone-registry.js";
import { type GatewayOptions, type GatewaySummary, ReportGateway } from "./server.js";

export interface ServeGatewayOptions extends Omit<GatewayOptions, "openProducers" | "credentials"> {
  stream: Stream;
  /** The file `pw drones add|revoke` manages; reread when it changes. */
  credentialsPath: string;
  /** How long a shutdown waits for the requests under way. */
  drainTimeoutMs: number;
  /** Aborted on SIGINT/SIGTERM: stop accepting, drain, close. */
  signal: AbortSignal;
  onListening: (url: string) => void;
}

/**
 * `pw ingest --listen`: runs the report gateway on a stream until `signal`
 * aborts, then drains it and returns what it did.
 */
export async function serveGateway(options: ServeGatewayOptions): Promise<GatewaySummary> {
  const { stream, credentialsPath, log } = options;
  if (readCredentials(credentialsPath).drones.every((d) => d.revoked !== undefined)) {
    log(
      `gateway: no drone has a valid token in ${credentialsPath}, so every report is refused (401) until one is added: pw drones add DRONE_ID`,
    );
  }
  const credentials = new DroneCredentialSource(credentialsPath, {
    onReloadError: (error) =>
      log(`gateway: keeping the previous drone credentials: ${error.message}`),
  });
  const gateway = new ReportGateway({
    ...options,
    credentials,
    openProducers: async () => {
      const reports = await stream.createProducer({ topic: Topics.reports });
      try {
        const deadLetters = await stream.createProducer({ topic: Topics.reportsDeadLetter });
        return { reports, deadLetters };
      } catch (error) {
        await reports.close();
        throw error;
      }
    },
  });
  const url = await gateway.start();
  options.onListening(url);
  if (!options.signal.aborted) await once(options.signal, "abort");
  return gateway.shutdown(options.drainTimeoutMs);
}
