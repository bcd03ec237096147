import type { Context } from "hono";

/** True when the request's Content-Type is exactly `type` (parameters such as charset ignored). */
export function hasMediaType(c: Context, type: string): boolean {
  const header = c.req.header("content-type") ?? "";
  return (header.split(";")[0] ?? "").trim().toLowerCase() === type;
}
