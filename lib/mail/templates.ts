/** The words of each email, as plain text and as simple HTML (every value escaped). */
import { formatMoney } from "@/components/ui/money";
import { countryName } from "@/lib/checkout/countries";
import { shipsAroundText } from "@/lib/catalog/ship-date";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const page = (body: string) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1b1f24;max-width:36rem">${body}` +
  `<p style="color:#5b6470;font-size:13px">Stockhold</p></body></html>`;

export interface OrderConfirmationData {
  orderNumber: string;
  placedAt: Date;
  /**
   * `expectedAt`: a pre-ordered line's day (YYYY-MM-DD), said as "Ships around 14 March"; null when on the shelf.
   * `contents`: what a kit's line holds ("Contains 2 × Mug, 1 × Lamp").
   */
  lines: { name: string; quantity: number; unitPriceCents: number; expectedAt?: string | null; contents?: string }[];
  totalCents: number;
  delivery: { name?: string; address?: string; city?: string; postcode?: string; country?: string };
  orderUrl: string;
}

/** "Placed 29 Nov 2026, 14:05 UTC": an email cannot know its reader's time zone, so it says which it uses. */
const placedText = (at: Date) =>
  `${new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(at)} UTC`;

export function orderConfirmationEmail(data: OrderConfirmationData): RenderedEmail {
  const deliveryLines = [
    data.delivery.name,
    data.delivery.address,
    [data.delivery.postcode, data.delivery.city].filter(Boolean).join(" "),
    countryName(data.delivery.country),
  ].filter((line): line is string => Boolean(line && line.trim()));
  const subject = `Your Stockhold order #${data.orderNumber} is confirmed`;
  const text = [
    `Thank you for your order #${data.orderNumber}, placed ${placedText(data.placedAt)}. It is paid.`,
    "",
    ...data.lines.flatMap((l) => [
      `${l.quantity} × ${l.name} — ${formatMoney(l.quantity * l.unitPriceCents)}${l.expectedAt ? ` (${shipsAroundText(l.expectedAt)})` : ""}`,
      ...(l.contents ? [`    ${l.contents}`] : []),
    ]),
    `Total: ${formatMoney(data.totalCents)}`,
    "",
    "Delivery to:",
    ...(deliveryLines.length ? deliveryLines : ["(no delivery details given)"]),
    "",
    `Your order: ${data.orderUrl}`,
  ].join("\n");
  const rows = data.lines
    .map(
      (l) =>
        `<tr><td>${l.quantity} × ${escapeHtml(l.name)}` +
        (l.expectedAt ? `<br><small>${escapeHtml(shipsAroundText(l.expectedAt))}</small>` : "") +
        (l.contents ? `<br><span style="color:#5b6470;font-size:13px">${escapeHtml(l.contents)}</span>` : "") +
        `</td>` +
        `<td style="text-align:right">${formatMoney(l.quantity * l.unitPriceCents)}</td></tr>`,
    )
    .join("");
  const html = page(
    `<h1 style="font-size:20px">Order #${escapeHtml(data.orderNumber)} is confirmed</h1>` +
      `<p>Thank you for your order, placed ${escapeHtml(placedText(data.placedAt))}. It is paid.</p>` +
      `<table style="width:100%;border-collapse:collapse">${rows}` +
      `<tr><th style="text-align:left">Total</th><th style="text-align:right">${formatMoney(data.totalCents)}</th></tr></table>` +
      `<h2 style="font-size:16px">Delivery to</h2><p>${
        deliveryLines.length ? deliveryLines.map(escapeHtml).join("<br>") : "(no delivery details given)"
      }</p>` +
      `<p><a href="${escapeHtml(data.orderUrl)}">View your order</a></p>`,
  );
  return { subject, text, html };
}

