// The imported catalog end to end: seeded by the control plane, compiled into the snapshot, listed by
// the data plane's /models with the database's exact prices; admin changes reach /models. The imported
// providers have no keys here, so their models are listed with ?all=true (available: false).
import { describe, expect, it } from 'vitest';
import { nanoPerTokenToUsdString } from '../../shared/src/money.ts';
import { graphql } from '../support/graphql-client.ts';
import { useGateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';

interface ListedModel {
  id: string;
  available: boolean;
  pricing: Record<string, string>;
  supported_parameters: string[];
  architecture: { input_modalities: string[] };
}

describe.each(testEngines)('model catalog (%s)', (engine) => {
  const gateway = useGateway(engine);

  async function listModels(): Promise<ListedModel[]> {
    const response = await fetch(`${gateway.dataPlane!.url}/api/gateway/models?all=true`, { headers: { authorization: `Bearer ${gateway.apiKey}` } });
    return ((await response.json()) as { data: ListedModel[] }).data;
  }

  it('lists the imported catalog with the stored prices; disabling and overriding reach /models', async () => {
    const models = await listModels();
    expect(models.length).toBeGreaterThanOrEqual(300);
    // Only the seeded simulator's models can answer without a provider key.
    expect(models.filter((model) => model.available).map((model) => model.id)).toEqual(['simulator/echo']);
    const endpoint = await gateway.controlPlane!.prisma.modelEndpoint.findFirstOrThrow({ where: { modelId: 'anthropic/claude-sonnet-4-5' } });
    expect(models.find((model) => model.id === 'anthropic/claude-sonnet-4-5')?.pricing).toEqual({
      prompt: nanoPerTokenToUsdString(Number(endpoint.promptPriceNanos)),
      completion: nanoPerTokenToUsdString(Number(endpoint.completionPriceNanos)),
      request: '0',
      image: '0',
      input_cache_read: nanoPerTokenToUsdString(Number(endpoint.cacheReadPriceNanos)),
      input_cache_write: nanoPerTokenToUsdString(Number(endpoint.cacheWritePriceNanos)),
    });
    // Capabilities from models.dev become supported_parameters.
    const withTools = await gateway.controlPlane!.prisma.model.findFirstOrThrow({ where: { supportsTools: true, source: 'import' } });
    expect(models.find((model) => model.id === withTools.id)?.supported_parameters).toEqual(expect.arrayContaining(['tools', 'tool_choice']));

    await graphql(gateway, 'mutation { setModelEnabled(id: "openai/gpt-4o", enabled: false) { id } }');
    await graphql(gateway, 'mutation { overrideModelPrices(id: "xai/grok-3", providerSlug: "xai", prices: { prompt: 1, completion: 2 }) { id } }');
    await expect.poll(async () => (await listModels()).some((model) => model.id === 'openai/gpt-4o')).toBe(false);
    await expect.poll(async () => (await listModels()).find((model) => model.id === 'xai/grok-3')?.pricing.prompt).toBe('0.000000001');
  });
});
