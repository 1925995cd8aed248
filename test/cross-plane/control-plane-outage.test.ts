// The data plane does not need the control plane to serve: restarted while the control plane is down,
// it serves from its persisted snapshot; the usage it records meanwhile arrives once the control plane
// is back, exactly once.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCursor } from '../../data-plane/src/usage/spool-cursor.ts';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { countUsageRows } from '../support/usage-rows.ts';
import { waitFor } from '../support/wait-for.ts';
import { graphql } from '../support/graphql-client.ts';

describe.each(testEngines)('control plane outage (%s)', (engine) => {
  const gateway = useGateway(engine);

  async function askOnce(content: string): Promise<string> {
    const { response } = await gateway
      .client()
      .chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content }] })
      .withResponse();
    return response.headers.get('x-request-id')!;
  }

  it('serves from the persisted snapshot and delivers the usage afterwards, once', async () => {
    const before = await askOnce('before the outage');
    await gateway.dataPlane!.flushUsage();

    await gateway.controlPlane!.close();
    gateway.controlPlane = null;
    await gateway.dataPlane!.close();
    await gateway.startDataPlane();
    expect(gateway.dataPlane!.snapshotVersion()).not.toBeNull();

    const during: string[] = [];
    for (let index = 0; index < 5; index++) during.push(await askOnce(`during the outage ${index}`));
    // Shipping fails while the control plane is away; nothing may be lost or acknowledged early.
    await expect(gateway.dataPlane!.flushUsage()).rejects.toThrow();

    await gateway.startControlPlane();
    const allIds = [before, ...during];
    const counts = await waitFor(
      async () => {
        const current = await countUsageRows(gateway, allIds);
        return [...current.values()].every((count) => count === 1) ? current : undefined;
      },
      { what: 'usage recorded during the outage to arrive' },
    );
    expect([...counts.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await gateway.controlPlane!.prisma.usageRecord.count()).toBe(6);
    const debits = await gateway.controlPlane!.prisma.ledgerEntry.count({ where: { kind: 'usage' } });
    expect(debits).toBe(6);

    // The data plane resubscribed: a key created now works on it.
    const orgId = (await gateway.controlPlane!.prisma.organization.findFirstOrThrow()).id;
    const created = await graphql<{ createApiKey: { key: string } }>(
      gateway,
      'mutation ($orgId: ID!) { createApiKey(orgId: $orgId, name: "after-outage") { key } }',
      { orgId },
    );
    const ask = () =>
      gateway
        .client(created.createApiKey.key)
        .chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'new key' }] })
        .then(
          () => 200,
          (error: { status?: number }) => error.status,
        );
    await expect.poll(ask).toBe(200);
  });

  it('stores a batch re-sent after a crash between its ingest and the cursor write once', async () => {
    // A directory where the cursor's temp file goes: every cursor write fails after the control plane
    // committed the batch, as if the data plane died right there; the batch is sent again and again.
    const blockedCursor = join(gateway.dataPlaneStateDir, 'spool', 'cursor.json.tmp');
    await gateway.dataPlane!.flushUsage(); // everything earlier shipped: the cursor stands still
    const cursorBefore = await loadCursor(join(gateway.dataPlaneStateDir, 'spool'));
    await mkdir(blockedCursor);
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push(await askOnce(`re-sent ${index}`));
    await waitFor(async () => ([...(await countUsageRows(gateway, ids)).values()].every((count) => count === 1) ? true : undefined), {
      what: 'the batch to be ingested although its cursor write failed',
    });
    expect(await loadCursor(join(gateway.dataPlaneStateDir, 'spool'))).toEqual(cursorBefore);

    await rm(blockedCursor, { recursive: true });
    await gateway.dataPlane!.flushUsage();
    expect(await loadCursor(join(gateway.dataPlaneStateDir, 'spool'))).not.toEqual(cursorBefore);
    expect([...(await countUsageRows(gateway, ids)).values()]).toEqual([1, 1, 1]);
    const prisma = gateway.controlPlane!.prisma;
    expect(await prisma.ledgerEntry.count({ where: { usageRequestId: { in: ids } } })).toBe(3);
  });
});
