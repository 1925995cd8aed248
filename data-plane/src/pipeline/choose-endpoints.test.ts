import { describe, expect, it } from 'vitest';
import { nanodollarsPerToken } from '../../../shared/src/money.ts';
import { snapshotPricesSchema, type SnapshotModel, type SnapshotState } from '../../../shared/src/snapshot.ts';
import type { ByokKey } from '../snapshot/decrypt-byok-credentials.ts';
import { buildSnapshotView } from '../snapshot/snapshot-view.ts';
import { holdState } from '../snapshot/held-state.ts';
import type { ProviderRules } from './check-policy.ts';
import { chooseEndpoints } from './choose-endpoints.ts';
import { EndpointHealth } from './endpoint-health.ts';
import { defaultProviderPreferences, type ProviderPreferences } from './parse-routing-options.ts';

const prices = snapshotPricesSchema.parse({ prompt: 1, completion: 1, cacheRead: null, cacheWrite: null });
const provider = (slug: string) => ({ id: `prov_${slug}`, slug, kind: 'openai-compatible' as const, baseUrl: `http://${slug}.test/v1`, apiKeyEnv: null });
const model = (id: string, slugs: string[]): SnapshotModel => ({
  id,
  name: id,
  aliases: [],
  created: 0,
  contextLength: null,
  description: null,
  maxOutputTokens: null,
  inputModalities: ['text'],
  outputModalities: ['text'],
  supportedParameters: [],
  endpoints: slugs.map((slug) => ({ providerId: `prov_${slug}`, upstreamModel: `${id}@${slug}`, prices })),
});

const llama = model('meta/llama', ['together', 'fireworks', 'groq']);
const mistral = model('mistral/small', ['mistral', 'groq']);
const orphan = model('gone/model', ['unconfigured']);
const state = {
  apiKeys: {},
  orgs: {},
  providers: Object.fromEntries(['together', 'fireworks', 'groq', 'mistral'].map((slug) => [`prov_${slug}`, provider(slug)])),
  models: { [llama.id]: llama, [mistral.id]: mistral, [orphan.id]: orphan },
  byokCredentials: {},
} as unknown as SnapshotState;
const snapshot = buildSnapshotView(1, 'hash', holdState(state));
const owner = { orgId: 'org_1', userId: 'user_1' };

const open: ProviderRules = { allowedProviders: null, deniedProviders: [] };
const preferences = (extra: Partial<ProviderPreferences> = {}): ProviderPreferences => ({ ...defaultProviderPreferences(), ...extra });
const health = new EndpointHealth();
const served = (models: SnapshotModel[], rules: ProviderRules = open, extra: Partial<ProviderPreferences> = {}) =>
  chooseEndpoints(snapshot, rules, models, preferences(extra), owner, new Map(), health).map(
    (candidate) => `${candidate.model.id}@${candidate.route.provider.slug}`,
  );

