/**
 * Where an order goes. When the shop ships goods (SHOP_SHIPS_GOODS) the delivery details must be complete before
 * any money moves, so an order always knows where it goes. The checkout form always asks for them ("required":
 * what it sends is what the shopper means). The API asks for them once a client has sent any delivery detail, at
 * activity or at pay ("when-given"): the contract's pay body is `{ cardNumber }`, and a headless client that sends
 * no address at all pays as it always could.
 */
import "server-only";
import { env } from "../platform/env";
import { invalidRequest } from "../platform/errors";
import { DELIVERY_FIELDS, deliveryDetailsSchema } from "../store-schemas";

export type DeliveryRule = "required" | "when-given";

/** The details sent with a payment, and how strictly the delivery part of them is asked for. */
export interface DeliveryGiven {
  rule: DeliveryRule;
  details: Record<string, string>;
}

/** The checkout's details once `given` is applied to what it holds; throws 400 if the delivery part is missing. */
export function detailsToPayWith(stored: Record<string, string>, given: DeliveryGiven): Record<string, string> {
  const details = given.rule === "required" ? given.details : { ...stored, ...given.details };
  if (!env.SHOP_SHIPS_GOODS) return { ...stored, ...given.details };
  if (given.rule === "when-given" && !DELIVERY_FIELDS.some((field) => details[field])) return { ...stored, ...given.details };
  const parsed = deliveryDetailsSchema.safeParse(details);
  if (!parsed.success) throw invalidRequest(parsed.error, "Enter where the order goes before paying: name, address, postcode, city and country.");
  return { ...stored, ...given.details };
}
