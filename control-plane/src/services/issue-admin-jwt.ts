// auth.issueToken on both faces: an admin token buys a 15-minute JWT that names it and dies with it.
// A JWT cannot buy another one, so a leaked JWT ends at its expiry or its token's revocation, whichever is first.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { AdminJwtIssuer } from './admin-jwt.ts';
import { recordAudit } from './audit.ts';
import type { ServiceContext } from './service-context.ts';

export async function issueAdminJwt(context: ServiceContext, adminJwt: AdminJwtIssuer): Promise<{ token: string; expiresAt: Date }> {
  const { actor } = context;
  if (actor.kind !== 'user' || actor.credential.kind !== 'admin-token') throw new GatewayError('forbidden', 'only an admin token can be exchanged for a JWT');
  const { adminTokenId } = actor.credential;
  const issued = await adminJwt.issue({ userId: actor.userId, adminTokenId });
  await context.prisma.$transaction((transaction) =>
    recordAudit(transaction, actor, {
      action: 'auth.issue-token',
      target: `user:${actor.userId}`,
      details: { expiresAt: issued.expiresAt.toISOString(), adminTokenId },
    }),
  );
  return issued;
}
