"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * True once running in the browser with JavaScript; false on the server and during hydration, so both renders
 * match. For things that only work with JavaScript (and their no-JavaScript fallbacks).
 */
export function useInBrowser(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
