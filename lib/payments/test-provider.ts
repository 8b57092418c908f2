/**
 * The built-in test payment provider: it stands in for a remote one behind the PaymentProvider interface,
 * faithfully enough to test the shop's money path. Its own durable record (table test_provider_payments, on a
 * connection of its own, as a remote provider's database would be) says what it authorized, captured, voided or
 * refunded under each idempotency key, so "what happened to this key?" survives a crash of the shop. Every call
 * the shop makes is also written to its request log (test_provider_calls), so a test can count them.
 *
 * Cards (the Store API contract lists them):
 *   4242 4242 4242 4242  authorized at once
 *   4000 0000 0000 0002  declined
 *   4000 0000 0000 9995  declined: insufficient funds
 *   4000 0000 0000 0077  authorized at once, but the answer takes PAYMENT_TEST_STALL_MS (a slow provider: the
 *                        money is reserved even if the shop dies before the answer arrives)
 *   4000 0000 0000 3220  "processing", authorized PAYMENT_TEST_WEBHOOK_DELAY_MS later (told by webhook)
 *   4000 0000 0000 3238  "processing", declined PAYMENT_TEST_WEBHOOK_DELAY_MS later (told by webhook)
 *   4000 0000 0000 0341  authorized at once, but its first capture fails with an error (the authorization stays,
 *                        so a later capture takes the money)
 */
