/**
 * The emails that follow an order: shipped (with carrier and tracking number), refunded, cancelled. Each is
 * queued in the transaction that records what it reports, under a key naming that record, so it is sent once.
 */
import "server-only";
import { eq } from "drizzle-orm";
import { formatMoney } from "@/components/ui/money";
import { orderLines, orders, users } from "@/db/schema";
import { orderLink, orderNumber } from "../orders/access";
import { lineName } from "../catalog/variants";
import { queueEmail, type Executor } from "./outbox";

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

type LineUnits = { variantId: string; quantity: number };

async function recipientAndLines(tx: Executor, orderId: string) {
  const [order] = await tx
    .select({ email: orders.email, accountEmail: users.email })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.shopperId))
    .where(eq(orders.id, orderId));
  const lines = await tx
    .select({ variantId: orderLines.variantId, name: orderLines.name, options: orderLines.options })
    .from(orderLines)
    .where(eq(orderLines.orderId, orderId));
  const names = new Map(lines.map((l) => [l.variantId, lineName(l.name, l.options)]));
  return { recipient: order?.email ?? order?.accountEmail ?? null, names };
}

async function queueAfterOrder(
  tx: Executor,
  orderId: string,
  kind: "order_shipped" | "order_refunded" | "order_cancelled",
  dedupeKey: string,
  words: (names: Map<string, string>) => { subject: string; paragraphs: string[]; lines: LineUnits[] },
): Promise<number | null> {
  const { recipient, names } = await recipientAndLines(tx, orderId);
  if (!recipient) return null;
  const { subject, paragraphs, lines } = words(names);
  const lineText = lines.map((l) => `${l.quantity} × ${names.get(l.variantId) ?? "item"}`);
  const link = orderLink(orderId);
  const text = [...paragraphs, "", ...lineText, "", `Your order: ${link}`].join("\n");
  const html =
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1b1f24;max-width:36rem">` +
    paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("") +
    (lineText.length ? `<ul>${lineText.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>` : "") +
    `<p><a href="${escapeHtml(link)}">Your order</a></p><p style="color:#5b6470;font-size:13px">Stockhold</p></body></html>`;
  return queueEmail(tx, { kind, recipient, subject, text, html, dedupeKey });
}

/** "Part of your order has shipped" / "Your order has shipped", with the carrier and tracking number. */
export function queueShippedEmail(
  tx: Executor,
  shipment: { id: string; orderId: string; lines: LineUnits[]; carrier: string | null; trackingNumber: string | null; complete: boolean },
) {
  const number = orderNumber(shipment.orderId);
  return queueAfterOrder(tx, shipment.orderId, "order_shipped", `shipment:${shipment.id}`, () => ({
    subject: shipment.complete ? `Your Stockhold order #${number} has shipped` : `Part of your Stockhold order #${number} has shipped`,
    paragraphs: [
      shipment.complete ? `Everything left in your order #${number} is on its way.` : `Part of your order #${number} is on its way; the rest follows.`,
      shipment.trackingNumber
        ? `Tracking number: ${shipment.trackingNumber}${shipment.carrier ? ` (${shipment.carrier})` : ""}`
        : `No tracking number was given for this parcel${shipment.carrier ? ` (${shipment.carrier})` : ""}.`,
    ],
    lines: shipment.lines,
  }));
}

/** The refund (or cancellation) once the provider has it: the amount and the lines it covers. */
export function queueRefundEmail(tx: Executor, refund: { id: string; orderId: string; amountCents: number; lines: LineUnits[]; cancellation: boolean }) {
  const number = orderNumber(refund.orderId);
  return queueAfterOrder(tx, refund.orderId, refund.cancellation ? "order_cancelled" : "order_refunded", `refund:${refund.id}`, () =>
    refund.cancellation
      ? {
          subject: `Your Stockhold order #${number} is cancelled`,
          paragraphs: [`Your order #${number} is cancelled and ${formatMoney(refund.amountCents)} is on its way back to your card.`],
          lines: refund.lines,
        }
      : {
          subject: `A refund of ${formatMoney(refund.amountCents)} for your Stockhold order #${number}`,
          paragraphs: [`${formatMoney(refund.amountCents)} of your order #${number} is on its way back to your card.`],
          lines: refund.lines,
        },
  );
}
