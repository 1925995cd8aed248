// Test and bench support: a caller and a priced endpoint to reserve against, without a snapshot
// (spend-enforcer.test.ts, bench/count-spend-reserve.ts).
import { snapshotPricesSchema } from '../../../shared/src/snapshot.ts';

export const spendTestPrincipal = {
  apiKey: { id: 'key_1', orgId: 'org_1', userId: 'user_1', name: 'key', expiresAt: null, scopes: { models: null, providers: null } },
  org: { id: 'org_1', name: 'Org', allowedModels: null, allowedProviders: null, deniedProviders: [], dailyLimitMicros: null, userDailyLimitMicros: {} },
};

export const spendTestCandidates = [
  {
    model: { maxOutputTokens: null },
    endpoint: { prices: snapshotPricesSchema.parse({ prompt: 3_000, completion: 15_000, cacheRead: null, cacheWrite: null }) },
    byok: false,
  },
];

export const spendTestEstimate = { promptTokens: 10, maxOutputTokens: 10 };
