/**
 * The checkout countdown, as pure functions of the server's times and the browser's clock. The browser's clock
 * may be minutes off: what counts is how far it is from the server's, measured when an answer arrives
 * (offset = serverTime − client clock at receipt). Every later reading of the client clock is corrected by it.
 */

/** The last minute is shown as a warning. */
export const WARNING_MS = 60_000;

export type CountdownPhase = "running" | "warning" | "expired";

export interface Countdown {
  remainingMs: number;
  phase: CountdownPhase;
  /** "mm:ss", or "h:mm:ss" past an hour. */
  clock: string;
  /** The same in words, for screen readers. */
  words: string;
}

function parseTime(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${iso}`);
  return ms;
}

/** How far the server's clock is ahead of this client's (negative when behind). */
export function clockOffsetMs(serverTime: string, clientReceivedAtMs: number): number {
  return parseTime(serverTime) - clientReceivedAtMs;
}

/** Time left until `expiresAt`, in server time, at the client instant `clientNowMs`; never below zero. */
export function remainingMs(expiresAt: string, offsetMs: number, clientNowMs: number): number {
  return Math.max(0, parseTime(expiresAt) - (clientNowMs + offsetMs));
}

export function phaseOf(remaining: number): CountdownPhase {
  if (remaining <= 0) return "expired";
  return remaining <= WARNING_MS ? "warning" : "running";
}

/** Whole seconds shown, rounded up: "0:00" appears only once the time is really up. */
function secondsShown(remaining: number): number {
  return Math.max(0, Math.ceil(remaining / 1000));
}

export function formatClock(remaining: number): string {
  const total = secondsShown(remaining);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${ss}` : `${minutes}:${ss}`;
}

export function formatWords(remaining: number): string {
  const total = secondsShown(remaining);
  if (total === 0) return "Time is up";
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const parts: string[] = [];
  if (minutes > 0) parts.push(`${minutes} ${minutes === 1 ? "minute" : "minutes"}`);
  if (seconds > 0) parts.push(`${seconds} ${seconds === 1 ? "second" : "seconds"}`);
  return `${parts.join(" ")} left`;
}

export function countdown(expiresAt: string, offsetMs: number, clientNowMs: number): Countdown {
  const remaining = remainingMs(expiresAt, offsetMs, clientNowMs);
  return { remainingMs: remaining, phase: phaseOf(remaining), clock: formatClock(remaining), words: formatWords(remaining) };
}

/**
 * A hold's length in words, exactly: "15 minutes", "1 minute 30 seconds", "45 seconds", "1 hour 5 minutes".
 * Never rounded: a 90-second hold is not "2 minutes".
 */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts = [
    hours > 0 ? unit(hours, "hour") : null,
    minutes > 0 ? unit(minutes, "minute") : null,
    rest > 0 || total === 0 ? unit(rest, "second") : null,
  ].filter(Boolean);
  return parts.join(" ");
}
