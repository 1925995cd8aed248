import { issueAdminJwt } from '../../services/issue-admin-jwt.ts';
import { adminProcedure, router } from '../init.ts';

export const authRouter = router({
  /** Exchanges the long-lived admin token in the Authorization header for a short-lived JWT. */
  issueToken: adminProcedure.mutation(({ ctx }) => issueAdminJwt(ctx.service, ctx.adminJwt)),
});
