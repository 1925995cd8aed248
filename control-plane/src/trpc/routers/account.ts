import { changePassword, changePasswordInputSchema, getAccount } from '../../services/identity/account.ts';
import { adminProcedure, router } from '../init.ts';

/** The caller's own account. */
export const accountRouter = router({
  me: adminProcedure.query(({ ctx }) => getAccount(ctx.service)),
  changePassword: adminProcedure.input(changePasswordInputSchema).mutation(({ ctx, input }) => changePassword(ctx.service, input)),
});
