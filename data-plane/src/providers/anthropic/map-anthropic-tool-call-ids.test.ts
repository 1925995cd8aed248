import { describe, expect, it } from 'vitest';
import { createAnthropicToolCallIdMapper } from './map-anthropic-tool-call-ids.ts';

const VALID = /^[a-zA-Z0-9_-]+$/;

describe('createAnthropicToolCallIdMapper', () => {
  it.each(['toolu_01A09q90qw90lq917835lq9', 'call_abc123', 'D681PevKs', 'a-b_c'])('keeps the valid id %s', (id) => {
    expect(createAnthropicToolCallIdMapper()(id)).toBe(id);
  });

  it.each([
    ['call:1', /^call_1_[a-zA-Z0-9]{8}$/],
    ['functions.get_weather:0', /^functions_get_weather_0_[a-zA-Z0-9]{8}$/],
    ['id with spaces', /^id_with_spaces_[a-zA-Z0-9]{8}$/],
    ['', /^_[a-zA-Z0-9]{8}$/],
  ])('replaces the invalid id %j with a sanitised one plus a hash', (original, expected) => {
    const id = createAnthropicToolCallIdMapper()(original);
    expect(id).toMatch(expected);
    expect(id).toMatch(VALID);
  });

  it('maps the same id the same way within a request and across requests', () => {
    const toAnthropicId = createAnthropicToolCallIdMapper();
    const forToolUse = toAnthropicId('call:1');
    expect(toAnthropicId('call:1')).toBe(forToolUse);
    expect(createAnthropicToolCallIdMapper()('call:1')).toBe(forToolUse);
  });

  it('keeps two ids that sanitise to the same text distinct', () => {
    const toAnthropicId = createAnthropicToolCallIdMapper();
    const colon = toAnthropicId('call:1');
    const dot = toAnthropicId('call.1');
    expect(colon).not.toBe(dot);
    // A valid client id equal to one already derived for another call gets its own.
    const clash = toAnthropicId(colon);
    expect(clash).not.toBe(colon);
    expect(clash).toMatch(VALID);
  });

  it('caps the sanitised prefix of a long id', () => {
    expect(createAnthropicToolCallIdMapper()(`${'x'.repeat(200)}.`)).toHaveLength(48 + 1 + 8);
  });
});
