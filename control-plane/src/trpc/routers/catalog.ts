import { upsertModel, upsertModelInputSchema, upsertProvider, upsertProviderInputSchema } from '../../services/catalog.ts';
import { adminProcedure, router } from '../init.ts';
import { toModelView } from './models.ts';

export const catalogRouter = router({
  upsertProvider: adminProcedure.input(upsertProviderInputSchema).mutation(async ({ ctx, input }) => {
    const provider = await upsertProvider(ctx.service, input);
    return { id: provider.id, slug: provider.slug, kind: provider.kind, baseUrl: provider.baseUrl, apiKeyEnv: provider.apiKeyEnv, enabled: provider.enabled };
  }),
  upsertModel: adminProcedure.input(upsertModelInputSchema).mutation(async ({ ctx, input }) => toModelView(await upsertModel(ctx.service, input))),
});
