/** Email: queued in the outbox with the change it reports, sent by the sweep (see ./send.ts). */
export { queueMissingOrderConfirmations, queueOrderConfirmation } from "./order-confirmation";
export { queueEmail, listOutbox, getOutboxEmail, outboxCounts, type EmailToQueue } from "./outbox";
export { drainOutbox, type DrainResult } from "./send";
export { createMailTransport, type MailTransport } from "./transport";
