/**
 * Next.js 16 proxy (formerly middleware), in front of pages, server actions and Auth.js routes:
 * - gives each request an id (an incoming sane X-Request-Id is kept), passed on as the x-request-id request
 *   header (for the log lines of instrumentation.ts) and sent back as X-Request-Id. The Store API's route
 *   handlers do the same themselves (lib/http.ts `handler`), so the hot path does not pay for a proxy pass;
 * - refuses server-action requests whose body is not React's reply format with a 400: Next.js would otherwise
 *   fail to decode them and answer 500, as if the shop were broken;
 * - on account pages, optimistic sign-in checks from the session cookie alone (no database): the rules live
 *   in lib/auth.config.ts `authorized`; pages, actions and handlers check again.
 */
import NextAuth from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { authConfig } from "@/lib/auth.config";

const { auth } = NextAuth(authConfig);

const REQUEST_ID_HEADER = "x-request-id";

/** The same rule as lib/log.ts saneRequestId (this file stays free of server-only modules). */
const saneRequestId = (value: string | null) => (value && /^[A-Za-z0-9._:-]{8,128}$/.test(value) ? value : undefined);

/** Paths whose pages need an account: only these pay for decoding the session cookie here. */
const accountPaths = /^\/admin(\/.*)?$/;

/**
 * React's reply values that stand for another part of the body: `$<hex id>` (an outlined value) or a tag and an
 * id — a promise (@), server reference (F), Map (Q), Set (W), iterator (i), blob (B), typed arrays and streams.
 * `$K<id>` (FormData) names a field prefix that may be empty, so it needs no part.
 */
const PART_REFERENCE = /^\$([@FQWiBAOoUSsLlGgMmVRrXx]?)([0-9a-f]+)$/;

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
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      const reference = PART_REFERENCE.exec(value);
      if (reference && !parts?.has(String(Number.parseInt(reference[2]!, 16)))) missing.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === "object") {
      Object.values(value).forEach(visit);
    }
  };
  visit(args);
  return missing.length > 0 ? `the arguments refer to parts that are not there (${missing.slice(0, 3).join(", ")})` : null;
}

function passOn(request: NextRequest, requestId: string): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  return NextResponse.next({ request: { headers } });
}

const withSignInCheck = auth((request) => passOn(request, request.headers.get(REQUEST_ID_HEADER)!)) as unknown as (
  request: NextRequest,
  event: NextFetchEvent,
) => Promise<Response>;

export async function proxy(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  const requestId = saneRequestId(request.headers.get(REQUEST_ID_HEADER)) ?? crypto.randomUUID();
  let response: Response;
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
    response = passOn(request, requestId);
  }
  response.headers.set(REQUEST_ID_HEADER, requestId);
  return response;
}

export const config = {
  // Everything but Next's static files, the icon, and the API routes that answer through lib/http.ts.
  matcher: ["/((?!api/|_next/static|_next/image|icon.svg|favicon.ico).*)", "/api/auth/:path*"],
};
