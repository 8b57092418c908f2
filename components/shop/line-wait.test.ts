import { describe, expect, it } from "vitest";
import { waitInWords } from "./line-wait";

describe("the line's estimate in words", () => {
  it("rounds to what an estimate can promise, and says when it is unknown", () => {
    expect(waitInWords(null)).toBe("wait time unknown");
    expect(waitInWords(0)).toBe("less than a minute");
    expect(waitInWords(59)).toBe("less than a minute");
    expect(waitInWords(60)).toBe("about 1 minute");
    expect(waitInWords(170)).toBe("about 3 minutes");
    expect(waitInWords(59 * 60)).toBe("about 59 minutes");
    expect(waitInWords(3600)).toBe("about 1 hour");
    expect(waitInWords(3600 + 22 * 60)).toBe("about 1 hour 20 minutes");
    expect(waitInWords(2 * 3600 + 58 * 60)).toBe("about 3 hours");
  });
});
