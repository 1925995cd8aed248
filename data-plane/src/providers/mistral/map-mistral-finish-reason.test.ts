import { describe, expect, it } from 'vitest';
import { mapMistralFinishReason } from './map-mistral-finish-reason.ts';

describe('mapMistralFinishReason', () => {
  it.each([
    [null, null],
    [undefined, null],
    ['stop', 'stop'],
    ['length', 'length'],
    ['model_length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['error', 'error'],
    ['something_new', 'stop'],
  ])('%j → %j', (raw, expected) => {
    expect(mapMistralFinishReason(raw)).toBe(expected);
  });
});
