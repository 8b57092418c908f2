/**
 * Stock locations: where stock is kept, in the order holds draw on them (priority, lowest first), and moving free
 * units between them. Every variant has a stock row at every location (made with the variant or the location),
 * so a hold, a transfer or a restock never has to create one while it holds other rows' locks.
 */
import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { locations, productVariants, stockLevels } from "@/db/schema";
import { DomainError, notFound, uniqueViolation } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { expireStaleHoldsOn, expiredLedger, lockStockRows } from "./stock";
import { applyLedger } from "./apply";
import { freeUnitsOf, MAX_ON_HAND, shelfUnitsOf } from "./availability";

export type LocationView = { id: string; name: string; priority: number; active: boolean };

const locationFields = { id: locations.id, name: locations.name, priority: locations.priority, active: locations.active };

/** The order holds draw on locations in: priority, then id. */
const ruleOrder = [asc(locations.priority), asc(locations.id)];

/** Every location, in the order holds draw on them. */
export function listLocations(executor: Db | Tx = db): Promise<LocationView[]> {
  return executor.select(locationFields).from(locations).orderBy(...ruleOrder);
}

/**
 * The location a request names, or (none named) the first by priority among the active ones (the first of all
 * if none is active): where the admin's restock goes by default. Unknown: 404.
 */
export async function resolveLocation(executor: Db | Tx, locationId: string | undefined): Promise<LocationView> {
  if (locationId !== undefined) {
    if (!isUuid(locationId)) throw notFound("location");
    const [named] = await executor.select(locationFields).from(locations).where(eq(locations.id, locationId));
    if (!named) throw notFound("location");
    return named;
  }
  const [first] = await executor
    .select(locationFields)
    .from(locations)
    .orderBy(sql`${locations.active} desc`, ...ruleOrder)
    .limit(1);
  return first!;
}

/** Stock cannot arrive at a deactivated location (restock or transfer): activate it first. */
export function inactiveLocation(location: LocationView): DomainError {
  return new DomainError("location_inactive", `${location.name} is not active: activate it before stocking it.`, { locationId: location.id });
}

/** A name another location already has (in any letter case) is a 409. */
function nameTaken(name: string): DomainError {
  return new DomainError("conflict", `There is already a location called "${name}".`, { field: "name" });
}

const isUniqueViolation = (error: unknown) => uniqueViolation(error) !== null;

/** The most a priority may be either side of zero (the table's check). */
const MAX_PRIORITY = 1_000_000;

/**
 * A name and priority the table would refuse are a 400 here, not a database error: zod checks them at the
 * boundary, and this keeps every other caller (scripts, seeds) to the same rule.
 */
function checkLocationInput(input: { name?: string | undefined; priority?: number | undefined }): void {
  if (input.name !== undefined) {
    const length = input.name.trim().length;
    if (length < 1 || length > 80) throw new DomainError("invalid_request", "A location's name is 1 to 80 characters.", { field: "name" });
  }
  if (input.priority !== undefined && (!Number.isInteger(input.priority) || Math.abs(input.priority) > MAX_PRIORITY)) {
    throw new DomainError("invalid_request", `A priority is a whole number from -${MAX_PRIORITY} to ${MAX_PRIORITY}.`, { field: "priority" });
  }
}

/**
 * A new location, active, with an empty stock row for every variant. Without a priority it comes after every
 * other (it is drawn on last).
 */