describe('chooseEndpoints', () => {
  it.each([
    { name: 'catalog order by default', extra: {}, expected: ['together', 'fireworks', 'groq'] },
    { name: 'order first, then the rest in catalog order', extra: { order: ['groq'] }, expected: ['groq', 'together', 'fireworks'] },
    { name: 'order with several slugs, unknown slugs ignored', extra: { order: ['fireworks', 'nobody', 'groq'] }, expected: ['fireworks', 'groq', 'together'] },
    { name: 'order without fallbacks: only the ordered ones', extra: { order: ['groq', 'together'], allowFallbacks: false }, expected: ['groq', 'together'] },
    { name: 'no order, no fallbacks: the first eligible endpoint only', extra: { allowFallbacks: false }, expected: ['together'] },
    { name: 'only', extra: { only: ['groq', 'fireworks'] }, expected: ['fireworks', 'groq'] },
    { name: 'ignore', extra: { ignore: ['together'] }, expected: ['fireworks', 'groq'] },
    { name: 'ignore wins over order', extra: { order: ['together', 'groq'], ignore: ['together'] }, expected: ['groq', 'fireworks'] },
    { name: 'no fallbacks after ignore: the first remaining', extra: { ignore: ['together'], allowFallbacks: false }, expected: ['fireworks'] },
  ])('$name', ({ extra, expected }) => {
    expect(served([llama], open, extra)).toEqual(expected.map((slug) => `meta/llama@${slug}`));
  });

  it('appends the fallback models’ endpoints, with the same preferences applied', () => {
    expect(served([llama, mistral], open, { ignore: ['fireworks'] })).toEqual([
      'meta/llama@together',
      'meta/llama@groq',
      'mistral/small@mistral',
      'mistral/small@groq',
    ]);
  });

  it.each([
    { name: 'a deny list', rules: { allowedProviders: null, deniedProviders: ['together'] }, expected: ['meta/llama@fireworks', 'meta/llama@groq'] },
    { name: 'an allow list', rules: { allowedProviders: ['groq'], deniedProviders: [] }, expected: ['meta/llama@groq'] },
    {
      name: 'a deny list winning over the allow list',
      rules: { allowedProviders: ['groq', 'fireworks'], deniedProviders: ['groq'] },
      expected: ['meta/llama@fireworks'],
    },
  ])('narrows by the org’s provider rules: $name', ({ rules, expected }) => {
    expect(served([llama], rules)).toEqual(expected);
  });

  it('refuses with 403 naming the rule when the org’s rules leave nothing', () => {
    const call = () => served([llama], { allowedProviders: ['mistral'], deniedProviders: ['groq'] });
    expect(call).toThrow(expect.objectContaining({ code: 'forbidden', status: 403, param: 'model' }));
    expect(call).toThrow(
      "The provider rules of your organization and API key (allowed providers: mistral; denied providers: groq) allow no provider serving the model 'meta/llama'.",
    );
  });

  it('uses a fallback model the org allows when the requested one has no allowed provider', () => {
    expect(served([llama, mistral], { allowedProviders: ['mistral'], deniedProviders: [] })).toEqual(['mistral/small@mistral']);
  });

  it('refuses with 400 when only the request’s preferences leave nothing', () => {
    expect(() => served([llama], open, { only: ['mistral'] })).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'provider' }));
  });

  it('is 503 when no endpoint’s provider is configured', () => {
    expect(() => served([orphan])).toThrow(expect.objectContaining({ code: 'no_provider_available' }));
  });
});

describe('chooseEndpoints with max_price and require_parameters', () => {
  const priced = (prompt: number, completion: number) => snapshotPricesSchema.parse({ prompt, completion, cacheRead: null, cacheWrite: null });
  // together $3 / $15 per million tokens, groq $0.1 / $0.2; only together's model lists temperature.
  const dear: SnapshotModel = {
    ...llama,
    id: 'meta/dear',
    supportedParameters: ['max_tokens', 'temperature'],
    endpoints: [
      { providerId: 'prov_together', upstreamModel: 'dear', prices: priced(3000, 15000) },
      { providerId: 'prov_groq', upstreamModel: 'dear', prices: priced(100, 200) },
    ],
  };
  const plain: SnapshotModel = { ...mistral, supportedParameters: ['max_tokens'] };
  const nanos = nanodollarsPerToken;

  it('skips the endpoints priced above max_price, prompt and completion each', () => {
    expect(served([dear], open, { maxPrice: { prompt: nanos(1000), completion: null } })).toEqual(['meta/dear@groq']);
    expect(served([dear], open, { maxPrice: { prompt: null, completion: nanos(15000) } })).toEqual(['meta/dear@together', 'meta/dear@groq']);
  });

  it('is 400 naming max_price and the lowest prices when it leaves nothing', () => {
    const call = () => served([dear], open, { maxPrice: { prompt: nanos(50), completion: null } });
    expect(call).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'provider.max_price' }));
    expect(call).toThrow(
      "No endpoint of the model 'meta/dear' is priced within 'provider.max_price' ($0.05 prompt, any completion per million tokens): the lowest prices are $0.1 and $0.2.",
    );
  });

  it('skips models that lack a parameter the request sets, falling back to one that has them', () => {
    expect(served([plain, dear], open, { requiredParameters: ['temperature'] })).toEqual(['meta/dear@together', 'meta/dear@groq']);
    expect(served([plain, dear], open, { requiredParameters: [] })).toEqual([
      'mistral/small@mistral',
      'mistral/small@groq',
      'meta/dear@together',
      'meta/dear@groq',
    ]);
  });

  it('is 400 naming require_parameters and what each model lacks when it leaves nothing', () => {
    const call = () => served([plain, dear], open, { requiredParameters: ['temperature', 'top_k'] });
    expect(call).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'provider.require_parameters' }));
    expect(call).toThrow("'mistral/small' lacks temperature, top_k; 'meta/dear' lacks top_k");
  });

  it('names neither when another preference took the endpoints they allow', () => {
    expect(() => served([dear], open, { maxPrice: { prompt: nanos(1000), completion: null }, only: ['together'] })).toThrow(
      expect.objectContaining({ param: 'provider' }),
    );
  });
});