export function backInStockEmail(data: { productName: string; productUrl: string }): RenderedEmail {
  const subject = `${data.productName} is back in stock`;
  const text = [
    `Good news: ${data.productName} is back in stock at Stockhold.`,
    "You asked us to tell you. Stock is not set aside for you, so it may sell out again.",
    "",
    `Buy it here: ${data.productUrl}`,
  ].join("\n");
  const html = page(
    `<h1 style="font-size:20px">${escapeHtml(data.productName)} is back in stock</h1>` +
      `<p>You asked us to tell you. Stock is not set aside for you, so it may sell out again.</p>` +
      `<p><a href="${escapeHtml(data.productUrl)}">See ${escapeHtml(data.productName)}</a></p>`,
  );
  return { subject, text, html };
}

/** The line's offer: the units a waiting shopper wanted are held for them, for a while. */
export function lineOfferEmail(data: { items: string[]; link: string; minutes: number }): RenderedEmail {
  const what = data.items.join(", ");
  const subject = `Your turn: ${what} is held for you`;
  const lasts = lifetimeText(data.minutes);
  const text = [
    `You were waiting in line for ${what} at Stockhold. It is yours to buy now: we are holding it for you.`,
    `The hold lasts ${lasts} without activity, then passes to the next shopper in line.`,
    "",
    `Check out here: ${data.link}`,
  ].join("\n");
  const html = page(
    `<h1 style="font-size:20px">Your turn: ${escapeHtml(what)} is held for you</h1>` +
      `<p>You were waiting in line at Stockhold. The hold lasts ${escapeHtml(lasts)} without activity, then passes to the next shopper in line.</p>` +
      `<p><a href="${escapeHtml(data.link)}">Check out now</a></p>`,
  );
  return { subject, text, html };
}

/** "How long": "24 hours", "1 hour", "30 minutes". */
const lifetimeText = (minutes: number) =>
  minutes % 60 === 0
    ? `${minutes / 60} ${minutes === 60 ? "hour" : "hours"}`
    : `${minutes} ${minutes === 1 ? "minute" : "minutes"}`;

/** The link that proves an account owns its email address (sent at sign-up, and again on request). */
export function verifyEmailEmail(data: { email: string; link: string; validMinutes: number }): RenderedEmail {
  const subject = "Confirm your email for Stockhold";
  const validFor = lifetimeText(data.validMinutes);
  const text = [
    `Someone (we hope you) created a Stockhold account with ${data.email}.`,
    "Open this link to confirm the address is yours. Orders you placed as a guest with it then join your account:",
    "",
    data.link,
    "",
    `The link works once, for ${validFor}.`,
    "If you did not create this account, ignore this email: nothing joins it until the link is opened.",
  ].join("\n");
  const html = page(
    `<h1 style="font-size:20px">Confirm your email</h1>` +
      `<p>Someone (we hope you) created a Stockhold account with <strong>${escapeHtml(data.email)}</strong>. ` +
      `Confirm the address is yours, and orders you placed as a guest with it join your account.</p>` +
      `<p><a href="${escapeHtml(data.link)}">Confirm my email</a></p>` +
      `<p style="color:#5b6470">The link works once, for ${escapeHtml(validFor)}. If you did not create this ` +
      `account, ignore this email: nothing joins it until the link is opened.</p>`,
  );
  return { subject, text, html };
}

/** "Forgot password": the link to the form that sets a new one. */
export function resetPasswordEmail(data: { email: string; link: string; validMinutes: number }): RenderedEmail {
  const subject = "Set a new Stockhold password";
  const validFor = lifetimeText(data.validMinutes);
  const text = [
    `Someone (we hope you) asked to set a new password for the Stockhold account ${data.email}.`,
    "Open this link to choose one:",
    "",
    data.link,
    "",
    `The link works once, for ${validFor}.`,
    "If you did not ask, ignore this email: your password stays as it is.",
  ].join("\n");
  const html = page(
    `<h1 style="font-size:20px">Set a new password</h1>` +
      `<p>Someone (we hope you) asked to set a new password for the Stockhold account ` +
      `<strong>${escapeHtml(data.email)}</strong>.</p>` +
      `<p><a href="${escapeHtml(data.link)}">Choose a new password</a></p>` +
      `<p style="color:#5b6470">The link works once, for ${escapeHtml(validFor)}. If you did not ask, ignore ` +
      `this email: your password stays as it is.</p>`,
  );
  return { subject, text, html };
}
