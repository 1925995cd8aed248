// A complete (non-streamed) answer once its usage event is durable: its `model` becomes the id the client
// asked for (the served model is in x-gateway-model), the body's `usage` gets the cost fields
// (usage-cost-fields.ts) and the response gets the metering headers. A body that is not a JSON object is
// sent unchanged (the headers still say what it cost); one that already names the requested model and
// has no `usage` object is sent as it came, except an embeddings `list` (OpenAI's shape always has
// `usage`): when its upstream counted nothing (Gemini), it gets the tokens the gateway counted and billed.
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { usageCostFields } from './usage-cost-fields.ts';

/** `parsedBody`, when given, is `body` already parsed (the adapter read it for metering). */
export function withUsageCost(body: string | Buffer, event: UsageEvent, requestedModel: string, parsedBody?: object): string | Buffer {
  let parsed: unknown = parsedBody;
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      return body;
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return body;
  const record = parsed as { usage?: unknown; model?: unknown; object?: unknown };
  const hasUsage = record.usage !== null && typeof record.usage === 'object';
  const renames = typeof record.model === 'string' && record.model !== requestedModel;
  const countedUsage = !hasUsage && record.object === 'list' ? { prompt_tokens: event.promptTokens, total_tokens: event.promptTokens } : null;
  if (!hasUsage && !renames && countedUsage === null) return body;
  const usage = hasUsage ? (record.usage as object) : countedUsage;
  // Same members in the same order as `{ ...record, usage: { ...usage, ...costFields } }`, built without
  // adding members to a spread copy where it can, since that takes V8's slow path (4-7 µs per answer in a
  // micro-benchmark, against 1-2 µs): the spread copy only has members replaced (a counted usage is
  // appended, as the spread did). The usage copy is a plain object unless the upstream sent a `__proto__`
  // member, which must stay a member, as with a spread: only then is it prototype-less, since such an
  // object is a dictionary that JSON.stringify walks about twice as slowly.
  const answer: Record<string, unknown> = { ...record };
  if (renames) answer.model = requestedModel;
  if (usage !== null) {
    const copy = Object.hasOwn(usage, '__proto__') ? (Object.create(null) as object) : {};
    answer.usage = Object.assign(copy, usage, usageCostFields(event.costMicros, event.upstreamCostMicros));
  }
  return JSON.stringify(answer);
}

/** `x-gateway-cost-microdollars`, and the request's time to first byte and total latency in milliseconds. */
export function meteringHeaders(event: UsageEvent): Record<string, string> {
  // Written member by member: a spread inside the literal, followed by more members, takes V8's slow path.
  const headers: Record<string, string> = { 'x-gateway-cost-microdollars': String(event.costMicros) };
  if (event.ttftMs !== null) headers['x-gateway-ttft-ms'] = String(event.ttftMs);
  headers['x-gateway-latency-ms'] = String(event.totalLatencyMs);
  return headers;
}
