import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { kitAvailability } from "@/lib/admin/kits";
import { MAX_KIT_COMPONENTS } from "@/lib/catalog/kits";
import { handler, json, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/** `components=<variantId>:<quantity>,…`: the kit being put together, each component with what one kit takes. */
const querySchema = z.object({
  components: z
    .string()
    .max(MAX_KIT_COMPONENTS * 50)
    .regex(/^([0-9a-fA-F-]{36}:\d{1,4})(,[0-9a-fA-F-]{36}:\d{1,4})*$/, "components is a list of variantId:quantity, separated by commas.")
    .transform((text) =>
      text.split(",").map((part) => {
        const [variantId = "", quantity = ""] = part.split(":");
        return { variantId, quantity: Number(quantity) };
      }),
    ),
});

/**
 * How many of a kit made of these components could be sold now, and what each component allows: the admin's kit
 * builder polls it while components are picked. Nothing is written.
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  const { components } = parseWith(querySchema, Object.fromEntries(request.nextUrl.searchParams));
  return json({ kit: await kitAvailability(components) });
});
