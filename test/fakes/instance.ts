/**
 * The instance's side of a flow, as a test performs it: its own key pair, reading what the relay
 * delivered (form_post page, 303 query or fragment), and decrypting the result the way DESIGN.md
 * tells the instance to (alg allow-lists, no decompression, typ, iss, aud).
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, jwtDecrypt } from "jose";

export interface InstanceKey {
  readonly publicJwk: JWK;
  readonly privateKey: CryptoKey;
  readonly thumbprint: string;
}

export async function newInstanceKey(crv: "X25519" | "P-256" = "X25519"): Promise<InstanceKey> {
  const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv, extractable: true });
  const jwk = await exportJWK(publicKey);
  const publicJwk: JWK =
    crv === "X25519" ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return { publicJwk, privateKey, thumbprint: await calculateJwkThumbprint(publicJwk, "sha256") };
}

/** A fresh instance state (nonce): 32 base64url characters. */
export function newInstanceState(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
}

export type Delivered =
  | { readonly mode: "form_post"; readonly action: string; readonly fields: Readonly<Record<string, string>> }
  | {
      readonly mode: "query" | "fragment";
      readonly location: string;
      readonly fields: Readonly<Record<string, string>>;
    };

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
export function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The one form of a form_post page: its action and hidden fields. */
export function parseFormPost(html: string): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form method="post" action="([^"]*)">/g)];
  if (forms.length !== 1) throw new Error(`expected exactly one form, found ${forms.length}`);
  const fields: Record<string, string> = {};
  for (const [, name = "", value = ""] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(name)] = unescapeHtml(value);
  }
  return { action: unescapeHtml(forms[0]?.[1] ?? ""), fields };
}

/** Reads the relay's delivery from a callback (or confirm-cancel) response. */
export async function readDelivery(response: Response): Promise<Delivered> {
  if (response.status === 303) {
    const location = response.headers.get("location") ?? "";
    const url = new URL(location);
    if (url.hash.length > 1 && url.hash !== "#_") {
      return { mode: "fragment", location, fields: Object.fromEntries(new URLSearchParams(url.hash.slice(1))) };
    }
    return { mode: "query", location, fields: Object.fromEntries(url.searchParams) };
  }
  if (response.status !== 200) throw new Error(`no delivery: status ${response.status}: ${await response.text()}`);
  const { action, fields } = parseFormPost(await response.text());
  return { mode: "form_post", action, fields };
}

export const RESULT_TYP = "oauth-relay-result+jwt";

/** The instance-side decrypt: explicit allow-lists, zip refused, typ/iss/aud checked by jose. */
export async function decryptResult(result: string, key: InstanceKey, relayUrl: string) {
  return jwtDecrypt(result, key.privateKey, {
    keyManagementAlgorithms: ["ECDH-ES"],
    contentEncryptionAlgorithms: ["A256GCM"],
    maxDecompressedLength: 0,
    typ: RESULT_TYP,
    issuer: relayUrl,
    audience: key.thumbprint,
    requiredClaims: ["iat", "exp", "jti"],
  });
}
