/**
 * Inventory: the one writer of stock levels, holds (reservations) and the stock ledger. Every verb takes the
 * caller's transaction and writes its ledger rows there too.
 *
 * - hold: `requestHold` (hold/: the queue, the batch, and in the production server the thread and its worker)
 *   holds a cart's lines for a new checkout;
 * - extend, renew, re-price, allocate (allocate.ts): a checkout's holds kept while the shopper works or pays,
 *   held afresh when they lapsed, and allocated to its order once paid;
 * - release (with why), expire (stock.ts: `releaseCheckoutHolds`, `releaseOrderUnits`; levels.ts: the sweep
 *   `expireStaleHolds`), fulfil (`fulfilOrderUnits`);
 * - adjust, opening stock, what the admin sees, reconciliation (levels.ts);
 * - locations: where stock is kept and the order holds draw on them, and transfers between them (locations.ts;
 *   the holding rule itself: free-stock.ts);
 * - incoming deliveries, pre-orders sold against them, receiving and cancelling them (incoming.ts);
 * - after the sale, a line and a quantity at a time: partial shipping, refunded units back on sale or written off,
 *   returns onto the shelf (returns.ts);
 * - the shared rules, free units and "has this hold lapsed", and availability as shoppers see it (availability.ts);
 * - the line for contended stock: joining, handing freed units on to the next in line, limits per customer (line/).
 */
export { holdCarts, holdQueueSettings, holdQueueStats, requestHold, type HeldCheckout, type HoldOutcome, type HoldRequest } from "./hold";
export { allocateToOrder, extendHolds, heldLines, renewHolds, repriceHolds } from "./allocate";
export { holdOwner, recordOrderAllocations, unitsHeldBy, type LedgerEntry, type OrderAllocationDraft, type ShortLine } from "./stock";
export { fulfilOrderUnits, releaseCheckoutHolds, releaseOrderUnits, type ReleaseKind } from "./release";
export {
  adjustStock,
  expireStaleHolds,
  getStockLevel,
  listStockLevels,
  listVariantLevels,
  MAX_ON_HAND,
  receiveOpeningStock,
  reconcileStock,
  type ReconcileProblem,
  type StockLevelView,
} from "./levels";
export {
  createLocation,
  listLocations,
  resolveLocation,
  transferStock,
  updateLocation,
  type LocationView,
  type TransferSide,
} from "./locations";
export type { LocationLevelView, VariantLevelView } from "./levels";
export {
  cancelDelivery,
  listDeliveries,
  nextPreorderDates,
  orderShipDates,
  receiveIncoming,
  recordIncoming,
  setPreorder,
  type DeliveryView,
} from "./incoming";
export {
  currentTicket,
  demandFor,
  getTicket,
  holdSecondsFor,
  isContendedCheckout,
  joinLine,
  leaveLine,
  limitError,
  lineFacts,
  sweepLine,
  type LimitRefusal,
  type TicketStatus,
  type TicketView,
} from "./line";
export { lineShipping, settleRefundedUnits, shippingOf, shipLineUnits, type LineUnits } from "./returns";
