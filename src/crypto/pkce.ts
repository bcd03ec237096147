import { base64url } from "jose";
import type { CryptoEngine } from "./engine.js";

/** RFC 7636 §4.1: 32 random octets, base64url → a 43-character verifier. */
export function newVerifierBytes(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

export function verifierFromBytes(bytes: Uint8Array): string {
  return base64url.encode(bytes);
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))), method S256 only. */
export async function s256Challenge(engine: CryptoEngine, verifier: string): Promise<string> {
  return base64url.encode(await engine.sha256(new TextEncoder().encode(verifier)));
}
