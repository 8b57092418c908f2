/**
 * Sign-in abuse: password guessing is rate-limited per account and per address (429 with Retry-After on the
 * HTTP endpoint, a form message in the sign-in form), an unknown email is indistinguishable from a wrong
 * password (answer and timing), and signing in starts a fresh session: the guest cart comes along, the guest
 * cookie (or any cookie planted before) never becomes the session. No password shows up in answers or logs.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { startApp, type RunningApp } from "../support/app-server";
import { awayFromWindowEdge, callAction, serverActions } from "../faults/support";
import { seedProducts } from "../support/products";
import { type Answer, HttpClient, signIn } from "../support/http";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
const ACCOUNT_LIMIT = 3;
const IP_LIMIT = 6;
let limited: RunningApp;
let open: RunningApp;
const passwords: string[] = [];

beforeAll(async () => {
  [limited, open] = await Promise.all([
    // Behind one proxy, whose X-Forwarded-For entry each test writes (lib/client-address.ts).
    startApp({
      RATE_LIMIT_SIGNINS_PER_ACCOUNT_PER_MINUTE: String(ACCOUNT_LIMIT),
      RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: String(IP_LIMIT),
      TRUSTED_PROXY_HOPS: "1",
    }),
    startApp({ RATE_LIMIT_SIGNINS_PER_ACCOUNT_PER_MINUTE: "0", RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: "0" }),
  ]);
});

afterAll(async () => {
  await Promise.all([limited?.stop(), open?.stop()]);
  await sql.end();
  await pool.end();
});

async function newAccount() {
  const email = `signin-${randomUUID().slice(0, 8)}@example.test`;
  const password = `pw-${randomUUID()}`;
  passwords.push(password);
  await createAccount({ email, password });
  return { email, password };
}

const unknownEmail = () => `nobody-${randomUUID().slice(0, 8)}@example.test`;

/** Signs in as a browser form would, from `ip` (X-Forwarded-For) if given. */
const signInFrom = (client: HttpClient, email: string, password: string, ip?: string) =>
  signIn(client, { email, password }, ip ? { "x-forwarded-for": ip } : {});

type Outcome = "signed in" | "refused" | "rate limited" | string;

function outcomeOf(answer: Answer, shopper: HttpClient): Outcome {
  const location = answer.headers?.get("location") ?? "";
  if (answer.status === 302 && !location.includes("error") && shopper.cookie("authjs.session-token")) return "signed in";
  if (answer.status === 302 && /error=CredentialsSignin&code=credentials/.test(location)) return "refused";
  if (answer.status === 429 && answer.body?.error?.code === "rate_limited" && /^\d+$/.test(answer.headers?.get("retry-after") ?? "")) {
    return "rate limited";
  }
  return `${answer.status} ${location} ${answer.text.slice(0, 200)}`;
}

describe("sign-in rate limits", () => {
  it("limits attempts per account, whichever addresses they come from, and for unknown emails alike", async () => {
    await awayFromWindowEdge(sql);
    const victim = await newAccount();
    const bystander = await newAccount();
    const ghost = unknownEmail();
    const outcomes: Outcome[] = [];
    const ghostOutcomes: Outcome[] = [];
    for (let i = 0; i <= ACCOUNT_LIMIT; i += 1) {
      const guesser = new HttpClient(limited.baseUrl);
      outcomes.push(outcomeOf(await signInFrom(guesser, victim.email, `wrong-${i}`, `10.1.0.${i + 1}`), guesser));
      const other = new HttpClient(limited.baseUrl);
      ghostOutcomes.push(outcomeOf(await signInFrom(other, ghost, `wrong-${i}`, `10.2.0.${i + 1}`), other));
    }
    expect(outcomes).toEqual([...Array(ACCOUNT_LIMIT).fill("refused"), "rate limited"]);
    expect(ghostOutcomes).toEqual(outcomes);

    // Even the right password waits out the window, so guessing on cannot find it.
    const owner = new HttpClient(limited.baseUrl);
    expect(outcomeOf(await signInFrom(owner, victim.email, victim.password, "10.1.9.9"), owner)).toBe("rate limited");
    expect(owner.cookie("authjs.session-token")).toBeUndefined();
    // The sign-in form says so too.
    const signInAction = serverActions().get("app/signin/actions.ts#signInAction")!;
    const viaForm = await callAction(new HttpClient(limited.baseUrl, 15_000, { "x-forwarded-for": "10.1.9.10" }), "/signin", signInAction, {
      email: victim.email,
      password: victim.password,
      callbackUrl: "/",
    });
    expect(viaForm.status).toBe(200);
    expect(viaForm.state).toMatchObject({ ok: false, message: expect.stringMatching(/too many sign-in attempts/i) });
    expect(viaForm.text).not.toContain(victim.password);
    // Other accounts are not affected.
    const other = new HttpClient(limited.baseUrl);
    expect(outcomeOf(await signInFrom(other, bystander.email, bystander.password, "10.1.0.1"), other)).toBe("signed in");
  });

  it("limits attempts per address, whichever accounts they name", async () => {
    await awayFromWindowEdge(sql);
    const real = await newAccount();
    const outcomes: Outcome[] = [];
    for (let i = 0; i < IP_LIMIT; i += 1) {
      const guesser = new HttpClient(limited.baseUrl);
      outcomes.push(outcomeOf(await signInFrom(guesser, unknownEmail(), "guess", "10.3.3.3"), guesser));
    }
    expect(outcomes).toEqual(Array(IP_LIMIT).fill("refused"));
    const fromThatAddress = new HttpClient(limited.baseUrl);
    expect(outcomeOf(await signInFrom(fromThatAddress, real.email, real.password, "10.3.3.3"), fromThatAddress)).toBe("rate limited");
    const fromElsewhere = new HttpClient(limited.baseUrl);
    expect(outcomeOf(await signInFrom(fromElsewhere, real.email, real.password, "10.3.3.4"), fromElsewhere)).toBe("signed in");
    // The counters live in the database, so every app server shares them.
    const [row] = await sql<{ buckets: number }[]>`select count(*)::int as buckets from rate_limits where bucket like 'signin:%'`;
    expect(row!.buckets).toBeGreaterThan(0);
    const [leak] = await sql<{ n: number }[]>`select count(*)::int as n from rate_limits where bucket like ${"%" + real.email + "%"}`;
    expect(leak!.n, "counters hold no email addresses").toBe(0);
  });
});

