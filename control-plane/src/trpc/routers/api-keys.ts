import { z } from 'zod';
import {
  createApiKey,
  createApiKeyInputSchema,
  listApiKeys,
  revokeApiKey,
  setApiKeyBudget,
  setApiKeyBudgetInputSchema,
  setApiKeyRateLimits,
  setApiKeyRateLimitsInputSchema,
  toApiKeyView,
} from '../../services/api-keys.ts';
import { adminProcedure, router } from '../init.ts';

export const apiKeysRouter = router({
  create: adminProcedure.input(createApiKeyInputSchema).mutation(async ({ ctx, input }) => {
    const { apiKey, key } = await createApiKey(ctx.service, input);
    return { ...toApiKeyView(apiKey), key };
  }),
  list: adminProcedure.input(z.object({ orgId: z.string() })).query(async ({ ctx, input }) => (await listApiKeys(ctx.service, input)).map(toApiKeyView)),
  revoke: adminProcedure.input(z.object({ id: z.string() })).mutation(async ({ ctx, input }) => toApiKeyView(await revokeApiKey(ctx.service, input))),
  setRateLimits: adminProcedure
    .input(setApiKeyRateLimitsInputSchema)
    .mutation(async ({ ctx, input }) => toApiKeyView(await setApiKeyRateLimits(ctx.service, input))),
  setBudget: adminProcedure.input(setApiKeyBudgetInputSchema).mutation(async ({ ctx, input }) => toApiKeyView(await setApiKeyBudget(ctx.service, input))),
});
