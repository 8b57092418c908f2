/** Shared set-up for the admin API tests: accounts, and holds and orders to act on. */
import { startCheckout } from "@/lib/checkout";
import { createAccount, type Shopper } from "@/lib/accounts/shoppers";
import { appForFile } from "../support/app-for-file";
import { TEST_ADMIN_TOKEN } from "../support/app-server";
import { HttpClient } from "../support/http";
import { payInFull, shopperWithCart } from "../support/fixtures";

export const ADMIN_TOKEN_HEADERS = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
export const WRONG_TOKEN_HEADERS = { authorization: "Bearer not-the-admin-token" };

/**
 * Starts the app for this test file and answers with a client that sends the admin API token; stops the app and
 * the pool after the file.
 */
export function adminApiForFile() {
  const app = appForFile();
  let client: HttpClient | undefined;
  const ready = () => {
    client ??= new HttpClient(app.baseUrl);
    return { app, client };
  };
  return {
    baseUrl: () => ready().app.baseUrl,
    get: (path: string) => ready().client.get(path, ADMIN_TOKEN_HEADERS),
    post: (path: string, json?: unknown) => ready().client.post(path, json, ADMIN_TOKEN_HEADERS),
    request: (method: string, path: string, options: { body?: string; headers?: Record<string, string> }) =>
      ready().client.request(method, path, { ...options, headers: { ...ADMIN_TOKEN_HEADERS, ...options.headers } }),
  };
}

let accounts = 0;

/** A new account of this kind with a known password. */
export async function makeAccount(kind: "admin" | "shopper"): Promise<Shopper & { password: string }> {
  accounts += 1;
  const password = `pw-${kind}-${accounts}-${Math.random().toString(36).slice(2)}`;
  const account = await createAccount({
    email: `${kind}-${accounts}-${Math.random().toString(36).slice(2, 8)}@example.test`,
    password,
    kind,
  });
  return { ...account, password };
}

/** A guest shopper holding `quantity` of the product in an active checkout. */
export async function guestHolding(productId: string, quantity: number) {
  const shopper = await shopperWithCart([{ productId, quantity }]);
  const { checkout } = await startCheckout(shopper, { email: shopper.email });
  return { shopper, checkout };
}

/** A paid order for `quantity` of the product. */
export async function paidOrder(productId: string, quantity: number) {
  const { shopper, checkout } = await guestHolding(productId, quantity);
  const order = await payInFull({
    checkoutId: checkout.id,
    shopperId: shopper.id,
    cardNumber: "4242424242424242",
    idempotencyKey: `order-${checkout.id}`,
  });
  return { shopper, checkout, order };
}
