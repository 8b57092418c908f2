import { handlers } from "@/lib/accounts/auth";
import { DomainError } from "@/lib/platform/errors";
import { errorResponse } from "@/lib/platform/http";

export const { GET } = handlers;

const WINDOW_SECONDS = 60;

/**
 * Auth.js answers a refused sign-in with a redirect to the sign-in page (`?error=…&code=…`). A rate-limited
 * attempt gets the Store API's answer instead: 429 with Retry-After (at most one rate-limit window).
 */
export async function POST(request: Parameters<typeof handlers.POST>[0]): Promise<Response> {
  const response = await handlers.POST(request);
  const location = response.headers.get("location");
  if (location && new URL(location, request.url).searchParams.get("code") === "rate_limited") {
    return errorResponse(
      new DomainError(
        "rate_limited",
        "Too many sign-in attempts. Please wait a minute and try again.",
        { retryAfterSeconds: WINDOW_SECONDS },
        { "Retry-After": String(WINDOW_SECONDS) },
      ),
    );
  }
  return response;
}
