// The control plane over real HTTP, as the data plane and the start script use it: a tRPC client with
// the SSE subscription link, GraphQL over fetch, restart on the same data folder and port.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSnapshotVerifier } from '../../shared/src/crypto.ts';
import { parseChannelPosition, type ChannelEnvelope } from '../../shared/src/data-plane-channel.ts';
import type { SnapshotMessage } from '../../shared/src/snapshot.ts';
import { startControlPlane, type ControlPlane } from './app.ts';
import { createTestDatabase, testEngines, type TestDatabase } from '../../test/support/test-database.ts';
import { usageEvent } from '../../test/support/usage-event.ts';
import type { AppRouter } from './trpc/routers/_app.ts';
import { captureLogger } from '../../test/support/capture-log.ts';

/** A tRPC client as a data plane configures one: bearer token on every request, SSE for subscriptions. */
function createDataPlaneClient(controlPlane: ControlPlane) {
  const authorization = `Bearer ${controlPlane.dataPlaneToken}`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${controlPlane.url}/trpc`,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization } }),
          },
        }),
        false: httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization } }),
      }),
    ],
  });
}

/** Collects verified snapshot messages and lets a test wait for the next one. */
function collectSnapshots(controlPlane: ControlPlane) {
  const received: { id: string | undefined; message: SnapshotMessage }[] = [];
  let wake: (() => void) | null = null;
  const verifierPromise = createSnapshotVerifier(controlPlane.publicJwk);
  const subscription = createDataPlaneClient(controlPlane).dataPlane.snapshot.subscribe(
    {},
    {
      onData(tracked) {
        const envelope: ChannelEnvelope = tracked.data;
        // Spend floors travel on the same stream; these tests follow the snapshot.
        if ('spendFloors' in envelope) return;
        void verifierPromise.then(async (verifier) => {
          const message = await verifier.verify(envelope.jws);
          if (message.kind === 'spend-floors') throw new Error('a spend floor message in a snapshot envelope');
          received.push({ id: tracked.id, message });
          wake?.();
        });
      },
    },
  );
  return {
    async next(index: number) {
      while (received.length <= index) await new Promise<void>((resolve) => (wake = resolve));
      return received[index]!;
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}

describe.each(testEngines)('control plane over HTTP on %s', (engine) => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    controlPlane = await startControlPlane({
      port: 0,
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
      simulatorBaseUrl: 'http://127.0.0.1:4999/v1',
    });
  });
  afterAll(async () => {
    await controlPlane?.close();
    await database?.drop();
  });

  test('first start seeds once and hands secrets over in owner-only files', async () => {
    expect(controlPlane.devApiKey).toMatch(/^sk-gw-/);
    expect(controlPlane.url).toBe(`http://127.0.0.1:${controlPlane.port}`);
    for (const file of ['dev-key', 'admin-token', 'data-plane-token', 'keys/snapshot-signing.private.jwk']) {
      expect((await stat(join(database.dataDir, file))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(database.dataDir, 'keys/snapshot-signing.public.jwk'))).mode & 0o777).toBe(0o644);
    const simulator = await controlPlane.prisma.provider.findUniqueOrThrow({ where: { slug: 'simulator' } });
    expect(simulator.baseUrl).toBe('http://127.0.0.1:4999/v1');
    const health = await fetch(`${controlPlane.url}/healthz`);
    expect(health.status).toBe(200);
  });

  test('a data plane gets a full snapshot over SSE, then a delta when a key is revoked through GraphQL', async () => {
    const snapshots = collectSnapshots(controlPlane);
    const first = await snapshots.next(0);
    expect(first.message.kind).toBe('full');
    expect(parseChannelPosition(first.id).version).toBe(first.message.version);

    const devKey = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    const response = await fetch(`${controlPlane.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.adminToken}` },
      body: JSON.stringify({ query: 'mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', variables: { id: devKey.id } }),
    });
    expect(response.status).toBe(200);

    const second = await snapshots.next(1);
    expect(second.message).toMatchObject({ kind: 'delta', fromVersion: first.message.version, changes: { apiKeys: { remove: [devKey.keyHash] } } });
    expect(second.message.version).toBeGreaterThan(first.message.version);
    snapshots.unsubscribe();
  });

  test('usage ingest over HTTP with the data-plane token', async () => {
    const devKey = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    const event = usageEvent({
      requestId: 'http-req-1',
      orgId: devKey.orgId,
      userId: devKey.userId,
      apiKeyId: devKey.id,
      requestedModel: 'simulator/echo',
      promptTokens: 10,
      completionTokens: 5,
      costMicros: 5,
      totalLatencyMs: 3,
      startedAt: '2026-11-25T10:00:00.000Z',
      finishedAt: '2026-11-25T10:00:00.003Z',
    });
    const client = createDataPlaneClient(controlPlane);
    expect(await client.dataPlane.ingestUsage.mutate({ events: [event] })).toEqual({ inserted: 1, duplicates: 0 });
    expect(await client.dataPlane.ingestUsage.mutate({ events: [event] })).toEqual({ inserted: 0, duplicates: 1 });
  });

  test('errors carry the gateway code and status but no stack', async () => {
    const response = await fetch(`${controlPlane.url}/trpc/apiKeys.list?input=${encodeURIComponent(JSON.stringify({ orgId: 'nope' }))}`, {
      headers: { authorization: `Bearer ${controlPlane.adminToken}` },
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.message).toBe('organization nope not found');
    expect(body.error.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, gatewayCode: 'not_found' });
    expect(body.error.data).not.toHaveProperty('stack');
  });

  test('a restart on the same data folder and port (with a live subscription) duplicates nothing and keeps the secrets', async () => {
    const snapshots = collectSnapshots(controlPlane);
    await snapshots.next(0);
    const counts = async () => ({
      organizations: await controlPlane.prisma.organization.count(),
      users: await controlPlane.prisma.user.count(),
      apiKeys: await controlPlane.prisma.apiKey.count(),
      adminTokens: await controlPlane.prisma.adminToken.count(),
      dataPlaneTokens: await controlPlane.prisma.dataPlaneToken.count(),
      providers: await controlPlane.prisma.provider.count(),
      models: await controlPlane.prisma.model.count(),
      ledgerEntries: await controlPlane.prisma.ledgerEntry.count(),
    });
    const before = {
      counts: await counts(),
      adminToken: controlPlane.adminToken,
      dataPlaneToken: controlPlane.dataPlaneToken,
      publicJwk: controlPlane.publicJwk,
    };
    const port = controlPlane.port;
    await controlPlane.close();
    snapshots.unsubscribe();

    const { logger, lines } = captureLogger();
    controlPlane = await startControlPlane({ port, dataDir: database.dataDir, databaseUrl: database.databaseUrl, logger });
    expect(controlPlane.port).toBe(port);
    expect(controlPlane.devApiKey).toBeNull();
    expect(lines).toContain('seed already exists; nothing seeded');
    expect({
      counts: await counts(),
      adminToken: controlPlane.adminToken,
      dataPlaneToken: controlPlane.dataPlaneToken,
      publicJwk: controlPlane.publicJwk,
    }).toEqual(before);
  });
});
