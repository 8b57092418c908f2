/**
 * Signing up (or signing in) with someone else's email shows none of their guest orders: an account takes over
 * the guest orders of an address only once it has opened the single-use, expiring link mailed to that address.
 * And "Forgot password": a link mailed to the address sets a new password, once, and tells no one whether an
 * account exists. Over HTTP against the production build, with the emails delivered to a real SMTP server.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { callAction, serverActions } from "../faults/support";
import { startApp, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { HttpClient, sessionCookieOf, signIn, signedInClient } from "../support/http";
import { seedProducts, type SeededProduct } from "../support/products";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp";
import { CARDS, pay, shopperWithLines, startedCheckout } from "../api/shop-support";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let smtp: TestSmtpServer;
let app: RunningApp;
let product: SeededProduct;
let actions: Map<string, string>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startApp({ SMTP_URL: smtp.url, RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE: "0" });
  actions = serverActions();
  [product] = (await seedProducts(url, [{ slug: `takeover-${randomUUID().slice(0, 8)}`, priceCents: 2500, onHand: 100 }])) as [
    SeededProduct,
  ];
});

afterAll(async () => {
  await app?.stop();
  await smtp?.stop();
  await sql.end();
  await pool.end();
});

const action = (name: string) => {
  const id = actions.get(name);
  if (!id) throw new Error(`no server action ${name}`);
  return id;
};

/** A guest buys one unit as `email`, over the API; answers the guest's browser and the order id. */
async function guestBuys(email: string) {
  const guest = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
  const checkout = await startedCheckout(guest, email);
  const paid = await pay(guest, checkout.id, CARDS.pays);
  expect(paid.status, paid.text).toBe(200);
  const orderId = paid.body.order?.id ?? paid.body.checkout?.orderId;
  expect(orderId, paid.text).toEqual(expect.any(String));
  return { guest, orderId: orderId as string };
}

/** Signs up through the sign-up form's server action; the client then holds the new session. */
async function signUpAs(email: string, password: string) {
  const browser = new HttpClient(app.baseUrl);
  const answer = await callAction(browser, "/signup", action("app/signup/actions.ts#signUpAction"), {
    email,
    password,
    name: "Someone Else",
    callbackUrl: "/",
  });
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(400);
  expect(sessionCookieOf(browser), "signed in after sign-up").toBeTruthy();
  return browser;
}

/** Runs the sweep (it drains the outbox through SMTP_URL) and answers what reached the SMTP server since `from`. */
async function deliver(from: number) {
  const swept = await new HttpClient(app.baseUrl).get("/api/cron/expire-reservations", { authorization: `Bearer ${TEST_CRON_SECRET}` });
  expect(swept.status, swept.text).toBe(200);
  return smtp.received.slice(from);
}

/** The message as text: quoted-printable soft breaks joined and =XX escapes decoded. */
const decoded = (raw: string) =>
  Buffer.from(
    raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    "latin1",
  ).toString("utf8");

/** The path and query of the `/account/<page>?token=` link in the one email to `to` with this subject. */
function linkIn(messages: { to: string[]; raw: string }[], to: string, subject: string, page: "verify" | "reset"): string {
  const found = messages.filter((m) => m.to.includes(to) && decoded(m.raw).includes(`Subject: ${subject}`));
  expect(found, `one "${subject}" email to ${to}`).toHaveLength(1);
  const match = decoded(found[0]!.raw).match(new RegExp(`https?://[^\\s"<>]+(/account/${page}\\?token=[A-Za-z0-9_-]{43})`));
  expect(match, `a /account/${page} link in the email`).not.toBeNull();
  return match![1]!;
}

const tokenOf = (link: string) => new URL(link, "http://x").searchParams.get("token")!;
const orderNumber = (orderId: string) => `#${orderId.slice(0, 8)}`;

const verify = (browser: HttpClient, token: string) =>
  callAction(browser, `/account/verify?token=${token}`, action("app/account/verify/actions.ts#verifyEmailAction"), { token });

const VERIFY_SUBJECT = "Confirm your email for Stockhold";
const RESET_SUBJECT = "Set a new Stockhold password";

