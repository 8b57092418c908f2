import { z } from "zod";
import { authoriseAdminRequest, locationChangesSchema } from "@/lib/admin/access";
import { updateLocation } from "@/lib/inventory";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * Renames, reorders or (de)activates a location: any of `{ name, priority, active }`. Deactivating stops new
 * holds there (live ones stay valid); the last active location cannot be deactivated (409), nor a name taken.
 */
export const PATCH = handler<{ locationId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const locationId = parseWith(z.uuid(), (await params).locationId, () => notFound("location"));
  const changes = await parseJsonBody(request, locationChangesSchema);
  return json({ location: await updateLocation(locationId, changes) });
});
