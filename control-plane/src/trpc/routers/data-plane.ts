// The data plane's channel; the contract is written down in shared/src/data-plane-channel.ts.
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { generationLookupInputSchema } from '../../../../shared/src/data-plane-channel.ts';
import { usageIngestInputSchema } from '../../../../shared/src/usage-event.ts';
import { findGeneration } from '../../services/find-generation.ts';
import { ingestUsage } from '../../services/usage-ingest.ts';
import { dataPlaneProcedure, router } from '../init.ts';

export const dataPlaneRouter = router({
  snapshot: dataPlaneProcedure
    // tRPC's SSE transport puts the Last-Event-ID of a reconnect into input.lastEventId.
    .input(z.object({ lastEventId: z.string().nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const { eventId, envelope } of ctx.publisher.subscribe(input?.lastEventId, signal)) {
        yield tracked(eventId, envelope);
      }
    }),
  ingestUsage: dataPlaneProcedure.input(usageIngestInputSchema).mutation(({ ctx, input }) => ingestUsage(ctx.service, input)),
  generation: dataPlaneProcedure.input(generationLookupInputSchema).query(({ ctx, input }) => findGeneration(ctx.service, input)),
});
