// The request path end to end: a real uWS listener on port 0, the OpenAI simulator as the upstream,
// and a fake control plane for snapshots and usage.
import { connect } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulatedDataPlane } from '../../test/support/simulated-data-plane.ts';
import { EXPIRED_API_KEY, RESTRICTED_API_KEY, TEST_API_KEY, TEST_MODEL, TEST_MODEL_ALIAS } from './testing/data-plane-fixture.ts';

const { simulator, fixture } = useSimulatedDataPlane({
  each: true,
  upstreamKey: 'sk-upstream-secret',
  fixture: { upstreamTimeoutMs: 2_000, maxBodyBytes: 64 * 1024 },
});

function post(path: string, body: unknown, apiKey: string | null = TEST_API_KEY): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  return fetch(`${fixture.dataPlane.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const chat = (extra: Record<string, unknown> = {}) => ({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hello there gateway' }], ...extra });

async function expectEnvelope(response: Response, status: number, code: string, param: string | null = null): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const body = (await response.json()) as { error: { code: string; param: string | null; message: string; type: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.param).toBe(param);
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.type).toBe('string');
}

describe('non-streamed chat completions', () => {
  it('relays the upstream response and meters one usage event', async () => {
    const response = await post('/v1/chat/completions', chat());
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const text = await response.text();
    const upstream = simulator.requests.at(-1);
    // Relayed as sent, but naming the requested model (the served one is in x-gateway-model), and with
    // what the request cost added to `usage` (checked against the event below).
    const sent = JSON.parse(upstream?.responseText ?? '') as { usage: object };
    const relayed = JSON.parse(text) as { usage: { cost: number; cost_microdollars: number } };
    expect(relayed).toEqual({
      ...sent,
      model: TEST_MODEL,
      usage: { ...sent.usage, cost: relayed.usage.cost, cost_microdollars: relayed.usage.cost_microdollars },
    });
    expect(response.headers.get('x-gateway-model')).toBe(TEST_MODEL);
    expect(upstream?.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect((upstream?.body as { model: string }).model).toBe('echo');
    const completion = JSON.parse(text) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toBe('Echo: hello there gateway');

    await fixture.dataPlane.flushUsage();
    const event = fixture.controlPlane.usage.get(requestId as string);
    expect(event).toMatchObject({
      orgId: 'org_alpha',
      apiKeyId: 'key_alpha',
      requestedModel: TEST_MODEL,
      servedModel: 'echo',
      providerId: 'prov_simulator',
      promptTokens: 3,
      completionTokens: 4,
      // 3 × 3000 n$ + 4 × 15000 n$ = 69 000 n$ = 69 µ$
      costMicros: 69,
      usageEstimated: false,
      status: 200,
      finishReason: 'stop',
      streamed: false,
    });
    expect(response.headers.get('x-gateway-cost-microdollars')).toBe('69');
    expect(relayed.usage).toMatchObject({ cost_microdollars: 69, cost: 0.000069 });
  });

  it('answers on /api/gateway as well', async () => {
    const response = await post('/api/gateway/chat/completions', chat());
    expect(response.status).toBe(200);
    await response.text();
  });

  it("serves a model's alias as the model: its endpoint, its policy and its meter, answered under the alias", async () => {
    const response = await post('/v1/chat/completions', { ...chat(), model: TEST_MODEL_ALIAS });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-model')).toBe(TEST_MODEL);
    expect(((await response.json()) as { model: string }).model).toBe(TEST_MODEL_ALIAS);
    expect((simulator.requests.at(-1)?.body as { model: string }).model).toBe('echo');
    await fixture.dataPlane.flushUsage();
    expect(fixture.controlPlane.usage.get(response.headers.get('x-request-id')!)).toMatchObject({ requestedModel: TEST_MODEL, servedModel: 'echo' });
    // The restricted organization may not use the model, by any of its names.
    const refused = await post('/v1/chat/completions', { ...chat(), model: TEST_MODEL_ALIAS }, RESTRICTED_API_KEY);
    expect(refused.status).toBe(403);
    await refused.text();
  });

  it('estimates usage when the upstream reports none', async () => {
    simulator.scenario = () => ({ omitUsage: true });
    const response = await post('/v1/chat/completions', chat());
    const requestId = response.headers.get('x-request-id') as string;
    await response.text();
    await fixture.dataPlane.flushUsage();
    const event = fixture.controlPlane.usage.get(requestId);
    expect(event?.usageEstimated).toBe(true);
    expect(event?.promptTokens).toBeGreaterThan(0);
    expect(event?.completionTokens).toBeGreaterThan(0);
  });
});

describe('with the official openai SDK', () => {
  it('completes, streams with usage, and surfaces gateway errors', async () => {
    const client = new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${fixture.dataPlane.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'sdk says hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: sdk says hi');

    const stream = await client.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: { prompt_tokens: number; completion_tokens: number } | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Echo: stream please');
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 });

    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain(TEST_MODEL);

    const denied = await new OpenAI({ apiKey: 'sk-gw-bad', baseURL: `${fixture.dataPlane.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('usage delivery', () => {
  it('keeps events while the control plane refuses them and ships each exactly once later', async () => {
    fixture.controlPlane.ingestDown = true;
    const requestIds: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await post('/v1/chat/completions', chat());
      requestIds.push(response.headers.get('x-request-id') as string);
      await response.text();
    }
    await expect(fixture.dataPlane.flushUsage()).rejects.toThrow();
    expect(fixture.controlPlane.usage.size).toBe(0);

    // Survives a restart of the data plane too.
    await fixture.dataPlane.close();
    await fixture.restart({ upstreamTimeoutMs: 2_000 });
    fixture.controlPlane.ingestDown = false;
    await fixture.dataPlane.flushUsage();
    expect([...fixture.controlPlane.usage.keys()].sort()).toEqual([...requestIds].sort());
    await fixture.dataPlane.flushUsage();
    expect(fixture.controlPlane.usage.size).toBe(3);
  });

  it('writes no usage event when the request never reached the upstream', async () => {
    await simulator.close();
    const response = await post('/v1/chat/completions', chat());
    expect(response.status).toBe(502);
    await fixture.dataPlane.flushUsage();
    expect(fixture.controlPlane.usage.size).toBe(0);
  });
});

describe('errors the gateway produces', () => {
  it('401 without a key, with an unknown key and with an expired key', async () => {
    await expectEnvelope(await post('/v1/chat/completions', chat(), null), 401, 'invalid_api_key');
    await expectEnvelope(await post('/v1/chat/completions', chat(), 'sk-gw-nope'), 401, 'invalid_api_key');
    await expectEnvelope(await post('/v1/chat/completions', chat(), EXPIRED_API_KEY), 401, 'invalid_api_key');
    expect(simulator.requests).toHaveLength(0);
  });

  it('400 for malformed JSON and for missing fields, with param', async () => {
    await expectEnvelope(await post('/v1/chat/completions', '{"model":'), 400, 'invalid_json');
    await expectEnvelope(await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request', 'model');
    await expectEnvelope(await post('/v1/chat/completions', { model: TEST_MODEL, messages: [] }), 400, 'invalid_request', 'messages');
  });

  it('404 for an unknown model and for an unknown route', async () => {
    await expectEnvelope(await post('/v1/chat/completions', chat({ model: 'nobody/nothing' })), 404, 'model_not_found', 'model');
    await expectEnvelope(await fetch(`${fixture.dataPlane.url}/v1/nowhere`), 404, 'not_found');
  });

  it('403 when the organization does not allow the model', async () => {
    await expectEnvelope(await post('/v1/chat/completions', chat(), RESTRICTED_API_KEY), 403, 'forbidden', 'model');
    const allowed = await post('/v1/chat/completions', chat({ model: 'other/echo' }), RESTRICTED_API_KEY);
    expect(allowed.status).toBe(200);
    await allowed.text();
  });

  it('413 for a declared oversized body, before reading it', async () => {
    const response = await rawRequest(
      fixture.dataPlane.port,
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_API_KEY}\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{"model":`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('"code":"request_too_large"');
    expect(response.toLowerCase()).toContain('x-request-id:');
  });

  it('413 for a chunked body (no content-length) that grows past the cap', async () => {
    const piece = 'x'.repeat(16 * 1024);
    const chunks = Array.from({ length: 8 }, () => `${piece.length.toString(16)}\r\n${piece}\r\n`).join('');
    const response = await rawRequest(
      fixture.dataPlane.port,
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_API_KEY}\r\ntransfer-encoding: chunked\r\n\r\n${chunks}`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('"code":"request_too_large"');
  });

  it('502 when the upstream is unreachable', async () => {
    await simulator.close();
    await expectEnvelope(await post('/v1/chat/completions', chat()), 502, 'upstream_error');
  });

  it('504 when the upstream does not answer in time', async () => {
    simulator.scenario = () => ({ headersDelayMs: 5_000 });
    await expectEnvelope(await post('/v1/chat/completions', chat()), 504, 'upstream_timeout');
  });

  it('passes an upstream 429 through with its retry-after', async () => {
    simulator.scenario = () => ({ status: 429, headers: { 'retry-after': '7' } });
    const response = await post('/v1/chat/completions', chat());
    expect(response.headers.get('retry-after')).toBe('7');
    await expectEnvelope(response, 429, 'rate_limited');
  });
});

// Graceful shutdown waits for the front doors' requests in flight (create-app.ts FrontDoorRequest counts
// them with requestStarted/requestEnded; serve-requests.ts close() waits for the count to reach 0): a
// request whose upstream answer is still held when close() begins is answered 200, its usage event is in
// the spool, and close() settles after it. Each door, complete and streamed.
describe('shutdown with a front-door request in flight', () => {
  /** Under the fixture's upstream timeout; close() has begun (and, not waiting, would have ended) long before. */
  const HELD_MS = 800;
  const doors = [
    { path: '/v1/chat/completions', body: (stream: boolean) => chat({ stream }), lastEvent: 'data: [DONE]' },
    { path: '/v1/responses', body: (stream: boolean) => ({ model: TEST_MODEL, input: 'hello there gateway', stream }), lastEvent: 'event: response.completed' },
    {
      path: '/v1/messages',
      body: (stream: boolean) => ({ model: TEST_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hello there gateway' }], stream }),
      lastEvent: 'event: message_stop',
    },
  ];
  for (const door of doors) {
    for (const stream of [false, true]) {
      it(`${door.path}${stream ? ', streamed' : ''}: answered 200 and metered, then close() ends`, async () => {
        simulator.scenario = () => ({ headersDelayMs: HELD_MS });
        const answered = post(door.path, door.body(stream));
        await expect.poll(() => simulator.requests.length).toBe(1);

        const closing = fixture.dataPlane.close();
        const response = await answered;
        expect(response.status).toBe(200);
        const requestId = response.headers.get('x-request-id') as string;
        const text = await response.text();
        expect(text).toContain('gateway');
        // A whole stream: its last event, then nothing but the event's end.
        if (stream) expect(text.endsWith('\n\n') && text.trimEnd().split('\n\n').at(-1)?.split('\n')[0]).toBe(door.lastEvent);
        await closing;

        // The event is in the closed data plane's spool: the next one on the same state dir ships it.
        await fixture.restart();
        await fixture.dataPlane.flushUsage();
        expect(fixture.controlPlane.usage.get(requestId)).toMatchObject({ requestedModel: TEST_MODEL, status: 200, errorCode: null });
      });
    }
  }
});

/** Sends raw bytes and returns the server's answer: one whole response (by its content-length), or all it sent before closing. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => {
      received += data.toString('latin1');
      const headerEnd = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headerEnd))?.[1];
      if (headerEnd >= 0 && length !== undefined && received.length - headerEnd - 4 >= Number(length)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('connect', () => socket.write(text));
  });
}

describe('shutdown', () => {
  it('answers 503 shutting_down on a kept-alive connection after close(), and closes that connection', async () => {
    const socket = connect(fixture.dataPlane.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const request = 'GET /v1/models HTTP/1.1\r\nhost: localhost\r\n\r\n';
    socket.write(request);
    await expect.poll(() => received).toContain('"object":"list"');

    await fixture.dataPlane.close();
    received = '';
    socket.write(request);
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received).toContain('"code":"shutting_down"');
  });
});
