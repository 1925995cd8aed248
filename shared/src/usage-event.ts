// One usage event per request that reached an upstream, written by the data plane to its spool and
// ingested by the control plane exactly once (requestId is unique).
import { z } from 'zod';
import type { TokenUsage } from './money.ts';

/**
 * Bounds every usage event meets (issue 13, defect 2): one upstream answer with a NUL in its model name,
 * or 3,000,000,000 prompt tokens, made PostgreSQL refuse a whole batch and stopped a data plane's
 * billing. The data plane bounds each event as it is made (boundUsageEvent), and the control plane
 * bounds what it ingests again, so an older spool or data plane cannot poison it either.
 */
export const USAGE_EVENT_LIMITS = {
  /** Ids (request, org, user, key, provider). */
  idLength: 128,
  /** Model names, finish reasons, error codes. */
  textLength: 256,
  /** Per token count: far above any context window, and the sum of two still fits the INTEGER column. */
  tokens: 1_000_000_000,
  /** $1,000,000,000 in microdollars: above any real request, exact as a double. */
  costMicros: 1_000_000_000_000_000,
  /** A day and more, in milliseconds. */
  latencyMs: 1_000_000_000,
} as const;

const noNul = (value: string) => !value.includes('\u0000');
const id = z.string().max(USAGE_EVENT_LIMITS.idLength).refine(noNul, 'no NUL characters');
const text = z.string().max(USAGE_EVENT_LIMITS.textLength).refine(noNul, 'no NUL characters');
const tokens = z.number().int().nonnegative().max(USAGE_EVENT_LIMITS.tokens);
const micros = z.number().int().nonnegative().max(USAGE_EVENT_LIMITS.costMicros);
const latency = z.number().nonnegative().max(USAGE_EVENT_LIMITS.latencyMs);

