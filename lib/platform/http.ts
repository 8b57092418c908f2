/**
 * The one shape of every route handler: parse → authorise → call lib → answer. Errors become
 * `{ error: { code, message, ... } }` with a fitting status; bad input is a 4xx, never a 500.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { env } from "./env";
import { DomainError, invalidRequest, toDomainError } from "./errors";
import { currentRequestId, log, REQUEST_ID_HEADER, saneRequestId, withRequestId } from "./log";
import { recordHttpRequest, routeOf } from "./metrics";
import { clientAddress } from "./client-address";
import { countRequestFromIp } from "./ip-limit";

export { clientAddress };

export const MAX_JSON_BODY_BYTES = 16 * 1024;

/*
 * Answers are plain Responses (Response.json), not NextResponse.json: that one builds the Response and then copies
 * it, headers and all, into a NextResponse with a cookie jar, which no route handler here uses (cookies are set
 * through next/headers). The request's id goes into the headers the answer is made with, so the wrapper below
 * finds it there instead of adding it afterwards.
 */

export function errorResponse(error: unknown): Response {
  const e = toDomainError(error);
  return Response.json({ error: { code: e.code, message: e.message, ...e.details } }, { status: e.status, headers: withRequestIdHeader(e.headers) });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: withRequestIdHeader({ "Cache-Control": "no-store", ...headers }) });
}

/** These headers, and X-Request-Id when the answer is made while a request is served (inside `handler`). */
function withRequestIdHeader(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  const requestId = currentRequestId();
  return requestId === undefined ? headers : { ...headers, [REQUEST_ID_HEADER]: requestId };
}

/** Reads a JSON body (size- and type-checked) and validates it with `schema`. An empty body counts as `{}`. */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BODY_BYTES) throw tooLarge();
  const text = await readLimited(request);
  let data: unknown = {};
  if (text.trim().length > 0) {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      throw new DomainError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
    }
    try {
      data = JSON.parse(text);
    } catch {
      throw new DomainError("invalid_request", "The body is not valid JSON.", { issues: [] });
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw invalidRequest(parsed.error);
  return parsed.data;
}

/** Reads a body as text, size-checked: for signed payloads (webhooks) whose exact bytes matter. */
export async function readRawBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BODY_BYTES) throw tooLarge();
  return readLimited(request);
}

const tooLarge = () =>
  new DomainError("payload_too_large", `The body is larger than ${MAX_JSON_BODY_BYTES} bytes.`);

async function readLimited(request: Request): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_JSON_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** Validates route params or query values with `schema`; failures are 400 (or 404 via `onInvalid`). */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, onInvalid?: () => DomainError): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw onInvalid ? onInvalid() : invalidRequest(parsed.error);
  return parsed.data;
}

type RouteContext<P> = { params: Promise<P> };

/**
 * Counts one API request against its IP address (RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE; 0 = off), in memory and
 * shared with the other servers in batches (lib/platform/ip-limit.ts): no database round trip per request.
 */
export function limitRequestsPerIp(request: Request): void {
  const limit = env.RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE;
  // With the limit off, the address is not even read.
  if (limit > 0) countRequestFromIp(clientAddress(request), limit);
}

/**
 * Routes whose answered line is written at debug, not info: the health check is asked every few seconds by every
 * load balancer and monitor, and a line for each would bury the shop's own requests (its errors still log).
 */
const QUIET_ROUTES = new Set(["/api/health"]);

/**
 * Wraps a route handler: the per-IP request limit first, and every thrown error in the contract's shape. Every
 * log line written meanwhile carries the request's id (proxy.ts gives each request one), the answer carries it
 * as X-Request-Id, and the request is timed (method, route, status, duration) once answered and logged at info
 * (debug for QUIET_ROUTES). Nothing is built for a line the log level leaves out.
 */
export function handler<P = Record<string, string>>(
  fn: (request: NextRequest, context: RouteContext<P>) => Promise<Response>,
) {
  // Not async itself: the request's work is the one async function inside the request id's scope, so a request
  // pays for one promise chain, not two.
  return (request: NextRequest, context: RouteContext<P>): Promise<Response> => {
    const requestId = saneRequestId(request.headers.get(REQUEST_ID_HEADER)) ?? randomUUID();
    const started = performance.now();
    return withRequestId(requestId, async () => {
      let response: Response;
      try {
        limitRequestsPerIp(request);
        response = await fn(request, context);
      } catch (error) {
        response = errorResponse(error);
      }
      const ms = performance.now() - started;
      const path = request.nextUrl.pathname;
      recordHttpRequest(request.method, path, response.status, ms);
      const route = routeOf(path);
      const level = QUIET_ROUTES.has(route) ? "debug" : "info";
      if (log.isLevelEnabled(level)) {
        log[level]({ event: "request", method: request.method, route, status: response.status, ms: Math.round(ms * 10) / 10 }, "request answered");
      }
      if (!response.headers.has(REQUEST_ID_HEADER)) response.headers.set(REQUEST_ID_HEADER, requestId);
      return response;
    });
  };
}
