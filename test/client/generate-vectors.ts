/**
 * Regenerates docs/test-vectors.json (run: npx tsx test/client/generate-vectors.ts). The keys are
 * fixed test keys published in the docs — never use them for anything real. Results contain a
 * random IV (and, for ECDH-ES, a random ephemeral key), so each run produces different (equally
 * valid) JWEs; the committed file is what vectors.test.ts pins.
 */
import { writeFileSync } from "node:fs";
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, jwtDecrypt } from "jose";
import { toInstanceKey } from "../../src/crypto/instance-key.js";
import { encryptResult } from "../../src/crypto/result.js";

const RELAY = "https://oauth.example.com";
const NOW = 1_790_000_000;

function tokenFor(name: string) {
  return {
    access_token: `sl.test-access-token-${name}`,
    token_type: "bearer",
    expires_in: 14400,
    refresh_token: `test-refresh-token-${name}`,
    scope: "account_info.read files.content.read",
    uid: "12345",
    account_id: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
  };
}

async function vector(name: string, instanceJwk: JWK, decryptWith: CryptoKey | Uint8Array, state: string) {
  const claims = { state, app: "dropbox", server: "dropbox", tenant: null, token: tokenFor(name) };
  const key = toInstanceKey(instanceJwk as Parameters<typeof toInstanceKey>[0]);
  const result = await encryptResult(claims, key, RELAY, NOW);
  const thumbprintMembers = instanceJwk.kty === "oct" ? { kty: "oct", k: instanceJwk.k } : instanceJwk;
  const thumbprint = await calculateJwkThumbprint(thumbprintMembers as JWK);
  const { payload: decrypted } = await jwtDecrypt(result, decryptWith, { currentDate: new Date(NOW * 1000) });
  const header = JSON.parse(Buffer.from(result.split(".")[0] ?? "", "base64url").toString("utf8"));
  return {
    thumbprint,
    state,
    result,
    expected_protected_header: header,
    expected_claims: { iss: RELAY, aud: thumbprint, ...claims, iat: NOW, exp: NOW + 300, jti: decrypted.jti },
  };
}

async function ecdhVector(name: string, crv: "X25519" | "P-256", state: string) {
  const { privateKey } = await generateKeyPair("ECDH-ES", { crv, extractable: true });
  const priv = (await exportJWK(privateKey)) as JWK;
  const pub = crv === "X25519" ? { kty: "OKP", crv, x: priv.x } : { kty: "EC", crv, x: priv.x, y: priv.y };
  return {
    name,
    instance_private_jwk: { kty: priv.kty, crv: priv.crv, x: priv.x, y: priv.y, d: priv.d },
    instance_public_jwk: pub,
    ...(await vector(name, pub as JWK, privateKey, state)),
  };
}

/** The AES-only profile: the instance's 32-byte key is the content key (alg dir, RFC 7518 §4.5). */
async function dirVector(name: string, state: string) {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const jwk = { kty: "oct", k: base64url.encode(bytes), alg: "dir" };
  return { name, instance_oct_jwk: jwk, ...(await vector(name, jwk as JWK, bytes, state)) };
}

const file = {
  description:
    "qorus-oauth-relay protocol v1 test vectors: fixed instance keys (TEST ONLY) and results the relay encrypted to them. Decrypt with the private JWK (ECDH-ES) or the oct key (dir), then check per docs/PROTOCOL.md with the clock at `now`.",
  relay: RELAY,
  now: NOW + 60,
  vectors: [
    await ecdhVector("x25519", "X25519", "x25519-vector-state-0123456789abcdef"),
    await ecdhVector("p256", "P-256", "p256-vector-state-0123456789abcdefghij"),
    await dirVector("dir", "dir-vector-state-0123456789abcdefghijkl"),
  ],
};
writeFileSync(new URL("../../docs/test-vectors.json", import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
