/**
 * Reading the client's address from X-Forwarded-For as TRUSTED_PROXY_HOPS says. Next.js (patched) always appends
 * the connection's own address as the last entry, so the last entry is never the client's own writing.
 */
import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address";

const from = (forwardedFor: string | null, hops: number) =>
  clientAddress(new Headers(forwardedFor === null ? {} : { "x-forwarded-for": forwardedFor }), hops);

describe("clientAddress", () => {
  it("with no trusted proxy, is the connection's address whatever the client wrote", () => {
    expect(from("127.0.0.1", 0)).toBe("127.0.0.1");
    expect(from("1.2.3.4, 5.6.7.8, 127.0.0.1", 0)).toBe("127.0.0.1");
  });

  it("behind N proxies, is the entry N places left of the connection's", () => {
    // client wrote 6.6.6.6; the proxy appended the client's real address; Next.js appended the proxy's.
    expect(from("6.6.6.6, 203.0.113.9, 10.0.0.2", 1)).toBe("203.0.113.9");
    expect(from("6.6.6.6, 203.0.113.9, 192.0.2.1, 10.0.0.2", 2)).toBe("203.0.113.9");
  });

  it("with fewer entries than hops, is the connection's address, never an entry the client could have written", () => {
    expect(from("10.0.0.2", 1)).toBe("10.0.0.2");
    expect(from("203.0.113.9, 10.0.0.2", 3)).toBe("10.0.0.2");
  });

  it("skips empty entries (only the client writes those), trims, and folds IPv4-mapped IPv6 addresses", () => {
    expect(from(" , 6.6.6.6,, 203.0.113.9 ,  ::FFFF:10.0.0.2", 1)).toBe("203.0.113.9");
    expect(from("::ffff:127.0.0.1", 0)).toBe("127.0.0.1");
    expect(from("2001:DB8::1", 0)).toBe("2001:db8::1");
  });

  it("is one shared bucket when no address is known at all", () => {
    expect(from(null, 0)).toBe("unknown");
    expect(from(" , ", 2)).toBe("unknown");
  });
});
