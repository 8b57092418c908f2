import { bearerToken, sameSecret } from "@/lib/admin/access";
import { env } from "@/lib/platform/env";
import { DomainError } from "@/lib/platform/errors";
import { handler } from "@/lib/platform/http";
import { metricsText } from "@/lib/platform/metrics";

export const dynamic = "force-dynamic";

/**
 * This app server's Prometheus metrics, for `Authorization: Bearer <METRICS_TOKEN>`: 401 without a token, 403
 * with a wrong one or while METRICS_TOKEN is unset (nobody may read them then).
 */
export const GET = handler(async (request) => {
  const token = bearerToken(request);
  if (token === null) throw new DomainError("unauthenticated", "Send Authorization: Bearer <METRICS_TOKEN>.");
  if (!env.METRICS_TOKEN || !sameSecret(token, env.METRICS_TOKEN)) {
    throw new DomainError("forbidden", "This metrics token is not valid.");
  }
  const { contentType, body } = await metricsText();
  return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
});
