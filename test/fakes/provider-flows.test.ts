import { existsSync } from "node:fs";
import { describe } from "vitest";
import { startNodeRelay } from "../../src/node.js";
import { asFetch } from "./http.js";
import { providerScenarios, type RelayStarter } from "./scenarios.js";

/** In-process Node relay on 127.0.0.1:0, outbound fetch routed to the fakes, records captured. */
const nodeStarter: RelayStarter = async (env, outbound) => {
  const lines: string[] = [];
  const relay = await startNodeRelay({
    env: { ...env, PORT: "0", HOST: "127.0.0.1" },
    writeRecord: (line) => lines.push(line),
    fetch: asFetch(outbound),
  });
  return {
    url: relay.url,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    output: () => lines.join("\n"),
    close: () => relay.close(),
  };
};

describe("provider flows, in-process Node relay, fakes as handlers", () => {
  providerScenarios(nodeStarter, { transport: "handler" });
});

describe("provider flows, in-process Node relay, fakes over loopback HTTP", () => {
  providerScenarios(nodeStarter, { transport: "loopback" });
});

// The shared harness (test/harness/relay.ts) runs the relay in Node and workerd; when it is present,
// the same scenarios run through it for every runtime it offers.
const harnessPath = new URL("../harness/relay.ts", import.meta.url);
if (existsSync(harnessPath)) {
  const harness = (await import(harnessPath.href)) as typeof import("../harness/relay.js");
  describe.each(harness.RUNTIMES)("provider flows through test/harness/relay.ts (%s)", (runtime) => {
    providerScenarios(
      async (env, outbound) => {
        const relay = await harness.startRelay(runtime, env, { outbound });
        return {
          url: relay.url,
          records: () => harness.grantRecords(relay).map((record) => ({ ...record })),
          output: () => `${relay.output()}\n${relay.records().join("\n")}`,
          settle: () => relay.settle(),
          close: () => relay.close(),
        };
      },
      { transport: "handler" },
    );
  });
}
