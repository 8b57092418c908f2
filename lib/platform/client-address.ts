/**
 * The client's address, for every per-address limit (API requests, sign-in attempts, order lookups, back-in-stock
 * requests, checkout starts and held units). A client writes whatever X-Forwarded-For it likes, so the address is
 * read from the right, where only the shop's own side writes:
 *
 * - Next.js appends the connection's own address as the last entry of X-Forwarded-For, as a proxy does (our
 *   patch of next, patches/next+16.4.6.patch; unpatched, Next.js keeps a header the client sent and adds
 *   nothing, which let a fresh made-up address per request beat every limit);
 * - each trusted reverse proxy in front of the app appends the address it was reached from, one entry per hop.
 *
 * So with TRUSTED_PROXY_HOPS = N the client is the entry N places left of the last (0: the connection itself).
 * With fewer entries than that, some hop did not append: the connection's address is used, never an entry the
 * client could have written.
 */
import "server-only";
import { env } from "./env";

/** An address no request arrives without in practice (Next.js always appends one): the same bucket for all. */
const UNKNOWN = "unknown";

/** The client's address as TRUSTED_PROXY_HOPS says (see above), from a request's headers. */
export function clientAddress(source: Request | Pick<Headers, "get">, hops: number = env.TRUSTED_PROXY_HOPS): string {
  const headers = source instanceof Request ? source.headers : source;
  // Several X-Forwarded-For headers arrive joined with ", ", in order. Empty entries can only be the client's.
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const connection = entries.length - 1;
  if (connection < 0) return UNKNOWN;
  const client = connection - hops >= 0 ? entries[connection - hops]! : entries[connection]!;
  return normalised(client);
}

/** One address, one bucket: an IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.1`) is the IPv4 one. */
function normalised(address: string): string {
  const lower = address.toLowerCase().slice(0, 64);
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice("::ffff:".length) : lower;
}
