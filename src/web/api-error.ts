import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An OAuth-style JSON error for API callers: `{"error", "error_description"}` (RFC 6749 §5.2). */
export function apiError(c: Context, status: ContentfulStatusCode, error: string, description: string): Response {
  return c.json({ error, error_description: description }, status);
}
