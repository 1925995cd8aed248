import { listRequests, listRequestsInputSchema } from '../../services/request-log.ts';
import { summarizeLatency, summarizeLatencyInputSchema } from '../../services/request-latency.ts';
import { adminProcedure, router } from '../init.ts';

/** The request log (services/request-log.ts) and its latency percentiles per model (services/request-latency.ts). */
export const requestsRouter = router({
  list: adminProcedure.input(listRequestsInputSchema).query(({ ctx, input }) => listRequests(ctx.service, input)),
  latency: adminProcedure.input(summarizeLatencyInputSchema).query(({ ctx, input }) => summarizeLatency(ctx.service, input)),
});
