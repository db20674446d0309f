import { PwCommand } from "../cli/base-command.js";
import { reportJsonSchema } from "../domain/report.js";

export default class Schema extends PwCommand {
  static override description =
    "Print the JSON Schema of report v1, so drone makers can validate reports on their side";

  static override examples = ["<%= config.bin %> schema > report-v1.schema.json"];

  async run(): Promise<void> {
    process.stdout.write(`${JSON.stringify(reportJsonSchema, null, 2)}\n`);
  }
}
