// The hand-built access-log line is the line pino writes for the same fields, byte for byte (its time
// too): readers of the log (and its docs) see no difference, whatever the values hold (quotes, newlines,
// non-ASCII, null, failed attempts), whether the destination takes strings or bytes (the batched stdout).
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PutLine } from '../../../shared/src/batched-stdout.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { accessLineWriter } from './access-log-line.ts';
import type { AttemptRecord, EndedRequest } from './request-telemetry.ts';

const usage = {
  orgId: 'org_"quoted"',
  userId: 'user\nwith a newline',
  apiKeyId: 'key_1',
  requestedModel: 'simulator/echo',
  servedModel: 'simulator/échø',
  byok: true,
  streamed: false,
  promptTokens: 250,
  completionTokens: 120,
  cacheReadTokens: 3,
  costMicros: 1234,
  ttftMs: 1.25,
  upstreamLatencyMs: null,
} as unknown as UsageEvent;
const attempts: AttemptRecord[] = [
  { provider: 'p', model: 'm', upstreamStatus: 500, error: 'upstream_error', cause: 'boom "x"', retryAfterMs: null, next: 'retry', delayMs: 3 },
];

/** A destination of strings, or one that also takes bytes as the batched stdout does (and checks their bound). */
function destination(kind: 'strings' | 'bytes', written: string[]) {
  const write = (line: string) => void written.push(line);
  if (kind === 'strings') return { write };
  return {
    write,
    writeBytes(bound: number, put: PutLine) {
      // Written after 5 bytes already there, into exactly the room promised.
      const out = Buffer.alloc(5 + bound);
      const end = put(out, 5);
      expect(end).toBeLessThanOrEqual(5 + bound);
      written.push(out.toString('utf8', 5, end));
    },
  };
}

afterEach(() => vi.restoreAllMocks());

function bothLines(
  request: Omit<EndedRequest, 'span' | 'startedAt' | 'aborted' | 'status' | 'errorCode'>,
  fields: Record<string, unknown>,
  kind: 'strings' | 'bytes',
) {
  const written: string[] = [];
  const logger = pino({ name: 'data-plane' }, destination(kind, written)).child({ worker: 1 });
  vi.spyOn(Date, 'now').mockReturnValue(1_765_000_000_123);
  accessLineWriter(logger)(30, { ...request, span: null, startedAt: 0, aborted: false, status: 200, errorCode: null }, 200, 'an_error', 3.14159);
  logger.info(fields, 'request');
  expect(written[0]).toContain('"time":1765000000123,');
  return written;
}

