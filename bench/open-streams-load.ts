// Many long streams held open at once: open `streams` connections (at most `concurrentOpens` still
// waiting for their first event), send a streamed request on each, and hold them once each has
// received its first body byte, so the harness can read the gateway's memory with every stream open.
import { connect, type Socket } from 'node:net';
import { HttpResponseReader } from './http-response-reader.ts';
import { requestBytes, type BenchRequest } from './request-bytes.ts';

export interface OpenStreamsPlan {
  request: BenchRequest;
  streams: number;
  concurrentOpens: number;
  timeoutMs: number;
}

export interface OpenStreamsSummary {
  requested: number;
  /** Streams that received their first body byte with status 200. */
  started: number;
  /** Started streams that have already ended (the upstream finished them). */
  ended: number;
  failed: number;
  /** Time to first body byte of each started stream, µs. */
  firstByteMicros: number[];
}

export interface OpenStreamsHold {
  summary(): OpenStreamsSummary;
  close(): void;
}

export function openStreams(plan: OpenStreamsPlan): Promise<OpenStreamsHold> {
  const bytes = requestBytes(plan.request);
  const sockets: Socket[] = [];
  const firstByteMicros: number[] = [];
  let launched = 0;
  let waitingForFirstByte = 0;
  let ended = 0;
  let failed = 0;

  const hold: OpenStreamsHold = {
    summary: () => ({ requested: plan.streams, started: firstByteMicros.length, ended, failed, firstByteMicros }),
    close() {
      for (const socket of sockets) socket.destroy();
    },
  };

  return new Promise((resolve) => {
    let settled = false;
    const timeout = setTimeout(() => settle(), plan.timeoutMs);
    function settle(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      resolve(hold);
    }

    function launch(): void {
      while (launched < plan.streams && waitingForFirstByte < plan.concurrentOpens) {
        launched += 1;
        waitingForFirstByte += 1;
        const startNs = process.hrtime.bigint();
        const reader = new HttpResponseReader();
        let state: 'waiting' | 'streaming' | 'done' = 'waiting';
        const socket = connect({ host: plan.request.host, port: plan.request.port, noDelay: true });
        sockets.push(socket);
        const leaveWaiting = () => {
          waitingForFirstByte -= 1;
          if (firstByteMicros.length + failed === plan.streams) settle();
          else launch();
        };
        socket.on('data', (chunk: Buffer) => {
          if (state === 'done') return;
          const progress = reader.push(chunk);
          if (state === 'waiting' && progress.firstBodyByte) {
            if (reader.statusCode === 200) {
              state = 'streaming';
              firstByteMicros.push(Number(process.hrtime.bigint() - startNs) / 1000);
            } else {
              state = 'done';
              failed += 1;
            }
            leaveWaiting();
          }
          if (progress.complete && state === 'streaming') {
            state = 'done';
            ended += 1;
          }
        });
        const drop = () => {
          if (state === 'waiting') {
            failed += 1;
            leaveWaiting();
          } else if (state === 'streaming') ended += 1;
          state = 'done';
        };
        socket.on('error', drop);
        socket.on('close', drop);
        socket.write(bytes);
      }
    }
    launch();
  });
}
