/**
 * Next.js 16 proxy (formerly middleware), in front of pages, server actions and Auth.js routes:
 * - gives each request an id (an incoming sane X-Request-Id is kept), passed on as the x-request-id request
 *   header (for the log lines of instrumentation.ts) and sent back as X-Request-Id. The Store API's route
 *   handlers do the same themselves (lib/http.ts `handler`), so the hot path does not pay for a proxy pass;
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
const accountPaths = /^\/(admin(\/.*)?|orders)$/;

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
  if (accountPaths.test(request.nextUrl.pathname)) {
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
