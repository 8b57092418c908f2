"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};
const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * A moment in the shopper's own time zone ("Nov 29, 2026, 3:05 PM"). The server cannot know that zone, so the
 * server render (and hydration) says UTC, and the browser then redraws it in its own zone.
 */
export function LocalTime({ iso, withDate = true }: { iso: string; withDate?: boolean }) {
  const timeZone = useSyncExternalStore(noSubscription, browserTimeZone, () => "UTC");
  const format = new Intl.DateTimeFormat("en-US", {
    ...(withDate ? { dateStyle: "medium" } : {}),
    timeStyle: "short",
    timeZone,
  });
  const text = format.format(new Date(iso));
  return (
    <time dateTime={iso} title={timeZone === "UTC" ? undefined : `Your time zone: ${timeZone}`}>
      {timeZone === "UTC" ? `${text} UTC` : text}
    </time>
  );
}
