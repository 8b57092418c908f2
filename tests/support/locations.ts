/**
 * Fixtures for a shop with several stock locations: locations made with a chosen priority, a variant stocked at
 * chosen locations, and what each stock row, hold row and order allocation says per location.
 */
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { adjustStock, createLocation, type LocationView } from "@/lib/inventory";

let counter = 0;

/** New active locations with these priorities (names made unique to the test run), in the order given. */
export async function makeLocations(priorities: number[], prefix = "Store"): Promise<LocationView[]> {
  const made: LocationView[] = [];
  for (const priority of priorities) {
    counter += 1;
    made.push(await createLocation({ name: `${prefix} ${counter} ${Math.random().toString(36).slice(2, 7)}`, priority }));
  }
  return made;
}

/** Restocks a variant at each named location (location id → units), through lib/inventory. */
export async function stockAt(productId: string, variantId: string, units: Record<string, number>): Promise<void> {
  for (const [locationId, delta] of Object.entries(units)) {
    if (delta > 0) await adjustStock({ productId, variantId, locationId, delta, reason: "stocked for the test", actorId: null });
  }
}

export type RowLevels = { on_hand: number; reserved: number; allocated: number };

/** A variant's stock rows, by location id (every location has one). */
export async function levelsAt(variantId: string): Promise<Record<string, RowLevels>> {
  const rows = await db.execute<RowLevels & { location_id: string }>(sql`
    select location_id, on_hand, reserved, allocated from stock_levels where variant_id = ${variantId}`);
  return Object.fromEntries(rows.map(({ location_id, ...levels }) => [location_id, levels]));
}

/** A variant's stock rows at these locations only, by location id. */
export async function levelsAtOnly(variantId: string, locationIds: string[]): Promise<Record<string, RowLevels>> {
  const all = await levelsAt(variantId);
  return Object.fromEntries(locationIds.map((id) => [id, all[id]!]));
}

/** A checkout's hold rows in a status ("active" unless told), as "variant location" → units. */
export async function holdRowsOf(checkoutId: string, status = "active"): Promise<Record<string, number>> {
  const rows = await db.execute<{ variant_id: string; location_id: string; quantity: number }>(sql`
    select variant_id, location_id, quantity from reservations where checkout_id = ${checkoutId} and status = ${status}`);
  return Object.fromEntries(rows.map((r) => [`${r.variant_id} ${r.location_id}`, r.quantity]));
}

/** An order's allocations, as "variant location" → { quantity, fulfilled }. */
export async function allocationsOf(orderId: string): Promise<Record<string, { quantity: number; fulfilled: number }>> {
  const rows = await db.execute<{ variant_id: string; location_id: string; quantity: number; fulfilled: number }>(sql`
    select variant_id, location_id, quantity, fulfilled from order_allocations where order_id = ${orderId}`);
  return Object.fromEntries(rows.map((r) => [`${r.variant_id} ${r.location_id}`, { quantity: r.quantity, fulfilled: r.fulfilled }]));
}

/** Ledger rows of one variant at one location, oldest first, optionally of one kind. */
export async function movementsAt(variantId: string, locationId: string, kind?: string) {
  return db.execute<{ kind: string; on_hand_delta: number; reserved_delta: number; allocated_delta: number; checkout_id: string | null; order_id: string | null }>(sql`
    select kind, on_hand_delta, reserved_delta, allocated_delta, checkout_id, order_id from stock_movements
    where variant_id = ${variantId} and location_id = ${locationId} and (${kind ?? null}::text is null or kind = ${kind ?? null}::text)
    order by id`);
}

/** The key of a hold row or allocation in the maps above. */
export const at = (variantId: string, locationId: string) => `${variantId} ${locationId}`;
