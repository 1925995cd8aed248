// Users are platform-wide identities; platform admins create them, org admins then add them as members.
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { User } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { parseInput } from './input-schemas.ts';
import { authorizePlatformAction } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

export const createUserInputSchema = z.object({
  email: z.email(),
  name: z.string().trim().min(1).max(200).nullish(),
  isPlatformAdmin: z.boolean().default(false),
});

export async function createUser(context: ServiceContext, rawInput: z.input<typeof createUserInputSchema>): Promise<User> {
  const input = parseInput(createUserInputSchema, rawInput, 'input');
  authorizePlatformAction(context, 'user.create');
  return context.prisma.$transaction(async (transaction) => {
    if (await transaction.user.findUnique({ where: { email: input.email } })) {
      throw new GatewayError('invalid_request', `a user with email ${input.email} exists`, { param: 'email' });
    }
    const user = await transaction.user.create({ data: { email: input.email, name: input.name ?? null, isPlatformAdmin: input.isPlatformAdmin } });
    await recordAudit(transaction, context.actor, {
      action: 'user.create',
      target: `user:${user.id}`,
      details: { email: input.email, isPlatformAdmin: input.isPlatformAdmin },
    });
    return user;
  });
}
