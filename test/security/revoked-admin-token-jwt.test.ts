// Issue 13, defect 1: an admin JWT obtained from an admin token kept working after that token was
// revoked, and could mint a new permanent admin token. The attack, over HTTP on both faces: exchange a
// token for a JWT, revoke the token, then use the JWT (refused), and from a live token's JWT try to
// create an admin token (refused, nothing stored).
import { describe, expect, test } from 'vitest';
import { graphqlAs, useControlPlaneOnPglite, trpcAs, trpcOutcome } from '../support/control-plane-on-pglite.ts';

describe('a revoked admin token takes its JWTs with it', () => {
  const controlPlane = useControlPlaneOnPglite();

  test('a JWT stops working when the token it came from is revoked (tRPC and GraphQL)', async () => {
    const admin = trpcAs(controlPlane, controlPlane.adminToken);
    const stolen = await admin.adminTokens.create.mutate({ name: 'about to leak' });
    const { token: jwt } = await trpcAs(controlPlane, stolen.token).auth.issueToken.mutate();
    expect((await trpcAs(controlPlane, jwt).organizations.list.query()).length).toBeGreaterThan(0);

    await admin.adminTokens.revoke.mutate({ id: stolen.id });

    expect(await trpcOutcome(trpcAs(controlPlane, jwt).organizations.list.query())).toBe('UNAUTHORIZED');
    const viaGraphQL = await graphqlAs(controlPlane, jwt, '{ organizations { id } }');
    expect(viaGraphQL.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a JWT cannot mint an admin token (tRPC and GraphQL), so a leaked JWT cannot outlive its 15 minutes', async () => {
    const admin = trpcAs(controlPlane, controlPlane.adminToken);
    const { token: jwt } = await admin.auth.issueToken.mutate();
    const tokensBefore = await controlPlane.prisma.adminToken.count();

    expect(await trpcOutcome(trpcAs(controlPlane, jwt).adminTokens.create.mutate({ name: 'permanent' }))).toBe('FORBIDDEN');
    const viaGraphQL = await graphqlAs(controlPlane, jwt, 'mutation { createAdminToken(name: "permanent") { token } }');
    expect(viaGraphQL.errors?.[0]?.extensions?.code).toBe('forbidden');
    expect(await controlPlane.prisma.adminToken.count()).toBe(tokensBefore);
  });
});
