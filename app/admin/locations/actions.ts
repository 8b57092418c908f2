"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { adminForm } from "@/lib/admin/access";
import { createLocation, listLocations, updateLocation } from "@/lib/inventory";
import { DomainError } from "@/lib/platform/errors";
import { storableString } from "@/lib/store-schemas";

/** A location's name as the admin types it: "Back room", "Warehouse East". */
const locationName = storableString().trim().min(1, "Enter a name.").max(80, "Use at most 80 characters.");

/** The range the database allows a priority (locations_priority_range). */
const MAX_PRIORITY = 1_000_000;

/** A priority typed into a form: a whole number, lowest first; an empty field means "after the others". */
const priority = z.preprocess(
  (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
  z
    .string()
    .trim()
    .regex(/^(?!-0+$)-?\d+$/, "Enter a whole number.")
    .transform(Number)
    .pipe(z.number().min(-MAX_PRIORITY, `Enter at least -${MAX_PRIORITY}.`).max(MAX_PRIORITY, `Enter at most ${MAX_PRIORITY}.`))
    .optional(),
);

const locationId = z.uuid("No such location.");
const stale = { locationId: "This location is not known: reload the page." };

/** Restocks go to the first active location by priority, and holds draw on them in that order. */
function revalidateStockPages() {
  revalidatePath("/admin", "layout");
}

/**
 * A name another location has (in any letter case) is refused in words before it reaches the database, whose
 * unique index stays the real guard (two admins typing the same name at once).
 */
async function refuseTakenName(name: string, exceptId?: string): Promise<void> {
  const taken = (await listLocations()).find((l) => l.id !== exceptId && l.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new DomainError("conflict", `There is already a location called "${taken.name}".`, { issues: [{ path: ["name"], message: "Choose another name." }] });
}

const addLocationForm = z.object({ name: locationName, priority });

/** Adds a location, active, with nothing on hand; without a priority it is drawn on after every other. */
export const addLocationAction = shopperAction({ ...adminForm, schema: addLocationForm }, async (input) => {
  await refuseTakenName(input.name);
  const location = await createLocation({ name: input.name, priority: input.priority });
  revalidateStockPages();
  return { ok: true, message: `Added ${location.name} (priority ${location.priority}). Restock it from a product's page, or move stock to it there.` };
});

const editLocationForm = z.object({ locationId, name: locationName, priority: priority.refine((p) => p !== undefined, "Enter a priority.") });

/** Renames a location and changes its priority (where it comes in the order holds draw on locations). */
export const editLocationAction = shopperAction({ ...adminForm, schema: editLocationForm, hidden: stale }, async (input) => {
  await refuseTakenName(input.name, input.locationId);
  const location = await updateLocation(input.locationId, { name: input.name, priority: input.priority });
  revalidateStockPages();
  return { ok: true, message: `Saved ${location.name} (priority ${location.priority}).` };
});

const activeForm = z.object({ locationId, active: z.enum(["true", "false"], "Choose activate or deactivate.") });

/**
 * Deactivates a location (new holds stop drawing on it at once; live holds on it stay valid and are paid for and
 * shipped from it) or activates it again. At least one location stays active.
 */
export const setLocationActiveAction = shopperAction({ ...adminForm, schema: activeForm, hidden: stale }, async (input) => {
  const location = await updateLocation(input.locationId, { active: input.active === "true" });
  revalidateStockPages();
  return {
    ok: true,
    message: location.active
      ? `${location.name} is active: holds draw on it again.`
      : `${location.name} is inactive: new holds no longer draw on it. Holds already made there stay valid.`,
  };
});
