// Date#toISOString of an epoch time, for the two timestamps of every usage event. V8's own costs about
// 1.2-1.5 µs a call on the bench machine (a runtime call and a Date); the date part changes once a day,
// so it is formatted by toISOString once a day and the time of day by arithmetic (tens of ns).
const DAY_MS = 86_400_000;
/** Beyond this (in either direction) a Date is invalid and toISOString throws. */
const MAX_TIME_MS = 8.64e15;

let cachedDay = Number.NaN;
/** `YYYY-MM-DDT` (or toISOString's six-digit years) of `cachedDay`. */
let cachedDate = '';

/** The same string as `new Date(epochMs).toISOString()`, which it defers to for an invalid time. */
export function isoTimestamp(epochMs: number): string {
  // A Date keeps whole milliseconds, cut toward zero.
  const ms = Math.trunc(epochMs);
  if (!(Math.abs(ms) <= MAX_TIME_MS)) return new Date(epochMs).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, -'00:00:00.000Z'.length);
    cachedDay = day;
  }
  const inDay = ms - day * DAY_MS;
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor(inDay / 60_000) % 60;
  const seconds = Math.floor(inDay / 1000) % 60;
  const millis = inDay % 1000;
  return `${cachedDate}${hours < 10 ? '0' : ''}${hours}:${minutes < 10 ? '0' : ''}${minutes}:${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
