/**
 * Next.js 16 proxy (formerly middleware): optimistic checks only, from the session cookie alone (no database).
 * The rules live in lib/auth.config.ts `authorized`; pages, actions and handlers check again.
 *
 * It also refuses server-action requests whose body is not React's reply format with a 400: Next.js would
 * otherwise fail to decode them and answer 500, as if the shop were broken.
 */
import NextAuth from "next-auth";
import { NextResponse, type NextRequest } from "next/server";
import { authConfig } from "@/lib/auth.config";

const { auth } = NextAuth(authConfig);

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

export const proxy = auth(async (request) => {
  if (request.method === "POST" && request.headers.has("next-action")) {
    const problem = await malformedActionEnvelope(request);
    if (problem) {
      return NextResponse.json(
        { error: { code: "invalid_request", message: `Not a valid server action request: ${problem}.` } },
        { status: 400 },
      );
    }
  }
  return NextResponse.next();
});

export const config = {
  matcher: [
    "/admin",
    "/admin/:path*",
    "/orders",
    // Server actions can be posted to any page.
    { source: "/:path*", has: [{ type: "header", key: "next-action" }] },
  ],
};
