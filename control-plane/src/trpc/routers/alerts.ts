import { z } from 'zod';
import { getBudgetAlerts, listWebhookDeliveries, setBudgetAlerts, setBudgetAlertsInputSchema } from '../../services/budget-alerts.ts';
import { adminProcedure, router } from '../init.ts';

export const alertsRouter = router({
  get: adminProcedure.input(z.object({ orgId: z.string() })).query(({ ctx, input }) => getBudgetAlerts(ctx.service, input)),
  set: adminProcedure.input(setBudgetAlertsInputSchema).mutation(({ ctx, input }) => setBudgetAlerts(ctx.service, input)),
  deliveries: adminProcedure
    .input(z.object({ orgId: z.string(), limit: z.number().int().min(1).max(200).optional() }))
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.service, input)),
});
