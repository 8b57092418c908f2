/**
 * `applyLedger`: how every verb but the hold batch writes a stock change. The ledger rows and the stock rows are
 * written (stock.ts `writeLedger`), then units the change freed on a variant that shoppers wait for go to the line
 * in the same transaction (line/hand-on.ts). The caller holds the stock rows' locks.
 */
import "server-only";
import type { Tx } from "@/db/client";
import { handOn } from "./line/hand-on";
import { writeLedger, type LedgerEntry } from "./stock";

/**
 * The variants whose free units these entries may raise: fewer held or sold, or more on the shelf or on its way
 * (a pre-order variant sells what is on its way; the hand-on reads the rows and decides).
 */
function freeingVariants(entries: readonly LedgerEntry[]): string[] {
  const delta = new Map<string, number>();
  for (const e of entries) {
    const gain = (e.onHandDelta ?? 0) + (e.incomingDelta ?? 0) - (e.reservedDelta ?? 0) - (e.allocatedDelta ?? 0);
    delta.set(e.variantId, (delta.get(e.variantId) ?? 0) + gain);
  }
  return [...delta].filter(([, gain]) => gain > 0).map(([variantId]) => variantId);
}

export async function applyLedger(tx: Tx, entries: LedgerEntry[]): Promise<void> {
  await writeLedger(tx, entries);
  const freed = freeingVariants(entries);
  if (freed.length > 0) await handOn(tx, freed);
}
