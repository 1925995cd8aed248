// Streaming relay: byte fidelity, the usage-only chunk, the held-back [DONE], client aborts, upstream
// failures after the first byte, and backpressure from a slow reader.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useSimulatedDataPlane } from '../../test/support/simulated-data-plane.ts';
import { snapshotPricesSchema } from '../../shared/src/snapshot.ts';
import { TEST_API_KEY, TEST_MODEL } from './testing/data-plane-fixture.ts';

const { simulator, fixture } = useSimulatedDataPlane({ each: true, fixture: { upstreamTimeoutMs: 2_000 } });

function streamRequest(extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'one two three four' }], stream: true, ...extra }),
    signal,
  });
}

describe('stream relay', () => {
  it('relays the upstream bytes when the client asked for usage, the usage chunk with its cost added', async () => {
    const response = await streamRequest({ stream_options: { include_usage: true } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const text = await response.text();
    // As sent, but naming the requested model.
    const sentEvents = (simulator.requests.at(-1)?.responseText ?? '').replaceAll('"model":"echo"', `"model":"${TEST_MODEL}"`).split('\n\n');
    const relayedEvents = text.split('\n\n');
    const usageIndex = sentEvents.findIndex((event) => event.includes('"choices":[]'));
    const others = (events: string[]) => events.filter((_, index) => index !== usageIndex);
    expect(others(relayedEvents)).toEqual(others(sentEvents));
    const sentUsage = JSON.parse(sentEvents[usageIndex]!.slice('data: '.length)) as { usage: object };
    // 4 × 3000 n$ + 5 × 15000 n$ = 87 000 n$ = 87 µ$
    expect(JSON.parse(relayedEvents[usageIndex]!.slice('data: '.length))).toEqual({
      ...sentUsage,
      usage: { ...sentUsage.usage, cost: 0.000087, cost_microdollars: 87 },
      ttft_ms: expect.any(Number),
      latency_ms: expect.any(Number),
    });
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('always asks the upstream for usage, and drops the usage chunk when the client did not ask', async () => {
    const response = await streamRequest();
    const requestId = response.headers.get('x-request-id') as string;
    const text = await response.text();
    const upstream = simulator.requests.at(-1);
    expect((upstream?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    const upstreamEvents = (upstream?.responseText ?? '').replaceAll('"model":"echo"', `"model":"${TEST_MODEL}"`).split('\n\n').filter(Boolean);
    const relayedEvents = text.split('\n\n').filter(Boolean);
    const usageEvent = upstreamEvents.find((event) => event.includes('"choices":[]'));
    expect(usageEvent).toBeDefined();
    expect(relayedEvents).toEqual(upstreamEvents.filter((event) => event !== usageEvent));

    await fixture.dataPlane.flushUsage();
    expect(fixture.controlPlane.usage.get(requestId)).toMatchObject({
      streamed: true,
      status: 200,
      promptTokens: 4,
      completionTokens: 5,
      usageEstimated: false,
      finishReason: 'stop',
      errorCode: null,
    });
    expect(fixture.controlPlane.usage.get(requestId)?.ttftMs).not.toBeNull();
  });

  it('ends with an error frame when the upstream breaks after the first byte', async () => {
    simulator.scenario = () => ({ dropAfterChunks: 2, chunkDelayMs: 30 });
    const response = await streamRequest();
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id') as string;
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toMatch(/^data: \{"error":\{"message":".+","type":"upstream_error","code":"upstream_error","param":null\}\}$/);
    expect(text).not.toContain('[DONE]');
    await fixture.dataPlane.flushUsage();
    expect(fixture.controlPlane.usage.get(requestId)).toMatchObject({ status: 200, errorCode: 'upstream_error', usageEstimated: true });
  });

  it('aborts the upstream when the client goes away, and still meters it as 499', async () => {
    simulator.scenario = () => ({ chunkDelayMs: 50, reply: Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ') });
    const controller = new AbortController();
    const response = await streamRequest({}, controller.signal);
    const requestId = response.headers.get('x-request-id') as string;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the first bytes arrived
    controller.abort();
    await reader.cancel().catch(() => {});
    await expect.poll(() => simulator.abortedRequests).toBe(1);
    // The 499 event is written once the abort went through the pipeline; ship until it arrives.
    await expect
      .poll(async () => {
        await fixture.dataPlane.flushUsage();
        return fixture.controlPlane.usage.get(requestId);
      })
      .toMatchObject({ status: 499, errorCode: 'client_closed', streamed: true });
  });
});

describe('backpressure', () => {
  let upstream: Server;
  let progress: { sent: number; total: number; done: boolean; blocked: boolean };

  beforeEach(async () => {
    // An upstream that streams ~48 MiB as fast as its socket takes it.
    const payload = 'x'.repeat(16 * 1024);
    const event = `data: {"choices":[{"index":0,"delta":{"content":"${payload}"},"finish_reason":null}]}\n\n`;
    progress = { sent: 0, total: 3000 * event.length, done: false, blocked: false };
    upstream = createServer((request, response: ServerResponse) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      let count = 0;
      const pump = () => {
        while (count < 3000) {
          count += 1;
          progress.sent += event.length;
          if (!response.write(event)) {
            progress.blocked = true;
            response.once('drain', () => {
              progress.blocked = false;
              pump();
            });
            return;
          }
        }
        response.end('data: [DONE]\n\n');
        progress.done = true;
      };
      pump();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    const { state } = fixture.controlPlane;
    const model = state.models[TEST_MODEL]!;
    // Free, so no reservation's cost ceiling cuts its 48 MiB (over-producing-stream.test.ts covers that).
    const free = snapshotPricesSchema.parse({ prompt: 0, completion: 0, cacheRead: null, cacheWrite: null });
    await fixture.controlPlane.publish({
      ...state,
      providers: { ...state.providers, prov_simulator: { ...state.providers.prov_simulator!, baseUrl: `http://127.0.0.1:${port}/v1` } },
      models: { ...state.models, [TEST_MODEL]: { ...model, endpoints: model.endpoints.map((endpoint) => ({ ...endpoint, prices: free })) } },
    });
    await fixture.dataPlane.waitForSnapshot(fixture.controlPlane.version);
  });

  afterEach(async () => {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('stops reading the upstream while the client does not read, and delivers everything once it does', async () => {
    const socket = connect(fixture.dataPlane.port, '127.0.0.1');
    const body = JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'go' }], stream: true });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_API_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.pause(); // a client that reads nothing

    // Wait until the pipeline is stalled (the upstream blocked on a full socket, no progress over 20 looks
    // 25 ms apart) or, without backpressure, the upstream finished.
    let lastSent = -1;
    let stableLooks = 0;
    await expect
      .poll(
        () => {
          stableLooks = progress.blocked && progress.sent === lastSent ? stableLooks + 1 : 0;
          lastSent = progress.sent;
          return stableLooks >= 20 || progress.done;
        },
        { interval: 25 },
      )
      .toBe(true);
    // Without backpressure the gateway would have buffered the whole stream and the upstream finished.
    expect(progress.done).toBe(false);
    expect(progress.sent).toBeLessThan(progress.total / 4);

    let received = 0;
    let tail = '';
    const finished = new Promise<void>((resolve) => {
      socket.on('data', (data: Buffer) => {
        received += data.length;
        tail = (tail + data.toString('latin1')).slice(-64);
        if (tail.includes('data: [DONE]\n\n')) resolve();
      });
    });
    socket.resume();
    await finished;
    socket.destroy();
    expect(progress.done).toBe(true);
    expect(received).toBeGreaterThan(progress.total);
  });
});
