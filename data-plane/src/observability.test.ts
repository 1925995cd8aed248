// What an operator sees of a running data plane: its Prometheus metrics on their own listener (behind a
// token when one is set), its OpenTelemetry spans received by an OTLP/HTTP receiver this test starts, and
// one access-log line per request.
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { captureLogger } from '../../test/support/capture-log.ts';
import { spanAttribute, startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.ts';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, type DataPlaneFixture } from './testing/data-plane-fixture.ts';

let simulator: OpenAISimulator | null = null;
let fixture: DataPlaneFixture | null = null;
let receiver: OtlpReceiver | null = null;

afterEach(async () => {
  await fixture?.close();
  await simulator?.close();
  await receiver?.close();
  fixture = simulator = receiver = null;
});

function chat(url: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}`, ...headers },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'one two three four' }], ...extra }),
  });
}

/** The value of one sample of the exposition text, by its name and labels as written. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics', () => {
  it('counts requests, tokens and cost by model and provider on a listener of their own, behind the token', async () => {
    simulator = await startOpenAISimulator();
    fixture = await startDataPlaneFixture(simulator.baseUrl, { metrics: { port: 0, token: 'metrics-secret' } });
    const { url, metricsPort } = fixture.dataPlane;
    expect(metricsPort).not.toBeNull();
    const scrape = (authorization?: string) =>
      fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

    expect((await chat(url)).status).toBe(200);
    expect((await chat(url, { stream: true, stream_options: { include_usage: true } })).status).toBe(200);
    expect((await chat(url, { model: 'no/such-model' })).status).toBe(404);
    // The API's port does not serve them.
    expect((await fetch(`${url}/metrics`)).status).toBe(404);

    expect((await scrape()).status).toBe(401);
    expect((await scrape('Bearer wrong')).status).toBe(401);
    const response = await scrape('Bearer metrics-secret');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const served = { route: '/v1/chat/completions', door: 'openai-chat', model: TEST_MODEL, provider: 'simulator', status: '200' };
    expect(sample(text, 'gateway_requests_total', served)).toBe(2);
    expect(sample(text, 'gateway_requests_total', { route: '/v1/chat/completions', model: '', provider: '', status: '404' })).toBe(1);
    // 'one two three four' is 4 prompt tokens for the simulator, twice; 87 µ$ a request.
    expect(sample(text, 'gateway_tokens_total', { model: TEST_MODEL, provider: 'simulator', type: 'input' })).toBe(8);
    expect(sample(text, 'gateway_cost_microdollars_total', { model: TEST_MODEL, provider: 'simulator' })).toBe(174);
    expect(sample(text, 'gateway_request_duration_seconds_count', { model: TEST_MODEL, provider: 'simulator' })).toBe(2);
    expect(sample(text, 'gateway_time_to_first_token_seconds_count', { model: TEST_MODEL, provider: 'simulator' })).toBe(2);
    expect(text).toMatch(/^gateway_snapshot_version \d+$/m);
    expect(text).toMatch(/^gateway_open_streams 0$/m);
    expect(text).toMatch(/^gateway_spend_reservations_held 0$/m);
    expect(text).toMatch(/^gateway_usage_spool_bytes \d+$/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // No key id or request id is a label.
    expect(text).not.toContain('key_alpha');
    expect(text).not.toMatch(/request_?id=/i);
  });

  it('refuses to expose metrics beyond loopback without a token', async () => {
    simulator = await startOpenAISimulator();
    await expect(startDataPlaneFixture(simulator.baseUrl, { metrics: { port: 0, host: '0.0.0.0' } })).rejects.toThrow(/METRICS_TOKEN/);
  });
});

describe('access log', () => {
  it('writes one line per request with its key id, never the key', async () => {
    simulator = await startOpenAISimulator();
    const log = captureLogger('info');
    fixture = await startDataPlaneFixture(simulator.baseUrl, { logger: log.logger });
    const response = await chat(fixture.dataPlane.url);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    await expect.poll(() => log.records.filter((record) => record.msg === 'request' && record.requestId === requestId)).toHaveLength(1);
    expect(log.records.find((record) => record.requestId === requestId)).toMatchObject({
      level: 30,
      route: '/v1/chat/completions',
      door: 'openai-chat',
      status: 200,
      org: 'org_alpha',
      keyId: 'key_alpha',
      model: TEST_MODEL,
      provider: 'simulator',
      inputTokens: 4,
      costMicros: 87,
      ttftMs: expect.any(Number),
      latencyMs: expect.any(Number),
    });
    expect((await fetch(`${fixture.dataPlane.url}/v1/models`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    await expect
      .poll(() => log.records.filter((record) => record.msg === 'request' && record.status === 401))
      .toMatchObject([{ route: '/v1/models', error: 'invalid_api_key' }]);
    expect(log.raw.join('\n')).not.toContain(TEST_API_KEY);
  });

  it('logs health checks at debug level: an info log gets no line for them, a chat request still gets its own', async () => {
    simulator = await startOpenAISimulator();
    const log = captureLogger('info');
    fixture = await startDataPlaneFixture(simulator.baseUrl, { logger: log.logger });
    expect((await fetch(`${fixture.dataPlane.url}/healthz`)).status).toBe(200);
    const response = await chat(fixture.dataPlane.url);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    // The health check ended before the chat request began: its line, had it one, would be there by now.
    await expect.poll(() => log.records.filter((record) => record.msg === 'request' && record.requestId === requestId)).toHaveLength(1);
    expect(log.records.filter((record) => record.msg === 'request').map((record) => record.route)).toEqual(['/v1/chat/completions']);
  });

  it('writes the health check line at debug level when the log asks for it', async () => {
    simulator = await startOpenAISimulator();
    const log = captureLogger('debug');
    fixture = await startDataPlaneFixture(simulator.baseUrl, { logger: log.logger });
    expect((await fetch(`${fixture.dataPlane.url}/healthz`)).status).toBe(200);
    await expect
      .poll(() => log.records.filter((record) => record.msg === 'request' && record.route === '/healthz'))
      .toMatchObject([{ level: 20, door: 'gateway', status: 200, error: null, latencyMs: expect.any(Number) }]);
  });
});

describe('traces', () => {
  it('sends a request span with the GenAI attributes and a child span per attempt, under the client traceparent, and passes it upstream', async () => {
    receiver = await startOtlpReceiver();
    const { spans, paths } = receiver;
    simulator = await startOpenAISimulator();
    fixture = await startDataPlaneFixture(simulator.baseUrl, { otlpEndpoint: receiver.url });

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpanId = '00f067aa0ba902b7';
    const response = await chat(fixture.dataPlane.url, {}, { traceparent: `00-${traceId}-${clientSpanId}-01` });
    expect(response.status).toBe(200);
    await response.text();
    // Sent upstream: the same trace, the attempt's span as parent.
    const upstreamTraceparent = simulator.requests.at(-1)!.headers.traceparent;
    expect(upstreamTraceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    await expect.poll(() => spans.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(paths.every((path) => path === '/v1/traces')).toBe(true);
    const attribute = spanAttribute;
    const requestSpan = spans.find((span) => span.parentSpanId === clientSpanId)!;
    expect(requestSpan).toBeDefined();
    expect(requestSpan.traceId).toBe(traceId);
    expect(requestSpan.name).toBe(`chat ${TEST_MODEL}`);
    expect(requestSpan.kind).toBe(2); // SERVER
    expect(attribute(requestSpan, 'gen_ai.operation.name')).toBe('chat');
    expect(attribute(requestSpan, 'gen_ai.request.model')).toBe(TEST_MODEL);
    expect(attribute(requestSpan, 'gen_ai.response.model')).toBe('echo');
    expect(attribute(requestSpan, 'gen_ai.provider.name')).toBe('simulator');
    expect(attribute(requestSpan, 'gen_ai.usage.input_tokens')).toBe(4);
    expect(attribute(requestSpan, 'gen_ai.usage.output_tokens')).toBe(5);
    const attemptSpan = spans.find((span) => span.parentSpanId === requestSpan.spanId)!;
    expect(attemptSpan.kind).toBe(3); // CLIENT
    expect(attemptSpan.traceId).toBe(traceId);
    expect(upstreamTraceparent).toBe(`00-${traceId}-${attemptSpan.spanId}-01`);
    expect(attribute(attemptSpan, 'gen_ai.provider.name')).toBe('simulator');
    expect(attribute(attemptSpan, 'http.response.status_code')).toBe(200);
  });

  it('without an OTLP endpoint, sends no traceparent upstream', async () => {
    simulator = await startOpenAISimulator();
    fixture = await startDataPlaneFixture(simulator.baseUrl);
    const response = await chat(fixture.dataPlane.url, {}, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(response.status).toBe(200);
    expect(simulator.requests.at(-1)!.headers.traceparent).toBeUndefined();
  });
});