describe("signing up with someone else's email", () => {
  it("shows none of their guest orders until the link mailed to the address is opened; the link works once", async () => {
    const email = "a@example.com";
    const { guest, orderId } = await guestBuys(email);
    const sent = smtp.received.length;

    const stranger = await signUpAs(email, "stranger's password");
    const history = await stranger.get("/orders");
    expect(history.status).toBe(200);
    expect(history.text).not.toContain(orderNumber(orderId));
    expect(history.text).toContain("Confirm your email to see orders placed as a guest");
    expect(history.text).toContain("Send the link again");
    const page = await stranger.get(`/orders/${orderId}`);
    expect(page.status).toBe(404);
    // The guest's own browser still has it.
    expect((await guest.get("/orders")).text).toContain(orderNumber(orderId));

    // The verification email reaches the address, and only the address.
    const link = linkIn(await deliver(sent), email, VERIFY_SUBJECT, "verify");
    // Opening the link shows a button; it does not use the token by itself (mail scanners open links too).
    for (let i = 0; i < 2; i += 1) {
      const opened = await new HttpClient(app.baseUrl).get(link);
      expect(opened.status).toBe(200);
      expect(opened.text).toContain("Confirm my email");
    }
    expect((await stranger.get("/orders")).text).not.toContain(orderNumber(orderId));

    // Whoever can read the mailbox confirms it (here in another browser): the order joins the account.
    const confirmed = await verify(new HttpClient(app.baseUrl), tokenOf(link));
    expect(confirmed.state, confirmed.text.slice(0, 300)).toMatchObject({ ok: true, message: expect.stringContaining("1 order") });
    const after = await stranger.get("/orders");
    expect(after.text).toContain(orderNumber(orderId));
    expect(after.text).not.toContain("Confirm your email to see orders placed as a guest");
    expect((await stranger.get(`/orders/${orderId}`)).status).toBe(200);

    // The link does not work twice.
    const again = await verify(new HttpClient(app.baseUrl), tokenOf(link));
    expect(again.state).toMatchObject({ ok: false, message: expect.stringMatching(/already been used/) });
    const reopened = await new HttpClient(app.baseUrl).get(link);
    expect(reopened.text).toContain("This link does not work");
    expect(reopened.text).not.toContain("Confirm my email</button>");
  });

  it("signing in to an account whose email is not proven joins nothing either, and mails a link", async () => {
    const email = `before-${randomUUID().slice(0, 8)}@example.com`;
    const password = `pw-${randomUUID()}`;
    // An account made before verification existed: its address is not proven.
    await createAccount({ email, password });
    const { orderId } = await guestBuys(email);
    const sent = smtp.received.length;
    const account = await signedInClient(app.baseUrl, { email, password });
    expect((await account.get("/orders")).text).not.toContain(orderNumber(orderId));
    expect((await account.get(`/orders/${orderId}`)).status).toBe(404);
    linkIn(await deliver(sent), email, VERIFY_SUBJECT, "verify");
    // Signing in again a moment later sends no second email.
    const next = smtp.received.length;
    await signedInClient(app.baseUrl, { email, password });
    expect((await deliver(next)).filter((m) => m.to.includes(email))).toHaveLength(0);
  });

  it("refuses an expired link, and a link made for another purpose", async () => {
    const email = `b-${randomUUID().slice(0, 8)}@example.com`;
    const { orderId } = await guestBuys(email);
    const sent = smtp.received.length;
    const stranger = await signUpAs(email, "another stranger's password");
    const link = linkIn(await deliver(sent), email, VERIFY_SUBJECT, "verify");

    await sql`update account_tokens set expires_at = now() - interval '1 second'
              where purpose = 'verify_email' and email = ${email}`;
    const opened = await stranger.get(link);
    expect(opened.text).toContain("This link has expired.");
    expect(opened.text).toContain("Send the link again");
    const expired = await verify(stranger, tokenOf(link));
    expect(expired.state).toMatchObject({ ok: false, message: "This link has expired." });

    // A password-reset link for the same address is no verification link.
    const beforeReset = smtp.received.length;
    const asked = await callAction(new HttpClient(app.baseUrl), "/account/forgot", action("app/account/forgot/actions.ts#requestPasswordResetAction"), { email });
    expect(asked.state?.ok).toBe(true);
    const resetLink = linkIn(await deliver(beforeReset), email, RESET_SUBJECT, "reset");
    const wrongPurpose = await verify(stranger, tokenOf(resetLink));
    expect(wrongPurpose.state).toMatchObject({ ok: false, message: expect.stringMatching(/not valid/) });
    expect((await stranger.get(`/account/verify?token=${tokenOf(resetLink)}`)).text).toContain("This link is not valid");

    expect((await stranger.get("/orders")).text).not.toContain(orderNumber(orderId));
    expect((await stranger.get(`/orders/${orderId}`)).status).toBe(404);
    const [row] = await sql<{ verified: boolean }[]>`select email_verified_at is not null as verified from users where email = ${email}`;
    expect(row!.verified).toBe(false);
  });

  it("answers a sign-up with a taken email as before: a readable message, and no second account", async () => {
    const email = `taken-${randomUUID().slice(0, 8)}@example.com`;
    await createAccount({ email, password: `pw-${randomUUID()}` });
    const sent = smtp.received.length;
    const answer = await callAction(new HttpClient(app.baseUrl), "/signup", action("app/signup/actions.ts#signUpAction"), {
      email: email.toUpperCase(),
      password: "long enough password",
    });
    expect(answer.state).toMatchObject({ ok: false, message: "An account with this email already exists. Try signing in." });
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from users where lower(email) = ${email}`;
    expect(row!.n).toBe(1);
    expect((await deliver(sent)).filter((m) => m.to.includes(email))).toHaveLength(0);
  });
});

describe("forgot password", () => {
  const forgot = (email: string) =>
    callAction(new HttpClient(app.baseUrl), "/account/forgot", action("app/account/forgot/actions.ts#requestPasswordResetAction"), { email });
  const reset = (token: string, password: string) =>
    callAction(new HttpClient(app.baseUrl), `/account/reset?token=${token}`, action("app/account/reset/actions.ts#resetPasswordAction"), {
      token,
      password,
    });
  const signsIn = async (email: string, password: string) => {
    const browser = new HttpClient(app.baseUrl);
    const answer = await signIn(browser, { email, password });
    return answer.status === 302 && !(answer.headers.get("location") ?? "").includes("error") && Boolean(sessionCookieOf(browser));
  };

  it("mails a link that sets a new password once; the old password and every earlier session stop working", async () => {
    const email = `forgetful-${randomUUID().slice(0, 8)}@example.com`;
    const oldPassword = `old-${randomUUID()}`;
    const newPassword = `new-${randomUUID()}`;
    await createAccount({ email, password: oldPassword });
    const { orderId } = await guestBuys(email);
    const earlierSession = await signedInClient(app.baseUrl, { email, password: oldPassword });
    expect((await earlierSession.get("/orders")).text).toContain("Confirm your email");

    const sent = smtp.received.length;
    const unknown = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    const [first, second, forUnknown] = [await forgot(email), await forgot(email), await forgot(unknown)];
    expect(first.state).toMatchObject({ ok: true, message: expect.stringMatching(/^If an account exists for that address, we've sent a link/) });
    // An unknown address gets exactly the same answer.
    expect(forUnknown.status).toBe(first.status);
    expect({ ...forUnknown.state, values: undefined }).toEqual({ ...first.state, values: undefined });
    expect(second.state).toEqual(first.state);

    const delivered = await deliver(sent);
    expect(delivered.filter((m) => m.to.includes(unknown))).toHaveLength(0);
    const resets = delivered.filter((m) => m.to.includes(email) && decoded(m.raw).includes(`Subject: ${RESET_SUBJECT}`));
    expect(resets).toHaveLength(2);
    const [olderLink, link] = resets.map((m) => linkIn([m], email, RESET_SUBJECT, "reset")) as [string, string];
    // Delivered links are the recipient's alone: the outbox no longer holds them.
    const kept = await sql`select text_body, html_body from email_outbox where recipient = ${email} and kind = 'reset_password'`;
    expect(kept).toHaveLength(2);
    for (const row of kept) expect(`${row.text_body} ${row.html_body}`).not.toContain(tokenOf(link).slice(0, 12));
    for (const row of kept) expect(`${row.text_body} ${row.html_body}`).not.toContain("/account/reset");

    const form = await new HttpClient(app.baseUrl).get(link);
    expect(form.status).toBe(200);
    expect(form.text).toContain("Set a new password");
    // The same rules as signing up.
    const tooShort = await reset(tokenOf(link), "short");
    expect(tooShort.state).toMatchObject({ ok: false, fieldErrors: { password: ["Use at least 8 characters."] } });

    const done = await reset(tokenOf(link), newPassword);
    expect(done.state, done.text.slice(0, 300)).toMatchObject({ ok: true });
    expect(await signsIn(email, newPassword)).toBe(true);
    expect(await signsIn(email, oldPassword)).toBe(false);

    // Single use, and the other link sent before stops working too.
    expect((await reset(tokenOf(link), `again-${randomUUID()}`)).state).toMatchObject({ ok: false, message: expect.stringMatching(/already been used/) });
    expect((await reset(tokenOf(olderLink), `older-${randomUUID()}`)).state).toMatchObject({ ok: false });
    const reopened = await new HttpClient(app.baseUrl).get(link);
    expect(reopened.text).toContain("This link has already been used.");
    expect(reopened.text).toContain("Ask for a new link");
    expect(await signsIn(email, newPassword)).toBe(true);

    // A session signed in with the old password has ended.
    const stale = await earlierSession.get("/orders");
    expect(stale.text).toContain("Find an order");
    expect(stale.text).not.toContain("Confirm your email");

    // The link proved the address: the account's email is verified and its guest order has joined it.
    const account = await signedInClient(app.baseUrl, { email, password: newPassword });
    const history = await account.get("/orders");
    expect(history.text).toContain(orderNumber(orderId));
    expect(history.text).not.toContain("Confirm your email");
  });

  it("refuses an expired reset link with a way to ask for a new one", async () => {
    const email = `late-${randomUUID().slice(0, 8)}@example.com`;
    const password = `pw-${randomUUID()}`;
    await createAccount({ email, password });
    const sent = smtp.received.length;
    await forgot(email);
    const link = linkIn(await deliver(sent), email, RESET_SUBJECT, "reset");
    await sql`update account_tokens set expires_at = now() - interval '1 second' where purpose = 'reset_password' and email = ${email}`;
    const page = await new HttpClient(app.baseUrl).get(link);
    expect(page.text).toContain("This link has expired.");
    expect(page.text).toContain('href="/account/forgot"');
    expect((await reset(tokenOf(link), `new-${randomUUID()}`)).state).toMatchObject({ ok: false, message: "This link has expired." });
    expect(await signsIn(email, password)).toBe(true);
  });

  it("the sign-in page links to it", async () => {
    const page = await new HttpClient(app.baseUrl).get("/signin");
    expect(page.text).toMatch(/href="\/account\/forgot"[^>]*>Forgot password\?/);
  });
});
