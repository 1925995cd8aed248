import { z } from 'zod';
import type { Organization } from '../../../generated/prisma/client.ts';
import { displayNameSchema } from '../../services/input-schemas.ts';
import { createOrganization, listOrganizations } from '../../services/organizations.ts';
import { adminProcedure, router } from '../init.ts';

function toOrganizationView(organization: Organization) {
  return { id: organization.id, name: organization.name, createdAt: organization.createdAt };
}

export const organizationsRouter = router({
  create: adminProcedure
    .input(z.object({ name: displayNameSchema }))
    .mutation(async ({ ctx, input }) => toOrganizationView(await createOrganization(ctx.service, input))),
  list: adminProcedure.query(async ({ ctx }) => (await listOrganizations(ctx.service)).map(toOrganizationView)),
});
