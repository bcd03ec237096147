import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/qorus-oauth-relay.mjs", import.meta.url));

/** The environment of a newcomer's shell: none of the relay's variables set. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(APPS|STATE_KEYS|RELAY_URL|SANDBOX|PORT|HOST|RETURN_|STATE_TTL|UPSTREAM_|CLIENT_SECRET_)/.test(name))
      continue;
    if (name.startsWith("VITEST") || name === "NODE_OPTIONS") continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

export { freePort } from "./free-port.js";

export interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr (rejects on exit or timeout). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv, group = false): Running {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: group });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let finished = false;
  void exited.then(() => {
    finished = true;
    for (const listener of listeners) listener();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in stderr:\n${err}`));
        }, timeoutMs);
        const check = () => {
          const match = pattern.exec(err);
          if (match) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(match);
          } else if (finished) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`process exited before ${pattern} appeared; stderr:\n${err}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
        else child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/** Runs the CLI (`bin/qorus-oauth-relay.mjs`) as a newcomer would through npx. */
export function cli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Running {
  return run(process.execPath, [BIN, ...args], env);
}