describe('chooseEndpoints ranking by sort, weights and ejection', () => {
  const price = (prompt: number, completion: number) => snapshotPricesSchema.parse({ prompt, completion, cacheRead: null, cacheWrite: null });
  // together is the dearest, groq the cheapest; fireworks and groq share priority 1.
  const ranked: SnapshotModel = {
    ...llama,
    id: 'meta/ranked',
    endpoints: [
      { providerId: 'prov_together', upstreamModel: 'r@together', prices: price(30, 30), priority: 0 },
      { providerId: 'prov_fireworks', upstreamModel: 'r@fireworks', prices: price(20, 20), priority: 1, weight: 3 },
      { providerId: 'prov_groq', upstreamModel: 'r@groq', prices: price(5, 10), priority: 1, weight: 1 },
    ],
  };
  const draws: number[] = [];
  const clock = { now: 0 };
  const measured = () => new EndpointHealth({ consecutiveFailures: 2, baseEjectionMs: 1000, now: () => clock.now, random: () => draws.shift() ?? 0 });
  const slugs = (models: SnapshotModel[], health: EndpointHealth, extra: Partial<ProviderPreferences> = {}) =>
    chooseEndpoints(snapshot, open, models, preferences(extra), owner, new Map(), health).map(
      (candidate) => `${candidate.model.id.split('/')[1]}@${candidate.route.provider.slug}`,
    );
  const measure = (health: EndpointHealth, slug: string, sample: { ttftMs?: number; tokensPerSecond?: number; failures?: number }) => {
    const key = { providerId: `prov_${slug}`, upstreamModel: `r@${slug}` };
    const stats = health.statsOf(key);
    if (sample.ttftMs !== undefined) health.attemptEnded(stats, 'success', sample.ttftMs);
    if (sample.tokensPerSecond !== undefined) health.recordThroughput(key, sample.tokensPerSecond, 1000);
    for (let failure = 0; failure < (sample.failures ?? 0); failure += 1) health.attemptEnded(stats, 'failure');
  };

  it('balances endpoints of equal priority by weight, drawn per request; priority still goes first', () => {
    const health = measured();
    // fireworks has 3 of the 4 weight units: a draw below 0.75 puts it first among the priority-1 pair.
    draws.push(0.5);
    expect(slugs([ranked], health)).toEqual(['ranked@together', 'ranked@fireworks', 'ranked@groq']);
    draws.push(0.8);
    expect(slugs([ranked], health)).toEqual(['ranked@together', 'ranked@groq', 'ranked@fireworks']);
  });

  it('gives weight 0 only the places after the weighted endpoints of its priority', () => {
    const drained = {
      ...ranked,
      endpoints: ranked.endpoints.map((endpoint) => (endpoint.providerId === 'prov_fireworks' ? { ...endpoint, weight: 0 } : endpoint)),
    };
    draws.push(0.01);
    expect(slugs([drained], measured())).toEqual(['ranked@together', 'ranked@groq', 'ranked@fireworks']);
  });

  it('sorts by price (prompt + completion per token), cheapest first', () => {
    expect(slugs([ranked], measured(), { sort: { by: 'price', partition: 'model' } })).toEqual(['ranked@groq', 'ranked@fireworks', 'ranked@together']);
  });

  it('sorts by measured throughput or latency, the unmeasured first, the failing penalised', () => {
    const health = measured();
    measure(health, 'together', { ttftMs: 50, tokensPerSecond: 40 });
    measure(health, 'fireworks', { ttftMs: 500, tokensPerSecond: 200 });
    expect(slugs([ranked], health, { sort: { by: 'throughput', partition: 'model' } })).toEqual(['ranked@groq', 'ranked@fireworks', 'ranked@together']);
    measure(health, 'groq', { ttftMs: 100, tokensPerSecond: 100 });
    expect(slugs([ranked], health, { sort: { by: 'throughput', partition: 'model' } })).toEqual(['ranked@fireworks', 'ranked@groq', 'ranked@together']);
    expect(slugs([ranked], health, { sort: { by: 'latency', partition: 'model' } })).toEqual(['ranked@together', 'ranked@groq', 'ranked@fireworks']);
    // Failing more often than not (error rate 1 − 0.9⁸ ≈ 0.57): 200 × 0.43 tokens/s now ranks below groq's 100.
    const failing = new EndpointHealth({ consecutiveFailures: 100 });
    measure(failing, 'together', { tokensPerSecond: 40 });
    measure(failing, 'fireworks', { tokensPerSecond: 200, failures: 8 });
    measure(failing, 'groq', { tokensPerSecond: 100 });
    expect(slugs([ranked], failing, { sort: { by: 'throughput', partition: 'model' } })).toEqual(['ranked@groq', 'ranked@fireworks', 'ranked@together']);
  });

  it('puts ejected endpoints last whatever the order or sort, and restores them after the cool-down', () => {
    const health = measured();
    measure(health, 'together', { failures: 2 });
    draws.push(0.5);
    expect(slugs([ranked], health)).toEqual(['ranked@fireworks', 'ranked@groq', 'ranked@together']);
    expect(slugs([ranked], health, { order: ['together', 'groq'] })).toEqual(['ranked@groq', 'ranked@fireworks', 'ranked@together']);
    expect(slugs([ranked], health, { sort: { by: 'price', partition: 'model' }, allowFallbacks: false })).toEqual(['ranked@groq']);
    // Still tried when it is all there is.
    expect(slugs([ranked], health, { only: ['together'] })).toEqual(['ranked@together']);
    clock.now += 1000;
    draws.push(0.5);
    expect(slugs([ranked], health)[0]).toBe('ranked@together');
    clock.now = 0;
  });

  it('sorts within each model by default (partition model), across models with partition none', () => {
    const other: SnapshotModel = {
      ...mistral,
      id: 'mistral/cheap',
      endpoints: [{ providerId: 'prov_mistral', upstreamModel: 'r@mistral', prices: price(1, 1) }],
    };
    expect(slugs([ranked, other], measured(), { sort: { by: 'price', partition: 'model' } })).toEqual([
      'ranked@groq',
      'ranked@fireworks',
      'ranked@together',
      'cheap@mistral',
    ]);
    expect(slugs([ranked, other], measured(), { sort: { by: 'price', partition: 'none' } })).toEqual([
      'cheap@mistral',
      'ranked@groq',
      'ranked@fireworks',
      'ranked@together',
    ]);
  });
});

