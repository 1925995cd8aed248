// Open-loop load at a fixed rate, with microsecond timestamps (process.hrtime): requests are sent on
// schedule whether or not earlier ones have answered, each on an idle keep-alive connection or a new
// one, so a slow target cannot slow the client down (wrk in Debian is closed-loop, not wrk2). Latency
// runs from the write to the last body byte; a request that had to wait for a free connection (over
// `maxConnections`) is timed from when it was due, so queueing inside the client still counts.
// Time to first body byte is kept for streams (TTFT). The first `warmupMs` are sent but not recorded.
import { connect, type Socket } from 'node:net';
import { HttpResponseReader } from './http-response-reader.ts';
import { requestBytes, type BenchRequest } from './request-bytes.ts';

export interface OpenLoopPlan {
  request: BenchRequest;
  ratePerSecond: number;
  durationMs: number;
  warmupMs: number;
  maxConnections: number;
  /** How long to wait for answers after the last request was sent. */
  drainTimeoutMs: number;
}

export interface OpenLoopResult {
  ratePerSecond: number;
  /** Recorded requests answered, per second of the measured window. */
  achievedPerSecond: number;
  recorded: number;
  failed: number;
  unanswered: number;
  connectionsOpened: number;
  /** process.hrtime.bigint() (CLOCK_MONOTONIC, shared by every process on the host) when recording began, in ns. */
  recordStartNs: string;
  /** Per recorded, answered request: when it was due (µs after recordStartNs), latency and time to first body byte (µs). */
  dueMicros: number[];
  latencyMicros: number[];
  firstByteMicros: number[];
}

interface InFlight {
  dueNs: bigint;
  startNs: bigint;
  firstByteNs: bigint | null;
  recorded: boolean;
}

interface Connection {
  socket: Socket;
  reader: HttpResponseReader;
  inFlight: InFlight | null;
  open: boolean;
}

const toMicros = (nanoseconds: bigint) => Number(nanoseconds) / 1000;

/** `stop` ends the schedule early (the measured window then ends there too); answers are still awaited. */
export function runOpenLoop(plan: OpenLoopPlan, stop?: AbortSignal): Promise<OpenLoopResult> {
  const bytes = requestBytes(plan.request);
  const idle: Connection[] = [];
  const waiting: bigint[] = [];
  let connectionCount = 0;
  let connectionsOpened = 0;
  let outstanding = 0;
  let failed = 0;
  const intervalNs = BigInt(Math.round(1e9 / plan.ratePerSecond));
  const startNs = process.hrtime.bigint();
  const recordStartNs = startNs + BigInt(plan.warmupMs) * 1_000_000n;
  let endNs = recordStartNs + BigInt(plan.durationMs) * 1_000_000n;
  const dueMicros: number[] = [];
  const latencyMicros: number[] = [];
  const firstByteMicros: number[] = [];
  let recordedSent = 0;

  return new Promise((resolve) => {
    let finished = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      for (const connection of idle) connection.socket.destroy();
      resolve({
        ratePerSecond: plan.ratePerSecond,
        achievedPerSecond: latencyMicros.length / (Number(endNs - recordStartNs) / 1e9),
        recorded: latencyMicros.length,
        failed,
        unanswered: recordedSent - latencyMicros.length - failed,
        connectionsOpened,
        recordStartNs: String(recordStartNs),
        dueMicros,
        latencyMicros,
        firstByteMicros,
      });
    };

    function openConnection(): Connection {
      connectionCount += 1;
      connectionsOpened += 1;
      const socket = connect({ host: plan.request.host, port: plan.request.port, noDelay: true });
      const connection: Connection = { socket, reader: new HttpResponseReader(), inFlight: null, open: true };
      socket.on('data', (chunk: Buffer) => onData(connection, chunk));
      const drop = () => {
        if (!connection.open) return;
        connection.open = false;
        connectionCount -= 1;
        if (connection.inFlight !== null) settle(connection, false);
        const index = idle.indexOf(connection);
        if (index >= 0) idle.splice(index, 1);
        serveWaiting();
      };
      socket.on('error', drop);
      socket.on('close', drop);
      return connection;
    }

    function onData(connection: Connection, chunk: Buffer): void {
      const inFlight = connection.inFlight;
      if (inFlight === null) return;
      const progress = connection.reader.push(chunk);
      if (progress.firstBodyByte) inFlight.firstByteNs = process.hrtime.bigint();
      if (progress.complete) settle(connection, connection.reader.statusCode === 200);
    }

    function settle(connection: Connection, ok: boolean): void {
      const inFlight = connection.inFlight as InFlight;
      const now = process.hrtime.bigint();
      connection.inFlight = null;
      connection.reader.reset();
      outstanding -= 1;
      if (inFlight.recorded) {
        if (ok) {
          dueMicros.push(toMicros(inFlight.dueNs - recordStartNs));
          latencyMicros.push(toMicros(now - inFlight.startNs));
          firstByteMicros.push(toMicros((inFlight.firstByteNs ?? now) - inFlight.startNs));
        } else failed += 1;
      }
      if (connection.open) {
        idle.push(connection);
        serveWaiting();
      }
      if (outstanding === 0 && now >= endNs) finish();
    }

    function dispatch(connection: Connection, dueNs: bigint, queued: boolean): void {
      const now = process.hrtime.bigint();
      connection.inFlight = { dueNs, startNs: queued ? dueNs : now, firstByteNs: null, recorded: dueNs >= recordStartNs };
      connection.socket.write(bytes);
    }

    function send(dueNs: bigint): void {
      outstanding += 1;
      if (dueNs >= recordStartNs) recordedSent += 1;
      const connection = idle.pop() ?? (connectionCount < plan.maxConnections ? openConnection() : null);
      if (connection === null) waiting.push(dueNs);
      else dispatch(connection, dueNs, false);
    }

    function serveWaiting(): void {
      while (waiting.length > 0) {
        const connection = idle.pop() ?? (connectionCount < plan.maxConnections ? openConnection() : null);
        if (connection === null) return;
        dispatch(connection, waiting.shift() as bigint, true);
      }
    }

    let nextNs = startNs;
    let timer: NodeJS.Timeout | undefined;
    stop?.addEventListener('abort', () => {
      const now = process.hrtime.bigint();
      if (now >= endNs) return;
      endNs = now > recordStartNs ? now : recordStartNs + 1n;
      clearTimeout(timer);
      tick();
    });
    const tick = () => {
      const now = process.hrtime.bigint();
      while (nextNs <= now && nextNs < endNs) {
        send(nextNs);
        nextNs += intervalNs;
      }
      if (nextNs < endNs) {
        timer = setTimeout(tick, Math.max(0, Math.floor(Number(nextNs - now) / 1e6)));
        return;
      }
      if (outstanding === 0) return finish();
      drainTimer = setTimeout(finish, plan.drainTimeoutMs);
    };
    tick();
  });
}
