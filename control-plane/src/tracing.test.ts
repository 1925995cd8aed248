// The control plane's OpenTelemetry spans: with an OTLP endpoint set, one SERVER span per GraphQL and
// tRPC operation (usage ingest batches included, with their row counts) reaches an OTLP/HTTP receiver
// this test starts, named by the operation, with its attributes and, for a failed one, the error; a
// caller's traceparent makes the span its child.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControlPlaneOnPglite } from '../../test/support/control-plane-on-pglite.ts';
import { spanAttribute, startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.ts';
import { usageEvent } from '../../test/support/usage-event.ts';

describe('control plane traces', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver?.close());
  // After the receiver's hooks: started once it listens, stopped before it closes.
  const controlPlane = useControlPlaneOnPglite(() => ({ otlpEndpoint: receiver.url }));

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

  it("continues the trace of a caller that sends a traceparent, and puts an ingest batch's rows on its span", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const graphqlParent = 'b7ad6b7169203331';
    const query = await fetch(`${controlPlane.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.adminToken}`, traceparent: `00-${traceId}-${graphqlParent}-01` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(query.status).toBe(200);

    const org = await controlPlane.prisma.organization.findFirstOrThrow();
    const billed = usageEvent({ requestId: 'req-traced-billed', orgId: org.id, startedAt: new Date().toISOString() });
    const unbilled = usageEvent({ requestId: 'req-traced-unbilled', orgId: 'org_gone', startedAt: new Date().toISOString() });
    const ingest = (parentSpanId: string, events: unknown[]) =>
      fetch(`${controlPlane.url}/trpc/dataPlane.ingestUsage`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${controlPlane.dataPlaneToken}`,
          traceparent: `00-${traceId}-${parentSpanId}-01`,
        },
        body: JSON.stringify({ events }),
      });
    expect((await ingest('00f067aa0ba902b7', [billed, unbilled, { not: 'a usage event' }])).status).toBe(200);
    expect((await ingest('00f067aa0ba902b8', [billed])).status).toBe(200);

    const child = (parentSpanId: string) => receiver.spans.find((span) => span.parentSpanId === parentSpanId);
    await expect.poll(() => [graphqlParent, '00f067aa0ba902b7', '00f067aa0ba902b8'].every(child), { timeout: 20_000 }).toBe(true);
    expect(child(graphqlParent)!.name).toBe('graphql me');
    for (const parent of [graphqlParent, '00f067aa0ba902b7', '00f067aa0ba902b8']) expect(child(parent)!.traceId).toBe(traceId);

    const rows = (parentSpanId: string) =>
      Object.fromEntries(
        ['received', 'inserted', 'duplicate', 'unbilled', 'dead_lettered'].map((result) => [
          result,
          spanAttribute(child(parentSpanId)!, `gateway.ingest.rows.${result}`),
        ]),
      );
    expect(child('00f067aa0ba902b7')!.name).toBe('trpc dataPlane.ingestUsage');
    expect(rows('00f067aa0ba902b7')).toEqual({ received: 3, inserted: 2, duplicate: 0, unbilled: 1, dead_lettered: 1 });
    expect(rows('00f067aa0ba902b8')).toEqual({ received: 1, inserted: 0, duplicate: 1, unbilled: 0, dead_lettered: 0 });
  });

  it('starts a new trace for a traceparent that is not one', async () => {
    const response = await fetch(`${controlPlane.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.adminToken}`, traceparent: '00-not-a-trace-01' },
      body: JSON.stringify({ query: '{ adminTokens { id } }' }),
    });
    expect(response.status).toBe(200);
    const span = () => receiver.spans.find((candidate) => candidate.name === 'graphql adminTokens');
    await expect.poll(span, { timeout: 20_000 }).toBeDefined();
    expect(span()!.parentSpanId || null).toBeNull();
    expect(span()!.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
