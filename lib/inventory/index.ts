/**
 * Inventory: where stock is held (hold.ts; in the production server on a thread of its own, hold-thread.ts and
 * hold-worker.ts), released, expired and allocated (stock.ts), and how the admin sees and adjusts it (levels.ts).
 */
export { holdCarts, holdQueueSettings, holdQueueStats, requestHold, type HeldCheckout, type HoldOutcome, type HoldRequest } from "./hold";
export {
  applyLedger,
  expireStaleHoldsOn,
  expiredLedger,
  lockStockRows,
  releaseCheckoutHolds,
  releaseOrderUnits,
  type LedgerEntry,
  type ReleaseKind,
  type ShortLine,
} from "./stock";
export {
  adjustStock,
  expireStaleHolds,
  getStockLevel,
  listStockLevels,
  MAX_ON_HAND,
  reconcileStock,
  type ReconcileProblem,
  type StockLevelView,
} from "./levels";
