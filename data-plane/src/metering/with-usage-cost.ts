// A complete (non-streamed) answer once its usage event is durable: its `model` becomes the id the client
// asked for (the served model is in x-gateway-model), the body's `usage` gets the cost fields
// (usage-cost-fields.ts) and the response gets the metering headers. A body that is not a JSON object is
// sent unchanged (the headers still say what it cost); one that already names the requested model and
// has no `usage` object is sent as it came, except an embeddings `list` (OpenAI's shape always has
// `usage`): when its upstream counted nothing (Gemini), it gets the tokens the gateway counted and billed.
// The model and the cost fields are spliced into the upstream's own text (its spacing, escapes and number
// spelling kept): the same JSON as serialising the parsed answer with them, without serialising it again.
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { isAscii } from 'node:buffer';
import { decodeText } from '../http/decode-text.ts';
import { spliceAnswer } from '../providers/splice-json-member.ts';
import { usageCostFields, usageCostMembers } from './usage-cost-fields.ts';

/**
 * `parsedBody`, when given, is `body` already parsed (the adapter read it for metering), and `bodyText`
 * the text it was parsed from, when `body` is bytes; the parsed body may be changed in place.
 */
export function withUsageCost(body: string | Buffer, event: UsageEvent, requestedModel: string, parsedBody?: object, bodyText?: string): string | Buffer {
  let parsed: unknown = parsedBody;
  let text = typeof body === 'string' ? body : parsedBody === undefined ? undefined : bodyText;
  if (parsed === undefined) {
    try {
      text ??= decodeText(body as Buffer);
      parsed = JSON.parse(text);
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
  if (text !== undefined && countedUsage === null) {
    // The upstream's own text with the model and the cost fields spliced in: the same JSON as below
    // without serialising the whole answer again (nor, for an ASCII answer, encoding it).
    const spliced = spliceCostInto(text, body, renames ? requestedModel : null, usage, event);
    if (spliced !== null) return spliced;
  }
  // Written into the parsed answer, which nothing else holds: a member it has keeps its place and a new
  // one goes last, so the JSON is that of `{ ...record, usage: { ...usage, ...costFields } }` (a
  // `__proto__` member stays a member) without copying the answer and its usage: the copies took 0.6-0.8 µs
  // per answer in V8's property-copying builtins (perf, issue 19). An array `usage` is still copied into
  // an object, as the spread did: written into, it would serialise as the bare array.
  if (renames) record.model = requestedModel;
  if (usage !== null)
    record.usage = Object.assign(Array.isArray(usage) ? Object.assign({}, usage) : usage, usageCostFields(event.costMicros, event.upstreamCostMicros));
  return JSON.stringify(record);
}

/**
 * The splice of withUsageCost, or null where it would not give the same JSON: a `usage` that is an array
 * or already has a cost member (serialising puts the new value where the old one was), or a text the
 * splice cannot read safely (splice-json-member.ts).
 */
function spliceCostInto(text: string, body: string | Buffer, model: string | null, usage: object | null, event: UsageEvent): string | Buffer | null {
  let usageMembers: string | null = null;
  if (usage !== null) {
    if (Array.isArray(usage) || Object.hasOwn(usage, 'cost') || Object.hasOwn(usage, 'cost_microdollars') || Object.hasOwn(usage, 'cost_details')) return null;
    usageMembers = usageCostMembers(event.costMicros, event.upstreamCostMicros);
  }
  // Bytes when the text is theirs one to one: an ASCII answer decoded as Latin-1.
  const ascii = typeof body !== 'string' && body.length === text.length && isAscii(body);
  return spliceAnswer(text, ascii, model, usageMembers);
}

/** `x-gateway-cost-microdollars`, and the request's time to first byte and total latency in milliseconds. */
export function meteringHeaders(event: UsageEvent): Record<string, string> {
  // Written member by member: a spread inside the literal, followed by more members, takes V8's slow path.
  const headers: Record<string, string> = { 'x-gateway-cost-microdollars': String(event.costMicros) };
  if (event.ttftMs !== null) headers['x-gateway-ttft-ms'] = millisecondsText(event.ttftMs);
  headers['x-gateway-latency-ms'] = millisecondsText(event.totalLatencyMs);
  return headers;
}

/** `.001` to `.999` as String writes them (trailing zeros dropped), by thousandths; [0] is empty. */
const THOUSANDTHS = Array.from({ length: 1000 }, (_, index) => (index === 0 ? '' : String(index / 1000).slice(1)));

/**
 * What String(value) gives for a timing kept to three decimals (request-meter.ts), from its whole part
 * (an integer: V8's number-string cache) and a fraction from the table. Why: String of a double runs
 * V8's shortest-digits conversion, 0.45 % of the data plane's samples under load for these two headers.
 * The same text by construction: when value is exactly thousandths / 1000, that decimal is the shortest
 * that reads back as value (below 2^32, a double's digits reach far past the third decimal). Anything
 * else goes through String.
 */
export function millisecondsText(value: number): string {
  const thousandths = Math.round(value * 1000);
  if (!(thousandths >= 0 && thousandths < 2 ** 32 && thousandths / 1000 === value)) return String(value);
  const whole = Math.floor(thousandths / 1000);
  return String(whole) + THOUSANDTHS[thousandths - whole * 1000];
}
