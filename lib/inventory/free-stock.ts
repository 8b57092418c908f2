/**
 * The one holding rule over locations: a line takes its units from the active locations in priority order
 * (lowest first, ties by location id), splitting when one is short; what a line may have is the sum of their free
 * units. A variant taking pre-orders takes from every shelf first and only then from the units on their way.
 * Used under the stock rows' locks by every verb that takes units (the hold batch, renewing, allocating).
 */
import { freeUnitsOf, shelfUnitsOf } from "./availability";

/** A locked stock row as the rule needs it. */
export type StockRowForRule = {
  variantId: string;
  locationId: string;
  priority: number;
  active: boolean;
  onHand: number;
  sellable: number;
  reserved: number;
  allocated: number;
};

/** Units of one variant taken from one location. */
export type Portion = { locationId: string; quantity: number };

/** A row as the rule sees it: `reserved` counts every unit spoken for (held or sold), which changes as it takes. */
type Row = { locationId: string; priority: number; active: boolean; onHand: number; sellable: number; reserved: number; allocated: number };

const free = (r: Row) => Math.max(0, freeUnitsOf(r));
const onShelf = (r: Row) => Math.min(free(r), shelfUnitsOf(r));

export class FreeStock {
  /** Each variant's rows, in the order the rule takes from them. */
  private readonly rows = new Map<string, Row[]>();

  constructor(locked: readonly StockRowForRule[]) {
    this.add(locked);
  }

  /** More locked rows (of variants not seen yet). */
  add(locked: readonly StockRowForRule[]): void {
    const touched = new Set<string>();
    for (const s of locked) {
      touched.add(s.variantId);
      const rows = this.rows.get(s.variantId) ?? [];
      rows.push({
        locationId: s.locationId,
        priority: s.priority,
        active: s.active,
        onHand: s.onHand,
        sellable: s.sellable,
        reserved: s.reserved,
        allocated: s.allocated,
      });
      this.rows.set(s.variantId, rows);
    }
    for (const variantId of touched) {
      this.rows.get(variantId)!.sort((a, b) => a.priority - b.priority || (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));
    }
  }

  /** Units come back to one stock row (a hold ended, or is about to be given back). */
  giveBack(variantId: string, locationId: string, quantity: number): void {
    const row = this.rows.get(variantId)?.find((r) => r.locationId === locationId);
    if (row) row.reserved -= quantity;
  }

  /** What a line of this variant may have now: the free units at its active locations. */
  available(variantId: string): number {
    return (this.rows.get(variantId) ?? []).reduce((sum, r) => sum + (r.active ? free(r) : 0), 0);
  }

  /**
   * Takes every line or none. Lines of the same variant (a kit's component and the same variant bought alone, or
   * two kits sharing a component) are judged on what they need together, never one by one: each line gets its
   * portions by the rule, or (nothing taken) the variants that are short, with what they need in all and what
   * they have. `givenBack` units (a replaced checkout's holds) count as free for this take only, and come back
   * for good only if it succeeds.
   */
  takeAll<L extends { variantId: string; quantity: number }>(
    lines: readonly L[],
    givenBack: readonly { variantId: string; locationId: string; quantity: number }[] = [],
    /** Variants shoppers wait for in the line: of these, only the given-back units may be taken. */
    closed: ReadonlySet<string> = new Set(),
  ): { taken: Map<L, Portion[]> } | { short: { variantId: string; needed: number; available: number }[] } {
    const needed = new Map<string, number>();
    for (const l of lines) needed.set(l.variantId, (needed.get(l.variantId) ?? 0) + l.quantity);
    const touched = new Set([...needed.keys(), ...givenBack.map((g) => g.variantId)]);
    const saved = new Map([...touched].map((v) => [v, (this.rows.get(v) ?? []).map((r) => ({ ...r }))]));
    for (const g of givenBack) this.giveBack(g.variantId, g.locationId, g.quantity);
    const givenBackOf = (variantId: string) => givenBack.reduce((sum, g) => sum + (g.variantId === variantId ? g.quantity : 0), 0);
    const availableHere = (variantId: string) =>
      closed.has(variantId) ? Math.min(this.available(variantId), givenBackOf(variantId)) : this.available(variantId);
    const short = [...needed]
      .filter(([variantId, n]) => n > availableHere(variantId))
      .map(([variantId, n]) => ({ variantId, needed: n, available: availableHere(variantId) }));
    if (short.length > 0) {
      for (const [v, rows] of saved) this.rows.set(v, rows);
      return { short };
    }
    const taken = new Map<L, Portion[]>();
    for (const line of lines) {
      const portions: Portion[] = [];
      let left = line.quantity;
      // Every shelf first, then (a pre-order variant's) the units on their way, each pass in priority order.
      for (const unitsOf of [onShelf, free]) {
        for (const row of this.rows.get(line.variantId) ?? []) {
          if (left === 0) break;
          const n = row.active ? Math.min(left, unitsOf(row)) : 0;
          if (n <= 0) continue;
          row.reserved += n;
          left -= n;
          const portion = portions.find((p) => p.locationId === row.locationId);
          if (portion) portion.quantity += n;
          else portions.push({ locationId: row.locationId, quantity: n });
        }
      }
      taken.set(line, portions);
    }
    return { taken };
  }
}
