// Every line both planes log during a run, at the most verbose level, holds none of the secrets the run
// used: API keys (the seeded one, one created over tRPC, one that does not exist), the platform's provider
// key, an organization's BYOK key, the admin token and the data-plane token; not in plain text, base64,
// base64url or hex. The run covers what logs: access lines (served, streamed, refused, upstream failures
// with their causes), GraphQL and tRPC operations with their actors, usage ingest, snapshot versions.
import { randomBytes } from 'node:crypto';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { captureLogger } from '../support/capture-log.ts';
import { startGateway, type Gateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';

const MODEL = 'secretsim/echo';
const PLATFORM_KEY_ENV = 'LOG_SECRETS_TEST_API_KEY';

/** The plaintext, and the encodings a careless log line would carry. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
}

describe.each(testEngines)('log output (%s)', (engine) => {
  const log = captureLogger('trace');
  let gateway: Gateway;
  const platformKey = `sk-platform-${randomBytes(12).toString('hex')}`;
  const byokKey = `sk-byok-${randomBytes(12).toString('hex')}`;
  const unknownKey = `sk-gw-unknown-${randomBytes(12).toString('hex')}`;
  let createdKey: string;

  beforeAll(async () => {
    gateway = await startGateway(engine, { logger: log.logger });
    gateway.providerKeys.set(PLATFORM_KEY_ENV, platformKey);
    await addCatalogModel(
      gateway,
      { slug: 'secretsim', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: PLATFORM_KEY_ENV },
      { id: MODEL, name: 'Secret echo', endpoint: { providerSlug: 'secretsim', upstreamModel: 'echo', prices: { prompt: 3000, completion: 15000 } } },
    );
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('holds none of the run’s secrets in any form', async () => {
    const controlPlane = gateway.controlPlane!;
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${controlPlane.adminToken}` } })],
    });
    const orgId = (await controlPlane.prisma.organization.findFirstOrThrow({ where: { name: 'Dev Org' } })).id;
    createdKey = (await admin.apiKeys.create.mutate({ orgId, name: 'log scan' })).key;
    const chat = (apiKey: string, extra: object = {}) =>
      fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], ...extra }),
      });
    // The created key reaches the data plane with the next snapshot.
    await expect.poll(async () => (await chat(createdKey)).status, { timeout: 30_000 }).toBe(200);
    expect((await chat(gateway.apiKey)).status).toBe(200);
    expect(await (await chat(gateway.apiKey, { stream: true })).text()).toContain('[DONE]');
    expect((await chat(unknownKey)).status).toBe(401);
    // The upstream refuses the platform key (passed on), then fails (attempts retried, each with its cause); then the org's BYOK key.
    gateway.simulator.scenario = () => ({ status: 401 });
    expect((await chat(gateway.apiKey)).status).toBe(502);
    gateway.simulator.scenario = () => ({ status: 503 });
    expect((await chat(gateway.apiKey)).status).toBe(502);
    gateway.simulator.scenario = () => ({});
    await admin.byok.create.mutate({ orgId, provider: 'secretsim', key: byokKey });
    await expect
      .poll(() => chat(gateway.apiKey).then(() => gateway.simulator.requests.at(-1)?.headers.authorization), { timeout: 30_000 })
      .toBe(`Bearer ${byokKey}`);
    // GraphQL as the admin, and with a wrong bearer.
    const graphql = (authorization: string) =>
      fetch(`${controlPlane.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: '{ organizations { id } }' }),
      });
    expect((await graphql(`Bearer ${controlPlane.adminToken}`)).status).toBe(200);
    await graphql(`Bearer ${unknownKey}`);
    await gateway.dataPlane!.flushUsage();

    // The run logged what it did (so a scan of nothing cannot pass).
    const records = log.records;
    expect(records.filter((record) => record.msg === 'request').length).toBeGreaterThanOrEqual(7);
    expect(records.some((record) => record.msg === 'upstream attempt failed' && record.upstreamStatus === 503)).toBe(true);
    expect(records.some((record) => record.msg === 'request' && record.status === 502 && Array.isArray(record.attempts))).toBe(true);
    expect(records.some((record) => record.msg === 'operation' && record.operation === 'apiKeys.create')).toBe(true);
    expect(records.some((record) => record.msg === 'operation' && record.operation === 'byok.create')).toBe(true);
    expect(records.some((record) => record.msg === 'operation' && record.operation === 'dataPlane.ingestUsage')).toBe(true);
    expect(records.some((record) => record.msg === 'operation' && record.face === 'graphql')).toBe(true);

    const output = log.raw.join('');
    const secrets = {
      'seeded API key': gateway.apiKey,
      'created API key': createdKey,
      'unknown API key': unknownKey,
      'platform provider key': platformKey,
      'BYOK key': byokKey,
      'admin token': controlPlane.adminToken,
      'data-plane token': controlPlane.dataPlaneToken,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(16);
      for (const form of forms(secret)) expect(output.includes(form), `${name} (${form}) in the log`).toBe(false);
    }
  });
});
