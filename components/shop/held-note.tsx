"use client";

import { useInBrowser } from "./use-in-browser";

/**
 * "14:32" in the shopper's own time zone. The server does not know that zone: its render (and a browser without
 * JavaScript) says the time in UTC, and the browser replaces it with local time as soon as it runs.
 */
export function LocalTime({ iso }: { iso: string }) {
  const inBrowser = useInBrowser();
  const date = new Date(iso);
  const text = inBrowser
    ? new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(date)
    : `${new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }).format(date)} UTC`;
  return <time dateTime={iso}>{text}</time>;
}

/**
 * Stock in other shoppers' checkouts is not sold yet: "2 held in other checkouts — may be back by 14:32" (when the
 * soonest of those holds lapses if its shopper does nothing). Nothing when no one else holds any.
 */
export function HeldNote({ held, nextReleaseAt, className }: { held: number; nextReleaseAt: string | null; className?: string }) {
  if (held <= 0) return null;
  return (
    <p className={["held-note", className].filter(Boolean).join(" ")}>
      {held} held in other checkouts
      {nextReleaseAt ? (
        <>
          {" "}
          — may be back by <LocalTime iso={nextReleaseAt} />
        </>
      ) : null}
    </p>
  );
}
