// Issue 13, defect 8: any user could create unlimited organizations (400 in one tRPC batch; 1,779 grew
// every data plane's snapshot from 355 KB to 1 MB). The attack: a user who is not a platform admin
// creates organizations in one batch. By default only platform admins may (refused, nothing stored);
// where everyone may (ORG_CREATION=everyone), the batch stops at the hourly limit, however it arrives.
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, test } from 'vitest';
import { generateSecret, hashSecret } from '../../shared/src/crypto.ts';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../control-plane/src/app.ts';
import { ADMIN_TOKEN_PREFIX } from '../../control-plane/src/services/admin-tokens.ts';
import { ORG_CREATIONS_PER_USER_PER_HOUR } from '../../control-plane/src/services/organizations.ts';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const BATCH = 20;

describe('organization creation needs the permission and stops at a rate limit', () => {
  let database: TestDatabase | undefined;
  let controlPlane: ControlPlane | undefined;

  afterEach(async () => {
    await controlPlane?.close();
    await database?.drop();
  });

  async function start(options: Pick<ControlPlaneOptions, 'orgCreation'>) {
    database = await createTestDatabase('pglite');
    controlPlane = await startControlPlane({ port: 0, dataDir: database.dataDir, ...options });
    // A plain user (not a platform admin) with an admin token: what anyone who signs up gets.
    const token = generateSecret(ADMIN_TOKEN_PREFIX);
    const user = await controlPlane.prisma.user.create({
      data: { email: 'flooder@example.com', adminTokens: { create: { name: 'flood', tokenHash: hashSecret(token) } } },
    });
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${token}` }, maxItems: BATCH })],
    });
    return { controlPlane, client, userId: user.id };
  }

  async function flood(client: Awaited<ReturnType<typeof start>>['client']): Promise<string[]> {
    return Promise.all(
      Array.from({ length: BATCH }, (_, index) =>
        client.organizations.create.mutate({ name: `flood ${index}` }).then(
          () => 'created',
          (error: unknown) => (error instanceof TRPCClientError ? String((error.data as { code?: string }).code) : String(error)),
        ),
      ),
    );
  }

  test('by default a user who is not a platform admin creates none', async () => {
    const { controlPlane, client, userId } = await start({});
    const outcomes = await flood(client);
    expect(new Set(outcomes)).toEqual(new Set(['FORBIDDEN']));
    expect(await controlPlane.prisma.membership.count({ where: { userId } })).toBe(0);
  });

  test('with ORG_CREATION=everyone a batch creates only the hourly limit', async () => {
    const { controlPlane, client, userId } = await start({ orgCreation: 'everyone' });
    const outcomes = await flood(client);
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(ORG_CREATIONS_PER_USER_PER_HOUR);
    expect(outcomes.filter((outcome) => outcome === 'TOO_MANY_REQUESTS')).toHaveLength(BATCH - ORG_CREATIONS_PER_USER_PER_HOUR);
    expect(await controlPlane.prisma.membership.count({ where: { userId, role: 'owner' } })).toBe(ORG_CREATIONS_PER_USER_PER_HOUR);
  });
});
