// The quota left, in the header names of the door the client speaks: OpenAI's
// x-ratelimit-{limit,remaining,reset}-{requests,tokens} (reset as a duration, e.g. `1.5s`, `6m0s`) or
// Anthropic's anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset} (reset as an RFC 3339 time).

export type RateLimitHeaderStyle = 'openai' | 'anthropic';

export interface RateLimitReading {
  /** Units per minute. */
  limit: number;
  remaining: number;
  /** Ms until the limit is whole again. */
  resetMs: number;
}

export function rateLimitHeaders(
  style: RateLimitHeaderStyle,
  requests: RateLimitReading | null,
  tokens: RateLimitReading | null,
  nowMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (style === 'anthropic') {
    if (requests !== null) anthropic(headers, 'requests', requests, nowMs);
    if (tokens !== null) anthropic(headers, 'tokens', tokens, nowMs);
  } else {
    if (requests !== null) openAI(headers, 'requests', requests);
    if (tokens !== null) openAI(headers, 'tokens', tokens);
  }
  return headers;
}

function openAI(headers: Record<string, string>, unit: string, reading: RateLimitReading): void {
  headers[`x-ratelimit-limit-${unit}`] = String(reading.limit);
  headers[`x-ratelimit-remaining-${unit}`] = String(reading.remaining);
  headers[`x-ratelimit-reset-${unit}`] = formatDuration(reading.resetMs);
}

function anthropic(headers: Record<string, string>, unit: string, reading: RateLimitReading, nowMs: number): void {
  headers[`anthropic-ratelimit-${unit}-limit`] = String(reading.limit);
  headers[`anthropic-ratelimit-${unit}-remaining`] = String(reading.remaining);
  // Whole seconds, as Anthropic sends them.
  headers[`anthropic-ratelimit-${unit}-reset`] = new Date(Math.ceil((nowMs + reading.resetMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** OpenAI's duration format: `0s`, `120ms`, `1.5s`, `6m0s`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3));
  return minutes === 0 ? `${seconds}s` : `${minutes}m${seconds}s`;
}