describe.each(['strings', 'bytes'] as const)('accessLineWriter, a destination of %s', (kind) => {
  it('writes what logger.info writes for a metered request with failed attempts', () => {
    const route = { route: '/v1/chat/completions', door: 'openai-chat', operation: 'chat', accessLevel: 30 };
    const [mine, pinos] = bothLines(
      { route, requestId: 'req-1', usage, provider: 'simulator', attempts },
      {
        requestId: 'req-1',
        route: route.route,
        door: route.door,
        status: 200,
        error: 'an_error',
        org: usage.orgId,
        user: usage.userId,
        keyId: usage.apiKeyId,
        model: usage.requestedModel,
        servedModel: usage.servedModel,
        provider: 'simulator',
        byok: true,
        streamed: false,
        inputTokens: 250,
        outputTokens: 120,
        cacheReadTokens: 3,
        costMicros: 1234,
        ttftMs: 1.25,
        upstreamLatencyMs: null,
        latencyMs: 3.1,
        attempts,
      },
      kind,
    );
    expect(mine).toBe(pinos);
    expect(JSON.parse(mine as string)).toMatchObject({ level: 30, worker: 1, user: 'user\nwith a newline', attempts: [{ cause: 'boom "x"' }] });
  });

  it('writes what logger.info writes for a request that was not metered', () => {
    const route = { route: '/healthz', door: 'gateway', operation: null, accessLevel: 20 };
    const [mine, pinos] = bothLines(
      { route, requestId: 'req-2', usage: null, provider: null, attempts: null },
      { requestId: 'req-2', route: '/healthz', door: 'gateway', status: 200, error: 'an_error', latencyMs: 3.1 },
      kind,
    );
    expect(mine).toBe(pinos);
  });

  it('writes numbers and ids as logger.info writes them, fractions and edge values too', () => {
    const route = { route: '/v1/chat/completions', door: 'openai-chat', operation: 'chat', accessLevel: 30 };
    const cases = [
      { ttftMs: 0.001, upstreamLatencyMs: 1234.567, promptTokens: 0, costMicros: 0, latencyMs: 0.04, requestId: 'id "ü" \u0001' },
      { ttftMs: 17, upstreamLatencyMs: 0, promptTokens: 9_007_199_254_740_991, costMicros: 123_456_789, latencyMs: 12_345.67, requestId: '' },
      { ttftMs: 0.3, upstreamLatencyMs: 99.999, promptTokens: 1, costMicros: 10, latencyMs: 0.96, requestId: 'a'.repeat(300) },
    ];
    for (const { ttftMs, upstreamLatencyMs, promptTokens, costMicros, latencyMs, requestId } of cases) {
      const metered = { ...usage, ttftMs, upstreamLatencyMs, promptTokens, costMicros } as unknown as UsageEvent;
      const written: string[] = [];
      const logger = pino({ name: 'data-plane' }, destination(kind, written));
      vi.spyOn(Date, 'now').mockReturnValue(1_765_000_000_000);
      accessLineWriter(logger)(
        30,
        { route, requestId, usage: metered, provider: null, attempts: null, span: null, startedAt: 0, aborted: false, status: 503, errorCode: null },
        503,
        null,
        latencyMs,
      );
      logger.info(
        {
          requestId,
          route: route.route,
          door: route.door,
          status: 503,
          error: null,
          org: usage.orgId,
          user: usage.userId,
          keyId: usage.apiKeyId,
          model: usage.requestedModel,
          servedModel: usage.servedModel,
          provider: null,
          byok: true,
          streamed: false,
          inputTokens: promptTokens,
          outputTokens: 120,
          cacheReadTokens: 3,
          costMicros,
          ttftMs,
          upstreamLatencyMs,
          latencyMs: Math.round(latencyMs * 10) / 10,
        },
        'request',
      );
      expect(written[0]).toBe(written[1]);
    }
  });

  it('writes each line with its own values when one writer serves requests of different callers in turn', () => {
    const written: string[] = [];
    const logger = pino({ name: 'data-plane' }, destination(kind, written));
    const write = accessLineWriter(logger);
    const chat = { route: '/v1/chat/completions', door: 'openai-chat', operation: 'chat', accessLevel: 30 };
    const messages = { route: '/v1/messages', door: 'anthropic-messages', operation: 'chat', accessLevel: 30 };
    const other = { ...usage, orgId: 'org_2', userId: null, apiKeyId: 'key_2', requestedModel: 'm2', servedModel: 'm2' } as unknown as UsageEvent;
    const requests = [
      { route: chat, usage, provider: 'simulator' },
      { route: messages, usage: other, provider: null },
      { route: chat, usage: null, provider: null },
      { route: chat, usage, provider: 'simulator' },
    ];
    for (const [index, request] of requests.entries()) {
      write(
        30,
        { ...request, requestId: `req-${index}`, attempts: null, span: null, startedAt: 0, aborted: false, status: 200, errorCode: null },
        200,
        null,
        1,
      );
    }
    expect(written.map((line) => JSON.parse(line) as Record<string, unknown>)).toMatchObject([
      {
        route: '/v1/chat/completions',
        door: 'openai-chat',
        org: 'org_"quoted"',
        user: 'user\nwith a newline',
        keyId: 'key_1',
        model: 'simulator/echo',
        provider: 'simulator',
      },
      { route: '/v1/messages', door: 'anthropic-messages', org: 'org_2', user: null, keyId: 'key_2', model: 'm2', servedModel: 'm2', provider: null },
      { route: '/v1/chat/completions', door: 'openai-chat', requestId: 'req-2' },
      {
        route: '/v1/chat/completions',
        org: 'org_"quoted"',
        user: 'user\nwith a newline',
        keyId: 'key_1',
        servedModel: 'simulator/échø',
        provider: 'simulator',
      },
    ]);
    expect(written[2]).not.toContain('"org"');
  });
});
