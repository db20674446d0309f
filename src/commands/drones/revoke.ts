import { Args } from "@oclif/core";
import { PwCommand } from "../../cli/base-command.js";
import { resolveCredentialsPath } from "../../cli/config.js";
import { credentialsFlag } from "../../cli/gateway-flags.js";
import { type DroneRevokeResult, revokeDrone } from "../../pipeline/drone-registry.js";

export default class DronesRevoke extends PwCommand {
  static override description = `Revoke a drone's token
A running gateway refuses it (401) within a second, without a restart.`;

  static override examples = ["<%= config.bin %> drones revoke drone-17"];

  static override enableJsonFlag = true;
  static override args = {
    droneId: Args.string({ description: "the drone whose token to revoke", required: true }),
  };
  static override flags = { ...credentialsFlag };

  async run(): Promise<DroneRevokeResult> {
    const { args, flags } = await this.parse(DronesRevoke);
    const result = revokeDrone(resolveCredentialsPath(flags.credentials), args.droneId);
    if (!this.jsonEnabled()) this.info(`revoked the token of drone ${args.droneId}`);
    return result;
  }
}
