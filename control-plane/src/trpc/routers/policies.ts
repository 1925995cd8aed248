import { z } from 'zod';
import { getOrgPolicy, updateOrgPolicy, updateOrgPolicyInputSchema } from '../../services/org-policies.ts';
import { adminProcedure, router } from '../init.ts';

export const policiesRouter = router({
  get: adminProcedure.input(z.object({ orgId: z.string() })).query(({ ctx, input }) => getOrgPolicy(ctx.service, input)),
  update: adminProcedure.input(updateOrgPolicyInputSchema).mutation(({ ctx, input }) => updateOrgPolicy(ctx.service, input)),
});