describe('chooseEndpoints with BYOK keys', () => {
  const credential = (orgId: string, userId: string | null, slug: string, last4: string) => ({
    orgId,
    userId,
    providerId: `prov_${slug}`,
    last4,
    jwe: `jwe-${last4}`,
  });
  const byokState = {
    ...state,
    byokCredentials: {
      cred_org_groq: credential('org_1', null, 'groq', 'ORG1'),
      cred_user_groq: credential('org_1', 'user_1', 'groq', 'USR1'),
      cred_org_together: credential('org_1', null, 'together', 'ORG2'),
      cred_other_org: credential('org_2', null, 'fireworks', 'OTH1'),
    },
  } as SnapshotState;
  const decrypted = new Map<string, ByokKey>(
    ['cred_org_groq', 'cred_user_groq', 'cred_org_together', 'cred_other_org'].map((id) => [id, { credentialId: id, last4: '', apiKey: `key-of-${id}` }]),
  );
  const view = buildSnapshotView(2, 'hash', holdState(byokState), decrypted);
  const keys = (userId: string) =>
    chooseEndpoints(view, open, [llama], preferences(), { orgId: 'org_1', userId }, new Map(), health).map((candidate) => [
      candidate.route.provider.slug,
      candidate.byok,
      candidate.byokKey?.apiKey ?? null,
    ]);

  it("uses the user's own key over the org's, the org's over the platform key, and no other org's key", () => {
    expect(keys('user_1')).toEqual([
      ['together', true, 'key-of-cred_org_together'],
      ['fireworks', false, null],
      ['groq', true, 'key-of-cred_user_groq'],
    ]);
    expect(keys('user_2')).toEqual([
      ['together', true, 'key-of-cred_org_together'],
      ['fireworks', false, null],
      ['groq', true, 'key-of-cred_org_groq'],
    ]);
  });

  it('keeps an undecryptable key as BYOK without a secret, so the platform key is not used in its place', () => {
    const undecrypted = buildSnapshotView(3, 'hash', holdState(byokState));
    const [together] = chooseEndpoints(undecrypted, open, [llama], preferences(), { orgId: 'org_1', userId: 'user_2' }, new Map(), health);
    expect(together).toMatchObject({ byok: true, byokKey: { credentialId: 'cred_org_together', last4: 'ORG2', apiKey: null } });
  });
});

