import { userInfo } from "node:os";
import { Flags } from "@oclif/core";
import { readConfigFile } from "./config.js";

export const operatorFlag = {
  operator: Flags.string({
    description: "who is acting, for the audit trail [default: config file, else the OS user]",
    env: "PW_OPERATOR",
  }),
};

/** --operator / PW_OPERATOR, then the config file, then the OS user. */
export function resolveOperator(flag: string | undefined): string {
  if (flag) return flag;
  const fromFile = readConfigFile().operator;
  if (fromFile) return fromFile;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
