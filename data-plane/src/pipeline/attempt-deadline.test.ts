// Streamed attempts' deadlines, checked by one shared timer (attempt-deadline.ts): each expires at its own
// time whatever the others, an ended one never does, and the client's abort reaches the attempt's signal.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AttemptDeadline } from './attempt-deadline.ts';
import { CancelSignal } from './cancel-signal.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('AttemptDeadline', () => {
  it('expires at its time: timed out, its signal aborted, the client signal untouched', () => {
    const client = new CancelSignal();
    const deadline = new AttemptDeadline(client, 300);
    vi.advanceTimersByTime(299);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.timedOut).toBe(true);
    expect(deadline.signal.aborted).toBe(true);
    expect(client.aborted).toBe(false);
  });

  it('never expires once ended, and leaves the others to expire at their own time', () => {
    const client = new CancelSignal();
    const first = new AttemptDeadline(client, 100);
    const second = new AttemptDeadline(client, 200);
    first.end(true);
    vi.advanceTimersByTime(150);
    expect(first.signal.aborted).toBe(false);
    expect(second.signal.aborted).toBe(false);
    vi.advanceTimersByTime(50);
    expect(second.timedOut).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(first.timedOut).toBe(false);
  });

  it('a shorter deadline made after a longer one expires first', () => {
    const client = new CancelSignal();
    const long = new AttemptDeadline(client, 5_000);
    vi.advanceTimersByTime(10);
    const short = new AttemptDeadline(client, 100);
    vi.advanceTimersByTime(100);
    expect(short.timedOut).toBe(true);
    expect(long.timedOut).toBe(false);
    vi.advanceTimersByTime(4_890);
    expect(long.timedOut).toBe(true);
  });

  it('expires exactly those not ended, among many ended in any order', () => {
    const client = new CancelSignal();
    const deadlines = Array.from({ length: 50 }, (_, index) => new AttemptDeadline(client, 100 + (index % 7)));
    for (const [index, deadline] of deadlines.entries()) if (index % 3 !== 1) deadline.end(index % 2 === 0);
    vi.advanceTimersByTime(200);
    expect(deadlines.map((deadline) => deadline.timedOut)).toEqual(deadlines.map((_, index) => index % 3 === 1));
  });

  it('the client abort aborts the attempt: before it ends, or after an answer; not after a failure', () => {
    const client = new CancelSignal();
    const pendingOne = new AttemptDeadline(client, 1_000);
    const answered = new AttemptDeadline(client, 1_000);
    const failed = new AttemptDeadline(client, 1_000);
    answered.end(true);
    failed.end(false);
    client.abort();
    expect(pendingOne.signal.aborted).toBe(true);
    expect(answered.signal.aborted).toBe(true);
    expect(failed.signal.aborted).toBe(false);
    expect(pendingOne.timedOut).toBe(false);
    pendingOne.end(false);
    const late = new AttemptDeadline(client, 1_000);
    expect(late.signal.aborted).toBe(true);
    late.end(false);
  });

  it('a deadline made while others expire is kept and expires at its own time', () => {
    const client = new CancelSignal();
    const first = new AttemptDeadline(client, 100);
    let retry: AttemptDeadline | null = null;
    first.signal.once('abort', () => (retry = new AttemptDeadline(client, 100)));
    vi.advanceTimersByTime(100);
    expect(first.timedOut).toBe(true);
    expect(retry).not.toBeNull();
    vi.advanceTimersByTime(99);
    expect(retry!.timedOut).toBe(false);
    vi.advanceTimersByTime(1);
    expect(retry!.timedOut).toBe(true);
  });
});
