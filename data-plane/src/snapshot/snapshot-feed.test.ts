// The snapshot feed's worker thread yields its core to every other thread of the process: it runs at the
// SCHED_IDLE scheduling policy (and nice 19), while the thread that started it keeps its own policy.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyPackedEntries } from './packed-entries.ts';
import { createSnapshotFeed } from './snapshot-feed.ts';
import { snapshotSigning } from '../testing/snapshot-states.ts';

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** A thread's nice value and scheduling policy (proc(5): stat fields 19 and 41, counted after the command name). */
function schedulingOf(statPath: string): { nice: number; policy: number } {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
  return { nice: Number(fields[16]), policy: Number(fields[38]) };
}

/** Per thread of this process, its nice value and scheduling policy. */
function threads(): Map<string, { nice: number; policy: number }> {
  const found = new Map<string, { nice: number; policy: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      found.set(tid, schedulingOf(`/proc/self/task/${tid}/stat`));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return found;
}

let feed: ReturnType<typeof createSnapshotFeed> | null = null;
afterAll(() => feed?.close());

describe('snapshot feed', () => {
  it.skipIf(process.platform !== 'linux')('runs its worker thread at the idle scheduling policy, the calling thread unchanged', async () => {
    const { keys } = await snapshotSigning();
    const before = threads();
    feed = createSnapshotFeed({ controlPlaneUrls: ['http://127.0.0.1:9'], dataPlaneToken: 'unused', snapshotPublicJwk: keys.publicJwk });
    // A task answered: the worker is up and past its start.
    await feed.mergeKeys({ packed: emptyPackedEntries(), changes: [] }, emptyPackedEntries());
    const idle = [...threads()].filter(([tid, thread]) => !before.has(tid) && thread.policy === SCHED_IDLE);
    expect(idle.map(([, thread]) => thread)).toEqual([{ nice: 19, policy: SCHED_IDLE }]);
    expect(schedulingOf('/proc/thread-self/stat').policy).toBe(SCHED_OTHER);
  });
});