describe('chooseEndpoints skips providers it holds no key for', () => {
  const keyed = (slug: string) => ({ ...provider(slug), apiKeyEnv: `${slug.toUpperCase()}_API_KEY` });
  const keyedState = {
    ...state,
    providers: { ...state.providers, prov_together: keyed('together'), prov_groq: keyed('groq') },
    byokCredentials: { cred_org_groq: { orgId: 'org_1', userId: null, providerId: 'prov_groq', last4: 'ORG1', jwe: 'jwe' } },
  } as SnapshotState;
  const view = buildSnapshotView(
    4,
    'hash',
    holdState(keyedState),
    new Map([['cred_org_groq', { credentialId: 'cred_org_groq', last4: 'ORG1', apiKey: 'byok-groq' }]]),
  );
  const choose = (platformKeys: Map<string, string>, extra: Partial<ProviderPreferences> = {}, orgId = 'org_1') =>
    chooseEndpoints(view, open, [llama], preferences(extra), { orgId, userId: 'user_1' }, platformKeys, health).map(
      (candidate) => candidate.route.provider.slug,
    );

  it('keeps an endpoint with a platform key, a BYOK key, or a provider that needs none', () => {
    expect(choose(new Map([['TOGETHER_API_KEY', 'sk-together']]))).toEqual(['together', 'fireworks', 'groq']);
    // together has no key: skipped; fireworks needs none; groq has the org's own key.
    expect(choose(new Map())).toEqual(['fireworks', 'groq']);
    // Another org has no BYOK key for groq either.
    expect(choose(new Map(), {}, 'org_2')).toEqual(['fireworks']);
  });

  it('applies the preferences to the endpoints that can answer (the first of them without fallbacks)', () => {
    expect(choose(new Map(), { allowFallbacks: false })).toEqual(['fireworks']);
    expect(choose(new Map(), { order: ['together', 'groq'] })).toEqual(['groq', 'fireworks']);
  });

  it('is 503 provider_not_configured naming the variable to set when only missing keys leave nothing', () => {
    const call = () => choose(new Map(), { only: ['together'] });
    expect(call).toThrow(expect.objectContaining({ code: 'provider_not_configured', status: 503, param: 'model' }));
    expect(call).toThrow(
      "No provider key is configured for the model 'meta/llama' (provider together): set TOGETHER_API_KEY in the data plane's environment, " +
        "or add your organization's own key for it (BYOK).",
    );
  });

  it('is still 400 when the preferences name no provider of the model at all', () => {
    expect(() => choose(new Map(), { only: ['mistral'] })).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'provider' }));
  });
});
