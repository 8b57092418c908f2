/** Checkout: its state machine (states.ts), its view (view.ts), its operations (checkout.ts), and paying. */
export {
  cancelCheckout,
  checkoutDetailsSchemaKeys,
  handOverGuest,
  InsufficientStockError,
  recordCheckoutActivity,
  releaseReservation,
  startCheckout,
} from "./checkout";
export { getCheckout, type CheckoutLineView, type CheckoutView } from "./view";
export { payForCheckout, type PayResult } from "./pay";
export { payWithDetails } from "./pay-with-details";
export { currentTicket, getTicket, isContendedCheckout, joinTheLine, leaveLine, type TicketView } from "./line";
export { confirmPayment, pendingNextAction } from "./confirm-payment";
