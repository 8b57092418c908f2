/**
 * The outbox against a real SMTP server in this process: an order's confirmation is queued with the order and
 * sent once by the drain; a refused send is retried later; without SMTP_URL nothing is sent, but the outbox
 * keeps the email for the demo.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { notifyBackInStock } from "@/lib/catalog/back-in-stock";
import { createMailTransport, drainOutbox, queueOrderConfirmation, type MailTransport } from "@/lib/mail";
import { retryDelaySeconds } from "@/lib/mail/send";
import { startCheckout } from "@/lib/checkout";
import { makeProduct, sellUnits, shopperWithCart } from "../support/fixtures";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp";

let smtp: TestSmtpServer;
let transport: MailTransport;

beforeAll(async () => {
  smtp = await startSmtpServer();
  transport = createMailTransport(smtp.url);
});

afterAll(async () => {
  transport.close();
  await smtp.stop();
  await pool.end();
});

beforeEach(async () => {
  // Each test reads only its own emails: earlier tests' are settled out of the way.
  await db.execute(sql`update email_outbox set status = 'sent' where status in ('pending', 'sending', 'kept')`);
  smtp.received.length = 0;
});

type OutboxRow = { id: number; status: string; attempts: number; recipient: string; last_error: string | null; due_in: number };

async function outboxFor(recipient: string): Promise<OutboxRow[]> {
  return db.execute<OutboxRow>(sql`
    select id, status, attempts, recipient, last_error,
      extract(epoch from next_attempt_at - now())::int as due_in
    from email_outbox where recipient = ${recipient} order by id`) as Promise<OutboxRow[]>;
}

describe("order confirmation through SMTP", () => {
  it("is queued with the order and sent exactly once, with lines, total, delivery details and the order link", async () => {
    const product = await makeProduct(5, 1250);
    const { buyer, order } = await sellUnits(product.id, 2);
    expect(await outboxFor(buyer.email)).toMatchObject([{ status: "pending", attempts: 0 }]);

    // Queueing it again (a retried request, a second caller) changes nothing.
    expect(await db.transaction((tx) => queueOrderConfirmation(tx, order.id))).toBeNull();

    const first = await drainOutbox({ transport });
    expect(first).toMatchObject({ sent: 1, retrying: 0, failed: 0 });
    const again = await drainOutbox({ transport });
    expect(again.sent).toBe(0);

    expect(smtp.received).toHaveLength(1);
    const message = smtp.received[0]!;
    expect(message.to).toEqual([buyer.email]);
    expect(message.raw).toContain(`Subject: Your Stockhold order #${order.id.slice(0, 8)} is confirmed`);
    expect(message.raw).toContain(`2 =C3=97 ${product.name}`); // "2 × name", quoted-printable
    expect(message.raw).toContain("$25.00");
    expect(message.raw).toContain(`/orders/${order.id}`);
    expect(await outboxFor(buyer.email)).toMatchObject([{ status: "sent", attempts: 1 }]);
  });

  it("is retried after the server refuses it, with backoff, and sent once when it accepts", async () => {
    const product = await makeProduct(3);
    const { buyer } = await sellUnits(product.id, 1);
    smtp.refuseNext(1);

    const refused = await drainOutbox({ transport });
    expect(refused).toMatchObject({ sent: 0, retrying: 1 });
    const [row] = await outboxFor(buyer.email);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row!.last_error).toContain("451");
    expect(row!.due_in).toBeGreaterThan(retryDelaySeconds(1) - 5);
    expect(smtp.received).toHaveLength(0);

    // Not due yet: a drain now sends nothing.
    expect((await drainOutbox({ transport })).sent).toBe(0);

    await db.execute(sql`update email_outbox set next_attempt_at = now() where id = ${row!.id}`);
    expect(await drainOutbox({ transport })).toMatchObject({ sent: 1, retrying: 0 });
    expect(smtp.received.map((m) => m.to)).toEqual([[buyer.email]]);
    expect(await outboxFor(buyer.email)).toMatchObject([{ status: "sent", attempts: 2, last_error: null }]);
  });

  it("sends an email once even when several drains run at the same time", async () => {
    const product = await makeProduct(10);
    const sales = await Promise.all([1, 2, 3, 4].map(() => sellUnits(product.id, 1)));
    const results = await Promise.all([1, 2, 3].map(() => drainOutbox({ transport, batchSize: 2 })));
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(4);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(sales.map((s) => s.buyer.email).sort());
  });

  it("gives up after the last attempt and keeps the error for the admin", async () => {
    const product = await makeProduct(2);
    const { buyer } = await sellUnits(product.id, 1);
    await db.execute(sql`update email_outbox set attempts = 7 where recipient = ${buyer.email}`);
    smtp.refuseNext(1);
    expect(await drainOutbox({ transport })).toMatchObject({ failed: 1 });
    expect(await outboxFor(buyer.email)).toMatchObject([{ status: "failed", attempts: 8 }]);
    await db.execute(sql`update email_outbox set next_attempt_at = now() where recipient = ${buyer.email}`);
    expect((await drainOutbox({ transport })).sent).toBe(0);
    expect(smtp.received).toHaveLength(0);
  });
});

describe("without SMTP_URL (demo)", () => {
  it("sends nothing, and the outbox keeps the email, readable in full", async () => {
    const product = await makeProduct(2, 900);
    const { buyer, order } = await sellUnits(product.id, 1);
    expect(await drainOutbox({ transport: null })).toMatchObject({ kept: 1, sent: 0 });
    expect(smtp.received).toHaveLength(0);
    const [row] = await db.execute<{ status: string; text_body: string; html_body: string }>(sql`
      select status, text_body, html_body from email_outbox where recipient = ${buyer.email}`);
    expect(row!.status).toBe("kept");
    expect(row!.text_body).toContain(`1 × ${product.name} — $9.00`);
    expect(row!.text_body).toContain(`/orders/${order.id}`);
    // A kept email is never sent later by a drain that has a server.
    expect((await drainOutbox({ transport })).sent).toBe(0);
  });
});

describe("back in stock through SMTP", () => {
  it("emails the waiting shopper once, with a link to the product", async () => {
    const product = await makeProduct(1);
    const holder = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const { checkout } = await startCheckout(holder, { email: holder.email });
    await db.execute(sql`
      insert into back_in_stock_requests (product_id, email) values (${product.id}, 'waiting@example.test')`);
    expect(await notifyBackInStock()).toBe(0);
    // The hold lapses: the unit is back, whoever tidies the hold up.
    await db.execute(sql`update reservations set expires_at = now() - interval '1 second' where checkout_id = ${checkout.id}`);
    expect(await notifyBackInStock()).toBe(1);
    expect(await notifyBackInStock()).toBe(0);
    expect(await drainOutbox({ transport })).toMatchObject({ sent: 1 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(["waiting@example.test"]);
    expect(smtp.received[0]!.raw).toContain(`/products/${product.slug}`);
  });
});
