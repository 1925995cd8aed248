import { z } from 'zod';
import { issuePasswordReset } from '../../services/identity/password-resets.ts';
import { createUser, createUserInputSchema } from '../../services/users.ts';
import { adminProcedure, router } from '../init.ts';

export const usersRouter = router({
  create: adminProcedure.input(createUserInputSchema).mutation(async ({ ctx, input }) => {
    const user = await createUser(ctx.service, input);
    return { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin, createdAt: user.createdAt };
  }),
  /** A platform admin's one-time password link for any user. */
  issuePasswordReset: adminProcedure.input(z.object({ userId: z.string() })).mutation(({ ctx, input }) => issuePasswordReset(ctx.service, ctx.identity, input)),
});
