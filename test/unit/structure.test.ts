/**
 * The shape of src/ as rules over its import graph (test/harness/import-graph.ts): runtime code in
 * its runtime's folder, the shared core free of `node:` and of the runtime folders, no import
 * cycle, and the environment read in one module.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/servers/catalogue.js";
import { cycles, readImportGraph } from "../harness/import-graph.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const graph = readImportGraph(ROOT);
const FILES = [...graph.edges.keys()];
/** Folders whose code runs only on Node and may use node: modules. */
const NODE_FOLDERS = ["src/node/", "src/cli/"];
const RUNTIME_FOLDERS = ["src/node/", "src/cli/", "src/workers/"];
const inAny = (file: string, folders: readonly string[]) => folders.some((folder) => file.startsWith(folder));

describe("structure of src/", () => {
  it("reads the whole tree", () => {
    expect(FILES.length).toBeGreaterThan(40);
    expect(graph.edges.get("src/app.ts")?.length ?? 0).toBeGreaterThan(3);
  });

  it("only src/node/ and src/cli/ import node: modules", () => {
    const offenders = FILES.filter(
      (file) => (graph.nodeImports.get(file)?.length ?? 0) > 0 && !inAny(file, NODE_FOLDERS),
    );
    expect(offenders).toEqual([]);
    // the rule has something to hold: the Node entry does use node: modules
    expect(graph.nodeImports.get("src/node/server.ts")?.length ?? 0).toBeGreaterThan(0);
  });

  it("the shared core imports no runtime folder, and runtimes do not import each other", () => {
    const crossings: string[] = [];
    for (const [file, targets] of graph.edges) {
      for (const target of targets) {
        const targetRuntime = RUNTIME_FOLDERS.find((folder) => target.startsWith(folder));
        const fileRuntime = RUNTIME_FOLDERS.find((folder) => file.startsWith(folder));
        if (targetRuntime !== undefined && targetRuntime !== fileRuntime) crossings.push(`${file} -> ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the cycle finder does find a cycle", () => {
    const sample = {
      edges: new Map([
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["a"]],
        ["d", ["a"]],
      ]),
      nodeImports: new Map(),
    };
    expect(cycles(sample)).toEqual([["a", "b", "c"]]);
  });

  it("reads environment variables only in src/config.ts", () => {
    // process.env: only the Node entry, which hands it to config.ts; env.NAME / env["NAME"] reads of
    // upper-case names: only config.ts (Workers bindings are objects, read by src/workers/).
    const envReads = /\bprocess\.env\b|\benv\.[A-Z][A-Z0-9_]*\b|\benv\[["'][A-Z]/;
    const allowed = new Set(["src/config.ts", "src/node/main.ts", "src/workers/app.ts"]);
    const readers = FILES.filter((file) =>
      envReads.test(readFileSync(join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")),
    );
    expect(readers.filter((file) => !allowed.has(file))).toEqual([]);
    const workerReads = readFileSync(join(ROOT, "src/workers/app.ts"), "utf8").match(/\benv\.[A-Z][A-Z0-9_]*/g) ?? [];
    expect(new Set(workerReads)).toEqual(new Set(["env.RECORDS"]));
  });

  it("provider quirks live in the catalogue: no catalogue id is a string in code outside src/servers/", () => {
    // A quirk written as `if (app.server.id === "dropbox")` in a flow would escape the catalogue's
    // tests; the code outside src/servers/ acts on profile fields only (the CLI's examples aside).
    const ids = CATALOGUE.map((entry) => entry.id);
    // A catalogue id compared with, switched on or passed as a string (an example inside a message
    // text is fine).
    const quoted = `["'\`](?:${ids.join("|")})["'\`]`;
    const literal = new RegExp(`(?:[=!]==?\\s*|\\bcase\\s+|[(,\\[]\\s*)${quoted}|${quoted}\\s*[=!]==?`);
    const outside = FILES.filter((file) => !file.startsWith("src/servers/") && !file.startsWith("src/cli/"));
    const offenders = outside.filter((file) =>
      literal.test(readFileSync(join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")),
    );
    expect(offenders).toEqual([]);
    // the rule has something to hold: it sees a quirk written the way it forbids
    expect(literal.test('if (app.server.id === "dropbox") fixed.x = "y";')).toBe(true);
    expect(literal.test('switch (id) { case "microsoft": break; }')).toBe(true);
    expect(literal.test('config.apps.get("google")')).toBe(true);
    expect(literal.test('"e.g. [{\\"id\\":\\"dropbox\\"}]"')).toBe(false);
  });
});
