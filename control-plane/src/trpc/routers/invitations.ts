import { z } from 'zod';
import { acceptInvitation, acceptInvitationInputSchema, describeInvitation } from '../../services/identity/invitations.ts';
import { consumeSignInAttempt } from '../../services/identity/sign-in.ts';
import { publicProcedure, router } from '../init.ts';

/** The invitee's side: no credential but the link's token. */
export const invitationsRouter = router({
  describe: publicProcedure.input(z.object({ token: z.string().min(1).max(200) })).query(({ ctx, input }) => describeInvitation(ctx, input.token)),
  accept: publicProcedure.input(acceptInvitationInputSchema).mutation(async ({ ctx, input }) => {
    // It may check an existing account's password, so it counts like a sign-in attempt.
    await consumeSignInAttempt(ctx.identity.signInRateLimit, ctx.client);
    return acceptInvitation({ prisma: ctx.prisma, snapshotChanged: (cause) => ctx.publisher.changed(cause) }, input);
  }),
});
