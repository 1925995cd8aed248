// The usage ingest as the channel posts it: a body spliced from the events' JSON texts, read by a real
// tRPC router (the fake control plane) as the same input the tRPC client sent; a refusal, an error
// answer and no answer at all are told apart as before.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageBatchRefusedError } from '../../../shared/src/usage-event.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { startFakeControlPlane, type FakeControlPlane } from '../testing/fake-control-plane.ts';
import { createControlPlaneChannel, ingestUsageBody } from './control-plane-channel.ts';

let controlPlane: FakeControlPlane | null = null;

afterEach(async () => {
  await controlPlane?.close();
  controlPlane = null;
});

const jsonOf = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('ingestUsageBody', () => {
  it('is the JSON of { events } with each event as given', () => {
    const events = [sampleUsageEvent('a'), { ...sampleUsageEvent('b'), servedModel: 'ü "quoted" \u2028' }];
    expect(JSON.parse(ingestUsageBody(events.map(jsonOf)).toString('utf8'))).toEqual({ events });
    expect(ingestUsageBody([jsonOf(events[0])]).toString('utf8')).toBe(JSON.stringify({ events: [events[0]] }));
  });
});

describe('createControlPlaneChannel: ingestUsage', () => {
  it('ingests the events whose JSON it is given, once each', async () => {
    controlPlane = await startFakeControlPlane();
    const channel = createControlPlaneChannel({ controlPlaneUrls: [controlPlane.url], dataPlaneToken: controlPlane.token });
    const events = Array.from({ length: 300 }, (_, index) => ({ ...sampleUsageEvent(`r${index}`), promptTokens: index, servedModel: `模型-${index}` }));
    expect(await channel.ingestUsage(events.map(jsonOf))).toEqual({ inserted: 300, duplicates: 0 });
    expect(await channel.ingestUsage(events.slice(0, 10).map(jsonOf))).toEqual({ inserted: 0, duplicates: 10 });
    expect([...controlPlane.usage.values()]).toEqual(events);
    expect(controlPlane.ingestCalls).toBe(2);
  });

  it('refuses a batch the control plane refuses as malformed, and stays with that replica', async () => {
    controlPlane = await startFakeControlPlane();
    const channel = createControlPlaneChannel({ controlPlaneUrls: [controlPlane.url, 'http://127.0.0.1:9'], dataPlaneToken: controlPlane.token });
    await expect(channel.ingestUsage([])).rejects.toBeInstanceOf(UsageBatchRefusedError);
    await expect(channel.ingestUsage([Buffer.from('{"requestId":')])).rejects.toBeInstanceOf(UsageBatchRefusedError);
    expect(channel.currentUrl).toBe(controlPlane.url);
  });

  it('fails without a refusal while the control plane cannot ingest, and moves on from a replica that does not answer', async () => {
    controlPlane = await startFakeControlPlane();
    controlPlane.ingestDown = true;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const channel = createControlPlaneChannel({ controlPlaneUrls: [deadUrl, controlPlane.url], dataPlaneToken: controlPlane.token });
    const events = [jsonOf(sampleUsageEvent('later'))];
    const noAnswer = await channel.ingestUsage(events).catch((error: unknown) => error);
    expect(noAnswer).toBeInstanceOf(Error);
    expect(noAnswer).not.toBeInstanceOf(UsageBatchRefusedError);
    expect(channel.currentUrl).toBe(controlPlane.url);
    const down = await channel.ingestUsage(events).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(Error);
    expect(down).not.toBeInstanceOf(UsageBatchRefusedError);
    expect(controlPlane.usage.size).toBe(0);
    controlPlane.ingestDown = false;
    // The 503 moved the channel on (a 5xx is no answer of the replica's own), back round to the dead one.
    expect(channel.currentUrl).toBe(deadUrl);
    await expect(channel.ingestUsage(events)).rejects.toThrow();
    expect(await channel.ingestUsage(events)).toEqual({ inserted: 1, duplicates: 0 });
  });
});