export const usageEventSchema = z.object({
  requestId: id.min(1),
  orgId: id,
  userId: id,
  apiKeyId: id,
  /** The model id the client asked for. */
  requestedModel: text,
  /** The model name the upstream served (from its response when it says, else what we sent). */
  servedModel: text,
  providerId: id,
  byok: z.boolean(),
  promptTokens: tokens,
  completionTokens: tokens,
  cacheReadTokens: tokens,
  cacheWriteTokens: tokens,
  reasoningTokens: tokens,
  /** Our price for the request in integer microdollars. */
  costMicros: micros,
  /** What the upstream itself reported as cost, when it does. */
  upstreamCostMicros: micros.nullable(),
  /** True when token counts were not reported by the upstream and had to be estimated. */
  usageEstimated: z.boolean(),
  ttftMs: latency.nullable(),
  upstreamLatencyMs: latency.nullable(),
  totalLatencyMs: latency,
  /** HTTP status the client received (or would have, for aborted requests: 499). */
  status: z.number().int().min(0).max(999),
  finishReason: text.nullable(),
  /** Gateway error code when the request failed. */
  errorCode: text.nullable(),
  streamed: z.boolean(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});

/**
 * The shape of a usage event without its bounds: what an event must look like to be bounded and kept
 * (boundUsageEvent) rather than dead-lettered.
 */
export const unboundedUsageEventSchema = z.object({
  requestId: z.string().min(1),
  orgId: z.string(),
  userId: z.string(),
  apiKeyId: z.string(),
  requestedModel: z.string(),
  servedModel: z.string(),
  providerId: z.string(),
  byok: z.boolean(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  reasoningTokens: z.number(),
  costMicros: z.number(),
  upstreamCostMicros: z.number().nullable(),
  usageEstimated: z.boolean(),
  ttftMs: z.number().nullable(),
  upstreamLatencyMs: z.number().nullable(),
  totalLatencyMs: z.number(),
  status: z.number(),
  finishReason: z.string().nullable(),
  errorCode: z.string().nullable(),
  streamed: z.boolean(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});

type UnboundedUsageEvent = z.infer<typeof unboundedUsageEventSchema>;

/** A surrogate without its other half: PostgreSQL's jsonb refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Half of a surrogate pair, lone or not: a string without one has nothing for LONE_SURROGATE to remove. */
const SURROGATE = /[\uD800-\uDFFF]/;

/** Well-formed UTF-16 without NUL, at most `max` code units (a cut that splits a surrogate pair drops its half). */
function boundText(value: string, max: number): string {
  // The usual id or model name: two scans, no copy (seven strings per usage event, one event per request).
  if (value.length <= max && !value.includes('\u0000') && !SURROGATE.test(value)) return value;
  let bounded = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (bounded.length > max) bounded = bounded.slice(0, max);
  return bounded.replace(LONE_SURROGATE, '');
}

/** A whole number in [0, max]: NaN and negatives are 0, infinities and 1e300 are max. */
function boundCount(value: number, max: number): number {
  if (Number.isNaN(value) || value <= 0) return 0;
  return value >= max ? max : Math.round(value);
}

function boundLatency(value: number): number {
  if (Number.isNaN(value) || value <= 0) return 0;
  return Math.min(value, USAGE_EVENT_LIMITS.latencyMs);
}

/** A module function, not a closure in boundTokenUsage: tsx names each named closure as it is made (an Object.defineProperty per request). */
function tokenCountInRange(count: number, max: number): boolean {
  return count >= 0 && count <= max && Number.isInteger(count);
}

/** Token counts as the upstream reported them, clamped to USAGE_EVENT_LIMITS.tokens before anything is priced. */
export function boundTokenUsage(usage: TokenUsage): TokenUsage {
  const max = USAGE_EVENT_LIMITS.tokens;
  const { promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens } = usage;
  if (
    tokenCountInRange(promptTokens, max) &&
    tokenCountInRange(completionTokens, max) &&
    tokenCountInRange(cacheReadTokens, max) &&
    tokenCountInRange(cacheWriteTokens, max) &&
    tokenCountInRange(reasoningTokens, max)
  )
    return usage;
  return {
    ...usage,
    promptTokens: boundCount(promptTokens, max),
    completionTokens: boundCount(completionTokens, max),
    cacheReadTokens: boundCount(cacheReadTokens, max),
    cacheWriteTokens: boundCount(cacheWriteTokens, max),
    reasoningTokens: boundCount(reasoningTokens, max),
  };
}

/**
 * The caller's six strings (org, user, key, the two models, provider) last found within their bounds:
 * they repeat from one event to the next, so a string equal to the last one is not scanned again.
 * `===` compares contents (a pointer check first, and usually the very same string), so only a string
 * with exactly the text already checked skips the check, and boundText of equal texts is the same.
 */
let checkedOrgId = '';
let checkedUserId = '';
let checkedApiKeyId = '';
let checkedRequestedModel = '';
let checkedServedModel = '';
let checkedProviderId = '';

/**
 * The event within USAGE_EVENT_LIMITS: strings cleaned and cut, counts clamped. Bounds `event` in place and
 * returns it: every caller hands over an object it just made (the meter's literal, a parsed record or
 * ingest input), and a bounded copy was 0.3 KB and 25 more stores a request. Cheap when nothing needs it.
 */
export function boundUsageEvent(event: UnboundedUsageEvent): UsageEvent {
  const { idLength, textLength, tokens: maxTokens, costMicros: maxMicros } = USAGE_EVENT_LIMITS;
  event.requestId = boundText(event.requestId, idLength);
  const { orgId, userId, apiKeyId, requestedModel, servedModel, providerId } = event;
  if (orgId !== checkedOrgId && (event.orgId = boundText(orgId, idLength)) === orgId) checkedOrgId = orgId;
  if (userId !== checkedUserId && (event.userId = boundText(userId, idLength)) === userId) checkedUserId = userId;
  if (apiKeyId !== checkedApiKeyId && (event.apiKeyId = boundText(apiKeyId, idLength)) === apiKeyId) checkedApiKeyId = apiKeyId;
  if (requestedModel !== checkedRequestedModel && (event.requestedModel = boundText(requestedModel, textLength)) === requestedModel)
    checkedRequestedModel = requestedModel;
  if (servedModel !== checkedServedModel && (event.servedModel = boundText(servedModel, textLength)) === servedModel) checkedServedModel = servedModel;
  if (providerId !== checkedProviderId && (event.providerId = boundText(providerId, idLength)) === providerId) checkedProviderId = providerId;
  event.promptTokens = boundCount(event.promptTokens, maxTokens);
  event.completionTokens = boundCount(event.completionTokens, maxTokens);
  event.cacheReadTokens = boundCount(event.cacheReadTokens, maxTokens);
  event.cacheWriteTokens = boundCount(event.cacheWriteTokens, maxTokens);
  event.reasoningTokens = boundCount(event.reasoningTokens, maxTokens);
  event.costMicros = boundCount(event.costMicros, maxMicros);
  if (event.upstreamCostMicros !== null) event.upstreamCostMicros = boundCount(event.upstreamCostMicros, maxMicros);
  if (event.ttftMs !== null) event.ttftMs = boundLatency(event.ttftMs);
  if (event.upstreamLatencyMs !== null) event.upstreamLatencyMs = boundLatency(event.upstreamLatencyMs);
  event.totalLatencyMs = boundLatency(event.totalLatencyMs);
  event.status = boundCount(event.status, 999);
  if (event.finishReason !== null) event.finishReason = boundText(event.finishReason, textLength);
  if (event.errorCode !== null) event.errorCode = boundText(event.errorCode, textLength);
  return event;
}

export type UsageEvent = z.infer<typeof usageEventSchema>;

/** The most events one ingest call takes; a data plane's batch size must stay within it. */
export const MAX_USAGE_EVENTS_PER_INGEST = 5000;

/**
 * Events are checked one by one by the ingest, not here: one malformed event must not refuse its
 * whole batch (the data plane would resend it forever), so it is dead-lettered and the rest stored.
 */
export const usageIngestInputSchema = z.object({
  events: z.array(z.unknown()).min(1).max(MAX_USAGE_EVENTS_PER_INGEST),
});

export const usageIngestResultSchema = z.object({
  /** Events stored by this call. */
  inserted: z.number().int(),
  /** Events whose requestId was already stored (a retried batch). */
  duplicates: z.number().int(),
  /** Of the inserted, events stored but not debited because their organization no longer exists; absent when none. */
  unbilled: z.number().int().optional(),
  /** Events not stored: not usage events, or refused by the database; each has a `usage.dead-letter` audit row. Absent when none. */
  deadLettered: z.number().int().optional(),
});

/** The control plane refused a usage batch as malformed (400/413): resending it unchanged can never succeed. */
export class UsageBatchRefusedError extends Error {
  override readonly name = 'UsageBatchRefusedError';
}

export type UsageIngestInput = z.infer<typeof usageIngestInputSchema>;
export type UsageIngestResult = z.infer<typeof usageIngestResultSchema>;
