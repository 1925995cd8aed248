// The catalog comes from the bundled data: counts, exact prices against the package's own numbers,
// idempotent re-imports, and admin decisions (disable, price override, admin-owned model) that survive.
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testEngines } from '../../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../../test/support/create-test-app.ts';
import { overrideModelPrices, setModelEnabled, upsertModel } from '../catalog.ts';
import type { ServiceContext } from '../service-context.ts';
import { currentGenaiPrices } from './current-genai-prices.ts';
import { importCatalog } from './import-catalog.ts';

/** What genai-prices itself charges for `tokens` of one kind, in nanodollars per token (its USD float × 1e9 / tokens). */
function genaiNanoPerToken(providerId: string, model: string, usage: Record<string, number>, side: 'input_price' | 'output_price', tokens: number): number {
  const price = calcPrice(usage, model, { providerId });
  if (!price) throw new Error(`genai-prices does not know ${providerId}/${model}`);
  return Math.round((price[side] * 1e9) / tokens);
}

describe.each(testEngines)('catalog import on %s', (engine) => {
  let testApp: TestApp;
  let system: ServiceContext;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    system = { prisma: testApp.app.services.prisma, actor: { kind: 'system', name: 'test' }, snapshotChanged: () => {} };
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('the first start imports 300+ models across 8+ providers, beside the seeded simulator', async () => {
    const prisma = testApp.app.services.prisma;
    const imported = await prisma.model.findMany({ where: { source: 'import' }, include: { endpoints: { include: { provider: true } } } });
    expect(imported.length).toBeGreaterThanOrEqual(300);
    const slugs = new Set(imported.map((model) => model.endpoints[0]?.provider.slug));
    expect(slugs.size).toBeGreaterThanOrEqual(8);
    for (const slug of ['anthropic', 'openai', 'google', 'xai', 'mistral', 'minimax']) expect(slugs).toContain(slug);
    for (const model of imported) expect(model.id.startsWith(`${model.endpoints[0]?.provider.slug}/`)).toBe(true);
    // Google's price list also holds Claude on Vertex AI, which the Gemini API does not serve.
    expect(imported.some((model) => model.id.startsWith('google/claude'))).toBe(false);

    const providers = await prisma.provider.findMany({
      where: { slug: { in: ['openai', 'anthropic', 'xai', 'mistral', 'minimax'] } },
      orderBy: { slug: 'asc' },
    });
    expect(providers.map(({ slug, kind, baseUrl, apiKeyEnv }) => ({ slug, kind, baseUrl, apiKeyEnv }))).toEqual([
      { slug: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', apiKeyEnv: 'ANTHROPIC_API_KEY' },
      { slug: 'minimax', kind: 'openai-compatible', baseUrl: 'https://api.minimax.io/v1', apiKeyEnv: 'MINIMAX_API_KEY' },
      { slug: 'mistral', kind: 'mistral', baseUrl: 'https://api.mistral.ai/v1', apiKeyEnv: 'MISTRAL_API_KEY' },
      { slug: 'openai', kind: 'openai-compatible', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
      { slug: 'xai', kind: 'openai-compatible', baseUrl: 'https://api.x.ai/v1', apiKeyEnv: 'XAI_API_KEY' },
    ]);

    const echo = await prisma.model.findUniqueOrThrow({ where: { id: 'simulator/echo' }, include: { endpoints: true } });
    expect(echo.source).toBe('admin');
    expect(echo.endpoints[0]).toMatchObject({ upstreamModel: 'echo', promptPriceNanos: 150n, completionPriceNanos: 600n });
  });

  test.each([
    ['anthropic', 'anthropic', 'claude-sonnet-4-5'],
    ['openai', 'openai', 'gpt-4o'],
    ['minimax', 'minimax', 'MiniMax-M2'],
  ])('%s prices match what genai-prices charges, exactly', async (slug, providerId, model) => {
    const endpoint = await testApp.app.services.prisma.modelEndpoint.findFirstOrThrow({ where: { modelId: `${slug}/${model}` } });
    const tokens = 1000;
    expect(Number(endpoint.promptPriceNanos)).toBe(genaiNanoPerToken(providerId, model, { input_tokens: tokens }, 'input_price', tokens));
    expect(Number(endpoint.completionPriceNanos)).toBe(genaiNanoPerToken(providerId, model, { output_tokens: tokens }, 'output_price', tokens));
    // genai-prices counts cached tokens inside input_tokens, like OpenAI; all-cached input costs the cache price.
    expect(Number(endpoint.cacheReadPriceNanos)).toBe(
      genaiNanoPerToken(providerId, model, { input_tokens: tokens, cache_read_tokens: tokens }, 'input_price', tokens),
    );
    if (endpoint.cacheWritePriceNanos !== null) {
      expect(Number(endpoint.cacheWritePriceNanos)).toBe(
        genaiNanoPerToken(providerId, model, { input_tokens: tokens, cache_write_tokens: tokens }, 'input_price', tokens),
      );
    }
  });

  test('long-context tiers are kept beside the base price', async () => {
    const endpoint = await testApp.app.services.prisma.modelEndpoint.findFirstOrThrow({ where: { modelId: 'anthropic/claude-sonnet-4-5' } });
    const source = findProvider({ providerId: 'anthropic' })?.models.find((model) => model.id === 'claude-sonnet-4-5');
    const prompt = source && currentGenaiPrices(source, new Date())?.input_mtok;
    if (typeof prompt !== 'object') throw new Error('claude-sonnet-4-5 has no tiered prompt price in genai-prices any more; pick another model');
    expect(prompt.tiers.length).toBeGreaterThan(0);
    expect((endpoint.priceTiers as { prompt: unknown }).prompt).toEqual(
      prompt.tiers.map((tier) => ({ start: tier.start, price: Math.round(tier.price * 1000) })),
    );
  });

  test('re-importing unchanged data writes nothing; a changed source price is refreshed', async () => {
    const prisma = testApp.app.services.prisma;
    const countBefore = await prisma.model.count();
    const again = await importCatalog(system);
    expect(again).toMatchObject({ providersCreated: 0, modelsCreated: 0, modelsUpdated: 0 });
    expect(again.modelsUnchanged).toBeGreaterThanOrEqual(300);
    expect(await prisma.model.count()).toBe(countBefore);

    const stale = await prisma.modelEndpoint.findFirstOrThrow({ where: { modelId: 'openai/gpt-4o' } });
    await prisma.modelEndpoint.update({ where: { id: stale.id }, data: { promptPriceNanos: 1n } });
    expect(await importCatalog(system)).toMatchObject({ modelsUpdated: 1 });
    expect((await prisma.modelEndpoint.findUniqueOrThrow({ where: { id: stale.id } })).promptPriceNanos).toBe(stale.promptPriceNanos);
  });

  test('admin decisions survive a re-import: disabled models, overridden prices, admin-owned models', async () => {
    const prisma = testApp.app.services.prisma;
    await setModelEnabled(system, { id: 'xai/grok-3', enabled: false });
    await overrideModelPrices(system, { id: 'mistral/mistral-large', providerSlug: 'mistral', prices: { prompt: 1234, completion: 5678 } });
    await upsertModel(system, {
      id: 'google/gemini-2.5-pro',
      name: 'Ours',
      endpoint: { providerSlug: 'google', upstreamModel: 'gemini-2.5-pro', prices: { prompt: 1, completion: 2 } },
    });

    const result = await importCatalog(system);
    expect(result.modelsKeptByAdmin).toBe(1);
    expect((await prisma.model.findUniqueOrThrow({ where: { id: 'xai/grok-3' } })).enabled).toBe(false);
    const overridden = await prisma.modelEndpoint.findFirstOrThrow({ where: { modelId: 'mistral/mistral-large' } });
    expect(overridden).toMatchObject({
      promptPriceNanos: 1234n,
      completionPriceNanos: 5678n,
      cacheReadPriceNanos: null,
      priceOverridden: true,
      priceTiers: null,
    });
    const owned = await prisma.model.findUniqueOrThrow({ where: { id: 'google/gemini-2.5-pro' }, include: { endpoints: true } });
    expect(owned).toMatchObject({ name: 'Ours', source: 'admin' });
    expect(owned.endpoints[0]?.promptPriceNanos).toBe(1n);

    const audit = await prisma.auditLog.findMany({ where: { action: { in: ['catalog.import', 'model.set-enabled', 'model.override-prices'] } } });
    expect(new Set(audit.map((row) => row.action))).toEqual(new Set(['catalog.import', 'model.set-enabled', 'model.override-prices']));
  });

  test('only platform admins import', async () => {
    const member = await testApp.app.services.prisma.user.create({ data: { email: 'plain@example.com' } });
    await expect(
      importCatalog({
        ...system,
        actor: { kind: 'user', userId: member.id, isPlatformAdmin: false, credential: { kind: 'admin-token', adminTokenId: 'test' } },
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});
