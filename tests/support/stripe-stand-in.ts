/**
 * A local stand-in for the few Stripe API endpoints the Stripe provider calls (lib/payments/stripe-provider.ts),
 * so its tests run offline with the real SDK pointed at it (host/port/protocol options):
 *
 *   POST /v1/payment_intents              create (confirm at once, manual capture)
 *   GET  /v1/payment_intents/search       by `metadata['idempotency_key']:'…'`
 *   GET  /v1/payment_intents              list, newest first (`created[gte]`, `limit`, `starting_after`)
 *   GET  /v1/payment_intents/:id          retrieve
 *   POST /v1/payment_intents/:id/capture  requires_capture → succeeded
 *   POST /v1/payment_intents/:id/cancel   → canceled
 *   POST /v1/refunds                      a succeeded intent's money back (all, or `amount`), with `metadata`
 *   GET  /v1/refunds                      list an intent's refunds (`payment_intent`), newest first
 *   POST /v1/payment_intents/:id/stand_in_authenticate
 *        the bank's 3-D Secure check as the fake Stripe.js's `handleNextAction` passes or fails it
 *        (tests/support/stripe-js-stand-in.ts): `client_secret`, `outcome` (authorized | declined). Called from
 *        the shopper's browser, so it takes the intent's client secret instead of the secret key, and any origin.
 *
 * Stripe's test payment methods decide the outcome. POSTs honour Idempotency-Key as Stripe does: the same key
 * replays the first answer once it is complete; the same key while the first request is still in flight is a
 * 409 `idempotency_key_in_use`; the same key with other parameters is a 400
 * idempotency_error. `postDelayMs` makes every POST take that long (a slow Stripe), so requests can overlap.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

type IntentStatus = "requires_payment_method" | "requires_action" | "requires_capture" | "processing" | "succeeded" | "canceled";

export interface StandInIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: IntentStatus;
  capture_method: string;
  confirmation_method: "automatic";
  payment_method: string | null;
  description: string | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
  client_secret: string;
  latest_charge: { id: string; object: "charge"; refunded: boolean; amount_refunded: number } | null;
  last_payment_error: { type: "card_error"; code: string; decline_code?: string; message: string } | null;
}

/** Stripe's test payment methods and what each does when confirmed. */
export const STAND_IN_PAYMENT_METHODS = {
  /** Authorized at once (requires_capture). */
  visa: "pm_card_visa",
  /** Declined: card_declined. */
  declined: "pm_card_chargeDeclined",
  /** Declined: insufficient_funds. */
  insufficientFunds: "pm_card_chargeDeclinedInsufficientFunds",
  /** 3-D Secure: requires_action until `completeAction` (the bank's answer). */
  threeDSecure: "pm_card_threeDSecure2Required",
} as const;

