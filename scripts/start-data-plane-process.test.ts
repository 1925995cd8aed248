// npm start relays its data plane's output (an access-log line per request) to its own stdout, in the
// control plane's process: past the line saying where the data plane listens, every byte must still
// reach the relay, and nothing may be read again, or the relay's cost grows with all the output so far.
import { PassThrough } from 'node:stream';
import { expect, test, vi } from 'vitest';
import { relayUntilListening } from './start-data-plane-process.ts';

const LISTENING = /data plane listening on (http[^\s"]+)/;

test('relays everything, finds the URL across chunks, and stops scanning once it is found', async () => {
  const output = new PassThrough();
  const relay = new PassThrough();
  const relayed: Buffer[] = [];
  relay.on('data', (chunk: Buffer) => relayed.push(chunk));
  const pattern = new RegExp(LISTENING);
  const scans = vi.spyOn(pattern, 'exec');
  const url = relayUntilListening(output, relay, pattern);

  const written = ['{"msg":"starting"}\n', '{"msg":"data plane lis', 'tening on http://127.0.0.1:8080"}\n'];
  for (const chunk of written) output.write(chunk);
  await expect(url).resolves.toBe('http://127.0.0.1:8080');
  const scansToFind = scans.mock.calls.length;

  for (let line = 0; line < 1_000; line += 1) {
    const access = `{"msg":"request","line":${line}}\n`;
    written.push(access);
    output.write(access);
  }
  await expect.poll(() => Buffer.concat(relayed).toString('utf8')).toBe(written.join(''));
  expect(scans.mock.calls.length).toBe(scansToFind);
});
