import { isCronRequest, runExpiryJob } from "@/lib/cron";
import { DomainError } from "@/lib/platform/errors";
import { handler, json } from "@/lib/platform/http";
import type { NextRequest } from "next/server";

export const dynamic = "force-dynamic";

/**
 * Releases every hold whose time is up, settles payments whose answer was lost, tells waiting shoppers about
 * products that are back, and sends due emails. Vercel Cron sends GET; other schedulers may POST.
 */
async function expireReservations(request: NextRequest): Promise<Response> {
  if (!isCronRequest(request)) {
    throw new DomainError("unauthenticated", "Send Authorization: Bearer <CRON_SECRET>.");
  }
  return json(await runExpiryJob());
}

export const GET = handler(expireReservations);
export const POST = handler(expireReservations);
