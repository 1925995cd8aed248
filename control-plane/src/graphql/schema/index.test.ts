// The GraphQL face in-process (yoga.fetch): the same operations as tRPC, same auth, masked errors.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testEngines } from '../../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../../test/support/create-test-app.ts';
import { createGraphQLServer } from '../create-yoga.ts';

interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe.each(testEngines)('GraphQL on %s', (engine) => {
  let testApp: TestApp;
  let graphql: (query: string, variables?: Record<string, unknown>, token?: string | null) => Promise<GraphQLResponse>;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const yoga = createGraphQLServer(testApp.app.services);
    graphql = async (query, variables = {}, token = testApp.app.adminToken) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await yoga.fetch('http://control-plane/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as GraphQLResponse;
    };
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('create an org, then create, list and revoke a key in it', async () => {
    const created = await graphql('mutation ($name: String!) { createOrganization(name: $name) { id name } }', { name: 'GraphCo' });
    expect(created.errors).toBeUndefined();
    const org = created.data?.createOrganization as { id: string; name: string };
    expect(org.name).toBe('GraphCo');

    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const keyResult = await graphql(
      'mutation ($orgId: ID!, $expiresAt: DateTime) { createApiKey(orgId: $orgId, name: "gql", expiresAt: $expiresAt) { key apiKey { id name last4 expiresAt revokedAt } } }',
      { orgId: org.id, expiresAt },
    );
    expect(keyResult.errors).toBeUndefined();
    const { key, apiKey } = keyResult.data?.createApiKey as { key: string; apiKey: { id: string; last4: string; expiresAt: string; revokedAt: null } };
    expect(key).toMatch(/^sk-gw-/);
    expect(apiKey).toMatchObject({ name: 'gql', last4: key.slice(-4), expiresAt, revokedAt: null });

    const listed = await graphql('query ($orgId: ID!) { apiKeys(orgId: $orgId) { id name } }', { orgId: org.id });
    expect(listed.data?.apiKeys).toEqual([{ id: apiKey.id, name: 'gql' }]);

    const revoked = await graphql('mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id: apiKey.id });
    expect((revoked.data?.revokeApiKey as { revokedAt: string | null }).revokedAt).toEqual(expect.any(String));
    const stored = await testApp.app.services.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(stored.revokedAt).not.toBeNull();
  });

  test('models lists the seeded catalog with prices in nanodollars per token', async () => {
    const result = await graphql('{ models { id source endpoints { upstreamModel provider { slug apiKeyEnv } prices { prompt completion cacheRead } } } }');
    expect(result.errors).toBeUndefined();
    const models = result.data?.models as { id: string; source: string }[];
    expect(models.find((model) => model.id === 'simulator/echo')).toEqual({
      id: 'simulator/echo',
      source: 'admin',
      endpoints: [{ upstreamModel: 'echo', provider: { slug: 'simulator', apiKeyEnv: null }, prices: { prompt: 150, completion: 600, cacheRead: null } }],
    });
    expect(models.filter((model) => model.source === 'import').length).toBeGreaterThanOrEqual(300);
  });

  test('importCatalog, setModelEnabled and overrideModelPrices mutations', async () => {
    const imported = await graphql('mutation { importCatalog { modelsCreated modelsUpdated modelsUnchanged } }');
    expect(imported.errors).toBeUndefined();
    expect(imported.data?.importCatalog).toMatchObject({ modelsCreated: 0, modelsUpdated: 0 });

    const disabled = await graphql(
      'mutation { setModelEnabled(id: "anthropic/claude-sonnet-4-5", enabled: false) { id enabled supportsTools inputModalities } }',
    );
    expect(disabled.data?.setModelEnabled).toMatchObject({ id: 'anthropic/claude-sonnet-4-5', enabled: false, inputModalities: expect.any(Array) });

    const overridden = await graphql(
      'mutation ($prices: PricesInput!) { overrideModelPrices(id: "anthropic/claude-sonnet-4-5", providerSlug: "anthropic", prices: $prices) { endpoints { priceOverridden prices { prompt completion cacheRead } } } }',
      { prices: { prompt: 2000, completion: 9000, cacheRead: 200 } },
    );
    expect(overridden.errors).toBeUndefined();
    expect(overridden.data?.overrideModelPrices).toEqual({
      endpoints: [{ priceOverridden: true, prices: { prompt: 2000, completion: 9000, cacheRead: 200 } }],
    });

    const member = await testApp.createAdmin('gql-catalog-member@example.com');
    const refused = await graphql('mutation { importCatalog { modelsCreated } }', {}, member.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('forbidden');
  });

  test('upsertProvider and upsertModel create, change and disable catalog entries, aliases included, as tRPC does', async () => {
    const provider = await graphql(
      'mutation { upsertProvider(input: { slug: "gql-host", kind: "gemini", baseUrl: "https://gemini.example.com/v1beta", apiKeyEnv: "GQL_HOST_API_KEY" }) { slug kind apiKeyEnv enabled } }',
    );
    expect(provider).toEqual({ data: { upsertProvider: { slug: 'gql-host', kind: 'gemini', apiKeyEnv: 'GQL_HOST_API_KEY', enabled: true } } });
    const upsert = (enabled: boolean) =>
      graphql(
        'mutation ($enabled: Boolean) { upsertModel(input: { id: "gql-host/flash", name: "Flash", aliases: ["gql-host/flash-latest"], enabled: $enabled, endpoint: { providerSlug: "gql-host", upstreamModel: "flash-001", prices: { prompt: 300, completion: 2500 } } }) { id aliases enabled source endpoints { upstreamModel prices { prompt completion } provider { slug } } } }',
        { enabled },
      );
    expect(await upsert(true)).toEqual({
      data: {
        upsertModel: {
          id: 'gql-host/flash',
          aliases: ['gql-host/flash-latest'],
          enabled: true,
          source: 'admin',
          endpoints: [{ upstreamModel: 'flash-001', prices: { prompt: 300, completion: 2500 }, provider: { slug: 'gql-host' } }],
        },
      },
    });
    expect(((await upsert(false)).data?.upsertModel as { enabled: boolean }).enabled).toBe(false);
    const weighted = await graphql(
      'mutation { upsertModel(input: { id: "gql-host/flash", name: "Flash", endpoint: { providerSlug: "gql-host", upstreamModel: "flash-001", priority: 2, weight: 7, prices: { prompt: 300, completion: 2500 } } }) { endpoints { priority weight } } }',
    );
    expect(weighted).toEqual({ data: { upsertModel: { endpoints: [{ priority: 2, weight: 7 }] } } });
    const negative = await graphql(
      'mutation { upsertModel(input: { id: "gql-host/flash", name: "Flash", endpoint: { providerSlug: "gql-host", upstreamModel: "flash-001", weight: -1, prices: { prompt: 300, completion: 2500 } } }) { id } }',
    );
    expect(negative.errors?.[0]?.message).toMatch(/weight/);
    const providers = await graphql('{ providers { slug enabled } }');
    expect((providers.data?.providers as Array<{ slug: string }>).some((listed) => listed.slug === 'gql-host')).toBe(true);
    const badKind = await graphql('mutation { upsertProvider(input: { slug: "gql-bad", kind: "smoke-signals", baseUrl: "https://x.example.com" }) { slug } }');
    expect(badKind.errors?.[0]).toMatchObject({ extensions: { code: 'invalid_request', param: 'kind' } });
    const audit = await testApp.app.services.prisma.auditLog.findMany({ where: { target: 'model:gql-host/flash' }, orderBy: { id: 'asc' } });
    expect(audit.map((entry) => entry.action)).toEqual(['model.upsert', 'model.upsert', 'model.upsert']);
  });

  test("budgetAlerts, setBudgetAlerts and webhookDeliveries as tRPC's alerts: the secret shown once, the delivery log", async () => {
    const org = await testApp.caller(testApp.app.adminToken).organizations.create({ name: 'Alerting' });
    const set = await graphql(
      'mutation ($orgId: ID!, $url: String) { setBudgetAlerts(orgId: $orgId, thresholds: [100, 50, 80], webhookUrl: $url) { orgId thresholds webhookUrl webhookSecret } }',
      { orgId: org.id, url: 'https://93.184.215.14/hooks/budget' },
    );
    expect(set.errors).toBeUndefined();
    const alerts = set.data?.setBudgetAlerts as { webhookSecret: string };
    expect(alerts).toEqual({
      orgId: org.id,
      thresholds: [50, 80, 100],
      webhookUrl: 'https://93.184.215.14/hooks/budget',
      webhookSecret: expect.stringMatching(/^whsec_/),
    });
    // The same URL again keeps the secret and does not show it; rotateSecret makes a new one.
    const again = await graphql(
      'mutation ($orgId: ID!) { setBudgetAlerts(orgId: $orgId, thresholds: [90], webhookUrl: "https://93.184.215.14/hooks/budget") { webhookSecret } }',
      {
        orgId: org.id,
      },
    );
    expect(again.data?.setBudgetAlerts).toEqual({ webhookSecret: null });
    const rotated = await graphql(
      'mutation ($orgId: ID!) { setBudgetAlerts(orgId: $orgId, thresholds: [90], webhookUrl: "https://93.184.215.14/hooks/budget", rotateSecret: true) { webhookSecret } }',
      {
        orgId: org.id,
      },
    );
    expect((rotated.data?.setBudgetAlerts as { webhookSecret: string }).webhookSecret).toMatch(/^whsec_/);
    expect((rotated.data?.setBudgetAlerts as { webhookSecret: string }).webhookSecret).not.toBe(alerts.webhookSecret);
    const read = await graphql('query ($orgId: ID!) { budgetAlerts(orgId: $orgId) { thresholds webhookUrl webhookSecret } }', { orgId: org.id });
    expect(read.data?.budgetAlerts).toEqual({ thresholds: [90], webhookUrl: 'https://93.184.215.14/hooks/budget', webhookSecret: null });

    await testApp.app.services.prisma.webhookDelivery.create({
      data: {
        orgId: org.id,
        url: 'https://93.184.215.14/hooks/budget',
        payload: { type: 'budget.threshold_crossed', threshold_percent: 90 },
        status: 'failed',
        attempts: 6,
        lastStatusCode: 503,
        lastError: 'HTTP 503',
      },
    });
    const deliveries = await graphql(
      'query ($orgId: ID!) { webhookDeliveries(orgId: $orgId, limit: 10) { id url payload status attempts nextAttemptAt lastStatusCode lastError createdAt deliveredAt } }',
      { orgId: org.id },
    );
    expect(deliveries.errors).toBeUndefined();
    expect(deliveries.data?.webhookDeliveries).toEqual([
      {
        id: expect.any(String),
        url: 'https://93.184.215.14/hooks/budget',
        payload: { type: 'budget.threshold_crossed', threshold_percent: 90 },
        status: 'failed',
        attempts: 6,
        nextAttemptAt: expect.any(String),
        lastStatusCode: 503,
        lastError: 'HTTP 503',
        createdAt: expect.any(String),
        deliveredAt: null,
      },
    ]);

    const refused = await graphql('mutation ($orgId: ID!) { setBudgetAlerts(orgId: $orgId, thresholds: [0]) { thresholds } }', { orgId: org.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('invalid_request');
    const cleared = await graphql('mutation ($orgId: ID!) { setBudgetAlerts(orgId: $orgId, thresholds: []) { thresholds webhookUrl } }', { orgId: org.id });
    expect(cleared.data?.setBudgetAlerts).toEqual({ thresholds: [], webhookUrl: null });
  });

  test('without an admin token every field is refused', async () => {
    const result = await graphql('{ models { id } }', {}, null);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test("another org's keys are not found, with the gateway code and no internals", async () => {
    const org = await testApp.caller(testApp.app.adminToken).organizations.create({ name: 'Private' });
    const intruder = await testApp.createAdmin('gql-intruder@example.com');
    const result = await graphql('query ($orgId: ID!) { apiKeys(orgId: $orgId) { id } }', { orgId: org.id }, intruder.token);
    expect(result.errors).toEqual([{ message: `organization ${org.id} not found`, path: ['apiKeys'], extensions: { code: 'not_found', param: 'orgId' } }]);
  });
});
