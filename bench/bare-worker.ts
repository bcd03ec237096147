/**
 * The bare Worker for the workerd throughput figure (4k): the least a relay-shaped Worker can do,
 * as bench/baseline.ts is for Node. It forwards the code to the token endpoint (TOKEN_URL, the same
 * URL the relay's app posts to, routed to the same fake endpoint) and answers 200 with the token
 * JSON — no state, no crypto, no validation, no security headers. Never deploy anything like it.
 * Bundled and minified by bench/workerd-http.ts (esbuild).
 */
export default {
  async fetch(request: Request, env: { TOKEN_URL: string }): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== "GET" || !url.pathname.startsWith("/v1/callback/"))
      return new Response("not found", { status: 404 });
    const upstream = await fetch(env.TOKEN_URL, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=authorization_code&code=${encodeURIComponent(url.searchParams.get("code") ?? "")}`,
    });
    return new Response(await upstream.text(), { status: 200, headers: { "content-type": "application/json" } });
  },
};
