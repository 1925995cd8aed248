// The meter of one request that may reach an upstream: it is told what happened, in order, and builds
// the request's one usage event from it: tokens from the upstream's usage (or an estimate), cost from the
// prices of the endpoint that answered, and timings. Only the metered route (pipeline/metered-route.ts)
// and the relays it calls write to it.
//
// Timings (milliseconds, from performance.now()):
//   ttftMs             request arrival → first byte relayed to the client (streams: the first event;
//                      non-streamed: the response)
//   upstreamLatencyMs  upstream request sent → upstream response fully read (null if it never answered)
//   totalLatencyMs     request arrival → final bytes handed to the socket
//
// When the upstream reported no usage (an aborted stream, a provider that sends none), the tokens are
// counted with the tokenizer (count-tokens.ts) and the event says usageEstimated; so it does when a
// stream cut short had reported fewer completion tokens than it had already relayed.
import { emptyUsage, priceUsage, tokenUsage, type Microdollars, type TokenPrices, type TokenUsage } from '../../../shared/src/money.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../../../shared/src/snapshot.ts';
import { boundTokenUsage, boundUsageEvent, type UsageEvent } from '../../../shared/src/usage-event.ts';
import type { ClientResponse } from '../http/client-response.ts';
import type { ResponseReport, UnifiedUsage } from '../providers/provider-adapter.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';
import { CompletionText } from './completion-text.ts';
import { isoTimestamp } from './iso-timestamp.ts';
import type { UsageChunkFields, UsageChunkPricer } from './meter-chunk-stream.ts';
import { usageCostFields } from './usage-cost-fields.ts';

/** The snapshot's prices as they are (absent tiers = flat prices): no copy, it is read on every request. */
export function endpointPrices(endpoint: Pick<SnapshotEndpoint, 'prices'>): TokenPrices {
  return endpoint.prices;
}

/** Counts the prompt's tokens, for a usage event whose upstream reported none (asked only then). */
export interface PromptCounter {
  estimatePromptTokens(): number;
}

/** The endpoint a request went to, as far as metering cares. */
export interface MeteredEndpoint {
  endpoint: SnapshotEndpoint;
  /** Served with the org's own provider key: the cost is recorded, not debited. */
  byok: boolean;
}

function milliseconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export class RequestMeter implements UsageChunkPricer {
  readonly requestId: string;
  /** The generated text relayed, for the estimate when usage is missing. */
  readonly completionText = new CompletionText();
  readonly #startedAt: number;
  readonly #startedAtEpochMs: number;
  readonly #principal: Principal;
  readonly #model: SnapshotModel;
  readonly #streamed: boolean;
  #endpoint: SnapshotEndpoint;
  #byok: boolean;
  #upstreamStartedAt: number | null = null;
  #upstreamFinishedAt: number | null = null;
  #firstByteAt: number | null = null;
  #usage: UnifiedUsage | null = null;
  #servedModel: string | null = null;
  #finishReason: string | null = null;
  readonly #heldMicros: number | null;

  /** `model` is the requested model, whichever endpoint serves; `first` the endpoint tried first. */
  constructor(
    request: Pick<ClientResponse, 'requestId' | 'startedAt' | 'startedAtEpochMs'>,
    principal: Principal,
    model: SnapshotModel,
    first: MeteredEndpoint,
    streamed: boolean,
    /** What the request held against the caller's limits (spend-enforcer.ts); null = nothing held. */
    heldMicros: number | null = null,
  ) {
    this.#heldMicros = heldMicros;
    this.requestId = request.requestId;
    this.#startedAt = request.startedAt;
    this.#startedAtEpochMs = request.startedAtEpochMs;
    this.#principal = principal;
    this.#model = model;
    this.#endpoint = first.endpoint;
    this.#byok = first.byok;
    this.#streamed = streamed;
  }

  /** The endpoint whose attempt ended the calls (the answer, or the last failure), and when that attempt began. */
  answeredBy(endpoint: MeteredEndpoint, upstreamStartedAt: number): void {
    this.#endpoint = endpoint.endpoint;
    this.#byok = endpoint.byok;
    this.#upstreamStartedAt = upstreamStartedAt;
  }

  /** The first byte of the answer goes to the client now (later calls change nothing). */
  firstByte(): void {
    if (this.#firstByteAt === null) this.#firstByteAt = performance.now();
  }

  /** The upstream's answer was read to its end, or given up on (later calls change nothing). */
  upstreamFinished(): void {
    if (this.#upstreamFinishedAt === null) this.#upstreamFinishedAt = performance.now();
  }

  /** What the adapter read from the answer: usage, finish reason, served model. */
  recordResponse(report: ResponseReport): void {
    this.#usage = report.usage;
    this.#servedModel = report.servedModel;
    this.#finishReason = report.finishReason;
  }

  /** The cost and timings a streamed usage chunk carries, as of the moment it is written. */
  usageChunkFields(usage: UnifiedUsage): UsageChunkFields {
    const now = performance.now();
    return {
      usage: { ...usageCostFields(this.#costOf(usage.usage), usage.upstreamCostMicros) },
      chunk: {
        // No byte sent yet: this chunk goes out with the first ones (a stream that arrived in one piece).
        ttft_ms: milliseconds((this.#firstByteAt ?? now) - this.#startedAt),
        latency_ms: milliseconds(now - this.#startedAt),
      },
    };
  }

  /**
   * A stream's stand-in, spooled before its first byte is relayed and replaced by its usage event at
   * the end: billed only if this process dies first (usage/ship-usage.ts). Its worst case: the prompt's
   * upper bound and `completionTokens`, priced like any event (so at most what the request held), at
   * `endpoint`, the one that answers: it depends on nothing else, so it can be made before the answer.
   */
  provisionalEvent(endpoint: MeteredEndpoint, promptTokens: number, completionTokens: number): UsageEvent {
    return this.#event(tokenUsage(promptTokens, completionTokens), true, 200, 'stream_interrupted', this.#startedAt, endpoint.endpoint, endpoint.byok);
  }

  /** The request's one usage event, as it ends now with `status` (and `errorCode` when it failed). */
  usageEvent(status: number, errorCode: string | null, prompt: PromptCounter): UsageEvent {
    const finishedAt = performance.now();
    let usage: TokenUsage;
    let usageEstimated = false;
    if (this.#usage !== null) {
      usage = this.#usage.usage;
      // A stream cut short holds only the usage reported so far (Anthropic's message_start says 1 output
      // token until message_delta): the text already relayed is a floor for what was generated.
      if (errorCode !== null && this.#streamed) {
        const relayedTokens = this.completionText.estimateTokens();
        if (relayedTokens > usage.completionTokens) {
          usageEstimated = true;
          usage = { ...usage, completionTokens: relayedTokens };
        }
      }
    } else if (errorCode !== null && this.#firstByteAt === null)
      usage = emptyUsage; // nothing was produced
    else {
      usageEstimated = true;
      usage = tokenUsage(prompt.estimatePromptTokens(), this.completionText.estimateTokens());
    }
    return this.#event(usage, usageEstimated, status, errorCode, finishedAt);
  }

  #event(
    usage: TokenUsage,
    usageEstimated: boolean,
    status: number,
    errorCode: string | null,
    finishedAt: number,
    endpoint = this.#endpoint,
    byok = this.#byok,
  ): UsageEvent {
    const principal = this.#principal;
    // Whatever the upstream reported (a NUL in its model name, 3e9 tokens) becomes a record the
    // control plane can store (issue 13, defect 2).
    return boundUsageEvent({
      requestId: this.requestId,
      orgId: principal.org.id,
      userId: principal.apiKey.userId,
      apiKeyId: principal.apiKey.id,
      requestedModel: this.#model.id,
      servedModel: this.#servedModel ?? endpoint.upstreamModel,
      providerId: endpoint.providerId,
      byok,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cacheReadTokens: usage.cacheReadTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      reasoningTokens: usage.reasoningTokens,
      costMicros: this.#costOf(usage, endpoint, byok),
      upstreamCostMicros: this.#usage?.upstreamCostMicros ?? null,
      usageEstimated,
      ttftMs: this.#firstByteAt === null ? null : milliseconds(this.#firstByteAt - this.#startedAt),
      upstreamLatencyMs:
        this.#upstreamStartedAt === null || this.#upstreamFinishedAt === null ? null : milliseconds(this.#upstreamFinishedAt - this.#upstreamStartedAt),
      totalLatencyMs: milliseconds(finishedAt - this.#startedAt),
      status,
      finishReason: this.#finishReason,
      errorCode,
      streamed: this.#streamed,
      startedAt: isoTimestamp(this.#startedAtEpochMs),
      finishedAt: isoTimestamp(this.#startedAtEpochMs + (finishedAt - this.#startedAt)),
    });
  }

  /**
   * What the usage cost at the endpoint that answered. An upstream that produced more than was asked (400
   * tokens for max_tokens 20) is charged what the request held, never more (issue 13, defect 3): the hold
   * fitted the balance and the daily limit, so neither is overdrawn, however many requests run at once.
   * The tokens stay as reported; BYOK costs are recorded, not debited, so they are not capped.
   */
  #costOf(usage: TokenUsage, endpoint = this.#endpoint, byok = this.#byok): Microdollars {
    const cost = priceUsage(boundTokenUsage(usage), endpointPrices(endpoint));
    return this.#heldMicros !== null && !byok && cost > this.#heldMicros ? (this.#heldMicros as Microdollars) : cost;
  }
}
