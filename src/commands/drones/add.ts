import { Args } from "@oclif/core";
import { PwCommand } from "../../cli/base-command.js";
import { resolveCredentialsPath } from "../../cli/config.js";
import { credentialsFlag } from "../../cli/gateway-flags.js";
import { addDrone, type DroneAddResult } from "../../pipeline/drone-registry.js";

export default class DronesAdd extends PwCommand {
  static override description = `Issue a drone's token for the HTTP gateway (pw ingest --listen)
The token is printed once, on stdout; only its SHA-256 is kept. A drone that already has a valid token must be revoked first.`;

  static override examples = [
    "<%= config.bin %> drones add drone-17 > drone-17.token",
    "<%= config.bin %> drones add drone-17 --json | jq -r .token",
  ];

  static override enableJsonFlag = true;
  static override args = {
    droneId: Args.string({ description: "the droneId its reports carry", required: true }),
  };
  static override flags = { ...credentialsFlag };

  async run(): Promise<DroneAddResult> {
    const { args, flags } = await this.parse(DronesAdd);
    const path = resolveCredentialsPath(flags.credentials);
    const result = addDrone(path, args.droneId);
    if (!this.jsonEnabled()) {
      this.log(result.token);
      this.info(
        `token issued for drone ${args.droneId} (kept hashed in ${path}); it is not shown again`,
      );
    }
    return result;
  }
}
