// auth.issueToken on both faces: an admin token buys a 15-minute JWT. A JWT cannot buy another one,
// so a leaked session dies with its expiry instead of renewing itself.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { AdminJwtIssuer } from './admin-jwt.ts';
import { recordAudit } from './audit.ts';
import type { AdminAuthentication } from './authenticate.ts';
import type { ServiceContext } from './service-context.ts';

export async function issueAdminJwt(
  context: ServiceContext,
  adminJwt: AdminJwtIssuer,
  via: AdminAuthentication['via'],
): Promise<{ token: string; expiresAt: Date }> {
  if (context.actor.kind !== 'user' || via !== 'admin-token') throw new GatewayError('forbidden', 'only an admin token can be exchanged for a JWT');
  const issued = await adminJwt.issue(context.actor.userId);
  const { actor } = context;
  await context.prisma.$transaction((transaction) =>
    recordAudit(transaction, actor, { action: 'auth.issue-token', target: `user:${actor.userId}`, details: { expiresAt: issued.expiresAt.toISOString() } }),
  );
  return issued;
}
