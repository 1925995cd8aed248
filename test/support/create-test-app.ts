// Test support: a control plane built in-process on a fresh database, plus helpers to call it as a
// given admin (tRPC createCaller) and to mint more admins.
import { generateSecret, hashSecret } from '../../shared/src/crypto.ts';
import { createControlPlaneApp, type ControlPlaneApp } from '../../control-plane/src/app.ts';
import { createContextInner } from '../../control-plane/src/context.ts';
import { createTestDatabase, type TestDatabase, type TestEngine } from './test-database.ts';
import { ADMIN_TOKEN_PREFIX } from '../../control-plane/src/services/admin-tokens.ts';
import { createCallerFactory } from '../../control-plane/src/trpc/init.ts';
import { appRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import type { Logger } from '../../shared/src/logger.ts';

const createCaller = createCallerFactory(appRouter);
/** The password TestApp.join gives a new account. */
export const TEST_PASSWORD = 'test password 0123';
type AppCaller = ReturnType<typeof createCaller>;

export interface TestApp {
  app: ControlPlaneApp;
  database: TestDatabase;
  /** A tRPC caller sending `Authorization: Bearer <token>` (none when token is null); `signal` ends subscriptions. */
  caller(token: string | null, signal?: AbortSignal): AppCaller;
  /** A new user with an admin token and no memberships. */
  createAdmin(email: string): Promise<{ userId: string; token: string }>;
  /** A new user with an admin token, in `orgId` with `role` (the rows written directly; join() goes the way people do). */
  createMember(email: string, orgId: string, role: 'owner' | 'admin' | 'member' | 'billing'): Promise<{ userId: string; token: string }>;
  /** An API key row named `name` whose hash is `hash-<name>`, so it never authenticates a request: for queries over usage. */
  createApiKeyRow(orgId: string, userId: string, name: string): Promise<{ id: string }>;
  /** Joins `email` to the org the way people join: `inviter` invites, the invitee accepts the link (setting TEST_PASSWORD if the account has none). */
  join(inviter: AppCaller, input: { orgId: string; email: string; role: 'owner' | 'admin' | 'member' | 'billing' }): Promise<void>;
  /** Closes the app and builds it again on the same database and data folder. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** `logger`: receives the control plane's log (default: dropped). */
export async function createTestApp(engine: TestEngine, options: { logger?: Logger } = {}): Promise<TestApp> {
  const database = await createTestDatabase(engine);
  // Tests point providers at simulators on 127.0.0.1.
  const build = () =>
    createControlPlaneApp({
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
      allowPrivateUpstreams: true,
      orgCreation: 'everyone',
      logger: options.logger,
    });
  const testApp: TestApp = {
    app: await build(),
    database,
    caller: (token, signal) => createCaller(createContextInner(testApp.app.services, token === null ? null : `Bearer ${token}`), { signal }),
    async createAdmin(email) {
      const token = generateSecret(ADMIN_TOKEN_PREFIX);
      const user = await testApp.app.services.prisma.user.create({
        data: { email, adminTokens: { create: { name: 'test', tokenHash: hashSecret(token) } } },
      });
      return { userId: user.id, token };
    },
    async createMember(email, orgId, role) {
      const member = await testApp.createAdmin(email);
      await testApp.app.services.prisma.membership.create({ data: { orgId, userId: member.userId, role } });
      return member;
    },
    createApiKeyRow: (orgId, userId, name) =>
      testApp.app.services.prisma.apiKey.create({ data: { orgId, userId, name, keyHash: `hash-${name}`, prefix: 'sk-gw-', last4: name.slice(-4) } }),
    async join(inviter, input) {
      const { link } = await inviter.members.invite(input);
      await testApp.caller(null).invitations.accept({ token: new URL(link).searchParams.get('token')!, password: TEST_PASSWORD });
    },
    async restart() {
      await testApp.app.close();
      testApp.app = await build();
    },
    async close() {
      await testApp.app.close();
      await database.drop();
    },
  };
  return testApp;
}
