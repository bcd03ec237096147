import { spawn } from "node:child_process";
import { chmod, open } from "node:fs/promises";
import type { TokenResponse } from "../client/index.js";
import { NAME } from "./args.js";

export interface CliIo {
  readonly stdout: (text: string) => Promise<void>;
  readonly stderr: (text: string) => void;
  readonly stderrIsTty: boolean;
  /** Opens a URL in the user's browser (best effort). */
  readonly openUrl: (url: string) => void;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

export const nodeIo: CliIo = {
  stdout: (text) => write(process.stdout, text),
  stderr: (text) => {
    process.stderr.write(text);
  },
  stderrIsTty: Boolean(process.stderr.isTTY),
  openUrl: (url) => {
    const [command, args] =
      process.platform === "darwin"
        ? ["open", [url]]
        : process.platform === "win32"
          ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
          : ["xdg-open", [url]];
    try {
      const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
      child.on("error", () => {});
      child.unref();
    } catch {
      // No browser opener: the URL is on stderr anyway.
    }
  },
};

/** The token response as JSON on stdout, or into `out` (mode 0600: it holds tokens). */
export async function emitToken(io: CliIo, token: TokenResponse, out: string | undefined): Promise<void> {
  const json = `${JSON.stringify(token, null, 2)}\n`;
  if (out === undefined) {
    await io.stdout(json);
    return;
  }
  const file = await open(out, "w", 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(json);
  } finally {
    await file.close();
  }
  await chmod(out, 0o600);
  io.stderr(`${NAME}: token response written to ${out} (mode 0600)\n`);
}
