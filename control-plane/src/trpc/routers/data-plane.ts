// The data plane's channel; the contract is written down in shared/src/data-plane-channel.ts.
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { generationLookupInputSchema } from '../../../../shared/src/data-plane-channel.ts';
import { usageIngestInputSchema } from '../../../../shared/src/usage-event.ts';
import { findGeneration } from '../../services/find-generation.ts';
import { ingestSpanAttributes } from '../../services/operation-spans.ts';
import { ingestUsage } from '../../services/usage-ingest.ts';
import { dataPlaneProcedure, router } from '../init.ts';

export const dataPlaneRouter = router({
  snapshot: dataPlaneProcedure
    // tRPC's SSE transport puts the Last-Event-ID of a reconnect into input.lastEventId.
    .input(z.object({ lastEventId: z.string().nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      ctx.metrics.snapshotSubscribers.inc();
      try {
        for await (const { eventId, envelope } of ctx.publisher.subscribe(input?.lastEventId, signal)) {
          yield tracked(eventId, envelope);
        }
      } finally {
        ctx.metrics.snapshotSubscribers.dec();
      }
    }),
  ingestUsage: dataPlaneProcedure.input(usageIngestInputSchema).mutation(async ({ ctx, input }) => {
    const result = await ingestUsage(ctx.service, input);
    ctx.metrics.usageIngested(result);
    ctx.observed.spanAttributes = ingestSpanAttributes(input.events.length, result);
    return result;
  }),
  generation: dataPlaneProcedure.input(generationLookupInputSchema).query(({ ctx, input }) => findGeneration(ctx.service, input)),
});
