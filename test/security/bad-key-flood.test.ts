// Issue 15 (item 1, per address): requests without a key and failed authentications are limited per
// client address. The attack: one address tries key after key (a list of leaked keys) or floods the
// keyless routes; it gets 429 rate_limit_exceeded with retry-after — then for a good key too, so the
// answers no longer tell which keys work — while another address with a good key is still served and
// /healthz keeps answering probes. Addresses are real: each request leaves from its own loopback
// address (127.0.0.x), or names the client in X-Forwarded-For behind a trusted proxy.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EXPIRED_API_KEY, TEST_API_KEY, TEST_MODEL } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

interface Call {
  /** The local address the connection leaves from. */
  from: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

function send(baseUrl: string, path: string, call: Call): Promise<Answer> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}${path}`,
      {
        method: call.method ?? (payload === undefined ? 'GET' : 'POST'),
        localAddress: call.from,
        agent: false,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...call.headers },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const chat = { model: TEST_MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const LIMIT = 5;

describe('per-address limits, the socket peer being the client', () => {
  const running = useSimulatedDataPlane({ fixture: { addressLimits: { anonymousPerMinute: LIMIT, authFailuresPerMinute: LIMIT } } });
  const call = (path: string, options: Call) => send(running.fixture.dataPlane.url, path, options);

  it('a flood of bad keys from one address gets 429, then even for a good key; another address is served', async () => {
    const attacker = '127.0.0.2';
    for (let attempt = 0; attempt < LIMIT; attempt++) {
      const answer = await call('/v1/chat/completions', { from: attacker, headers: bearer(`sk-gw-leaked-${attempt}`), body: chat });
      expect(answer.status).toBe(401);
    }
    // The attempt over the allowance is the first refused one.
    const over = await call('/v1/chat/completions', { from: attacker, headers: bearer('sk-gw-leaked-next'), body: chat });
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(over.body).toEqual({
      error: {
        message: expect.stringContaining('missing or invalid API key from your address'),
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        param: null,
        scope: 'ip',
        limit: 'auth_failures',
        limit_per_minute: LIMIT,
        retry_after_ms: expect.any(Number),
      },
    });
    // The good key from the same address learns nothing either: refused before the key is looked up.
    const goodKey = await call('/v1/chat/completions', { from: attacker, headers: bearer(TEST_API_KEY), body: chat });
    expect(goodKey.status).toBe(429);
    expect(goodKey.body).toMatchObject({ error: { code: 'rate_limit_exceeded', scope: 'ip' } });
    expect((await call('/v1/models', { from: attacker, headers: bearer(TEST_API_KEY) })).status).toBe(429);
    expect((await call('/v1/usage', { from: attacker })).status).toBe(429);
    // Probes are never limited.
    const health = await call('/healthz', { from: attacker });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok' });

    const other = '127.0.0.3';
    expect((await call('/v1/chat/completions', { from: other, headers: bearer(TEST_API_KEY), body: chat })).status).toBe(200);
    expect((await call('/v1/chat/completions', { from: other, headers: bearer('sk-gw-leaked-0'), body: chat })).status).toBe(401);
  });

  it('counts missing keys, expired ones and every route, and the Anthropic door refuses in its own envelope', async () => {
    const attacker = '127.0.0.4';
    const failures = [
      call('/v1/embeddings', { from: attacker, body: { model: TEST_MODEL, input: 'x' } }),
      call('/v1/messages', { from: attacker, headers: { 'x-api-key': 'sk-ant-leaked', 'anthropic-version': '2023-06-01' }, body: chat }),
      call('/v1/generation?id=gen-1', { from: attacker, headers: bearer(EXPIRED_API_KEY) }),
      call('/v1/models', { from: attacker, headers: bearer('sk-gw-leaked') }),
      call('/v1/fim/completions', { from: attacker, headers: bearer('sk-gw-leaked'), body: { model: TEST_MODEL, prompt: 'x' } }),
    ];
    expect((await Promise.all(failures)).map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    expect((await call('/v1/messages/count_tokens', { from: attacker, body: chat })).status).toBe(429);
    const refused = await call('/v1/messages', {
      from: attacker,
      headers: { 'x-api-key': TEST_API_KEY, 'anthropic-version': '2023-06-01' },
      body: chat,
    });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body).toEqual({
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message: expect.stringContaining('from your address'),
        details: { scope: 'ip', limit: 'auth_failures', limit_per_minute: LIMIT, retry_after_ms: expect.any(Number) },
      },
    });
  });

  it('X-Forwarded-For is not believed without a trusted proxy: a new address in it each time changes nothing', async () => {
    const attacker = '127.0.0.5';
    const answers = [];
    for (let attempt = 0; attempt <= LIMIT; attempt++) {
      answers.push(await call('/v1/usage', { from: attacker, headers: { ...bearer('sk-gw-leaked'), 'x-forwarded-for': `203.0.113.${attempt}` } }));
    }
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('requests without a key are limited per address, with the x-ratelimit headers; with a key they are not counted', async () => {
    const browser = '127.0.0.6';
    const first = await call('/v1/models', { from: browser });
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit-requests']).toBe(String(LIMIT));
    expect(first.headers['x-ratelimit-remaining-requests']).toBe(String(LIMIT - 1));
    // Unknown routes answer without a key too.
    expect((await call('/v1/no-such-route', { from: browser })).status).toBe(404);
    for (let index = 2; index < LIMIT; index++) expect((await call('/api/gateway/models', { from: browser })).status).toBe(200);
    const refused = await call('/v1/models', { from: browser });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(refused.body).toMatchObject({ error: { code: 'rate_limit_exceeded', scope: 'ip', limit: 'requests', limit_per_minute: LIMIT } });
    expect((await call('/v1/no-such-route', { from: browser })).status).toBe(429);
    // A key is not an anonymous request; another address has its own allowance.
    const withKey = await call('/v1/models', { from: browser, headers: bearer(TEST_API_KEY) });
    expect(withKey.status).toBe(200);
    expect(withKey.headers['x-ratelimit-limit-requests']).toBeUndefined();
    expect((await call('/v1/models', { from: '127.0.0.7' })).status).toBe(200);
  });
});

describe('per-address limits behind a trusted proxy', () => {
  const running = useSimulatedDataPlane({
    fixture: { addressLimits: { anonymousPerMinute: LIMIT, authFailuresPerMinute: LIMIT }, trustedProxies: ['127.0.0.1'] },
  });
  const viaProxy = (path: string, client: string, options: Omit<Call, 'from'>) =>
    send(running.fixture.dataPlane.url, path, { ...options, from: '127.0.0.1', headers: { ...options.headers, 'x-forwarded-for': client } });

  it("the client named in X-Forwarded-For is refused, the proxy's other clients are served", async () => {
    // The attacker's own spoofed entry on the left is ignored; the proxy appended the real one.
    for (let attempt = 0; attempt < LIMIT; attempt++) {
      expect((await viaProxy('/v1/chat/completions', `10.9.9.${attempt}, 203.0.113.7`, { headers: bearer('sk-gw-leaked'), body: chat })).status).toBe(401);
    }
    expect((await viaProxy('/v1/chat/completions', '203.0.113.7', { headers: bearer('sk-gw-leaked'), body: chat })).status).toBe(429);
    expect((await viaProxy('/v1/chat/completions', '203.0.113.7', { headers: bearer(TEST_API_KEY), body: chat })).status).toBe(429);
    expect((await viaProxy('/v1/chat/completions', '198.51.100.9', { headers: bearer(TEST_API_KEY), body: chat })).status).toBe(200);
    // IPv6 clients count per /64: another host of the attacker's network is the same caller.
    for (let attempt = 0; attempt < LIMIT; attempt++) {
      expect((await viaProxy('/v1/usage', `2001:db8:1:2::${attempt + 1}`, { headers: bearer('sk-gw-leaked') })).status).toBe(401);
    }
    expect((await viaProxy('/v1/usage', '2001:db8:1:2:ffff::9', { headers: bearer('sk-gw-leaked') })).status).toBe(429);
    expect((await viaProxy('/v1/usage', '2001:db8:1:2:ffff::a', { headers: bearer(TEST_API_KEY) })).status).toBe(429);
    expect((await viaProxy('/v1/usage', '2001:db8:1:3::1', { headers: bearer(TEST_API_KEY) })).status).toBe(200);
  });
});
