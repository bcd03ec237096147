/**
 * The relay as a separate process, exactly as it is run: `node --import tsx src/node.ts` (Node) or
 * `wrangler dev` (workerd; `wrangler dev --env sandbox` when the env has SANDBOX=1). Everything the process writes to stdout and stderr is kept, so the
 * privacy check can search it for sentinel values.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { send } from "./http.js";

export type Runtime = "node" | "workerd";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface RelayProcess {
  readonly runtime: Runtime;
  readonly url: string;
  /** stdout + stderr so far. */
  output(): string;
  close(): Promise<void>;
}

export interface StartRelayOptions {
  readonly runtime: Runtime;
  readonly port: number;
  /** The relay's configuration (RELAY_URL, STATE_KEYS, APPS, CLIENT_SECRET_*, …). */
  readonly env: Record<string, string>;
  /** Node only: serve https with this certificate (TLS_CERT_FILE / TLS_KEY_FILE). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly ca: Buffer };
}

function dotenvLine(name: string, value: string): string {
  if (/['\n]/.test(value)) throw new Error(`${name}: value not representable in the env file`);
  return `${name}='${value}'`;
}

export async function startRelay(options: StartRelayOptions): Promise<RelayProcess> {
  const { runtime, port, env } = options;
  const scratch = mkdtempSync(join(tmpdir(), `relay-e2e-${runtime}-`));
  let child: ChildProcess;
  // Only what a process needs to run; the relay's configuration is added explicitly.
  const base: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: scratch, LANG: "C.UTF-8" };
  if (runtime === "node") {
    const tls = options.tls ? { TLS_CERT_FILE: options.tls.certFile, TLS_KEY_FILE: options.tls.keyFile } : {};
    // Run from a scratch directory so a developer's .env in the checkout cannot leak into the run.
    child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(ROOT, "src/node.ts")], {
      cwd: scratch,
      env: { ...base, ...env, ...tls, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
  } else {
    if (options.tls) throw new Error("https is set up for the Node relay only");
    const envFile = join(scratch, "relay.env");
    writeFileSync(
      envFile,
      `${Object.entries(env)
        .map(([k, v]) => dotenvLine(k, v))
        .join("\n")}\n`,
    );
    child = spawn(
      join(ROOT, "node_modules/.bin/wrangler"),
      [
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        "0",
        "--env-file",
        envFile,
        "--persist-to",
        join(scratch, "state"),
        "--show-interactive-dev-session=false",
        // SANDBOX=1 needs the dev-only entry with the sandbox inside (wrangler.toml [env.sandbox]).
        ...(env.SANDBOX === "1" ? ["--env", "sandbox"] : []),
      ],
      {
        cwd: ROOT,
        env: { ...base, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
  }
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = env.RELAY_URL ?? `http://127.0.0.1:${port}`;

  const close = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  const deadline = Date.now() + (runtime === "workerd" ? 60_000 : 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`${runtime} relay exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const health = await send(`${url}/healthz`, { ca: options.tls?.ca });
      if (health.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${runtime} relay did not come up on ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { runtime, url, output: () => output, close };
}
