/**
 * Next.js 16 proxy (formerly middleware), in front of pages, server actions and Auth.js routes:
 * - gives each request an id (an incoming sane X-Request-Id is kept), passed on as the x-request-id request
 *   header (for the log lines of instrumentation.ts) and sent back as X-Request-Id. The Store API's route
 *   handlers do the same themselves (lib/platform/http.ts `handler`), so the hot path does not pay for a proxy pass;
 * - refuses server-action requests whose body is not React's reply format with a 400: Next.js would otherwise
 *   fail to decode them and answer 500, as if the shop were broken; the same for paths with a broken %-escape;
 * - on account pages, optimistic sign-in checks from the session cookie alone (no database): the rules live
 *   in lib/accounts/auth.config.ts `authorized`; pages, actions and handlers check again;
 * - serves the catalogue (`/?…`) and a product's page (`/products/<slug>?…`) from their cached pages, the query
 *   moved into the path (lib/catalog/page-address.ts; README "Cached pages").
 */
import NextAuth from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { authConfig } from "@/lib/accounts/auth.config";
import { catalogueView, productView } from "@/lib/catalog/page-address";

const { auth } = NextAuth(authConfig);

const REQUEST_ID_HEADER = "x-request-id";

/** The same rule as lib/platform/log.ts saneRequestId (this file stays free of server-only modules). */
const saneRequestId = (value: string | null) => (value && /^[A-Za-z0-9._:-]{8,128}$/.test(value) ? value : undefined);

/** Paths whose pages need an account: only these pay for decoding the session cookie here. */
const accountPaths = /^\/admin(\/.*)?$/;

/**
 * How React's reply decoder (parseModelString in the server build of react-server-dom-turbopack) reads a
 * string that starts with "$": these tags stand for a value in place and name no other part of the body — "$$"
 * (an escaped "$"), H, T (a temporary reference), K (a FormData prefix, which may be empty), I, -, N, u, D and
 * n (a BigInt). Every other string starting with "$" names a part by a hex id (optionally followed by ":path"):
 * after one of the tags below, or right after the "$" (an outlined value). Typed arrays, DataViews and blobs
 * must name a file part, read once; streams and async iterables may be read once too.
 */
const IN_PLACE_TAGS = new Set(["$", "H", "T", "K", "I", "-", "N", "u", "D", "n"]);
const FILE_TAGS = new Set([..."AOoUSsLlGgMmVB"]);
const ONCE_TAGS = new Set([...FILE_TAGS, ..."RrXx"]);
const PART_TAGS = new Set([...ONCE_TAGS, ..."@hQWi"]);
const MAX_BIGINT_DIGITS = 300;

type Reading = { bad: string } | { model: string } | null;

/**
 * What React makes of this reply string with the parts at hand: nothing to check (null), a part it decodes as
 * JSON in turn (`model`: its id), or a reference it cannot decode (`bad`).
 */
function readReference(value: string, parts: FormData | null, readOnce: Set<string>): Reading {
  if (!value.startsWith("$")) return null;
  const tag = value[1] ?? "";
  if (tag === "n") {
    const digits = value.slice(2);
    return digits.length > MAX_BIGINT_DIGITS || !/^-?\d+$/.test(digits) ? { bad: value } : null;
  }
  if (IN_PLACE_TAGS.has(tag)) return null;
  const idText = PART_TAGS.has(tag) ? value.slice(2) : value.slice(1);
  const id = Number.parseInt(idText.split(":")[0]!, 16);
  const part = Number.isNaN(id) ? null : parts?.get(String(id));
  if (part === null || part === undefined) return { bad: value };
  if (FILE_TAGS.has(tag) !== part instanceof Blob) return { bad: value };
  if (ONCE_TAGS.has(tag)) {
    if (readOnce.has(String(id))) return { bad: value };
    readOnce.add(String(id));
    return null;
  }
  return { model: String(id) };
}

/** Why this server-action body is not one React would send, or null when it is well formed. */
async function malformedActionEnvelope(request: NextRequest): Promise<string | null> {
  const type = request.headers.get("content-type") ?? "";
  let root: string | null;
  let parts: FormData | null = null;
  try {
    if (/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(type)) {
      parts = await request.clone().formData();
      const first = parts.get("0");
      root = typeof first === "string" ? first : null;
    } else {
      root = await request.clone().text();
    }
  } catch {
    return "the body cannot be read as a form";
  }
  if (root === null) return "the body has no arguments part";
  let args: unknown;
  try {
    args = JSON.parse(root);
  } catch {
    return "the arguments are not JSON";
  }
  if (!Array.isArray(args)) return "the arguments are not a list";
  const missing: string[] = [];
  const readOnce = new Set<string>();
  const modelsRead = new Set<string>(["0"]);
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      const reading = readReference(value, parts, readOnce);
      if (reading === null) return;
      if ("bad" in reading) return void missing.push(reading.bad);
      if (modelsRead.has(reading.model)) return;
      modelsRead.add(reading.model);
      try {
        visit(JSON.parse(parts!.get(reading.model) as string));
      } catch {
        missing.push(value);
      }
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === "object") {
      Object.values(value).forEach(visit);
    }
  };
  visit(args);
  return missing.length > 0 ? `the arguments refer to parts that are not there or cannot be read (${missing.slice(0, 3).join(", ")})` : null;
}

