import { z } from 'zod';
import { configureSso, configureSsoInputSchema, getSso, removeSso } from '../../services/identity/sso.ts';
import { adminProcedure, router } from '../init.ts';

/** An organization's single sign-on settings. */
export const ssoRouter = router({
  get: adminProcedure.input(z.object({ orgId: z.string() })).query(({ ctx, input }) => getSso(ctx.service, ctx.identity, input)),
  configure: adminProcedure
    .input(configureSsoInputSchema)
    .mutation(({ ctx, input }) =>
      configureSso(
        ctx.service,
        { prisma: ctx.prisma, keyring: ctx.byokKeyring, publicUrl: ctx.identity.publicUrl, allowPrivate: ctx.allowPrivateUpstreams },
        input,
      ),
    ),
  remove: adminProcedure.input(z.object({ orgId: z.string() })).mutation(({ ctx, input }) => removeSso(ctx.service, input)),
});
