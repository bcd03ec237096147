/** The CLI's command-line contract, in process (no relay needed). */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { importStateKeys } from "../../src/crypto/state-keys.js";
import { VERSION } from "../../src/version.js";
import { freePort } from "../harness/free-port.js";
import { fakeIo } from "./fake-io.js";

describe("qorus-oauth-relay CLI", () => {
  it("keygen prints one STATE_KEYS value the relay accepts", async () => {
    const t = fakeIo();
    expect(await main(["keygen", "--kid", "k2026"], t.io)).toBe(0);
    const value = t.out().trim();
    expect(value).toMatch(/^k2026:[A-Za-z0-9_-]{43}$/);
    expect(typeof (await importStateKeys(value))).toBe("object");
    const d = fakeIo();
    expect(await main(["keygen"], d.io)).toBe(0);
    expect(d.out().trim()).toMatch(/^k\d{8}:[A-Za-z0-9_-]{43}$/);
    expect(d.out().trim()).not.toBe(value);
  });

  it("--help works everywhere, on stdout, exit 0 (so `--help | head` shows it)", async () => {
    for (const args of [
      ["--help"],
      ["help"],
      ["login", "--help"],
      ["refresh", "-h"],
      ["keygen", "--help"],
      ["apps", "--help"],
      ["providers", "--help"],
      ["doctor", "--help"],
    ]) {
      const t = fakeIo();
      expect(await main(args, t.io), args.join(" ")).toBe(0);
      expect(t.out()).toContain("Usage: qorus-oauth-relay");
      expect(t.err()).toBe("");
    }
  });

  it("--version prints the package version on stdout", async () => {
    const t = fakeIo();
    expect(await main(["--version"], t.io)).toBe(0);
    expect(t.out()).toBe(`qorus-oauth-relay ${VERSION}\n`);
  });

  it("a relay that is not running gets a hint, not a bare ECONNREFUSED", async () => {
    const t = fakeIo();
    const relay = `http://127.0.0.1:${await freePort()}`; // free: nothing listens there
    expect(await main(["apps", "--relay", relay], t.io)).toBe(1);
    expect(t.err()).toContain(`is the relay running at ${relay}?`);
    expect(t.err()).toContain("npm start");
    expect(t.err().trim().split("\n")).toHaveLength(1);
  });

  it("usage errors exit 2 with a pointer to --help", async () => {
    for (const args of [
      [],
      ["frobnicate"],
      ["login"],
      ["login", "sandbox", "--mode", "post"],
      ["login", "sandbox", "--timeout", "soon"],
      ["login", "sandbox", "--bogus"],
      ["refresh", "sandbox"],
      ["keygen", "--kid", "no spaces allowed"],
      ["apps", "--relay", "ftp://x"],
      ["login", "sandbox", "--var", "no-equals-sign"],
      ["refresh", "sandbox", "--refresh-token", "r", "--var", "Upper=x"],
    ]) {
      const t = fakeIo();
      expect(await main(args, t.io), args.join(" ")).toBe(2);
      expect(t.out()).toBe("");
    }
  });

  it("an unreachable relay exits 1 with one line", async () => {
    const t = fakeIo();
    expect(await main(["login", "sandbox", "--no-open", "--relay", "http://127.0.0.1:9"], t.io)).toBe(1);
    expect(t.err().trim().split("\n")).toHaveLength(1);
    expect(t.err()).toMatch(/^qorus-oauth-relay login: /);
    expect(t.opened).toEqual([]);
  });
});
