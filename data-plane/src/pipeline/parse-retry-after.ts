// An upstream's `retry-after` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Anything else,
// a repeated header included, is ignored (null) rather than guessed at.

export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Date.parse also reads non-HTTP formats; requiring a weekday-or-digit start and a comma or a space
  // keeps bare numbers with signs or units ('-1', '5s') out.
  if (!/^[A-Za-z]{3},? |^\d{1,2} /.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
