/**
 * The line's estimate in words, as the waiting page says it ("about 3 minutes"). Rounded, as an estimate must be:
 * a wait is never promised to the second.
 */
export function waitInWords(seconds: number | null): string {
  if (seconds === null) return "wait time unknown";
  if (seconds < 60) return "less than a minute";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
  const hours = Math.floor(minutes / 60);
  // Past an hour, to the nearest five minutes.
  const rest = Math.round((minutes % 60) / 5) * 5;
  const hourText = `${hours} ${hours === 1 ? "hour" : "hours"}`;
  return rest === 0 || rest === 60 ? `about ${rest === 60 ? `${hours + 1} hours` : hourText}` : `about ${hourText} ${rest} minutes`;
}
