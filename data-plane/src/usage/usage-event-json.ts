// A usage event's JSON for its spool record, written as bytes straight into a buffer (json-bytes.ts):
// the members of the schema (shared/src/usage-event.ts) in its order, so the bytes are JSON.stringify's
// for an event made by boundUsageEvent. Why: JSON.stringify walks the 25 members generically (about 3 µs
// an event on the bench machine); a string template is faster but allocates a cons string per piece
// (about 1.3 KB an event), which the checksum and the write then flatten into two more copies of the
// line. Written as bytes, the record allocates only its own copy. The caller's members (org, user, key,
// models, provider) repeat from one request to the next, so the last event's are kept as bytes, escaped once.
import {
  asciiBytes,
  JSON_NUMBER_BOUND,
  jsonStringBound,
  putBytes as bytes,
  putJsonNumber as number,
  putJsonString as text,
} from '../../../shared/src/json-bytes.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

const REQUEST_ID = asciiBytes('{"requestId":');
// A boolean's text is joined to the member name after it, and `,"byok":` to the caller's bytes: fewer
// pieces to copy (each a TypedArray.prototype.set call), indexed by the boolean (false 0, true 1).
const BYOK = ',"byok":';
const BYOK_THEN_PROMPT_TOKENS = booleanThen(',"promptTokens":');
const COMPLETION_TOKENS = asciiBytes(',"completionTokens":');
const CACHE_READ_TOKENS = asciiBytes(',"cacheReadTokens":');
const CACHE_WRITE_TOKENS = asciiBytes(',"cacheWriteTokens":');
const REASONING_TOKENS = asciiBytes(',"reasoningTokens":');
const COST_MICROS = asciiBytes(',"costMicros":');
const UPSTREAM_COST_MICROS = asciiBytes(',"upstreamCostMicros":');
const USAGE_ESTIMATED = asciiBytes(',"usageEstimated":');
const USAGE_ESTIMATED_THEN_TTFT_MS = booleanThen(',"ttftMs":');
const UPSTREAM_LATENCY_MS = asciiBytes(',"upstreamLatencyMs":');
const TOTAL_LATENCY_MS = asciiBytes(',"totalLatencyMs":');
const STATUS = asciiBytes(',"status":');
const FINISH_REASON = asciiBytes(',"finishReason":');
const ERROR_CODE = asciiBytes(',"errorCode":');
const STREAMED = asciiBytes(',"streamed":');
const STREAMED_THEN_STARTED_AT = booleanThen(',"startedAt":');
const FINISHED_AT = asciiBytes(',"finishedAt":');
const CLOSE_BRACE = 0x7d;

/** `false` then `name`, and `true` then `name`. */
function booleanThen(name: string): readonly [Buffer, Buffer] {
  return [asciiBytes(`false${name}`), asciiBytes(`true${name}`)];
}

/** Bytes of the JSON beyond its strings and numbers: member names and punctuation (about 420), with room to spare. */
const FIXED_BYTES = 512;
const STRINGS = 11;
const NUMBERS = 13;

let orgId: string | null = null;
let userId = '';
let apiKeyId = '';
let requestedModel = '';
let servedModel = '';
let providerId = '';
let callerBytes: Uint8Array = new Uint8Array(0);

/** At least the bytes the event's JSON takes. */
export function usageEventJsonBound(event: UsageEvent): number {
  const units =
    event.requestId.length +
    event.orgId.length +
    event.userId.length +
    event.apiKeyId.length +
    event.requestedModel.length +
    event.servedModel.length +
    event.providerId.length +
    (event.finishReason?.length ?? 0) +
    (event.errorCode?.length ?? 0) +
    event.startedAt.length +
    event.finishedAt.length;
  return FIXED_BYTES + NUMBERS * JSON_NUMBER_BOUND + STRINGS * jsonStringBound(0) + jsonStringBound(units);
}

/** Writes the event's JSON into `out` at `at` (room for usageEventJsonBound bytes); returns where it ends. */
export function writeUsageEventJson(event: UsageEvent, out: Buffer, at: number): number {
  if (
    event.orgId !== orgId ||
    event.userId !== userId ||
    event.apiKeyId !== apiKeyId ||
    event.requestedModel !== requestedModel ||
    event.servedModel !== servedModel ||
    event.providerId !== providerId
  ) {
    ({ orgId, userId, apiKeyId, requestedModel, servedModel, providerId } = event);
    callerBytes = Buffer.from(
      `,"orgId":${JSON.stringify(orgId)},"userId":${JSON.stringify(userId)},"apiKeyId":${JSON.stringify(apiKeyId)},"requestedModel":${JSON.stringify(requestedModel)},"servedModel":${JSON.stringify(servedModel)},"providerId":${JSON.stringify(providerId)}${BYOK}`,
    );
  }
  at = bytes(out, at, REQUEST_ID);
  at = text(out, at, event.requestId);
  at = bytes(out, at, callerBytes);
  at = bytes(out, at, BYOK_THEN_PROMPT_TOKENS[event.byok ? 1 : 0]);
  at = number(out, at, event.promptTokens);
  at = bytes(out, at, COMPLETION_TOKENS);
  at = number(out, at, event.completionTokens);
  at = bytes(out, at, CACHE_READ_TOKENS);
  at = number(out, at, event.cacheReadTokens);
  at = bytes(out, at, CACHE_WRITE_TOKENS);
  at = number(out, at, event.cacheWriteTokens);
  at = bytes(out, at, REASONING_TOKENS);
  at = number(out, at, event.reasoningTokens);
  at = bytes(out, at, COST_MICROS);
  at = number(out, at, event.costMicros);
  at = bytes(out, at, UPSTREAM_COST_MICROS);
  at = number(out, at, event.upstreamCostMicros);
  at = bytes(out, at, USAGE_ESTIMATED);
  at = bytes(out, at, USAGE_ESTIMATED_THEN_TTFT_MS[event.usageEstimated ? 1 : 0]);
  at = number(out, at, event.ttftMs);
  at = bytes(out, at, UPSTREAM_LATENCY_MS);
  at = number(out, at, event.upstreamLatencyMs);
  at = bytes(out, at, TOTAL_LATENCY_MS);
  at = number(out, at, event.totalLatencyMs);
  at = bytes(out, at, STATUS);
  at = number(out, at, event.status);
  at = bytes(out, at, FINISH_REASON);
  at = text(out, at, event.finishReason);
  at = bytes(out, at, ERROR_CODE);
  at = text(out, at, event.errorCode);
  at = bytes(out, at, STREAMED);
  at = bytes(out, at, STREAMED_THEN_STARTED_AT[event.streamed ? 1 : 0]);
  at = text(out, at, event.startedAt);
  at = bytes(out, at, FINISHED_AT);
  at = text(out, at, event.finishedAt);
  out[at] = CLOSE_BRACE;
  return at + 1;
}
