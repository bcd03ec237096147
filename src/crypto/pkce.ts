import { base64url } from "jose";

/** RFC 7636 §4.1: 32 random octets, base64url → a 43-character verifier. */
export function newVerifierBytes(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

export function verifierFromBytes(bytes: Uint8Array): string {
  return base64url.encode(bytes);
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))), method S256 only. */
export async function s256Challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}
