import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  addDrone,
  DroneCredentialSource,
  listDrones,
  readCredentials,
  revokeDrone,
} from "./drone-registry.js";

const dirs: string[] = [];
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), "pw-drones-"));
  dirs.push(dir);
  return join(dir, "nested", "drones.json");
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the credentials file", () => {
  it("is created owner-only, holds hashes but never tokens, and lists without hashes", () => {
    const path = tempPath();
    expect(readCredentials(path).drones).toEqual([]);
    const added = addDrone(path, "d1", Date.parse("2026-11-26T10:00:00Z"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(added.token);
    expect(text).toMatch(/"tokenSha256": "[0-9a-f]{64}"/);

    revokeDrone(path, "d1", Date.parse("2026-11-26T11:00:00Z"));
    addDrone(path, "d2", Date.parse("2026-11-26T12:00:00Z"));
    const listed = listDrones(path);
    expect(listed.drones).toEqual([
      { droneId: "d1", created: "2026-11-26T10:00:00.000Z", revoked: "2026-11-26T11:00:00.000Z" },
      { droneId: "d2", created: "2026-11-26T12:00:00.000Z", revoked: null },
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/[0-9a-f]{64}|pwd_/);
  });

  it("refuses a corrupt file with its path instead of treating it as empty", () => {
    const path = tempPath();
    addDrone(path, "d1");
    writeFileSync(path, "{oops");
    expect(() => readCredentials(path)).toThrow(new RegExp(`${path}: not JSON`));
    expect(() => addDrone(path, "d2")).toThrow(/not JSON/);
  });
});

describe("DroneCredentialSource", () => {
  it("sees a revocation and a new drone once the file changed, and keeps the last good file", () => {
    const path = tempPath();
    const d1 = addDrone(path, "d1");
    let now = 0;
    const errors: string[] = [];
    const source = new DroneCredentialSource(path, {
      checkEveryMs: 1000,
      now: () => now,
      onReloadError: (e) => errors.push(e.message),
    });
    expect(source.droneFor(d1.token)).toBe("d1");

    revokeDrone(path, "d1");
    const d2 = addDrone(path, "d2");
    expect(source.droneFor(d1.token)).toBe("d1"); // not checked again within a second
    now = 1000;
    expect(source.droneFor(d1.token)).toBeUndefined();
    expect(source.droneFor(d2.token)).toBe("d2");

    writeFileSync(path, "garbage");
    now = 2000;
    expect(source.droneFor(d2.token)).toBe("d2");
    expect(errors).toEqual([expect.stringMatching(/not JSON/)]);
  });
});
