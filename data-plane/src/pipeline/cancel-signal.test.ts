// A request's cancellation runs each listener once, in order, and not one that was taken back.
import { describe, expect, it } from 'vitest';
import { CancelSignal } from './cancel-signal.ts';

describe('CancelSignal', () => {
  it('runs the listeners still added once, in the order they were added, and nothing on a second abort', () => {
    const signal = new CancelSignal();
    const ran: string[] = [];
    const first = () => ran.push('first');
    const taken = () => ran.push('taken');
    signal.once('abort', first);
    signal.once('abort', taken);
    signal.once('abort', () => ran.push('last'));
    signal.removeListener('abort', taken);
    expect(signal.aborted).toBe(false);
    signal.abort();
    signal.abort();
    expect(signal.aborted).toBe(true);
    expect(ran).toEqual(['first', 'last']);
  });

  it('takes back one registration of a listener added twice, and never runs a listener added after the abort', () => {
    const signal = new CancelSignal();
    let runs = 0;
    const listener = () => (runs += 1);
    signal.once('abort', listener);
    signal.once('abort', listener);
    signal.removeListener('abort', listener);
    signal.abort();
    signal.once('abort', listener);
    expect(runs).toBe(1);
  });
});
