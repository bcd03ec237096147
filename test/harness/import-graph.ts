/**
 * The import graph of src/, read from the source text: every relative import (static, dynamic or
 * type-only) resolved to its file, plus each file's `node:` imports. Used by the structure rules
 * in test/unit/structure.test.ts; `npx tsx test/harness/import-graph.ts` prints its figures.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface ImportGraph {
  /** file (relative to the root, e.g. `src/app.ts`) → the src files it imports. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** file → the `node:` modules it imports. */
  readonly nodeImports: ReadonlyMap<string, readonly string[]>;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Comments removed, so an import mentioned in a comment is not taken for one. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

export function readImportGraph(root: string, sourceDir = "src"): ImportGraph {
  const edges = new Map<string, string[]>();
  const nodeImports = new Map<string, string[]>();
  for (const path of files(join(root, sourceDir))) {
    const file = relative(root, path);
    const targets = new Set<string>();
    const builtins = new Set<string>();
    for (const match of code(readFileSync(path, "utf8")).matchAll(SPECIFIER)) {
      const specifier = match[1] ?? "";
      if (specifier.startsWith("node:")) builtins.add(specifier);
      if (!specifier.startsWith(".")) continue;
      const target = resolve(dirname(path), specifier.replace(/\.js$/, ".ts"));
      if (existsSync(target)) targets.add(relative(root, target));
    }
    edges.set(file, [...targets].sort());
    nodeImports.set(file, [...builtins].sort());
  }
  return { edges, nodeImports };
}

/** Every cycle's files (strongly connected components larger than one file, or self-imports). */
export function cycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.edges.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.edges.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of graph.edges.keys()) if (!index.has(file)) visit(file);
  return found;
}

/** The folder a file belongs to: `src/flow/start.ts` → `src/flow`, `src/app.ts` → `src`. */
export function folderOf(file: string): string {
  return dirname(file);
}

export function summary(graph: ImportGraph): {
  files: number;
  edges: number;
  cycles: string[][];
  perFolder: Record<string, number>;
} {
  const perFolder: Record<string, number> = {};
  for (const file of graph.edges.keys()) perFolder[folderOf(file)] = (perFolder[folderOf(file)] ?? 0) + 1;
  const edges = [...graph.edges.values()].reduce((sum, targets) => sum + targets.length, 0);
  return { files: graph.edges.size, edges, cycles: cycles(graph), perFolder };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const root = process.argv[2] ?? fileURLToPath(new URL("../..", import.meta.url));
  process.stdout.write(`${JSON.stringify(summary(readImportGraph(root)), null, 2)}\n`);
}
