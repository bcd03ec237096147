import type { Context } from "hono";
import * as z from "../schema.js";
import { hasMediaType } from "../web/media-type.js";

/**
 * Cheap checks on the authorization response before any crypto (docs/SECURITY.md S25, S26, S66): each
 * parameter at most once (RFC 6749 §3.1), bounded sizes, the RFC 6749 Appendix A charsets.
 * Providers add their own parameters (Microsoft `session_state`): those are ignored, not forwarded.
 */
const callbackSchema = z.onFirstUse(() =>
  z.object({
    state: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,2048}$/)),
    code: z.optional(z.string().check(z.regex(/^[\x21-\x7E]{1,4096}$/))),
    error: z.optional(z.string().check(z.regex(/^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/))),
    error_description: z.optional(z.string().check(z.maxLength(4096))),
    iss: z.optional(z.string().check(z.maxLength(512))),
  }),
);
export type CallbackParams = z.infer<ReturnType<typeof callbackSchema>>;

const SINGLE_VALUED = ["state", "code", "error", "error_description", "error_uri", "iss"] as const;

async function readPairs(c: Context): Promise<Array<[string, string]> | null> {
  if (c.req.method === "GET") return [...new URL(c.req.url).searchParams];
  if (!hasMediaType(c, "application/x-www-form-urlencoded")) return null;
  return [...new URLSearchParams(await c.req.text())];
}

export async function readCallbackParams(c: Context): Promise<CallbackParams | null> {
  const pairs = await readPairs(c);
  if (pairs === null) return null;
  const values: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if ((SINGLE_VALUED as readonly string[]).includes(name)) {
      if (name in values) return null;
      values[name] = value;
    }
  }
  const parsed = callbackSchema().safeParse(values);
  return parsed.success ? parsed.data : null;
}
