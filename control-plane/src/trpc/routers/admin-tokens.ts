import { z } from 'zod';
import { createAdminToken, listAdminTokens, revokeAdminToken, toAdminTokenView } from '../../services/admin-tokens.ts';
import { displayNameSchema } from '../../services/input-schemas.ts';
import { adminProcedure, router } from '../init.ts';

/** The caller's own admin tokens. */
export const adminTokensRouter = router({
  create: adminProcedure.input(z.object({ name: displayNameSchema })).mutation(async ({ ctx, input }) => {
    const { adminToken, token } = await createAdminToken(ctx.service, input);
    return { ...toAdminTokenView(adminToken), token };
  }),
  list: adminProcedure.query(async ({ ctx }) => (await listAdminTokens(ctx.service)).map(toAdminTokenView)),
  revoke: adminProcedure.input(z.object({ id: z.string() })).mutation(async ({ ctx, input }) => toAdminTokenView(await revokeAdminToken(ctx.service, input))),
});
