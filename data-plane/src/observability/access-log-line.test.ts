// The hand-built access-log line is the line pino writes for the same fields: readers of the log (and
// its docs) see no difference, whatever the values hold (quotes, newlines, non-ASCII, null, failed attempts).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
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

function bothLines(request: Omit<EndedRequest, 'span' | 'startedAt' | 'aborted' | 'status' | 'errorCode'>, fields: Record<string, unknown>) {
  const written: string[] = [];
  const logger = pino({ name: 'data-plane' }, { write: (line: string) => written.push(line) }).child({ worker: 1 });
  accessLineWriter(logger)(30, { ...request, span: null, startedAt: 0, aborted: false, status: 200, errorCode: null }, 200, 'an_error', 3.14159);
  logger.info(fields, 'request');
  // The two lines were written a millisecond apart at most: only their time may differ.
  return written.map((line) => line.replace(/"time":\d+/, '"time":0'));
}

describe('accessLineWriter', () => {
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
    );
    expect(mine).toBe(pinos);
    expect(JSON.parse(mine as string)).toMatchObject({ level: 30, worker: 1, user: 'user\nwith a newline', attempts: [{ cause: 'boom "x"' }] });
  });

  it('writes what logger.info writes for a request that was not metered', () => {
    const route = { route: '/healthz', door: 'gateway', operation: null, accessLevel: 20 };
    const [mine, pinos] = bothLines(
      { route, requestId: 'req-2', usage: null, provider: null, attempts: null },
      { requestId: 'req-2', route: '/healthz', door: 'gateway', status: 200, error: 'an_error', latencyMs: 3.1 },
    );
    expect(mine).toBe(pinos);
  });

  it('writes each line with its own values when one writer serves requests of different callers in turn', () => {
    const written: string[] = [];
    const logger = pino({ name: 'data-plane' }, { write: (line: string) => written.push(line) });
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
