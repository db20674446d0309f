import { PwCommand } from "../../cli/base-command.js";
import { resolveCredentialsPath } from "../../cli/config.js";
import { credentialsFlag } from "../../cli/gateway-flags.js";
import { outputFlags } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { type DroneListResult, listDrones } from "../../pipeline/drone-registry.js";

export default class DronesList extends PwCommand {
  static override description = "List the drones that have a gateway token: id, issued, revoked";

  static override examples = [
    "<%= config.bin %> drones list",
    "<%= config.bin %> drones list --json | jq -r '.drones[] | select(.revoked == null) | .droneId'",
  ];

  static override enableJsonFlag = true;
  static override flags = { ...credentialsFlag, ...outputFlags };

  async run(): Promise<DroneListResult> {
    const { flags } = await this.parse(DronesList);
    const result = listDrones(resolveCredentialsPath(flags.credentials));
    if (!this.jsonEnabled()) {
      await writeRows(
        result.drones,
        ["droneId", "created", "revoked"],
        resolveFormat(flags.format, false),
      );
    }
    return result;
  }
}
