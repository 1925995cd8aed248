// A provider served by one of the simulators, added to a running gateway as an operator adds one: the
// simulator requires a platform key, the key sits in an environment variable that the provider record
// names, and the provider and a model on it are created through the control plane's catalog. The
// simulator stops, and the variable goes, when the gateway closes. Each kind comes with the catalog
// entry most tests use; a test overrides what it is about.
import { beforeAll } from 'vitest';
import { startAnthropicSimulator } from '../../simulators/anthropic/anthropic-simulator.ts';
import { startGeminiSimulator } from '../../simulators/gemini/gemini-simulator.ts';
import { startMistralSimulator } from '../../simulators/mistral/mistral-simulator.ts';
import { startOpenAIResponsesSimulator } from '../../simulators/openai/openai-responses-simulator.ts';
import { addCatalogModel } from './add-catalog-model.ts';
import type { Gateway } from './gateway-harness.ts';
import { lateBound } from './late-bound.ts';

type ProviderInput = Parameters<typeof addCatalogModel>[1];
type Prices = Parameters<typeof addCatalogModel>[2]['endpoint']['prices'];

interface CatalogEntry {
  slug: string;
  kind: ProviderInput['kind'];
  /** The model's public id. */
  id: string;
  name: string;
  upstreamModel: string;
  /** Nanodollars per token. */
  prices: Prices;
}

const simulators = {
  anthropic: startAnthropicSimulator,
  gemini: startGeminiSimulator,
  mistral: startMistralSimulator,
  'openai-responses': startOpenAIResponsesSimulator,
};
type SimulatorKind = keyof typeof simulators;

const defaults: Record<SimulatorKind, CatalogEntry> = {
  // $3 / $15 per Mtok, cache reads $0.30, cache writes $3.75.
  anthropic: {
    slug: 'anthropic-simulator',
    kind: 'anthropic',
    id: 'anthropic/claude-echo',
    name: 'Claude echo',
    upstreamModel: 'claude-echo',
    prices: { prompt: 3000, completion: 15000, cacheRead: 300, cacheWrite: 3750 },
  },
  // $1 / $10 per Mtok, cached prompt tokens $0.50.
  gemini: {
    slug: 'google-native',
    kind: 'gemini',
    id: 'google-native/gemini-echo',
    name: 'Gemini echo',
    upstreamModel: 'gemini-echo',
    prices: { prompt: 1000, completion: 10000, cacheRead: 500 },
  },
  mistral: {
    slug: 'mistral-simulator',
    kind: 'mistral',
    id: 'mistral/mistral-echo',
    name: 'Mistral echo',
    upstreamModel: 'mistral-echo',
    prices: { prompt: 100, completion: 300 },
  },
  // OpenAI itself, which speaks the Responses API natively.
  'openai-responses': {
    slug: 'openai',
    kind: 'openai-compatible',
    id: 'openai/responses-echo',
    name: 'Responses echo',
    upstreamModel: 'gpt-responses-echo',
    prices: { prompt: 2000, completion: 8000 },
  },
};

/** The environment variable holding the platform key of the provider `slug`. */
export function platformKeyEnv(slug: string): string {
  return `GATEWAY_TEST_${slug.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/** addSimulatedProvider in a beforeAll of the describe block (after useGateway's); stands for the simulator. */
export function useSimulatedProvider<Kind extends SimulatorKind>(
  gateway: Gateway,
  kind: Kind,
  options: { apiKey: string } & Partial<Omit<CatalogEntry, 'kind'>>,
): Awaited<ReturnType<(typeof simulators)[Kind]>> {
  const simulator = lateBound<Awaited<ReturnType<(typeof simulators)[Kind]>>>(`the ${kind} simulator`);
  beforeAll(async () => simulator.set(await addSimulatedProvider(gateway, kind, options)));
  return simulator.value;
}

export async function addSimulatedProvider<Kind extends SimulatorKind>(
  gateway: Gateway,
  kind: Kind,
  { apiKey, ...overrides }: { apiKey: string } & Partial<Omit<CatalogEntry, 'kind'>>,
): Promise<Awaited<ReturnType<(typeof simulators)[Kind]>>> {
  const entry = { ...defaults[kind], ...overrides };
  const keyEnv = platformKeyEnv(entry.slug);
  gateway.providerKeys.set(keyEnv, apiKey);
  const simulator = (await simulators[kind]({ apiKey })) as Awaited<ReturnType<(typeof simulators)[Kind]>>;
  gateway.onClose(async () => {
    await simulator.close();
    gateway.providerKeys.delete(keyEnv);
  });
  await addCatalogModel(
    gateway,
    { slug: entry.slug, kind: entry.kind, baseUrl: simulator.baseUrl, apiKeyEnv: keyEnv },
    { id: entry.id, name: entry.name, endpoint: { providerSlug: entry.slug, upstreamModel: entry.upstreamModel, prices: entry.prices } },
  );
  return simulator;
}
