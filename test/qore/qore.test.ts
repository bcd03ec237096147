/**
 * The Qore client module (clients/qore/OAuth2Relay.qm) under Qore's own QUnit: the vector suite
 * (clients/qore/test/OAuth2Relay.qtest, no relay), then the end-to-end suite
 * (clients/qore/test/RelayE2E.qtest) against the compiled Node relay with its built-in sandbox.
 * Needs `qore` (with the json module) on PATH; without it the suite is skipped, saying so.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.js";
import { type RelayProcess, spawnRelay } from "../harness/relay.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const VECTOR_SUITE = "clients/qore/test/OAuth2Relay.qtest";
const E2E_SUITE = "clients/qore/test/RelayE2E.qtest";
const SKIP_MESSAGE = "Qore suite skipped: qore not on PATH (bash .ci/run builds it; see scripts/build-qore.sh)";

const probe = spawnSync("qore", ["--version"], { encoding: "utf8", timeout: 10_000 });
/** ENOENT: no `qore` on PATH (skip); any other failure is a broken installation (fail). */
const qoreMissing = (probe.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
const qoreVersion = probe.status === 0 ? (/version (\S+)/.exec(probe.stdout)?.[1] ?? "?") : undefined;

interface QoreRun {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `qore <script> -v` from the repository root; stdout and stderr together, in order. */
function runQore(script: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<QoreRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("qore", [script, "-v"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`qore ${script} did not finish within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * QUnit's summary line, e.g. "Ran 17 test cases, 17 succeeded (152 assertions)": every case passed,
 * none skipped, none failed. Prints the whole output when it is not so.
 */
function expectAllPassed(script: string, run: QoreRun, minimumCases: number): void {
  const summary = /^Ran (\d+) test cases?, (\d+) succeeded \((\d+) assertions?\)$/m.exec(run.output);
  const failed = /^(ERROR|FAILURE|Skipped): /m.test(run.output);
  if (run.code !== 0 || !summary || failed) console.error(`qore ${script} -v (exit ${run.code}):\n${run.output}`);
  expect(run.code, `qore ${script} exit code; its output:\n${run.output}`).toBe(0);
  expect(failed, `a test case failed or was skipped:\n${run.output}`).toBe(false);
  expect(summary, `no QUnit summary line with every case passed:\n${run.output}`).not.toBeNull();
  const [cases, succeeded, assertions] = [Number(summary?.[1]), Number(summary?.[2]), Number(summary?.[3])];
  expect(succeeded).toBe(cases);
  expect(cases).toBeGreaterThanOrEqual(minimumCases);
  expect(assertions).toBeGreaterThan(cases);
}

if (qoreMissing) {
  console.log(SKIP_MESSAGE);
  describe("Qore client (clients/qore)", () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
} else if (qoreVersion === undefined) {
  describe("Qore client (clients/qore)", () => {
    it("qore on PATH runs", () => {
      expect.fail(
        `\`qore --version\` failed (exit ${probe.status}, ${probe.error?.message ?? "no error"}):\n${probe.stdout}${probe.stderr}`,
      );
    });
  });
} else {
  describe(`Qore client (clients/qore) on Qore ${qoreVersion}`, () => {
    it("the vector suite passes: the dir vector, tampering, every check", async () => {
      const run = await runQore(VECTOR_SUITE);
      expectAllPassed(VECTOR_SUITE, run, 17);
      expect(run.output).toContain("Success: the dir vector opens to exactly expected_claims");
    }, 120_000);

    describe("against a relay with its sandbox", () => {
      let relay: RelayProcess;

      beforeAll(async () => {
        // No APPS: the relay's built-in sandbox. RATE_LIMIT=off: the suite makes more than 20 requests a
        // minute to some routes.
        relay = await spawnRelay({ runtime: "node", port: await freePort(), env: { RATE_LIMIT: "off" } });
      }, 60_000);

      afterAll(async () => {
        await relay?.close();
      });

      it("the end-to-end suite passes: each response mode, refresh, deny, replay", async () => {
        const run = await runQore(E2E_SUITE, { OAUTH2_RELAY_URL: relay.url });
        if (run.code !== 0) console.error(`relay output:\n${relay.output()}`);
        expectAllPassed(E2E_SUITE, run, 10);
        for (const mode of ["form_post", "query", "fragment"])
          expect(run.output).toContain(`Success: sign-in delivered by ${mode}`);
        expect(run.output).toContain("OAUTH2-RELAY-DELIVERED-ERROR");
      }, 120_000);
    });
  });
}
