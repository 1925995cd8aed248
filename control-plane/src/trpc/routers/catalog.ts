import { applyCatalogFile, catalogFileSchema, exportCatalogFile } from '../../services/catalog-file.ts';
import { importCatalog } from '../../services/catalog-import/import-catalog.ts';
import {
  listProviders,
  overrideModelPrices,
  overrideModelPricesInputSchema,
  setModelEnabled,
  setModelEnabledInputSchema,
  upsertModel,
  upsertModelInputSchema,
  upsertProvider,
  upsertProviderInputSchema,
} from '../../services/catalog.ts';
import type { Provider } from '../../../generated/prisma/client.ts';
import { adminProcedure, router } from '../init.ts';
import { toModelView } from './models.ts';

function toProviderView(provider: Provider) {
  return { id: provider.id, slug: provider.slug, kind: provider.kind, baseUrl: provider.baseUrl, apiKeyEnv: provider.apiKeyEnv, enabled: provider.enabled };
}

export const catalogRouter = router({
  providers: adminProcedure.query(async ({ ctx }) => (await listProviders(ctx.service)).map(toProviderView)),
  upsertProvider: adminProcedure.input(upsertProviderInputSchema).mutation(async ({ ctx, input }) => toProviderView(await upsertProvider(ctx.service, input))),
  upsertModel: adminProcedure.input(upsertModelInputSchema).mutation(async ({ ctx, input }) => toModelView(await upsertModel(ctx.service, input))),
  import: adminProcedure.mutation(({ ctx }) => importCatalog(ctx.service)),
  exportFile: adminProcedure.query(({ ctx }) => exportCatalogFile(ctx.service)),
  applyFile: adminProcedure.input(catalogFileSchema).mutation(({ ctx, input }) => applyCatalogFile(ctx.service, input)),
  setModelEnabled: adminProcedure.input(setModelEnabledInputSchema).mutation(async ({ ctx, input }) => toModelView(await setModelEnabled(ctx.service, input))),
  overrideModelPrices: adminProcedure
    .input(overrideModelPricesInputSchema)
    .mutation(async ({ ctx, input }) => toModelView(await overrideModelPrices(ctx.service, input))),
});