const declines: Record<string, { code: string; decline_code: string; message: string }> = {
  [STAND_IN_PAYMENT_METHODS.declined]: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  [STAND_IN_PAYMENT_METHODS.insufficientFunds]: {
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
};

export interface StripeStandIn {
  port: number;
  /** SDK options / env of the app that point Stripe at this stand-in. */
  sdkOptions: { host: string; port: number; protocol: "http" };
  intents: Map<string, StandInIntent>;
  /** Every request served: "METHOD /path" (replays included). */
  requests: string[];
  /** False: search answers nothing, as Stripe's does for up to a minute after an intent is made. */
  searchIndexed: boolean;
  /** How long each POST takes before it is answered (0: at once). */
  postDelayMs: number;
  /** Base URL of the API (the fake Stripe.js's `handleNextAction` calls it from the browser). */
  url: string;
  /** The bank's answer to a 3-D Secure intent: authorized (requires_capture) or declined. */
  completeAction(id: string, outcome: "authorized" | "declined"): StandInIntent;
  /** A payment_intent.* event's JSON as Stripe would send it. */
  eventFor(type: string, intent: StandInIntent, id?: string): string;
  close(): Promise<void>;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const invalid = (message: string, code?: string, extra: Record<string, unknown> = {}) =>
  new ApiError(400, { type: "invalid_request_error", message, ...(code ? { code } : {}), ...extra });

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startStripeStandIn(secretKey: string): Promise<StripeStandIn> {
  const intents = new Map<string, StandInIntent>();
  const order: string[] = [];
  const refunds: { id: string; object: "refund"; amount: number; currency: string; payment_intent: string; status: string; metadata: Record<string, string> }[] = [];
  const requests: string[] = [];
  const idempotent = new Map<string, { request: string; status: number; body: unknown }>();
  const inFlight = new Set<string>();
  let clock = Math.floor(Date.now() / 1000);

  function intentOf(id: string): StandInIntent {
    const intent = intents.get(id);
    if (!intent) throw new ApiError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such payment_intent: '${id}'` });
    return intent;
  }

  const unexpectedState = (intent: StandInIntent, action: string) =>
    invalid(`This PaymentIntent could not be ${action} because it has a status of ${intent.status}.`, "payment_intent_unexpected_state", {
      payment_intent: intent,
    });

  function create(params: URLSearchParams): StandInIntent {
    const amount = Number(params.get("amount"));
    if (!Number.isInteger(amount) || amount < 1) throw invalid("Invalid integer: amount", "parameter_invalid_integer");
    const currency = params.get("currency");
    if (!currency) throw invalid("Missing required param: currency.", "parameter_missing");
    const paymentMethod = params.get("payment_method");
    const known = paymentMethod && (Object.values(STAND_IN_PAYMENT_METHODS) as string[]).includes(paymentMethod);
    if (!known) throw invalid(`No such PaymentMethod: '${paymentMethod}'`, "resource_missing", { param: "payment_method" });
    if (params.get("confirm") !== "true" || params.get("capture_method") !== "manual") {
      throw invalid("The stand-in only serves confirm=true with capture_method=manual.");
    }
    const metadata: Record<string, string> = {};
    for (const [key, value] of params) {
      const name = /^metadata\[(.+)\]$/.exec(key)?.[1];
      if (name) metadata[name] = value;
    }
    const decline = declines[paymentMethod!];
    const id = newId("pi");
    const intent: StandInIntent = {
      id,
      object: "payment_intent",
      amount,
      amount_capturable: decline ? 0 : amount,
      amount_received: 0,
      currency,
      status: decline ? "requires_payment_method" : paymentMethod === STAND_IN_PAYMENT_METHODS.threeDSecure ? "requires_action" : "requires_capture",
      capture_method: "manual",
      confirmation_method: "automatic",
      payment_method: decline ? null : paymentMethod,
      description: params.get("description"),
      metadata,
      created: (clock = Math.max(clock, Math.floor(Date.now() / 1000))),
      livemode: false,
      client_secret: `${id}_secret_${randomBytes(8).toString("hex")}`,
      latest_charge: null,
      last_payment_error: decline ? { type: "card_error", ...decline } : null,
    };
    if (intent.status === "requires_action") intent.amount_capturable = 0;
    intents.set(id, intent);
    order.unshift(id);
    if (decline) throw new ApiError(402, { type: "card_error", ...decline, payment_intent: intent });
    return intent;
  }

  function capture(id: string, params: URLSearchParams): StandInIntent {
    const intent = intentOf(id);
    if (intent.status !== "requires_capture") throw unexpectedState(intent, "captured");
    const amount = params.has("amount_to_capture") ? Number(params.get("amount_to_capture")) : intent.amount;
    if (!Number.isInteger(amount) || amount < 1 || amount > intent.amount) throw invalid("Invalid amount_to_capture.");
    Object.assign(intent, {
      status: "succeeded",
      amount_capturable: 0,
      amount_received: amount,
      latest_charge: { id: newId("ch"), object: "charge", refunded: false, amount_refunded: 0 },
    });
    return intent;
  }

  function cancel(id: string): StandInIntent {
    const intent = intentOf(id);
    if (!["requires_payment_method", "requires_capture", "requires_action"].includes(intent.status)) throw unexpectedState(intent, "canceled");
    Object.assign(intent, { status: "canceled", amount_capturable: 0 });
    return intent;
  }

  function refund(params: URLSearchParams) {
    const intent = intentOf(params.get("payment_intent") ?? "");
    if (intent.status !== "succeeded" || !intent.latest_charge) {
      throw invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, "charge_not_captured");
    }
    const left = intent.amount_received - intent.latest_charge.amount_refunded;
    const amount = params.has("amount") ? Number(params.get("amount")) : left;
    if (!Number.isInteger(amount) || amount < 1 || amount > left) throw invalid("Refund amount is greater than what is left to refund.", "amount_too_large");
    intent.latest_charge.amount_refunded += amount;
    intent.latest_charge.refunded = intent.latest_charge.amount_refunded === intent.amount_received;
    const metadata: Record<string, string> = {};
    for (const [name, value] of params) {
      const field = /^metadata\[(.+)\]$/.exec(name);
      if (field) metadata[field[1]!] = value;
    }
    const made = { id: newId("re"), object: "refund" as const, amount, currency: intent.currency, payment_intent: intent.id, status: "succeeded", metadata };
    refunds.unshift(made);
    return made;
  }

  function search(query: string) {
    const match = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(query.trim());
    if (!match) throw invalid(`The stand-in only searches metadata['…']:'…', not: ${query}`);
    const [, name, raw] = match;
    const value = raw!.replace(/\\(.)/g, "$1");
    const data = standIn.searchIndexed ? order.map((id) => intents.get(id)!).filter((i) => i.metadata[name!] === value) : [];
    return { object: "search_result", data, has_more: false, next_page: null, url: "/v1/payment_intents/search" };
  }

  function list(params: URLSearchParams) {
    const since = params.has("created[gte]") ? Number(params.get("created[gte]")) : 0;
    const limit = Math.min(100, Number(params.get("limit") ?? 10));
    let all = order.map((id) => intents.get(id)!).filter((i) => i.created >= since);
    const after = params.get("starting_after");
    if (after) all = all.slice(all.findIndex((i) => i.id === after) + 1);
    return { object: "list", data: all.slice(0, limit), has_more: all.length > limit, url: "/v1/payment_intents" };
  }

  /** The shopper's browser passing or failing the bank's check: only with the intent's own client secret. */
  function authenticate(id: string, params: URLSearchParams): StandInIntent {
    const intent = intentOf(id);
    if (params.get("client_secret") !== intent.client_secret) {
      throw invalid("The client_secret provided does not match the client_secret associated with the PaymentIntent.", "payment_intent_invalid_parameter");
    }
    if (intent.status !== "requires_action") throw unexpectedState(intent, "authenticated");
    return standIn.completeAction(id, params.get("outcome") === "declined" ? "declined" : "authorized");
  }

  function route(method: string, path: string, params: URLSearchParams): unknown {
    const byId = /^\/v1\/payment_intents\/(pi_[A-Za-z0-9]+)(\/capture|\/cancel)?$/.exec(path);
    if (method === "POST" && path === "/v1/payment_intents") return create(params);
    if (method === "GET" && path === "/v1/payment_intents/search") return search(params.get("query") ?? "");
    if (method === "GET" && path === "/v1/payment_intents") return list(params);
    if (method === "GET" && byId && !byId[2]) return intentOf(byId[1]!);
    if (method === "POST" && byId?.[2] === "/capture") return capture(byId[1]!, params);
    if (method === "POST" && byId?.[2] === "/cancel") return cancel(byId[1]!);
    if (method === "POST" && path === "/v1/refunds") return refund(params);
    if (method === "GET" && path === "/v1/refunds") {
      const data = refunds.filter((r) => !params.has("payment_intent") || r.payment_intent === params.get("payment_intent"));
      return { object: "list", data, has_more: false, url: "/v1/refunds" };
    }
    throw new ApiError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}).` });
  }

  function send(response: ServerResponse, status: number, body: unknown, replayed = false) {
    response.writeHead(status, {
      "content-type": "application/json",
      "request-id": newId("req"),
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    });
    response.end(JSON.stringify(body));
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://stand-in");
      const method = request.method ?? "GET";
      requests.push(`${method} ${url.pathname}`);
      const fromBrowser = /^\/v1\/payment_intents\/(pi_[A-Za-z0-9]+)\/stand_in_authenticate$/.exec(url.pathname);
      if (fromBrowser && method === "POST") {
        const params = new URLSearchParams(await readBody(request));
        response.setHeader("access-control-allow-origin", "*");
        try {
          return send(response, 200, authenticate(fromBrowser[1]!, params));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          return send(response, error.status, { error: error.body });
        }
      }
      if (request.headers.authorization !== `Bearer ${secretKey}`) {
        return send(response, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided." } });
      }
      const body = method === "POST" ? await readBody(request) : "";
      const params = method === "POST" ? new URLSearchParams(body) : url.searchParams;
      const key = method === "POST" ? request.headers["idempotency-key"] : undefined;
      const fingerprint = `${method} ${url.pathname} ${body}`;
      if (typeof key === "string") {
        const earlier = idempotent.get(key);
        if (earlier && earlier.request !== fingerprint) {
          return send(response, 400, {
            error: {
              type: "idempotency_error",
              message: "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            },
          });
        }
        if (earlier) return send(response, earlier.status, earlier.body, true);
        if (inFlight.has(key)) {
          return send(response, 409, {
            error: {
              type: "invalid_request_error",
              code: "idempotency_key_in_use",
              message:
                "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through).",
            },
          });
        }
        inFlight.add(key);
      }
      let status = 200;
      let answer: unknown;
      try {
        if (method === "POST" && standIn.postDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, standIn.postDelayMs));
        try {
          answer = route(method, url.pathname, params);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          status = error.status;
          answer = { error: error.body };
        }
        // Stripe keeps the answer under the key, errors included (but not a 5xx, which may be retried).
        if (typeof key === "string") idempotent.set(key, { request: fingerprint, status, body: answer });
      } finally {
        if (typeof key === "string") inFlight.delete(key);
      }
      send(response, status, answer);
    })().catch((error: unknown) => send(response, 500, { error: { type: "api_error", message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const standIn: StripeStandIn = {
    port,
    sdkOptions: { host: "127.0.0.1", port, protocol: "http" },
    url: `http://127.0.0.1:${port}`,
    intents,
    requests,
    searchIndexed: true,
    postDelayMs: 0,
    completeAction(id, outcome) {
      const intent = intentOf(id);
      if (intent.status !== "requires_action") throw new Error(`stand-in: ${id} is ${intent.status}, not requires_action`);
      if (outcome === "authorized") Object.assign(intent, { status: "requires_capture", amount_capturable: intent.amount });
      else {
        Object.assign(intent, {
          status: "requires_payment_method",
          payment_method: null,
          last_payment_error: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
        });
      }
      return intent;
    },
    eventFor(type, intent, id = newId("evt")) {
      return JSON.stringify({
        id,
        object: "event",
        api_version: "2026-10-28.endive",
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        pending_webhooks: 1,
        type,
        data: { object: intent },
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return standIn;
}
