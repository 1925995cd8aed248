import { z } from 'zod';
import { requestPasswordResetEmail, resetPassword, resetPasswordInputSchema } from '../../services/identity/password-resets.ts';
import { consumeSignInAttempt } from '../../services/identity/sign-in.ts';
import { issueAdminJwt } from '../../services/issue-admin-jwt.ts';
import { adminProcedure, publicProcedure, router } from '../init.ts';

export const authRouter = router({
  /** Exchanges the long-lived admin token in the Authorization header for a short-lived JWT. */
  issueToken: adminProcedure.mutation(({ ctx }) => issueAdminJwt(ctx.service, ctx.adminJwt)),
  /** Mails a one-time password link when SMTP is set up; the same answer whether or not the email has an account. */
  requestPasswordReset: publicProcedure.input(z.object({ email: z.string().max(320) })).mutation(async ({ ctx, input }) => {
    await consumeSignInAttempt(ctx.identity.signInRateLimit, ctx.client);
    await requestPasswordResetEmail(ctx.prisma, ctx.identity, input);
    return { sent: 'if this email has an account, a link is on its way' };
  }),
  /** Spends a password link (from an owner, a platform admin, the first start or the mail). */
  resetPassword: publicProcedure.input(resetPasswordInputSchema).mutation(({ ctx, input }) => resetPassword(ctx.prisma, input)),
});
