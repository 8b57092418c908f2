import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { getReservation } from "@/lib/admin/holds";
import { releaseReservation } from "@/lib/checkout";
import { DomainError, notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * Releases a hold at once: its whole checkout ends and the stock is free again. Releasing a hold that has
 * already ended changes nothing; one that was paid for is an order now (409).
 */
export const POST = handler<{ reservationId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const reservationId = parseWith(z.uuid(), (await params).reservationId, () => notFound("reservation"));
  const checkout = await releaseReservation(reservationId, admin.actorId);
  const reservation = await getReservation(reservationId);
  if (reservation.status === "allocated") {
    throw new DomainError("conflict", "This hold was paid for and is part of an order now; it cannot be released.");
  }
  return json({ reservation, checkout });
});
