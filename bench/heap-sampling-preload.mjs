// Loaded into a data plane with --import by bench/measure-allocation-sites.ts: SIGUSR2 starts V8's sampling
// heap profiler on the main isolate, keeping the samples of objects that scavenges and mark-compacts
// collect (so the profile counts what was allocated, not what is still live); the next SIGUSR2 writes the
// profile to HEAP_SAMPLING_FILE. With HEAP_SAMPLING_SURVIVORS=1 the samples of objects a scavenge collects
// are dropped: what is left is what survived the scavenges (promoted) or is still young when it stops.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const survivorsOnly = process.env.HEAP_SAMPLING_SURVIVORS === '1';
// Survivors: the young objects allocated since the last scavenge are dead or alive undecided when the
// profiler stops; two scavenges just before settle them (what is left was promoted or is in flight).
let collect = null;
if (survivorsOnly) {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc');
}

const session = new Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.HEAP_SAMPLING_INTERVAL ?? 256),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !survivorsOnly,
    });
    return;
  }
  if (collect !== null) {
    collect({ type: 'minor' });
    collect({ type: 'minor' });
  }
  session.post('HeapProfiler.stopSampling', (error, result) => {
    // Renamed into place so that the reader never sees half a file.
    const file = process.env.HEAP_SAMPLING_FILE;
    writeFileSync(`${file}.part`, error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile));
    renameSync(`${file}.part`, file);
  });
});
