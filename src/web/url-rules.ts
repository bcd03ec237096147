/** Hosts that never leave the machine (RFC 8252 §7.3, §8.3). Compared on WHATWG-serialized hostnames. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}