/**
 * A path whose %-escapes do not decode to UTF-8 ("/api/cart/lines/%E0%A4%A", "/api/products/%C0%AF"): Next.js
 * fails to decode it into route params and answers 500 before any route handler or page runs, so it is refused
 * here. The matcher below sends API paths here only when they contain a "%".
 */
function hasBrokenEscape(pathname: string): boolean {
  if (!pathname.includes("%")) return false;
  try {
    decodeURIComponent(pathname);
    return false;
  } catch {
    return true;
  }
}

function brokenPathAnswer(pathname: string): NextResponse {
  const message = "The address has a broken %-escape: it names nothing here.";
  if (pathname.startsWith("/api/")) {
    return NextResponse.json({ error: { code: "invalid_request", message } }, { status: 400, headers: { "Cache-Control": "no-store" } });
  }
  return new NextResponse(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad address · Stockhold</title></head><body><h1>Bad address</h1><p>${message}</p><p><a href="/">Back to the shop</a></p></body></html>`,
    { status: 400, headers: { "content-type": "text/html; charset=utf-8", "Cache-Control": "no-store" } },
  );
}

const productPath = /^\/products\/([^/]+)\/?$/;

/**
 * The cached shop page that serves this address, if it is one: the catalogue (`/`) and a product's page are cached
 * by path, so their query moves into the path (lib/catalog/page-address.ts). The browser keeps its address.
 */
function shopPageOf(url: URL): string | null {
  if (url.pathname === "/") return `/catalogue/${catalogueView(url.searchParams)}`;
  const product = productPath.exec(url.pathname);
  return product ? `/products/${product[1]}/${productView(url.searchParams)}` : null;
}

function passOn(request: NextRequest, requestId: string | undefined): NextResponse {
  const shopPage = shopPageOf(request.nextUrl);
  const headers = requestId ? new Headers(request.headers) : undefined;
  headers?.set(REQUEST_ID_HEADER, requestId!);
  const passed = headers ? { request: { headers } } : undefined;
  if (!shopPage) return NextResponse.next(passed);
  // On request.url, not nextUrl: nextUrl names 127.0.0.1 "localhost", and a rewrite to an origin other than the one
  // the server was asked at is proxied to it over HTTP instead of served in place (next.config.mjs).
  const target = new URL(`${shopPage}${request.nextUrl.search}`, request.url);
  return NextResponse.rewrite(target, passed);
}

const withSignInCheck = auth((request) => passOn(request, request.headers.get(REQUEST_ID_HEADER)!)) as unknown as (
  request: NextRequest,
  event: NextFetchEvent,
) => Promise<Response>;

export async function proxy(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  const sentId = saneRequestId(request.headers.get(REQUEST_ID_HEADER));
  const requestId = sentId ?? crypto.randomUUID();
  let response: Response;
  if (hasBrokenEscape(request.nextUrl.pathname)) {
    response = brokenPathAnswer(request.nextUrl.pathname);
    response.headers.set(REQUEST_ID_HEADER, requestId);
    return response;
  }
  const problem =
    request.method === "POST" && request.headers.has("next-action") ? await malformedActionEnvelope(request) : null;
  if (problem) {
    response = NextResponse.json(
      { error: { code: "invalid_request", message: `Not a valid server action request: ${problem}.` } },
      { status: 400 },
    );
  } else if (accountPaths.test(request.nextUrl.pathname)) {
    request.headers.set(REQUEST_ID_HEADER, requestId);
    response = await withSignInCheck(request, event);
  } else {
    // A sane id the caller sent already reaches the page as it is: no copy of every request header to pass it on.
    response = passOn(request, sentId ? undefined : requestId);
  }
  response.headers.set(REQUEST_ID_HEADER, requestId);
  return response;
}

export const config = {
  // Everything but Next's static files, the icon, and the API routes that answer through lib/platform/http.ts — except
  // API paths with a "%" in them, which may carry a broken escape (see hasBrokenEscape).
  matcher: ["/((?!api/|_next/static|_next/image|icon.svg|favicon.ico).*)", "/api/auth/:path*", "/api/:rest(.*%.*)"],
};
