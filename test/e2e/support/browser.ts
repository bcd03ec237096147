/**
 * Debian's Chromium driven by playwright-core. Nothing here downloads a browser: the executable is
 * /usr/bin/chromium, and a missing one fails the run with the one line that says how to get it.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type LaunchOptions } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const MISSING_CHROMIUM = `Chromium not found at ${CHROMIUM}: run \`sudo apt-get install chromium\` (the e2e tests need it)`;

export const BASE_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--no-first-run",
  "--disable-quic",
  "--disable-component-update",
  "--disable-sync",
];

/** Throws (fails the suite) when Chromium is not installed: no silent skip. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
}

export interface LaunchChromiumOptions {
  /** Host names the browser resolves to 127.0.0.1 (everything else off-machine fails to resolve). */
  readonly hosts?: readonly string[];
  /** Loopback `ip:port`s the browser treats as public addresses (a hosted relay, for Local Network Access). */
  readonly publicAddresses?: readonly string[];
  readonly extraArgs?: readonly string[];
}

export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  requireChromium();
  // No page may reach the internet (oidc-provider's dev pages @import a web font): only loopback resolves.
  const rules = [
    ...(options.hosts ?? []).map((host) => `MAP ${host} 127.0.0.1`),
    "MAP * ~NOTFOUND",
    "EXCLUDE 127.0.0.1",
    // IP literals go through the rules too: loopback IPv6 must stay reachable.
    "EXCLUDE ::1",
  ];
  const args = [...BASE_ARGS, `--host-resolver-rules=${rules.join(", ")}`, ...(options.extraArgs ?? [])];
  if (options.publicAddresses?.length) {
    args.push(`--ip-address-space-overrides=${options.publicAddresses.map((a) => `${a}=public`).join(",")}`);
  }
  const launch: LaunchOptions = { executablePath: CHROMIUM, args, timeout: 30_000 };
  return chromium.launch(launch);
}

export const UA_SENTINEL = `UA_SENTINEL_${crypto.randomUUID().replaceAll("-", "")}`;

/** A fresh browser profile (no provider session): one per flow, as a person on their own machine. */
export async function newContext(
  browser: Browser,
  options: { javaScriptEnabled?: boolean; ignoreHTTPSErrors?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    userAgent: UA_SENTINEL,
    viewport: { width: 800, height: 600 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
  });
  context.setDefaultTimeout(10_000);
  return context;
}

/** A fresh context and its one page. */
export async function newPage(browser: Browser, options: Parameters<typeof newContext>[1] = {}) {
  const context = await newContext(browser, options);
  return { context, page: await context.newPage() };
}
