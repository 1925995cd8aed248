import { listRequests, listRequestsInputSchema } from '../../services/request-log.ts';
import { adminProcedure, router } from '../init.ts';

/** The request log (services/request-log.ts). */
export const requestsRouter = router({
  list: adminProcedure.input(listRequestsInputSchema).query(({ ctx, input }) => listRequests(ctx.service, input)),
});
