/**
 * The reference client as another project consumes it: `import … from "qorus-oauth-relay/client"`
 * from plain JavaScript (the compiled dist/client/index.js) and from TypeScript with the shipped
 * declarations, in a scratch project whose node_modules links to this package.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "relay-consumer-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(ROOT, join(project, "node_modules", "qorus-oauth-relay"), "dir");
  writeFileSync(join(project, "package.json"), '{"name":"consumer","type":"module","private":true}\n');
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("qorus-oauth-relay/client for a consumer", () => {
  it("imports from plain JavaScript and works (a fresh oct key has the documented shape)", () => {
    writeFileSync(
      join(project, "consumer.mjs"),
      `import { generateInstanceKey, startFlow, openDelivery, refresh } from "qorus-oauth-relay/client";
const key = await generateInstanceKey("oct");
console.log(JSON.stringify({ fns: [typeof startFlow, typeof openDelivery, typeof refresh], kty: key.publicJwk.kty, alg: key.publicJwk.alg, k: key.publicJwk.k.length }));
`,
    );
    const out = execFileSync(process.execPath, ["consumer.mjs"], { cwd: project, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ fns: ["function", "function", "function"], kty: "oct", alg: "dir", k: 43 });
  });

  it("type-checks from TypeScript with the shipped declarations (and catches a wrong call)", () => {
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const options = [
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--skipLibCheck",
    ];
    writeFileSync(
      join(project, "good.ts"),
      `import { startFlow, type PendingFlow } from "qorus-oauth-relay/client";
export async function go(): Promise<PendingFlow> {
  const flow = await startFlow({ relay: "https://relay.example", app: "dropbox", returnTo: "http://127.0.0.1:1/cb", keyType: "oct" });
  return flow.pending;
}
`,
    );
    execFileSync(process.execPath, [tsc, ...options, "good.ts"], { cwd: project, encoding: "utf8" });
    writeFileSync(
      join(project, "bad.ts"),
      `import { startFlow } from "qorus-oauth-relay/client";
void startFlow({ relay: 42 });
`,
    );
    expect(() =>
      execFileSync(process.execPath, [tsc, ...options, "bad.ts"], { cwd: project, encoding: "utf8" }),
    ).toThrow();
  });
});
