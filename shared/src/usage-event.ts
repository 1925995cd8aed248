// One usage event per request that reached an upstream, written by the data plane to its spool and
// ingested by the control plane exactly once (requestId is unique).
import { z } from 'zod';

export const usageEventSchema = z.object({
  requestId: z.string().min(1).max(128),
  orgId: z.string(),
  userId: z.string(),
  apiKeyId: z.string(),
  /** The model id the client asked for. */
  requestedModel: z.string(),
  /** The model name the upstream served (from its response when it says, else what we sent). */
  servedModel: z.string(),
  providerId: z.string(),
  byok: z.boolean(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
  reasoningTokens: z.number().int().nonnegative(),
  /** Our price for the request in integer microdollars. */
  costMicros: z.number().int().nonnegative(),
  /** What the upstream itself reported as cost, when it does. */
  upstreamCostMicros: z.number().int().nonnegative().nullable(),
  /** True when token counts were not reported by the upstream and had to be estimated. */
  usageEstimated: z.boolean(),
  ttftMs: z.number().nonnegative().nullable(),
  upstreamLatencyMs: z.number().nonnegative().nullable(),
  totalLatencyMs: z.number().nonnegative(),
  /** HTTP status the client received (or would have, for aborted requests: 499). */
  status: z.number().int(),
  finishReason: z.string().nullable(),
  /** Gateway error code when the request failed. */
  errorCode: z.string().nullable(),
  streamed: z.boolean(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});

export type UsageEvent = z.infer<typeof usageEventSchema>;

/** The most events one ingest call takes; a data plane's batch size must stay within it. */
export const MAX_USAGE_EVENTS_PER_INGEST = 5000;

export const usageIngestInputSchema = z.object({
  events: z.array(usageEventSchema).min(1).max(MAX_USAGE_EVENTS_PER_INGEST),
});

export const usageIngestResultSchema = z.object({
  /** Events stored by this call. */
  inserted: z.number().int(),
  /** Events whose requestId was already stored (a retried batch). */
  duplicates: z.number().int(),
  /** Of the inserted, events stored but not debited because their organization no longer exists; absent when none. */
  unbilled: z.number().int().optional(),
});

export type UsageIngestInput = z.infer<typeof usageIngestInputSchema>;
export type UsageIngestResult = z.infer<typeof usageIngestResultSchema>;
