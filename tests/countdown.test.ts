import { describe, expect, it } from "vitest";
import {
  WARNING_MS,
  clockOffsetMs,
  countdown,
  formatClock,
  formatDuration,
  formatWords,
  phaseOf,
  remainingMs,
} from "@/lib/checkout/countdown";

const serverTime = "2030-05-01T12:00:00.000Z";
const expiresAt = "2030-05-01T12:15:00.000Z"; // 15 minutes after serverTime
const serverMs = Date.parse(serverTime);

describe("countdown from the server's expiresAt and serverTime", () => {
  it("shows the full hold when the client clock agrees with the server", () => {
    const offset = clockOffsetMs(serverTime, serverMs);
    expect(offset).toBe(0);
    expect(countdown(expiresAt, offset, serverMs)).toMatchObject({ remainingMs: 900_000, phase: "running", clock: "15:00" });
  });

  it.each([
    ["ten minutes fast", 10 * 60_000],
    ["an hour slow", -60 * 60_000],
    ["a day fast", 24 * 60 * 60_000],
  ])("gives the same time left when the client clock is %s", (_label, skew) => {
    const receivedAt = serverMs + skew;
    const offset = clockOffsetMs(serverTime, receivedAt);
    expect(offset).toBe(-skew);
    // 90 real seconds after the answer arrived, on the skewed clock.
    const later = receivedAt + 90_000;
    expect(remainingMs(expiresAt, offset, later)).toBe(810_000);
    expect(countdown(expiresAt, offset, later).clock).toBe("13:30");
  });

  it("follows an extension: a later answer with a new expiresAt and serverTime replaces the old one", () => {
    const firstOffset = clockOffsetMs(serverTime, serverMs);
    expect(remainingMs(expiresAt, firstOffset, serverMs + 600_000)).toBe(300_000);
    const extendedTo = "2030-05-01T12:25:00.000Z";
    const secondServerTime = "2030-05-01T12:10:00.000Z";
    const secondOffset = clockOffsetMs(secondServerTime, serverMs + 600_000);
    expect(remainingMs(extendedTo, secondOffset, serverMs + 600_000)).toBe(900_000);
  });

  it("warns in the last minute and ends at zero, never below", () => {
    expect(phaseOf(WARNING_MS + 1)).toBe("running");
    expect(phaseOf(WARNING_MS)).toBe("warning");
    expect(phaseOf(1)).toBe("warning");
    expect(phaseOf(0)).toBe("expired");
    const offset = clockOffsetMs(serverTime, serverMs);
    expect(countdown(expiresAt, offset, serverMs + 900_000 - 59_000)).toMatchObject({ phase: "warning", clock: "0:59" });
    const over = countdown(expiresAt, offset, serverMs + 901_000);
    expect(over).toMatchObject({ remainingMs: 0, phase: "expired", clock: "0:00", words: "Time is up" });
  });

  it("rounds shown seconds up, so 0:00 appears only when time is really up", () => {
    expect(formatClock(999)).toBe("0:01");
    expect(formatClock(1)).toBe("0:01");
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(61_000)).toBe("1:01");
    expect(formatClock(3_600_000)).toBe("1:00:00");
    expect(formatClock(3_725_000)).toBe("1:02:05");
  });

  it("describes the time left in words for screen readers", () => {
    expect(formatWords(61_000)).toBe("1 minute 1 second left");
    expect(formatWords(125_000)).toBe("2 minutes 5 seconds left");
    expect(formatWords(120_000)).toBe("2 minutes left");
    expect(formatWords(30_000)).toBe("30 seconds left");
  });

  it("names a hold's length in words", () => {
    expect(formatDuration(900)).toBe("15 minutes");
    expect(formatDuration(60)).toBe("1 minute");
    expect(formatDuration(89)).toBe("1 minute 29 seconds");
    expect(formatDuration(90)).toBe("1 minute 30 seconds");
    expect(formatDuration(3600)).toBe("1 hour");
    expect(formatDuration(3900)).toBe("1 hour 5 minutes");
    expect(formatDuration(15)).toBe("15 seconds");
    expect(formatDuration(1)).toBe("1 second");
  });

  it("refuses a timestamp it cannot read rather than showing a wrong time", () => {
    expect(() => clockOffsetMs("not a time", 0)).toThrow(/not a timestamp/);
  });
});
