import { handler, json, readRawBody } from "@/lib/platform/http";
import { receiveWebhook } from "@/lib/payments/webhooks";

export const dynamic = "force-dynamic";

/**
 * The payment provider's webhooks: 200 once the event is applied and recorded (a replay too); 400 for a bad
 * signature or body, and nothing changes.
 */
export const POST = handler(async (request) => json(await receiveWebhook(await readRawBody(request), request.headers)));
