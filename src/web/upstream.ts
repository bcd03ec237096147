/**
 * The one way the relay talks to a token endpoint: POST (form or JSON), no browser headers, no redirects
 * followed, a timeout over the whole exchange, the body read with a cap and never trusted.
 */
export const UPSTREAM_BODY_CAP = 64 * 1024;

export type UpstreamResult =
  | { readonly kind: "json"; readonly status: number; readonly body: Record<string, unknown> }
  | { readonly kind: "not_json"; readonly status: number }
  | { readonly kind: "redirect"; readonly status: number }
  | { readonly kind: "too_large" }
  | { readonly kind: "timeout" }
  | { readonly kind: "unreachable" };

export interface TokenRequest {
  readonly url: string;
  readonly body: string;
  readonly contentType: "application/x-www-form-urlencoded" | "application/json";
  /** Basic client authentication, already encoded (basicAuthorization). */
  readonly authorization?: string;
  readonly timeoutMs: number;
}

/**
 * HTTP Basic client authentication. RFC 6749 §2.3.1 form-urlencodes id and secret first (`form`);
 * many servers never decode that, so a secret with `+`, `/` or `=` fails there unless sent `raw`.
 */
export function basicAuthorization(clientId: string, clientSecret: string, encoding: "form" | "raw"): string {
  const encode = (value: string) => (encoding === "raw" ? value : encodeURIComponent(value).replace(/%20/g, "+"));
  const pair = new TextEncoder().encode(`${encode(clientId)}:${encode(clientSecret)}`);
  let binary = "";
  for (const byte of pair) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

class BodyTooLarge extends Error {}

async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > UPSTREAM_BODY_CAP) {
      await reader.cancel();
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Sends one token request. Never retried: authorization codes are single-use (RFC 6749 §4.1.2). */
export async function postTokenRequest(request: TokenRequest, fetcher: typeof fetch = fetch): Promise<UpstreamResult> {
  // A timer cleared as soon as the exchange ends, not AbortSignal.timeout: on Node that keeps each
  // signal and its timer alive for the full timeout, 108 MiB of heap over 100,000 fast callbacks in the `pre-timer-fix` run (docs/BENCHMARKS.md, 7).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  const { signal } = controller;
  const headers: Record<string, string> = {
    "content-type": request.contentType,
    accept: "application/json",
    "user-agent": "qorus-oauth-relay",
  };
  if (request.authorization) headers.authorization = request.authorization;
  try {
    // redirect: 'manual' — workerd does not implement 'error'; any 3xx is a failure (RFC 9700 §4.12).
    const response = await fetcher(request.url, {
      method: "POST",
      headers,
      body: request.body,
      redirect: "manual",
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      return { kind: "redirect", status: response.status };
    }
    const text = await readCapped(response);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: "not_json", status: response.status };
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return { kind: "not_json", status: response.status };
    return { kind: "json", status: response.status, body: body as Record<string, unknown> };
  } catch (error) {
    if (error instanceof BodyTooLarge) return { kind: "too_large" };
    if (signal.aborted) return { kind: "timeout" };
    return { kind: "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}
