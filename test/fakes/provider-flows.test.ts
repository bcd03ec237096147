/**
 * The Dropbox- and Microsoft-shaped fakes' scenarios (test/fakes/scenarios.ts) through the relay in
 * both runtimes (test/harness/relay.ts), fakes answering as in-process handlers, and once more on
 * Node with the fakes over real loopback HTTP.
 */
import { describe } from "vitest";
import { grantRecords, RUNTIMES, type Runtime, startRelay } from "../harness/relay.js";
import { providerScenarios, type RelayStarter } from "./scenarios.js";

function starter(runtime: Runtime): RelayStarter {
  return async (env, outbound) => {
    const relay = await startRelay(runtime, { RATE_LIMIT: "off", ...env }, { outbound });
    return {
      url: relay.url,
      records: () => grantRecords(relay).map((record) => ({ ...record })),
      output: () => `${relay.output()}\n${relay.records().join("\n")}`,
      settle: () => relay.settle(),
      close: () => relay.close(),
    };
  };
}

describe.each(RUNTIMES)("provider flows on %s, fakes as handlers", (runtime) => {
  providerScenarios(starter(runtime), { transport: "handler" });
});

describe("provider flows on node, fakes over loopback HTTP", () => {
  providerScenarios(starter("node"), { transport: "loopback" });
});
