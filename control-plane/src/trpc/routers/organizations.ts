import { z } from 'zod';
import { displayNameSchema } from '../../services/input-schemas.ts';
import { createOrganization } from '../../services/organizations.ts';
import { adminProcedure, router } from '../init.ts';

export const organizationsRouter = router({
  create: adminProcedure
    .input(z.object({ name: displayNameSchema }))
    .mutation(async ({ ctx, input }) => {
      const organization = await createOrganization(ctx.service, input);
      return { id: organization.id, name: organization.name, createdAt: organization.createdAt };
    }),
});
