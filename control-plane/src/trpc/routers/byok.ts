import { z } from 'zod';
import { createByokCredential, createByokCredentialInputSchema, deleteByokCredential, listByokCredentials } from '../../services/byok/byok-credentials.ts';
import { rotateByokMasterKey } from '../../services/byok/rotate-master-key.ts';
import { adminProcedure, router } from '../init.ts';

export const byokRouter = router({
  create: adminProcedure.input(createByokCredentialInputSchema).mutation(({ ctx, input }) => createByokCredential(ctx.service, ctx.byokKeyring, input)),
  list: adminProcedure.input(z.object({ orgId: z.string() })).query(({ ctx, input }) => listByokCredentials(ctx.service, input)),
  delete: adminProcedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => deleteByokCredential(ctx.service, input)),
  rotate: adminProcedure
    .input(z.object({ batchSize: z.number().int().min(1).max(10_000).optional() }).optional())
    .mutation(({ ctx, input }) => rotateByokMasterKey(ctx.service, ctx.byokKeyring, { batchSize: input?.batchSize })),
});
