// What the SIGKILL tests share: a seeded random source (the seed is printed, KILL_TEST_SEED replays it),
// a mixed streamed / non-streamed load that records which requests the clients saw complete, and the
// final accounting: every completed request stored exactly once, and the ledger equal to the usage.
import { expect } from 'vitest';
import type { Gateway } from './gateway-harness.ts';
import { waitFor } from './wait-for.ts';

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export function killTestRandom(testName: string): { seed: number; random: () => number; between(min: number, max: number): number } {
  const seed = process.env.KILL_TEST_SEED ? Number(process.env.KILL_TEST_SEED) : Math.floor(Math.random() * 2 ** 31);
  process.stdout.write(`${testName}: seed ${seed} (rerun with KILL_TEST_SEED=${seed})\n`);
  const random = seededRandom(seed);
  return { seed, random, between: (min, max) => Math.round(min + random() * (max - min)) };
}

export interface MixedLoad {
  /** x-request-id of every request whose complete 200 the client received. */
  succeeded: string[];
  /** Requests that reached the gateway but did not end in a complete 200 (cut off by a kill, an error status). */
  unfinished: number;
  /** Connections refused while the gateway was down: these requests never reached it. */
  refused: number;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** `workers` clients in a loop, alternating streamed and non-streamed chat completions. */
export function startMixedLoad(options: { baseUrl: () => string; apiKey: string; model: string; workers: number }): MixedLoad {
  let stopped = false;
  let next = 0;
  const load: MixedLoad = { succeeded: [], unfinished: 0, refused: 0, stop: async () => {} };
  const worker = async () => {
    while (!stopped) {
      const index = next++;
      const outcome = await completeOneRequest(options, index).catch((error: { cause?: { code?: string } }) =>
        error.cause?.code === 'ECONNREFUSED' ? 'refused' : null,
      );
      if (outcome === 'refused') load.refused += 1;
      else if (outcome !== null) load.succeeded.push(outcome);
      else load.unfinished += 1;
      if (outcome === null || outcome === 'refused') {
        // Pacing while the gateway is down, so the clients do not spin.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const workers = Array.from({ length: options.workers }, worker);
  load.stop = async () => {
    stopped = true;
    await Promise.all(workers);
  };
  return load;
}

async function completeOneRequest(options: { baseUrl: () => string; apiKey: string; model: string }, index: number): Promise<string | null> {
  const stream = index % 2 === 0;
  const response = await fetch(`${options.baseUrl()}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
    body: JSON.stringify({ model: options.model, stream, messages: [{ role: 'user', content: `request number ${index}` }] }),
  });
  const text = await response.text();
  const complete =
    response.status === 200 && (stream ? text.endsWith('data: [DONE]\n\n') : (JSON.parse(text) as { object?: string }).object === 'chat.completion');
  return complete ? response.headers.get('x-request-id') : null;
}

/**
 * Waits until every request the clients saw complete has its usage row, then checks: each exactly once;
 * no row the clients could not have caused (at most one per unfinished request); the ledger's usage
 * debits equal to the cost of the non-BYOK rows, one debit per charged row.
 */
export async function expectUsageMatchesSuccesses(
  gateway: Gateway,
  load: MixedLoad,
): Promise<{ completed: number; unfinished: number; refused: number; rows: number; usageCostMicros: bigint }> {
  const prisma = gateway.controlPlane!.prisma;
  const expected = new Set(load.succeeded);
  await waitFor(
    async () => {
      const stored = await prisma.usageRecord.count({ where: { requestId: { in: [...expected] } } });
      return stored === expected.size ? true : undefined;
    },
    { what: `usage rows for all ${expected.size} completed requests` },
  );
  expect(expected.size).toBe(load.succeeded.length); // the gateway never handed out one id twice
  const rows = await prisma.usageRecord.findMany({ select: { requestId: true, costMicros: true, byok: true } });
  expect(new Set(rows.map((row) => row.requestId)).size).toBe(rows.length);
  expect(rows.length).toBeGreaterThanOrEqual(expected.size);
  expect(rows.length - expected.size).toBeLessThanOrEqual(load.unfinished);

  const charged = rows.filter((row) => !row.byok && row.costMicros > 0n);
  const usageCost = charged.reduce((sum, row) => sum + row.costMicros, 0n);
  const debits = await prisma.ledgerEntry.findMany({ where: { kind: 'usage' }, select: { amountMicros: true, usageRequestId: true } });
  expect(usageCost).toBeGreaterThan(0n);
  expect(debits.reduce((sum, debit) => sum + debit.amountMicros, 0n)).toBe(-usageCost);
  expect(new Set(debits.map((debit) => debit.usageRequestId))).toEqual(new Set(charged.map((row) => row.requestId)));
  return { completed: expected.size, unfinished: load.unfinished, refused: load.refused, rows: rows.length, usageCostMicros: usageCost };
}
