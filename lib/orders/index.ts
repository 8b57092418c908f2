/**
 * Orders: placing one from a paid checkout (place.ts, called by lib/checkout/pay.ts), reading them (read.ts),
 * fulfilment (fulfil.ts), refunds and cancellation (refunds.ts), the status they leave (status.ts), the stock
 * through lib/inventory, a guest's lookup and claim (guest.ts), the links that
 * open an order without an account (access.ts), the admin's order detail (admin.ts), and where an order's money
 * stands (payment-state.ts, also for client components: import that file directly).
 */
export { placeOrder, type PaidCheckout } from "./place";
export {
  findOrderById,
  getOrderForShopper,
  getOrderWithAccess,
  listOrdersForShopper,
  listOrdersPage,
  type OrderLineView,
  type OrderView,
} from "./read";
export { claimGuestOrders, lookupOrder } from "./guest";
export { isOrderAccessKey, orderAccessKey, orderLink, orderNumber, orderPath } from "./access";
export { getAdminOrderDetail, type AdminOrderDetail, type OrderEvent, type OrderPaymentView } from "./admin";
export { FAILED_PAYMENT_STATUSES, paymentTrouble } from "./payment-state";
export { fulfilOrder, type FulfilInput } from "./fulfil";
export { cancelOrder, recoverRefunds, refundOrder, type RefundInput } from "./refunds";
