// A data plane whose disk fills up (ENOSPC injected through the spool's file layer): new requests get
// 503 usage_spool_unavailable and /healthz says so, the request whose usage could not be written yet
// waits instead of being answered unrecorded, and once the disk has room again it completes, its usage
// is on disk exactly once, and the data plane serves again.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useSimulatedDataPlane } from '../../../test/support/simulated-data-plane.ts';
import { TEST_API_KEY, TEST_MODEL } from '../testing/data-plane-fixture.ts';
import { readSpoolBatch } from './ship-usage.ts';
import { segmentFileName, type SpoolFile } from './usage-spool.ts';

const disk = { full: false };

async function openOnDiskThatCanFill(path: string): Promise<SpoolFile> {
  const file = await open(path, constants.O_RDWR | constants.O_CREAT);
  return {
    write(buffer, offset, length, position) {
      if (disk.full) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      return file.write(buffer, offset, length, position);
    },
    datasync: () => file.datasync(),
    stat: () => file.stat(),
    close: () => file.close(),
  };
}

const { simulator, fixture } = useSimulatedDataPlane({ fixture: { usageSpoolOpenFile: openOnDiskThatCanFill } });

afterAll(() => {
  disk.full = false;
});

function chat(content: string): Promise<Response> {
  return fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content }] }),
  });
}

async function spooledRequestIds(): Promise<string[]> {
  const { events } = await readSpoolBatch(join(fixture.stateDir, 'spool', segmentFileName(1)), 0, 10_000);
  return events.map((event) => event.requestId);
}

describe('a full disk under the usage spool', () => {
  it('refuses new requests with 503 usage_spool_unavailable until a write succeeds, and loses nothing', async () => {
    expect((await chat('before')).status).toBe(200);

    disk.full = true;
    let answered = false;
    const waiting = chat('while the disk fills').then((response) => {
      answered = true;
      return response;
    });
    await expect.poll(async () => (await fetch(`${fixture.dataPlane.url}/healthz`)).status).toBe(503);
    expect(await (await fetch(`${fixture.dataPlane.url}/healthz`)).json()).toMatchObject({ status: 'usage_spool_unavailable' });

    const upstreamCallsBefore = simulator.requests.length;
    const refused = await chat('after the disk filled');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: { message: expect.stringContaining('cannot record usage'), type: 'server_error', code: 'usage_spool_unavailable', param: null },
    });
    expect(simulator.requests.length).toBe(upstreamCallsBefore); // refused before any upstream call
    expect(answered).toBe(false); // its usage is not on disk yet, so its answer is held back

    disk.full = false;
    const completed = await waiting;
    expect(completed.status).toBe(200);
    const completedId = completed.headers.get('x-request-id') as string;
    expect((await spooledRequestIds()).filter((id) => id === completedId)).toHaveLength(1);
    expect((await fetch(`${fixture.dataPlane.url}/healthz`)).status).toBe(200);
    expect((await chat('disk has room again')).status).toBe(200);
  });
});