import "server-only";
import { createHash } from "node:crypto";
import { and, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { scriptClientOptions } from "@/db/connection-settings";
import { z } from "zod";
import { testProviderCalls, testProviderPayments, testProviderRefunds } from "@/db/schema";
import { env } from "../platform/env";
import type { AuthorizeRequest, DeclineCode, PaymentProvider, ProviderPayment, ProviderRefund, RefundRequest } from "./provider";
import { SIGNATURE_HEADER, signPayload, verifySignature } from "./signature";

export const TEST_CARDS = {
  succeeds: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
  slowSucceeds: "4000000000000077",
  asyncSucceeds: "4000000000003220",
  asyncDeclined: "4000000000003238",
  captureFailsOnce: "4000000000000341",
} as const;

const declines: Record<string, { code: DeclineCode; message: string }> = {
  [TEST_CARDS.declined]: { code: "card_declined", message: "Your card was declined." },
  [TEST_CARDS.insufficientFunds]: { code: "insufficient_funds", message: "Your card has insufficient funds." },
};
const notSupported = {
  code: "card_not_supported" as const,
  message: "This card is not accepted by the test payment provider. Use 4242 4242 4242 4242.",
};

type Row = typeof testProviderPayments.$inferSelect;

// The provider's own database connection: a remote provider's records live apart from the shop's pool.
const globalForProvider = globalThis as unknown as { stockholdTestProviderDb?: ReturnType<typeof connect> };
function connect() {
  const client = postgres(env.DATABASE_URL ?? "postgres://unconfigured@127.0.0.1:1/unconfigured", {
    ...scriptClientOptions(env.DATABASE_POOLER),
    max: 3,
    idle_timeout: 30,
    connect_timeout: 5,
  });
  return drizzle({ client });
}
const providerDb = () => (globalForProvider.stockholdTestProviderDb ??= connect());

/** Closes the provider's own connections (a test that copies its database as a template needs none open). */
export async function endTestProviderConnections(): Promise<void> {
  const open = globalForProvider.stockholdTestProviderDb;
  globalForProvider.stockholdTestProviderDb = undefined;
  await open?.$client.end();
}

const referenceOf = (key: string) => `test_pi_${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;

function toPayment(row: Row): ProviderPayment {
  if (row.status === "declined") {
    return {
      status: "declined",
      reference: row.reference,
      code: (row.declineCode as DeclineCode | null) ?? "card_declined",
      message: row.declineMessage ?? "Your card was declined.",
    };
  }
  return { status: row.status, reference: row.reference };
}

/** A "processing" payment whose time has come reaches its final status when next read (the provider's clock). */
async function settleDue(key?: string): Promise<void> {
  await providerDb()
    .update(testProviderPayments)
    .set({
      status: sql`${testProviderPayments.finalStatus}`,
      declineCode: sql`case when ${testProviderPayments.finalStatus} = 'declined' then 'card_declined' end`,
      declineMessage: sql`case when ${testProviderPayments.finalStatus} = 'declined' then 'Your card was declined by your bank.' end`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(testProviderPayments.status, "processing"),
        lte(testProviderPayments.settlesAt, sql`now()`),
        key ? eq(testProviderPayments.idempotencyKey, key) : undefined,
      ),
    );
}

async function read(key: string): Promise<Row | undefined> {
  await settleDue(key);
  const [row] = await providerDb().select().from(testProviderPayments).where(eq(testProviderPayments.idempotencyKey, key));
  return row;
}

/** Moves a payment from one of `from` to `to`; answers its state either way (idempotent). */
async function move(key: string, from: Row["status"][], to: Row["status"]): Promise<ProviderPayment> {
  await settleDue(key);
  const [moved] = await providerDb()
    .update(testProviderPayments)
    .set({ status: to, updatedAt: sql`now()` })
    .where(and(eq(testProviderPayments.idempotencyKey, key), inArray(testProviderPayments.status, from)))
    .returning();
  const row = moved ?? (await read(key));
  if (!row) throw new Error(`test provider: no payment under key ${key}`);
  return toPayment(row);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Call = (typeof testProviderCalls.$inferInsert)["call"];

/**
 * Runs one call of the shop's and writes it to the provider's request log (test_provider_calls) with what it
 * answered or the error it raised, so a test can count "captured exactly once".
 */
async function logged(call: Call, idempotencyKey: string, work: () => Promise<ProviderPayment | null>): Promise<ProviderPayment | null> {
  let outcome = "error";
  try {
    const answer = await work();
    outcome = answer?.status ?? "unknown";
    return answer;
  } catch (error) {
    outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
    throw error;
  } finally {
    await providerDb().insert(testProviderCalls).values({ idempotencyKey, call, outcome });
  }
}

/** Logs a refund call like the others (`refund` and `lookup` under the refund's key). */
async function loggedRefund(call: Call, idempotencyKey: string, work: () => Promise<ProviderRefund | null>): Promise<ProviderRefund | null> {
  let outcome = "error";
  try {
    const answer = await work();
    outcome = answer?.status ?? "unknown";
    return answer;
  } catch (error) {
    outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
    throw error;
  } finally {
    await providerDb().insert(testProviderCalls).values({ idempotencyKey, call, outcome });
  }
}

/**
 * A refund under its own key, recorded durably: the same key again answers the same refund, and the refunds of a
 * payment never add up to more than it captured (the payment's row is locked while they are counted).
 */
async function refundAmount({ idempotencyKey, paymentKey, amountCents }: RefundRequest): Promise<ProviderRefund> {
  const delaySeconds = env.PAYMENT_TEST_WEBHOOK_DELAY_MS / 1000;
  const row = await providerDb().transaction(async (tx) => {
    const [payment] = await tx.select().from(testProviderPayments).where(eq(testProviderPayments.idempotencyKey, paymentKey)).for("update");
    const [earlier] = await tx.select().from(testProviderRefunds).where(eq(testProviderRefunds.idempotencyKey, idempotencyKey));
    if (earlier) return earlier;
    if (!payment || payment.status !== "captured") throw new Error(`test provider: payment ${paymentKey} is not captured`);
    const [refunded] = await tx
      .select({ cents: sql<number>`coalesce(sum(${testProviderRefunds.amountCents}), 0)`.mapWith(Number) })
      .from(testProviderRefunds)
      .where(eq(testProviderRefunds.paymentKey, paymentKey));
    if (amountCents <= 0 || refunded!.cents + amountCents > payment.amountCents) {
      throw new Error(`test provider: refund of ${amountCents} exceeds what is left of the capture (${payment.amountCents - refunded!.cents})`);
    }
    const [made] = await tx
      .insert(testProviderRefunds)
      .values({
        idempotencyKey,
        reference: `test_re_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 24)}`,
        paymentKey,
        amountCents,
        status: "succeeded",
        webhookDueAt: sql`now() + make_interval(secs => ${delaySeconds})`,
      })
      .returning();
    return made!;
  });
  setTimeout(() => void deliverDueWebhooks().catch(() => {}), env.PAYMENT_TEST_WEBHOOK_DELAY_MS + 50).unref();
  return { status: row.status, reference: row.reference };
}

async function lookupRefund(idempotencyKey: string): Promise<ProviderRefund | null> {
  const [row] = await providerDb().select().from(testProviderRefunds).where(eq(testProviderRefunds.idempotencyKey, idempotencyKey));
  return row ? { status: row.status, reference: row.reference } : null;
}

async function loggedPayment(call: Call, idempotencyKey: string, work: () => Promise<ProviderPayment>): Promise<ProviderPayment> {
  return (await logged(call, idempotencyKey, work))!;
}

export const testPaymentProvider: PaymentProvider = {
  name: "test",

  authorize: (request) => loggedPayment("authorize", request.idempotencyKey, () => authorize(request)),
  capture: ({ idempotencyKey }) => loggedPayment("capture", idempotencyKey, () => capture(idempotencyKey)),
  void: ({ idempotencyKey }) => loggedPayment("void", idempotencyKey, () => move(idempotencyKey, ["authorized", "processing"], "voided")),
  refund: ({ idempotencyKey }) => loggedPayment("refund", idempotencyKey, () => move(idempotencyKey, ["captured"], "refunded")),

  refundAmount: async (request) => (await loggedRefund("refund", request.idempotencyKey, () => refundAmount(request)))!,
  lookupRefund: ({ idempotencyKey }) => loggedRefund("lookup", idempotencyKey, () => lookupRefund(idempotencyKey)),

  lookup: (idempotencyKey) =>
    logged("lookup", idempotencyKey, async () => {
      const row = await read(idempotencyKey);
      return row ? toPayment(row) : null;
    }),

  parseWebhook: (rawBody, headers) => parseTestWebhook(rawBody, headers),
};

async function capture(idempotencyKey: string): Promise<ProviderPayment> {
  const row = await read(idempotencyKey);
  if (row?.cardLast4 === TEST_CARDS.captureFailsOnce.slice(-4)) {
    const [earlier] = await providerDb()
      .select({ id: testProviderCalls.id })
      .from(testProviderCalls)
      .where(and(eq(testProviderCalls.idempotencyKey, idempotencyKey), eq(testProviderCalls.call, "capture")))
      .limit(1);
    if (!earlier) throw new Error("test provider: the capture could not be processed (try again)");
  }
  return move(idempotencyKey, ["authorized"], "captured");
}

async function authorize({ idempotencyKey, amountCents, paymentMethod }: AuthorizeRequest): Promise<ProviderPayment> {
  const card = paymentMethod.replace(/\s+/g, "");
  const decline = declines[card] ?? (Object.values(TEST_CARDS).includes(card as never) ? undefined : notSupported);
  const asyncFinal = card === TEST_CARDS.asyncSucceeds ? "authorized" : card === TEST_CARDS.asyncDeclined ? "declined" : null;
  const delaySeconds = env.PAYMENT_TEST_WEBHOOK_DELAY_MS / 1000;
  // Recorded first: the same key again is the same payment, whatever happens to this answer.
  await providerDb()
    .insert(testProviderPayments)
    .values({
      idempotencyKey,
      reference: referenceOf(idempotencyKey),
      amountCents,
      cardLast4: card.slice(-4),
      status: asyncFinal ? "processing" : decline ? "declined" : "authorized",
      declineCode: decline?.code,
      declineMessage: decline?.message,
      finalStatus: asyncFinal,
      settlesAt: asyncFinal ? sql`now() + make_interval(secs => ${delaySeconds})` : null,
      webhookDueAt: asyncFinal ? sql`now() + make_interval(secs => ${delaySeconds})` : null,
    })
    .onConflictDoNothing();
  // The webhook goes out when it is due (the delivery loop also finds it after a restart).
  if (asyncFinal) setTimeout(() => void deliverDueWebhooks().catch(() => {}), env.PAYMENT_TEST_WEBHOOK_DELAY_MS + 50).unref();
  if (card === TEST_CARDS.slowSucceeds && env.PAYMENT_TEST_STALL_MS > 0) await sleep(env.PAYMENT_TEST_STALL_MS);
  const row = await read(idempotencyKey);
  return toPayment(row!);
}

// ---------------------------------------------------------------------------------------------------------
// Webhooks: the provider tells the shop when an asynchronous payment settles, signed, retried with backoff
// until the shop answers 2xx, and from its own durable record, so a delivery due while the shop was down is
// made once it is back.
// ---------------------------------------------------------------------------------------------------------

/** The test provider's signing secret: PAYMENT_WEBHOOK_SECRET, or one derived from AUTH_SECRET. */
export function testWebhookSecret(): string | undefined {
  if (env.PAYMENT_WEBHOOK_SECRET) return env.PAYMENT_WEBHOOK_SECRET;
  return env.AUTH_SECRET ? createHash("sha256").update(`stockhold-payment-webhooks:${env.AUTH_SECRET}`).digest("hex") : undefined;
}

const webhookUrl = () => env.PAYMENT_TEST_WEBHOOK_URL ?? `http://127.0.0.1:${env.PORT}/api/payments/webhook`;

const webhookEventSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  data: z.object({ object: z.object({ idempotencyKey: z.string().min(1).max(255) }) }),
});

/** Waits before the n-th retry: 1 s, 2 s, 4 s … up to a minute. */
const backoffSeconds = (attempts: number) => Math.min(60, 2 ** Math.max(0, attempts - 1));

/** Sends every webhook that is due. Several servers may run this at once: each row is claimed by one. */
export async function deliverDueWebhooks(): Promise<number> {
  const secret = testWebhookSecret();
  if (!secret) return 0;
  await settleDue();
  // Claimed with a short lease (due again in 30 s) so a server that dies mid-delivery does not lose it.
  const due = await providerDb()
    .update(testProviderPayments)
    .set({ webhookDueAt: sql`now() + interval '30 seconds'`, webhookAttempts: sql`${testProviderPayments.webhookAttempts} + 1` })
    .where(
      inArray(
        testProviderPayments.idempotencyKey,
        providerDb()
          .select({ key: testProviderPayments.idempotencyKey })
          .from(testProviderPayments)
          .where(
            and(
              lte(testProviderPayments.webhookDueAt, sql`now()`),
              isNull(testProviderPayments.webhookDeliveredAt),
              inArray(testProviderPayments.status, ["authorized", "declined", "captured", "voided", "refunded"]),
            ),
          )
          .limit(20)
          .for("update", { skipLocked: true }),
      ),
    )
    .returning();
  let delivered = 0;
  for (const row of due) {
    const body = JSON.stringify({
      // One event per change of status: a redelivery of the same change has the same id.
      id: `evt_${createHash("sha256").update(`${row.idempotencyKey}:${row.status}`).digest("hex").slice(0, 24)}`,
      type: `payment.${row.status}`,
      created: Math.floor(Date.now() / 1000),
      data: { object: { idempotencyKey: row.idempotencyKey, reference: row.reference, status: row.status } },
    });
    let ok = false;
    try {
      const response = await fetch(webhookUrl(), {
        method: "POST",
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signPayload(secret, body) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      ok = response.ok;
    } catch {
      ok = false; // the shop is down or slow: try again later
    }
    await providerDb()
      .update(testProviderPayments)
      .set(
        ok
          ? { webhookDeliveredAt: sql`now()` }
          : { webhookDueAt: sql`now() + make_interval(secs => ${backoffSeconds(row.webhookAttempts)})` },
      )
      .where(eq(testProviderPayments.idempotencyKey, row.idempotencyKey));
    if (ok) delivered += 1;
  }
  return delivered + (await deliverDueRefundWebhooks(secret));
}

/** The refund events (`refund.succeeded`), claimed and retried as the payment events are. */
async function deliverDueRefundWebhooks(secret: string): Promise<number> {
  const r = testProviderRefunds;
  const due = await providerDb()
    .update(r)
    .set({ webhookDueAt: sql`now() + interval '30 seconds'`, webhookAttempts: sql`${r.webhookAttempts} + 1` })
    .where(
      inArray(
        r.idempotencyKey,
        providerDb()
          .select({ key: r.idempotencyKey })
          .from(r)
          .where(and(lte(r.webhookDueAt, sql`now()`), isNull(r.webhookDeliveredAt)))
          .limit(20)
          .for("update", { skipLocked: true }),
      ),
    )
    .returning();
  let delivered = 0;
  for (const row of due) {
    const body = JSON.stringify({
      id: `evt_${createHash("sha256").update(`${row.idempotencyKey}:refund:${row.status}`).digest("hex").slice(0, 24)}`,
      type: `refund.${row.status}`,
      created: Math.floor(Date.now() / 1000),
      data: { object: { idempotencyKey: row.idempotencyKey, reference: row.reference, paymentKey: row.paymentKey, status: row.status } },
    });
    const ok = await fetch(webhookUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signPayload(secret, body) },
      body,
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (response) => (await response.arrayBuffer(), response.ok),
      () => false,
    );
    await providerDb()
      .update(r)
      .set(ok ? { webhookDeliveredAt: sql`now()` } : { webhookDueAt: sql`now() + make_interval(secs => ${backoffSeconds(row.webhookAttempts)})` })
      .where(eq(r.idempotencyKey, row.idempotencyKey));
    if (ok) delivered += 1;
  }
  return delivered;
}

const globalForDelivery = globalThis as unknown as { stockholdWebhookDelivery?: boolean };

/** Runs webhook delivery about every second in this server (the test provider only). */
export function startWebhookDelivery(): void {
  if (globalForDelivery.stockholdWebhookDelivery || !env.DATABASE_URL) return;
  globalForDelivery.stockholdWebhookDelivery = true;
  const tick = async () => {
    try {
      await deliverDueWebhooks();
    } catch (error) {
      console.error("test provider webhook delivery failed:", error instanceof Error ? error.message : error);
    } finally {
      setTimeout(tick, 1_000).unref();
    }
  };
  setTimeout(tick, 1_000).unref();
}

function parseTestWebhook(rawBody: string, headers: Headers) {
  const secret = testWebhookSecret();
  if (!secret || !verifySignature(headers.get(SIGNATURE_HEADER), rawBody, secret)) return null;
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return null;
  }
  const event = webhookEventSchema.safeParse(json);
  if (!event.success) return null;
  const key = event.data.data.object.idempotencyKey;
  if (event.data.type.startsWith("refund.")) return { id: event.data.id, type: event.data.type, idempotencyKey: null, refund: { idempotencyKey: key, paymentReference: null } };
  return { id: event.data.id, type: event.data.type, idempotencyKey: key };
}