export async function createLocation(input: { name: string; priority?: number | undefined }): Promise<LocationView> {
  checkLocationInput(input);
  try {
    return await db.transaction(async (tx) => {
      const [last] = await tx
        .select({ priority: sql<number>`coalesce(max(${locations.priority}), -1)::int` })
        .from(locations);
      const [location] = await tx
        .insert(locations)
        .values({ name: input.name.trim(), priority: input.priority ?? last!.priority + 1 })
        .returning(locationFields);
      // A variant being made meanwhile reads the locations before this one commits, and this insert would not see
      // it: SHARE waits for variants being made to commit and holds new ones back until this location is there,
      // so every variant gets a row here, from this insert or from its own.
      // Raw SQL: LOCK TABLE, which the builder cannot say.
      await tx.execute(sql`lock table ${productVariants} in share mode`);
      // An empty stock row here for every variant, in one insert … select.
      await tx.insert(stockLevels).select(
        tx
          .select({
            variantId: productVariants.id,
            locationId: sql<string>`${location!.id}::uuid`.as("location_id"),
            productId: productVariants.productId,
            variantKind: productVariants.kind,
            onHand: sql<number>`0`.as("on_hand"),
            reserved: sql<number>`0`.as("reserved"),
            allocated: sql<number>`0`.as("allocated"),
            incoming: sql<number>`0`.as("incoming"),
            // A variant taking pre-orders takes them here too.
            preorder: productVariants.preorder,
            updatedAt: sql<Date>`now()`.as("updated_at"),
          })
          .from(productVariants)
          // A kit has no stock of its own.
          .where(eq(productVariants.kind, "stock")),
      );
      return location!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name.trim());
    throw error;
  }
}

/**
 * Renames, re-prioritises or (de)activates a location. Deactivating stops new holds there at once; live holds
 * on it stay valid and are paid for and shipped from it. At least one location stays active.
 */
export async function updateLocation(
  locationId: string,
  change: { name?: string | undefined; priority?: number | undefined; active?: boolean | undefined },
): Promise<LocationView> {
  if (!isUuid(locationId)) throw notFound("location");
  checkLocationInput(change);
  try {
    return await db.transaction(async (tx) => {
      // Every location row locked, in id order: two admins deactivating the last two at once cannot both succeed.
      // NO KEY UPDATE, not UPDATE: every ledger row, allocation and stock row takes a key-share lock on its
      // location (the foreign key), in the order of its own entries; FOR UPDATE would make each stock write at
      // these locations wait for this edit, and deadlock with one that had already written at a later location.
      const all = await tx.select(locationFields).from(locations).orderBy(asc(locations.id)).for("no key update");
      const location = all.find((l) => l.id === locationId);
      if (!location) throw notFound("location");
      if (change.active === false && location.active && !all.some((l) => l.id !== locationId && l.active)) {
        throw new DomainError("conflict", "At least one location must stay active: activate another before deactivating this one.");
      }
      const [updated] = await tx
        .update(locations)
        .set({
          ...(change.name !== undefined ? { name: change.name.trim() } : {}),
          ...(change.priority !== undefined ? { priority: change.priority } : {}),
          ...(change.active !== undefined ? { active: change.active } : {}),
        })
        .where(eq(locations.id, locationId))
        .returning(locationFields);
      return updated!;
    });
  } catch (error) {
    if (isUniqueViolation(error) && change.name !== undefined) throw nameTaken(change.name.trim());
    throw error;
  }
}

/** Every location's empty stock row for a new variant (the first by priority gets its opening stock). */
export async function stockRowsForNewVariant(tx: Tx, variant: { productId: string; variantId: string }): Promise<void> {
  await tx.insert(stockLevels).select(
    tx
      .select({
        variantId: sql<string>`${variant.variantId}::uuid`.as("variant_id"),
        locationId: locations.id,
        productId: sql<string>`${variant.productId}::uuid`.as("product_id"),
        variantKind: sql<"stock">`'stock'`.as("variant_kind"),
        onHand: sql<number>`0`.as("on_hand"),
        reserved: sql<number>`0`.as("reserved"),
        allocated: sql<number>`0`.as("allocated"),
        incoming: sql<number>`0`.as("incoming"),
        preorder: sql<boolean>`false`.as("preorder"),
        updatedAt: sql<Date>`now()`.as("updated_at"),
      })
      .from(locations),
  );
}

/**
 * Moves free units of a variant from one location to another: never held or sold ones (409 with what is free
 * there). Holds whose time is up count as free (they are expired first). Two ledger rows, one out and one in.
 */
export async function transferStock(input: {
  variantId: string;
  fromLocationId: string;
  toLocationId: string;
  quantity: number;
  reason: string;
  actorId: string | null;
}): Promise<{ variantId: string; from: TransferSide; to: TransferSide }> {
  // Zod checks this at the boundary; here too, since a negative move would slip past the free-units check.
  if (!Number.isInteger(input.quantity) || input.quantity <= 0) {
    throw new DomainError("invalid_request", "Move a whole number of units, at least 1.", { field: "quantity" });
  }
  if (input.fromLocationId === input.toLocationId) {
    throw new DomainError("invalid_request", "Choose two different locations to move stock between.", { field: "toLocationId" });
  }
  if (!isUuid(input.variantId)) throw notFound("variant");
  return db.transaction(async (tx) => {
    const [from, to] = await Promise.all([resolveLocation(tx, input.fromLocationId), resolveLocation(tx, input.toLocationId)]);
    const [variant] = await tx
      .select({ productId: productVariants.productId })
      .from(productVariants)
      .where(eq(productVariants.id, input.variantId));
    if (!variant) throw notFound("variant");
    const [rows, expired] = await Promise.all([lockStockRows(tx, [input.variantId]), expireStaleHoldsOn(tx, [input.variantId])]);
    const rowAt = (locationId: string) => {
      const row = rows.find((r) => r.locationId === locationId)!;
      const freed = expired.filter((e) => e.locationId === locationId).reduce((n, e) => n + e.quantity, 0);
      return { ...row, reserved: row.reserved - freed };
    };
    if (!to.active) throw inactiveLocation(to);
    const source = rowAt(from.id);
    const target = rowAt(to.id);
    // Only shelf units move: units on their way (a pre-order variant's) are not here to move.
    const free = shelfUnitsOf(source);
    if (input.quantity > free) {
      throw new DomainError(
        "invariant_violation",
        `Cannot move ${input.quantity} from ${from.name}: only ${free} of its ${source.onHand} on hand are neither held nor sold.`,
        { free, onHand: source.onHand, reserved: source.reserved, allocated: source.allocated },
      );
    }
    if (target.onHand + input.quantity > MAX_ON_HAND) {
      throw new DomainError(
        "invariant_violation",
        `Cannot move ${input.quantity} to ${to.name}: it has ${target.onHand} on hand and one variant can have at most ${MAX_ON_HAND} there.`,
        { onHand: target.onHand, maxOnHand: MAX_ON_HAND },
      );
    }
    const move = { productId: variant.productId, variantId: input.variantId, kind: "transfer" as const, actorId: input.actorId };
    await applyLedger(tx, [
      ...expiredLedger(expired),
      { ...move, locationId: from.id, onHandDelta: -input.quantity, reason: `${input.reason} (to ${to.name})` },
      { ...move, locationId: to.id, onHandDelta: input.quantity, reason: `${input.reason} (from ${from.name})` },
    ]);
    const side = (location: LocationView, row: { onHand: number; sellable: number; reserved: number; allocated: number }, delta: number): TransferSide => ({
      locationId: location.id,
      name: location.name,
      onHand: row.onHand + delta,
      reserved: row.reserved,
      allocated: row.allocated,
      available: location.active ? freeUnitsOf(row) + delta : 0,
    });
    return { variantId: input.variantId, from: side(from, source, -input.quantity), to: side(to, target, input.quantity) };
  });
}

export type TransferSide = { locationId: string; name: string; onHand: number; reserved: number; allocated: number; available: number };
