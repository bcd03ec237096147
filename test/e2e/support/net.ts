import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { freePort } from "../../harness/free-port.js";

export interface SelfSigned {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  cleanup(): void;
}

/** A throw-away self-signed certificate for loopback and the given test host names. */
export function selfSignedCert(hosts: readonly string[] = []): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "relay-e2e-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const san = ["IP:127.0.0.1", "DNS:localhost", ...hosts.map((host) => `DNS:${host}`)].join(",");
  execFileSync(
    "/usr/bin/openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=relay-e2e",
      "-addext",
      `subjectAltName=${san}`,
    ],
    { stdio: "ignore" },
  );
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function stateKeys(): string {
  return `e2e:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
}
