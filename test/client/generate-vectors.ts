/**
 * Regenerates docs/test-vectors.json (run: npx tsx test/client/generate-vectors.ts). The keys are
 * fixed test keys published in the docs — never use them for anything real. Results contain a
 * random ephemeral key and IV, so each run produces different (equally valid) JWEs; the committed
 * file is what vectors.test.ts pins.
 */
import { writeFileSync } from "node:fs";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, jwtDecrypt } from "jose";
import { toRawKey } from "../../src/crypto/instance-key.js";
import { encryptResult } from "../../src/crypto/result.js";
import { webCryptoEngine } from "../../src/crypto/webcrypto-engine.js";

const RELAY = "https://oauth.example.com";
const NOW = 1_790_000_000;

async function vector(name: string, crv: "X25519" | "P-256", state: string) {
  const { privateKey } = await generateKeyPair("ECDH-ES", { crv, extractable: true });
  const priv = (await exportJWK(privateKey)) as JWK;
  const pub = crv === "X25519" ? { kty: "OKP", crv, x: priv.x } : { kty: "EC", crv, x: priv.x, y: priv.y };
  const key = toRawKey(pub as Parameters<typeof toRawKey>[0]);
  const token = {
    access_token: `sl.test-access-token-${name}`,
    token_type: "bearer",
    expires_in: 14400,
    refresh_token: `test-refresh-token-${name}`,
    scope: "account_info.read files.content.read",
    uid: "12345",
    account_id: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
  };
  const claims = { state, app: "dropbox", server: "dropbox", tenant: null, token };
  const result = await encryptResult(webCryptoEngine, claims, key, RELAY, NOW);
  const thumbprint = await calculateJwkThumbprint(pub as JWK);
  const { payload: decrypted } = await jwtDecrypt(result, privateKey, { currentDate: new Date(NOW * 1000) });
  const payload = JSON.parse(Buffer.from(result.split(".")[0] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
  return {
    name,
    instance_private_jwk: { kty: priv.kty, crv: priv.crv, x: priv.x, y: priv.y, d: priv.d },
    instance_public_jwk: pub,
    thumbprint,
    state,
    result,
    expected_protected_header: payload,
    expected_claims: { iss: RELAY, aud: thumbprint, ...claims, iat: NOW, exp: NOW + 300, jti: decrypted.jti },
  };
}

const file = {
  description:
    "qorus-oauth-relay protocol v1 test vectors: fixed instance keys (TEST ONLY) and results the relay encrypted to them. Decrypt with the private JWK, then check per docs/PROTOCOL.md with the clock at `now`.",
  relay: RELAY,
  now: NOW + 60,
  vectors: [
    await vector("x25519", "X25519", "x25519-vector-state-0123456789abcdef"),
    await vector("p256", "P-256", "p256-vector-state-0123456789abcdefghij"),
  ],
};
writeFileSync(new URL("../../docs/test-vectors.json", import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
