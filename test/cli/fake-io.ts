/** The CLI's input/output captured in memory, for running commands in process. */
import type { CliIo } from "../../src/cli/main.js";

export function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const opened: string[] = [];
  const io: CliIo = {
    stdout: async (text) => {
      out.push(text);
    },
    stderr: (text) => {
      err.push(text);
    },
    stderrIsTty: false,
    openUrl: (url) => {
      opened.push(url);
    },
  };
  return { io, out: () => out.join(""), err: () => err.join(""), opened };
}
