import { describe, expect, it } from 'vitest';
import { requestId } from './request-id.ts';

describe('requestId', () => {
  it('is a random version 4 UUID, unique over many refills of its pool', () => {
    const seen = new Set<string>();
    for (let count = 0; count < 2_000; count += 1) {
      const id = requestId();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2_000);
  });
});
