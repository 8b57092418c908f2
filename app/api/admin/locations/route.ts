import { authoriseAdminRequest, newLocationSchema } from "@/lib/admin/access";
import { createLocation, listLocations } from "@/lib/inventory";
import { handler, json, parseJsonBody } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/** Every location where stock is kept, in the order holds draw on them (priority, lowest first). */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  return json({ locations: await listLocations() });
});

/**
 * A new location `{ name, priority? }`, active and empty; without a priority it is drawn on last. A name another
 * location has (in any letter case) is 409.
 */
export const POST = handler(async (request) => {
  await authoriseAdminRequest(request);
  const input = await parseJsonBody(request, newLocationSchema);
  return json({ location: await createLocation(input) }, 201);
});