describe("no user enumeration", () => {
  it("answers an unknown email exactly like a wrong password, in about the same time", async () => {
    const account = await newAccount();
    const wrong: Answer[] = [];
    const unknown: Answer[] = [];
    const cookiesOf = (answer: Answer) =>
      (answer.headers?.getSetCookie() ?? []).map((c) => c.split("=")[0]).sort().join(",");
    // Alternate the two, so drifting load on the machine affects both alike; the first pair warms up.
    for (let i = 0; i < 13; i += 1) {
      const a = await signInFrom(new HttpClient(open.baseUrl), account.email, `wrong-${i}`);
      const b = await signInFrom(new HttpClient(open.baseUrl), unknownEmail(), `wrong-${i}`);
      if (i === 0) continue;
      wrong.push(a);
      unknown.push(b);
    }
    for (const [a, b] of wrong.map((w, i) => [w, unknown[i]!] as const)) {
      expect(b.status).toBe(a.status);
      expect(b.headers?.get("location")).toBe(a.headers?.get("location"));
      expect(cookiesOf(b)).toBe(cookiesOf(a));
      expect(b.text).toBe(a.text);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const wrongMs = median(wrong.map((a) => a.ms));
    const unknownMs = median(unknown.map((a) => a.ms));
    console.log(`Sign-in timing (median of ${wrong.length}): wrong password ${wrongMs.toFixed(1)} ms, unknown email ${unknownMs.toFixed(1)} ms`);
    // Without the dummy hash an unknown email would answer several times faster (no bcrypt at all).
    expect(Math.abs(wrongMs - unknownMs)).toBeLessThan(Math.max(40, 0.5 * Math.max(wrongMs, unknownMs)));

    // The sign-in form gives the same message for both.
    const signInAction = serverActions().get("app/signin/actions.ts#signInAction")!;
    const formWrong = await callAction(new HttpClient(open.baseUrl), "/signin", signInAction, { email: account.email, password: "nope-1" });
    const formUnknown = await callAction(new HttpClient(open.baseUrl), "/signin", signInAction, { email: unknownEmail(), password: "nope-1" });
    expect(formWrong.state?.ok).toBe(false);
    expect(formUnknown.state?.message).toBe(formWrong.state?.message);
  });
});

describe("session on sign-in", () => {
  it("starts a fresh session: the guest cart comes along, the guest cookie and planted cookies do not", async () => {
    const [product] = await seedProducts(url, [{ slug: `signin-${randomUUID().slice(0, 8)}`, priceCents: 500, onHand: 10 }]);
    const account = await newAccount();
    const browser = new HttpClient(open.baseUrl);
    expect((await browser.send("POST", "/api/cart/lines", { productId: product!.id, quantity: 2 })).status).toBe(200);
    const guestCookie = browser.cookie("stockhold_guest");
    expect(guestCookie).toBeTruthy();
    // An attacker-planted session cookie (session fixation) is not trusted and not kept.
    browser.setCookie("authjs.session-token", "planted-by-someone-else");
    expect((await browser.send("GET", "/api/cart")).body.cart.lines).toHaveLength(1);

    const answer = await signInFrom(browser, account.email, account.password);
    expect(outcomeOf(answer, browser)).toBe("signed in");
    const session = browser.cookie("authjs.session-token")!;
    expect(session).not.toBe("planted-by-someone-else");
    expect(session).not.toContain(guestCookie!);
    expect(browser.cookie("stockhold_guest"), "the guest cookie is dropped").toBeUndefined();
    const cart = await browser.send("GET", "/api/cart");
    expect(cart.body.cart.lines.map((l: { productId: string; quantity: number }) => [l.productId, l.quantity])).toEqual([[product!.id, 2]]);

    // The old guest cookie alone is not the account, and its cart has moved to the account.
    const stale = new HttpClient(open.baseUrl);
    stale.setCookie("stockhold_guest", guestCookie!);
    expect((await stale.send("GET", "/api/cart")).body.cart.lines).toEqual([]);
    const started = await browser.send("POST", "/api/checkout", {});
    expect(started.status).toBe(201);
    expect((await stale.send("GET", `/api/checkout/${started.body.checkout.id}`)).status).toBe(404);
    // A planted cookie alone is nobody.
    const planted = new HttpClient(open.baseUrl);
    planted.setCookie("authjs.session-token", "planted-by-someone-else");
    expect((await planted.send("GET", `/api/checkout/${started.body.checkout.id}`)).status).toBe(404);
  });

  it("never writes a password into a log", () => {
    const logs = limited.logs.join("") + open.logs.join("");
    for (const password of passwords) expect(logs).not.toContain(password);
  });
});
