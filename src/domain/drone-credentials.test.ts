import { describe, expect, it } from "vitest";
import {
  addDroneCredential,
  checkCredentialsFile,
  DroneTokenIndex,
  EMPTY_CREDENTIALS,
  generateDroneToken,
  hashDroneToken,
  revokeDroneCredential,
} from "./drone-credentials.js";
import { UsageError } from "./errors.js";

const NOW = Date.parse("2026-11-26T10:00:00Z");

describe("drone tokens", () => {
  it("are 256 random bits behind a recognisable prefix, never twice the same", () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateDroneToken()));
    expect(tokens.size).toBe(100);
    for (const t of tokens) expect(t).toMatch(/^pwd_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from([...tokens][0]!.slice(4), "base64url")).toHaveLength(32);
  });

  it("are kept as their SHA-256 only", () => {
    const { file, token } = addDroneCredential(EMPTY_CREDENTIALS, "d1", NOW);
    expect(JSON.stringify(file)).not.toContain(token);
    expect(file.drones[0]).toEqual({
      droneId: "d1",
      tokenSha256: hashDroneToken(token),
      created: "2026-11-26T10:00:00.000Z",
    });
  });
});

describe("DroneTokenIndex", () => {
  it("names the drone of a valid token and refuses unknown, malformed and revoked ones", () => {
    const one = addDroneCredential(EMPTY_CREDENTIALS, "d1", NOW);
    const two = addDroneCredential(one.file, "d2", NOW);
    const index = new DroneTokenIndex(two.file);
    expect(index.droneFor(one.token)).toBe("d1");
    expect(index.droneFor(two.token)).toBe("d2");
    expect(index.droneFor(generateDroneToken())).toBeUndefined();
    expect(index.droneFor(`${one.token}x`)).toBeUndefined();
    expect(index.droneFor(hashDroneToken(one.token))).toBeUndefined();
    expect(index.droneFor("")).toBeUndefined();

    const revoked = revokeDroneCredential(two.file, "d1", NOW + 1000);
    const after = new DroneTokenIndex(revoked.file);
    expect(after.droneFor(one.token)).toBeUndefined();
    expect(after.droneFor(two.token)).toBe("d2");
  });
});

describe("add and revoke", () => {
  it("refuses to replace a valid token, and issues a new one once it is revoked", () => {
    const first = addDroneCredential(EMPTY_CREDENTIALS, "d1", NOW);
    expect(() => addDroneCredential(first.file, "d1", NOW)).toThrow(/revoke it first/);
    const revoked = revokeDroneCredential(first.file, "d1", NOW + 1);
    const again = addDroneCredential(revoked.file, "d1", NOW + 2);
    expect(again.file.drones).toHaveLength(1);
    expect(new DroneTokenIndex(again.file).droneFor(again.token)).toBe("d1");
    expect(new DroneTokenIndex(again.file).droneFor(first.token)).toBeUndefined();
  });

  it("keeps the first revocation time and refuses unknown drones", () => {
    const { file } = addDroneCredential(EMPTY_CREDENTIALS, "d1", NOW);
    const once = revokeDroneCredential(file, "d1", NOW + 1000);
    const twice = revokeDroneCredential(once.file, "d1", NOW + 5000);
    expect(twice.credential.revoked).toBe("2026-11-26T10:00:01.000Z");
    expect(() => revokeDroneCredential(file, "nope", NOW)).toThrow(UsageError);
  });

  it("takes the droneIds reports can carry, and nothing else", () => {
    expect(() => addDroneCredential(EMPTY_CREDENTIALS, "", NOW)).toThrow(/1 to 64/);
    expect(() => addDroneCredential(EMPTY_CREDENTIALS, "x".repeat(65), NOW)).toThrow(/1 to 64/);
    expect(() => addDroneCredential(EMPTY_CREDENTIALS, "a\nb", NOW)).toThrow(/printable/);
    expect(addDroneCredential(EMPTY_CREDENTIALS, "drône-7", NOW).credential.droneId).toBe(
      "drône-7",
    );
  });
});

describe("checkCredentialsFile", () => {
  const valid = addDroneCredential(EMPTY_CREDENTIALS, "d1", NOW).file;

  it("accepts what add writes", () => {
    expect(checkCredentialsFile(JSON.parse(JSON.stringify(valid)), "f")).toEqual(valid);
  });

  it.each([
    [[], /JSON object/],
    [{ version: 2, drones: [] }, /unsupported version 2/],
    [{ version: 1 }, /drones must be an array/],
    [{ version: 1, drones: [{ droneId: 1 }] }, /drones\[0\]\.droneId/],
    [{ version: 1, drones: [{ ...valid.drones[0], tokenSha256: "abc" }] }, /tokenSha256/],
    [{ version: 1, drones: [{ ...valid.drones[0], created: "soon" }] }, /created/],
    [{ version: 1, drones: [valid.drones[0], valid.drones[0]] }, /appears twice/],
  ])("names what is wrong in %j", (value, message) => {
    expect(() => checkCredentialsFile(value, "drones.json")).toThrow(message);
  });
});
