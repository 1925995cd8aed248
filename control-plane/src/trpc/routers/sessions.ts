import { z } from 'zod';
import { listSessions, revokeAllSessions, revokeSession } from '../../services/identity/sessions.ts';
import { adminProcedure, router } from '../init.ts';

/** The caller's own browser sessions. */
export const sessionsRouter = router({
  list: adminProcedure.query(({ ctx }) => listSessions(ctx.service)),
  revoke: adminProcedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => revokeSession(ctx.service, input)),
  /** Sign out everywhere. */
  revokeAll: adminProcedure.mutation(({ ctx }) => revokeAllSessions(ctx.service)),
});
