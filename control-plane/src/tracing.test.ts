// The control plane's OpenTelemetry spans: with an OTLP endpoint set, one SERVER span per GraphQL and
// tRPC operation (usage ingest batches included) reaches an OTLP/HTTP receiver this test starts, named
// by the operation, with its attributes and, for a failed one, the error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { spanAttribute, startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.ts';
import { startControlPlane, type ControlPlane } from './app.ts';

describe('control plane traces', () => {
  let database: TestDatabase;
  let receiver: OtlpReceiver;
  let controlPlane: ControlPlane;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    receiver = await startOtlpReceiver();
    controlPlane = await startControlPlane({ port: 0, dataDir: database.dataDir, otlpEndpoint: receiver.url });
  });
  afterAll(async () => {
    await controlPlane?.close();
    await receiver?.close();
    await database?.drop();
  });

  it('sends a span per GraphQL and tRPC operation, ingest batches included, with errors marked', async () => {
    const graphql = (authorization: string, query: string) =>
      fetch(`${controlPlane.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query }) });
    expect((await graphql(`Bearer ${controlPlane.adminToken}`, '{ organizations { id } }')).status).toBe(200);
    await graphql('Bearer wrong', 'mutation { createOrganization(name: "Nope") { id } }');
    const ingest = await fetch(`${controlPlane.url}/trpc/dataPlane.ingestUsage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.dataPlaneToken}` },
      body: JSON.stringify({ events: [{ not: 'a usage event' }] }),
    });
    expect(ingest.status).toBe(200);

    const named = (name: string) => receiver.spans.find((span) => span.name === name);
    await expect.poll(() => ['graphql organizations', 'graphql createOrganization', 'trpc dataPlane.ingestUsage'].every(named), { timeout: 20_000 }).toBe(true);
    expect(receiver.paths.every((path) => path === '/v1/traces')).toBe(true);

    const query = named('graphql organizations')!;
    expect(query.kind).toBe(2); // SERVER
    expect(spanAttribute(query, 'graphql.operation.type')).toBe('query');
    expect(spanAttribute(query, 'graphql.operation.name')).toBe('organizations');
    expect(spanAttribute(query, 'error.type')).toBeUndefined();
    expect(BigInt(query.endTimeUnixNano)).toBeGreaterThan(BigInt(query.startTimeUnixNano));

    const refused = named('graphql createOrganization')!;
    expect(spanAttribute(refused, 'graphql.operation.type')).toBe('mutation');
    expect(spanAttribute(refused, 'error.type')).toBeDefined();
    expect(refused.status?.code).toBe(2); // ERROR

    const batch = named('trpc dataPlane.ingestUsage')!;
    expect(spanAttribute(batch, 'rpc.system')).toBe('trpc');
    expect(spanAttribute(batch, 'rpc.method')).toBe('dataPlane.ingestUsage');
    expect(spanAttribute(batch, 'trpc.procedure.type')).toBe('mutation');
  });
});
